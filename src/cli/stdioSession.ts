import { createFilterBank } from '../filters/filterBank.js';
import { ClosedLoopLearner } from '../loop/learner.js';
import { Network } from '../net/network.js';
import type { LineItem } from '../node/lineReader.js';
import { resolveConfiguredTrack, trackKey } from '../node/pngTrack.js';
import { LIMITS, networkParameters, parseRunConfig, type RunConfig } from '../run/config.js';
import { networkFromConfig, networkInputs, ruleFromConfig } from '../run/setup.js';
import { ValidationError } from '../util/errors.js';
import { LineFollowerEnvironment } from '../world/lineFollower.js';
import type { Track } from '../world/track.js';
import {
  checkFinite,
  errorLine,
  infoJson,
  integer,
  MiB,
  mb,
  messageOf,
  numbers,
  observationJson,
  parseRequest,
  type Request,
  STDIO_LIMITS,
  STDIO_PROTOCOL,
  type StdioLimits,
  validId,
  wheelSpeeds,
  withId,
} from './stdioRequest.js';
import { packageVersion } from './version.js';

export { STDIO_LIMITS, STDIO_PROTOCOL } from './stdioRequest.js';

const OPS =
  'one of hello, make_env, reset, step, make_learner, do_step, set_learning_rate, reset_learner, network, close, status, quit';

interface LiveEnv {
  env: LineFollowerEnvironment;
  track: string;
  bytes: number;
}

/** What an environment on this track is counted as (its texture copy, plus 1 MiB for the rest). */
function envBytes(track: Track): number {
  return 8 * track.texture.width * (track.texture.height + 1) + MiB;
}

interface LiveLearner {
  learner: ClosedLoopLearner;
  parameters: number;
}

/** What one `sarlab stdio` process holds: its environments, learners and the tracks they use. */
export class StdioSession {
  private readonly envs = new Map<number, LiveEnv>();
  private readonly learners = new Map<number, LiveLearner>();
  private readonly tracks = new Map<string, Track>();
  private nextId = 1;

  /** `limits`: the caps of environments and learners (tests lower them). */
  constructor(private readonly limits: StdioLimits = STDIO_LIMITS) {}

  /**
   * The answer line (with its newline) to one line of input, or null for a blank line; `quit`
   * says the client asked the server to end. Never throws: every failure is an error answer.
   */
  answer(item: LineItem): { line: string | null; quit: boolean } {
    if ('tooLong' in item) {
      return {
        line: errorLine(
          undefined,
          `request: a line of ${item.tooLong} bytes, over the limit of ${STDIO_LIMITS.lineBytes} bytes (skipped unread)`,
        ),
        quit: false,
      };
    }
    if (item.line.trim() === '') return { line: null, quit: false };
    let request: Request;
    try {
      request = parseRequest(item.line);
    } catch (error) {
      return { line: errorLine(undefined, messageOf(error)), quit: false };
    }
    const id = request.id;
    if (!validId(id)) {
      const expected = `a number, a string of at most ${STDIO_LIMITS.idChars} characters, or null`;
      return { line: errorLine(undefined, new ValidationError('id', id, expected).message), quit: false };
    }
    try {
      checkFinite(request);
      const answer = JSON.stringify(withId(id, { ok: true, ...this.handle(request) }));
      if (answer.length > STDIO_LIMITS.answerBytes) {
        throw new Error(
          `${String(request.op)}: the answer would be ${answer.length} bytes, over the limit of ${STDIO_LIMITS.answerBytes}`,
        );
      }
      return { line: `${answer}\n`, quit: request.op === 'quit' };
    } catch (error) {
      return { line: errorLine(id, messageOf(error)), quit: false };
    }
  }

  /** Environments, learners and tracks held now, and their weights (the `status` answer). */
  counts(): { envs: number; envBytes: number; learners: number; tracks: number; parameters: number } {
    return {
      envs: this.envs.size,
      envBytes: this.liveEnvBytes(),
      learners: this.learners.size,
      tracks: this.tracks.size,
      parameters: this.liveParameters(),
    };
  }

