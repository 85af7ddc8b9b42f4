import { createFilterBank } from '../filters/filterBank.js';
import type { Observation, StepInfo } from '../loop/environment.js';
import { ClosedLoopLearner } from '../loop/learner.js';
import type { LineItem } from '../node/lineReader.js';
import { resolveConfiguredTrack, trackKey } from '../node/pngTrack.js';
import { LIMITS, networkParameters, parseRunConfig, type RunConfig } from '../run/config.js';
import { networkFromConfig, networkInputs, ruleFromConfig } from '../run/setup.js';
import { clip, ValidationError } from '../util/errors.js';
import { MAX_NESTING, parseJsonStrict } from '../util/json.js';
import { LineFollowerEnvironment } from '../world/lineFollower.js';
import type { Track } from '../world/track.js';
import { packageVersion } from './version.js';

/** The protocol's version (`hello` answers it); additions that old clients can ignore keep it. */
export const STDIO_PROTOCOL = 1;

const MiB = 1024 * 1024;

/** What one `sarlab stdio` process accepts (docs/reliability.md, "The stdio server"). */
export const STDIO_LIMITS = {
  /** Bytes of one request line (a longer line is dropped unread and answered with an error). */
  lineBytes: 16 * MiB,
  /** Bytes of one answer line (the largest, `network` of the largest learner, is about 214 MB). */
  answerBytes: 256 * MiB,
  /** Environments open at once. */
  envs: 64,
  /** Different tracks held at once (environments on the same track share it). */
  tracks: 4,
  /** Learners open at once. */
  learners: 64,
  /** Weights and biases of all open learners together (one learner may have as many as a run). */
  parameters: LIMITS.parameters,
  /** Inputs of a learner (`predictors`): as many as an environment can have (1 000 rows × 100). */
  predictors: LIMITS.rowsCount * LIMITS.rowsDistances,
  /** Wheel speeds of `step`, cm/s (either sign). */
  wheelSpeed: 1_000_000,
  /** Characters of a string `id`. */
  idChars: 256,
} as const;

const OPS =
  'one of hello, make_env, reset, step, make_learner, do_step, set_learning_rate, reset_learner, network, close, status, quit';

type Request = Record<string, unknown>;

interface LiveEnv {
  env: LineFollowerEnvironment;
  track: string;
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
  counts(): { envs: number; learners: number; tracks: number; parameters: number } {
    return {
      envs: this.envs.size,
      learners: this.learners.size,
      tracks: this.tracks.size,
      parameters: this.liveParameters(),
    };
  }

