import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { createFilterBank } from '../../filters/filterBank.js';
import type { Observation, StepInfo } from '../../loop/environment.js';
import { ClosedLoopLearner } from '../../loop/learner.js';
import { resolveConfiguredTrack } from '../../node/pngTrack.js';
import { parseRunConfig, type RunConfig } from '../../run/config.js';
import { networkFromConfig, networkInputs, ruleFromConfig } from '../../run/setup.js';
import { ValidationError } from '../../util/errors.js';
import { LineFollowerEnvironment } from '../../world/lineFollower.js';
import { packageVersion } from '../version.js';

/**
 * `sarlab stdio`: a JSON-lines server on stdin/stdout, for other languages (the Python module in
 * python/sarlab uses it). One request per line, one answer per line, in order:
 *
 *   {"id": 1, "op": "make_env", "config": {...}}  -> {"id": 1, "ok": true, "env": 1, ...}
 *   {"id": 2, "op": "step", "env": 1, "action": [20.5, 19.5]}
 *   {"id": 3, "op": "bad"}                         -> {"id": 3, "ok": false, "error": "one line"}
 *
 * Numbers travel as JSON (shortest round-trip decimal), so doubles arrive bit-exact.
 * docs/python.md lists every operation.
 */
export const STDIO_PROTOCOL = 1;

export function registerStdio(program: Command): void {
  program
    .command('stdio')
    .description(
      'a JSON-lines server on stdin/stdout: the simulated world and the learner for other languages (Python: docs/python.md)',
    )
    .action(async () => {
      process.exitCode = await serveStdio(process.stdin, (line) => process.stdout.write(line));
    });
}

type Request = Record<string, unknown> & { op?: unknown; id?: unknown };

interface Session {
  envs: Map<number, LineFollowerEnvironment>;
  learners: Map<number, ClosedLoopLearner>;
  nextId: number;
}

/** Serves requests from `input` until it ends; resolves to the exit code. */
export async function serveStdio(
  input: NodeJS.ReadableStream,
  write: (line: string) => void,
): Promise<number> {
  const session: Session = { envs: new Map(), learners: new Map(), nextId: 1 };
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let request: Request;
    try {
      const parsed: unknown = JSON.parse(line);
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      request = parsed as Request;
    } catch {
      write(`${JSON.stringify({ ok: false, error: 'a request must be one JSON object on one line' })}\n`);
      continue;
    }
    let answer: Record<string, unknown>;
    try {
      answer = { ok: true, ...handle(session, request) };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      answer = { ok: false, error: message.replace(/\s*\n\s*/g, ' ') };
    }
    if (request.id !== undefined) answer = { id: request.id, ...answer };
    write(`${JSON.stringify(answer)}\n`);
    if (request.op === 'quit') break;
  }
  return 0;
}

function handle(session: Session, request: Request): Record<string, unknown> {
  switch (request.op) {
    case 'hello':
      return { protocol: STDIO_PROTOCOL, version: packageVersion() };
    case 'make_env': {
      const config = runConfig(request.config);
      const env = new LineFollowerEnvironment(resolveConfiguredTrack(config), config.world, {
        kernel: config.network.kernel,
      });
      const id = session.nextId++;
      session.envs.set(id, env);
      return { env: id, predictors: env.predictorCount, dt: env.dt, config };
    }
    case 'reset': {
      const env = lookup(session.envs, request.env, 'env');
      const seed =
        request.seed === undefined || request.seed === null ? undefined : integer(request.seed, 'seed');
      const { observation } = env.reset(seed);
      return {
        observation: observationJson(observation),
        info: { x: env.pose.x, y: env.pose.y, theta: env.pose.theta, reason: '' },
      };
    }
    case 'step': {
      const env = lookup(session.envs, request.env, 'env');
      const [left, right] = numbers(request.action, 'action', 2);
      const result = env.step({ left, right });
      return {
        observation: observationJson(result.observation),
        reward: -Math.abs(result.error),
        terminated: result.terminated,
        truncated: result.truncated,
        info: infoJson(result.info),
      };
    }
    case 'make_learner': {
      const config = runConfig(request.config);
      if (config.rule === 'reflex') throw new ValidationError('config.rule', 'reflex', 'a learning rule');
      const predictors = integer(request.predictors, 'predictors');
      if (predictors < 1) throw new ValidationError('predictors', predictors, 'an integer >= 1');
      const filters = createFilterBank({ ...config.filters, predictors, kernel: config.network.kernel });
      const network = networkFromConfig(config, networkInputs(config, predictors));
      const rule = ruleFromConfig(config, config.rule);
      const id = session.nextId++;
      session.learners.set(id, new ClosedLoopLearner(network, filters, rule));
      return { learner: id, inputs: predictors, outputs: network.outputs, config };
    }
    case 'do_step': {
      const learner = lookup(session.learners, request.learner, 'learner');
      const inputs = numbers(request.inputs, 'inputs', learner.inputCount);
      const error =
        typeof request.error === 'number'
          ? request.error
          : numbers(request.error, 'error', learner.network.outputs);
      const cue = request.cue === undefined ? undefined : numbers([request.cue], 'cue', 1)[0];
      const outputs = learner.doStep(inputs, error, cue === undefined ? undefined : { cue });
      return { outputs: Array.from(outputs), learned: learner.learned };
    }
    case 'set_learning_rate': {
      const learner = lookup(session.learners, request.learner, 'learner');
      const [rate] = numbers([request.learning_rate], 'learning_rate', 1);
      if (rate < 0 || !learner.rule) throw new ValidationError('learning_rate', rate, 'a number >= 0');
      learner.rule.learningRate = rate;
      return {};
    }
    case 'reset_learner': {
      lookup(session.learners, request.learner, 'learner').reset();
      return {};
    }
    case 'network': {
      return { network: lookup(session.learners, request.learner, 'learner').network.toJSON() };
    }
    case 'close': {
      const id = request.env ?? request.learner;
      session.envs.delete(id as number);
      session.learners.delete(id as number);
      return {};
    }
    case 'quit':
      return {};
    default:
      throw new ValidationError(
        'op',
        request.op,
        'one of hello, make_env, reset, step, make_learner, do_step, set_learning_rate, reset_learner, network, close, quit',
      );
  }
}

function runConfig(value: unknown): RunConfig {
  return parseRunConfig(value ?? {}, 'config');
}

function lookup<T>(map: Map<number, T>, id: unknown, what: string): T {
  const found = typeof id === 'number' ? map.get(id) : undefined;
  if (!found) throw new ValidationError(what, id, `the id of an open ${what} (make_${what} returns it)`);
  return found;
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

function observationJson(o: Observation): Record<string, unknown> {
  return { predictors: Array.from(o.predictors), reflex: Array.from(o.reflex), error: o.error, cue: o.cue };
}

function infoJson(info: StepInfo): Record<string, unknown> {
  return { x: info.x, y: info.y, theta: info.theta, reason: info.reason };
}