  private handle(request: Request): Record<string, unknown> {
    switch (request.op) {
      case 'hello':
        return { protocol: STDIO_PROTOCOL, version: packageVersion(), limits: this.limits };
      case 'make_env':
        return this.makeEnv(request);
      case 'reset': {
        const env = this.env(request.env);
        const seed =
          request.seed === undefined || request.seed === null ? undefined : integer(request.seed, 'seed');
        const { observation } = env.reset(seed);
        return {
          observation: observationJson(observation),
          info: { x: env.pose.x, y: env.pose.y, theta: env.pose.theta, reason: '' },
        };
      }
      case 'step': {
        const env = this.env(request.env);
        const [left, right] = wheelSpeeds(request.action);
        const result = env.step({ left, right });
        return {
          observation: observationJson(result.observation),
          reward: -Math.abs(result.error),
          terminated: result.terminated,
          truncated: result.truncated,
          info: infoJson(result.info),
        };
      }
      case 'make_learner':
        return this.makeLearner(request);
      case 'do_step': {
        const learner = this.learner(request.learner);
        const inputs = numbers(request.inputs, 'inputs', learner.inputCount);
        const error =
          typeof request.error === 'number'
            ? numbers([request.error], 'error', 1)[0]
            : numbers(request.error, 'error', learner.network.outputs);
        const cue = request.cue === undefined ? undefined : numbers([request.cue], 'cue', 1)[0];
        const outputs = learner.doStep(inputs, error, cue === undefined ? undefined : { cue });
        return { outputs: Array.from(outputs), learned: learner.learned };
      }
      case 'set_learning_rate': {
        const learner = this.learner(request.learner);
        const [rate] = numbers([request.learning_rate], 'learning_rate', 1);
        if (rate < 0 || !learner.rule) throw new ValidationError('learning_rate', rate, 'a number >= 0');
        learner.rule.learningRate = rate;
        return {};
      }
      case 'reset_learner':
        this.learner(request.learner).reset();
        return {};
      case 'network':
        return { network: this.learner(request.learner).network.toJSON() };
      case 'close':
        return this.close(request);
      case 'status': {
        const memory = process.memoryUsage();
        return {
          ...this.counts(),
          limits: this.limits,
          memory: {
            rss: memory.rss,
            heapUsed: memory.heapUsed,
            maxRss: process.resourceUsage().maxRSS * 1024,
          },
        };
      }
      case 'quit':
        return {};
      default:
        throw new ValidationError('op', request.op, OPS);
    }
  }

  private makeEnv(request: Request): Record<string, unknown> {
    if (this.envs.size >= this.limits.envs) {
      throw new ValidationError(
        'make_env',
        `${this.envs.size} environments open`,
        `at most ${this.limits.envs} at once in one process (close some: {"op": "close", "env": id})`,
      );
    }
    const config = runConfig(request.config);
    const key = trackKey(config);
    if (!this.tracks.has(key) && this.tracks.size >= this.limits.tracks) {
      throw new ValidationError(
        'config.track',
        config.track,
        `one of the ${this.tracks.size} tracks in use: at most ${this.limits.tracks} different tracks (track, trackScale, lineWidth) at once in one process (close the environments on another)`,
      );
    }
    const track = resolveConfiguredTrack(config, this.tracks);
    const bytes = envBytes(track);
    let env: LineFollowerEnvironment;
    try {
      const live = this.liveEnvBytes();
      if (live + bytes > this.limits.envBytes) {
        throw new ValidationError(
          'make_env',
          `an environment of about ${mb(bytes)} MB on this track with ${mb(live)} MB in open environments`,
          `at most ${mb(this.limits.envBytes)} MB in all open environments of one process together (close some: {"op": "close", "env": id})`,
        );
      }
      env = new LineFollowerEnvironment(track, config.world, { kernel: config.network.kernel });
    } catch (error) {
      this.releaseTrack(key);
      throw error;
    }
    const id = this.nextId++;
    this.envs.set(id, { env, track: key, bytes });
    return { env: id, predictors: env.predictorCount, dt: env.dt, config };
  }