  private handle(request: Request): Record<string, unknown> {
    switch (request.op) {
      case 'hello':
        return { protocol: STDIO_PROTOCOL, version: packageVersion(), limits: STDIO_LIMITS };
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
          limits: STDIO_LIMITS,
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
    if (this.envs.size >= STDIO_LIMITS.envs) {
      throw new ValidationError(
        'make_env',
        `${this.envs.size} environments open`,
        `at most ${STDIO_LIMITS.envs} at once in one process (close some: {"op": "close", "env": id})`,
      );
    }
    const config = runConfig(request.config);
    const key = trackKey(config);
    if (!this.tracks.has(key) && this.tracks.size >= STDIO_LIMITS.tracks) {
      throw new ValidationError(
        'config.track',
        config.track,
        `one of the ${this.tracks.size} tracks in use: at most ${STDIO_LIMITS.tracks} different tracks (track, trackScale, lineWidth) at once in one process (close the environments on another)`,
      );
    }
    const track = resolveConfiguredTrack(config, this.tracks);
    let env: LineFollowerEnvironment;
    try {
      env = new LineFollowerEnvironment(track, config.world, { kernel: config.network.kernel });
    } catch (error) {
      this.releaseTrack(key);
      throw error;
    }
    const id = this.nextId++;
    this.envs.set(id, { env, track: key });
    return { env: id, predictors: env.predictorCount, dt: env.dt, config };
  }

  private makeLearner(request: Request): Record<string, unknown> {
    const config = runConfig(request.config);
    if (config.rule === 'reflex') throw new ValidationError('config.rule', 'reflex', 'a learning rule');
    const predictors = integer(request.predictors, 'predictors');
    if (predictors < 1 || predictors > STDIO_LIMITS.predictors)
      throw new ValidationError('predictors', predictors, `an integer from 1 to ${STDIO_LIMITS.predictors}`);
    const parameters = networkParameters(networkInputs(config, predictors), config.network.layers);
    if (parameters > LIMITS.parameters) {
      throw new ValidationError(
        'config.network.layers',
        config.network.layers,
        `a network of at most ${LIMITS.parameters} weights (this one has ${parameters}: ${predictors} predictors × ${config.filters.count} filters in)`,
      );
    }
    if (this.learners.size >= STDIO_LIMITS.learners) {
      throw new ValidationError(
        'make_learner',
        `${this.learners.size} learners open`,
        `at most ${STDIO_LIMITS.learners} at once in one process (close some: {"op": "close", "learner": id})`,
      );
    }
    const live = this.liveParameters();
    if (live + parameters > STDIO_LIMITS.parameters) {
      throw new ValidationError(
        'make_learner',
        `a network of ${parameters} weights with ${live} in open learners`,
        `at most ${STDIO_LIMITS.parameters} weights in all open learners of one process together (close some: {"op": "close", "learner": id})`,
      );
    }
    const filters = createFilterBank({ ...config.filters, predictors, kernel: config.network.kernel });
    const network = networkFromConfig(config, networkInputs(config, predictors));
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

/**
 * One request line as an object: JSON, no key twice in one object, nested at most MAX_NESTING
 * levels (so nothing that walks it can exhaust the stack). Throws with a message naming `request`.
 */
function parseRequest(line: string): Request {
  let parsed: unknown;
  try {
    parsed = parseJsonStrict(line, MAX_NESTING);
  } catch (error) {
    const reason = messageOf(error).replace(/ at line \d+$/, '');
    if (/^(duplicate key|nested deeper)/.test(reason)) throw new Error(`request: ${reason}`);
    throw new Error(`request: not JSON (${clip(reason, 200)}); a request is one JSON object on one line`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('request: a request must be one JSON object on one line');
  return parsed as Request;
}

function validId(id: unknown): boolean {
  if (id === undefined || id === null) return true;
  if (typeof id === 'number') return Number.isFinite(id);
  return typeof id === 'string' && id.length <= STDIO_LIMITS.idChars;
}

/** Refuses a number JSON could not hold as a double (1e999 parses as Infinity), naming its field. */
function checkFinite(request: Request): void {
  const work: { value: unknown; path: string }[] = [{ value: request, path: '' }];
  while (work.length > 0) {
    const { value, path } = work.pop() as { value: unknown; path: string };
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ValidationError(path, value, 'a finite number (this one is too large for a double)');
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value))
        work.push({ value: child, path: path === '' ? key : `${path}.${key}` });
    }
  }
}

function withId(id: unknown, answer: Record<string, unknown>): Record<string, unknown> {
  return id === undefined ? answer : { id, ...answer };
}

function errorLine(id: unknown, message: string): string {
  return `${JSON.stringify(withId(id, { ok: false, error: clip(message.replace(/\s*\n\s*/g, ' '), 1000) }))}\n`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function runConfig(value: unknown): RunConfig {
  return parseRunConfig(value ?? {}, 'config');
}

function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ValidationError(field, value, 'an integer');
  return value;
}

function numbers(value: unknown, field: string, length: number): number[] {
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    value.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  ) {
    throw new ValidationError(field, value, `a list of ${length} finite numbers`);
  }
  return value as number[];
}

/** The two wheel speeds of a `step`: finite, and within ±wheelSpeed (beyond, the pose overflows). */
function wheelSpeeds(value: unknown): [number, number] {
  const max = STDIO_LIMITS.wheelSpeed;
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    value.some((v) => typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > max)
  ) {
    throw new ValidationError(
      'action',
      value,
      `[left, right] wheel speeds, finite numbers from -${max} to ${max} cm/s`,
    );
  }
  return value as [number, number];
}

function observationJson(o: Observation): Record<string, unknown> {
  return { predictors: Array.from(o.predictors), reflex: Array.from(o.reflex), error: o.error, cue: o.cue };
}

function infoJson(info: StepInfo): Record<string, unknown> {
  return { x: info.x, y: info.y, theta: info.theta, reason: info.reason };
}