  private makeLearner(request: Request): Record<string, unknown> {
    const config = runConfig(request.config);
    if (config.rule === 'reflex') throw new ValidationError('config.rule', 'reflex', 'a learning rule');
    const predictors = integer(request.predictors, 'predictors');
    if (predictors < 1 || predictors > this.limits.predictors)
      throw new ValidationError('predictors', predictors, `an integer from 1 to ${this.limits.predictors}`);
    const parameters = networkParameters(networkInputs(config, predictors), config.network.layers);
    if (parameters > LIMITS.parameters) {
      throw new ValidationError(
        'config.network.layers',
        config.network.layers,
        `a network of at most ${LIMITS.parameters} weights (this one has ${parameters}: ${predictors} predictors × ${config.filters.count} filters in)`,
      );
    }
    if (this.learners.size >= this.limits.learners) {
      throw new ValidationError(
        'make_learner',
        `${this.learners.size} learners open`,
        `at most ${this.limits.learners} at once in one process (close some: {"op": "close", "learner": id})`,
      );
    }
    const live = this.liveParameters();
    if (live + parameters > this.limits.parameters) {
      throw new ValidationError(
        'make_learner',
        `a network of ${parameters} weights with ${live} in open learners`,
        `at most ${this.limits.parameters} weights in all open learners of one process together (close some: {"op": "close", "learner": id})`,
      );
    }
    const filters = createFilterBank({ ...config.filters, predictors, kernel: config.network.kernel });
    const inputs = networkInputs(config, predictors);
    // A saved network (a model file's `network`, as Python's Learner.load sends) instead of fresh weights.
    const network =
      request.network === undefined
        ? networkFromConfig(config, inputs)
        : savedNetwork(request.network, config, inputs);
    const rule = ruleFromConfig(config, config.rule);
    const id = this.nextId++;
    this.learners.set(id, { learner: new ClosedLoopLearner(network, filters, rule), parameters });
    return { learner: id, inputs: predictors, outputs: network.outputs, config };
  }

  /** Frees an environment or a learner; closing one that is not open (any more) answers closed: false. */
  private close(request: Request): Record<string, unknown> {
    const hasEnv = request.env !== undefined;
    if (hasEnv === (request.learner !== undefined))
      throw new ValidationError(
        'close',
        hasEnv ? 'both env and learner' : 'neither env nor learner',
        'either env or learner (one id)',
      );
    const id = integer(hasEnv ? request.env : request.learner, hasEnv ? 'env' : 'learner');
    if (!hasEnv) return { closed: this.learners.delete(id) };
    const live = this.envs.get(id);
    if (!live) return { closed: false };
    this.envs.delete(id);
    this.releaseTrack(live.track);
    return { closed: true };
  }

  /** Drops a track from the cache when no open environment uses it any more. */
  private releaseTrack(key: string): void {
    for (const live of this.envs.values()) if (live.track === key) return;
    this.tracks.delete(key);
  }

  private liveEnvBytes(): number {
    let total = 0;
    for (const live of this.envs.values()) total += live.bytes;
    return total;
  }

  private liveParameters(): number {
    let total = 0;
    for (const live of this.learners.values()) total += live.parameters;
    return total;
  }

  private env(id: unknown): LineFollowerEnvironment {
    const found = typeof id === 'number' ? this.envs.get(id) : undefined;
    if (!found) throw new ValidationError('env', id, 'the id of an open environment (make_env returns it)');
    return found.env;
  }

  private learner(id: unknown): ClosedLoopLearner {
    const found = typeof id === 'number' ? this.learners.get(id) : undefined;
    if (!found)
      throw new ValidationError('learner', id, 'the id of an open learner (make_learner returns it)');
    return found.learner;
  }
}

function runConfig(value: unknown): RunConfig {
  return parseRunConfig(value ?? {}, 'config');
}

/**
 * A network sent with make_learner, shaped for this learner's inputs and layers (`Network.fromJSON`
 * already refuses a malformed one and any weight that is not finite).
 */
function savedNetwork(json: unknown, config: RunConfig, inputs: number): Network {
  const network = Network.fromJSON(json, config.network.kernel);
  if (network.inputs !== inputs) {
    throw new ValidationError('network.inputs', network.inputs, `${inputs} (predictors × filters.count)`);
  }
  // The weight limits above were checked on the config's layers: the network must have exactly those.
  const widths = network.layers.map((layer) => layer.outputs);
  if (widths.join(',') !== config.network.layers.join(',')) {
    throw new ValidationError(
      'network.layers',
      widths.join('-'),
      `config.network.layers (${config.network.layers.join('-')})`,
    );
  }
  return network;
}
