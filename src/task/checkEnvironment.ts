import {
  type AsyncEnvironment,
  type Environment,
  isAsyncEnvironment,
  type MotorCommand,
  type Observation,
  type ResetResult,
  type StepInfo,
  type StepResult,
} from './environment.js';

/** How `checkEnvironment` exercises a world. */
export interface EnvironmentCheckOptions {
  /** Steps to take after each reset (default 50). */
  steps?: number;
  /** The seed of the resets (default 1). */
  seed?: number;
  /**
   * Whether `reset(seed)` must replay the same observations for the same commands (default true).
   * A real robot cannot: give false.
   */
  deterministic?: boolean;
  /** The command of step k (default: gentle commands that turn a little either way). */
  command?: (step: number) => MotorCommand;
}

/** A world broke the contract of `Environment` (or `AsyncEnvironment`); `problems` lists how. */
export class EnvironmentCheckError extends Error {
  override readonly name = 'EnvironmentCheckError';
  constructor(readonly problems: string[]) {
    super(`the environment does not keep the contract:\n- ${problems.join('\n- ')}`);
  }
}

const REASONS = new Set(['', 'line-lost', 'left-arena', 'link-lost']);

function defaultCommand(step: number): MotorCommand {
  const turn = ((step % 20) - 10) / 4;
  return { left: 10 - turn, right: 10 + turn };
}

/** What the sensors saw, copied (the world's own arrays are overwritten by its next call). */
interface Seen {
  error: number;
  cue: number;
  predictors: number[];
  reflex: number[];
}

function copy(observation: Observation): Seen {
  return {
    error: observation.error,
    cue: observation.cue,
    predictors: Array.from(observation.predictors),
    reflex: Array.from(observation.reflex),
  };
}

function sameBits(a: Seen, b: Seen): boolean {
  const same = (x: number[], y: number[]) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
  return (
    Object.is(a.error, b.error) &&
    Object.is(a.cue, b.cue) &&
    same(a.predictors, b.predictors) &&
    same(a.reflex, b.reflex)
  );
}

/** Problems of one observation: types, lengths, finite values. */
function observationProblems(world: Environment | AsyncEnvironment, o: Observation, where: string): string[] {
  const problems: string[] = [];
  if (!o || typeof o !== 'object') return [`${where}: no observation object`];
  if (!(o.predictors instanceof Float64Array)) problems.push(`${where}: predictors is not a Float64Array`);
  else if (o.predictors.length !== world.predictorCount)
    problems.push(
      `${where}: ${o.predictors.length} predictors, but predictorCount is ${world.predictorCount}`,
    );
  else if (!o.predictors.every(Number.isFinite)) problems.push(`${where}: a predictor is not finite`);
  if (!(o.reflex instanceof Float64Array)) problems.push(`${where}: reflex is not a Float64Array`);
  else if (!o.reflex.every(Number.isFinite)) problems.push(`${where}: a reflex reading is not finite`);
  if (typeof o.error !== 'number' || !Number.isFinite(o.error))
    problems.push(`${where}: error ${o.error} is not a finite number`);
  if (typeof o.cue !== 'number' || !(o.cue >= 0 && o.cue <= 1))
    problems.push(`${where}: cue ${o.cue} is not a number in [0, 1]`);
  return problems;
}

/** Problems of the pose in an info (after a step or a reset): x, y and theta finite numbers. */
function poseProblems(info: StepInfo, where: string): string[] {
  const problems: string[] = [];
  for (const key of ['x', 'y', 'theta'] as const)
    if (typeof info[key] !== 'number' || !Number.isFinite(info[key]))
      problems.push(`${where}: info.${key} ${info[key]} is not a finite number`);
  return problems;
}

/** Problems of one step result: its observation, flags, error and info. */
function resultProblems(world: Environment | AsyncEnvironment, r: StepResult, where: string): string[] {
  if (!r || typeof r !== 'object') return [`${where}: no step result object`];
  const problems = observationProblems(world, r.observation, `${where}, observation`);
  if (typeof r.terminated !== 'boolean') problems.push(`${where}: terminated is not a boolean`);
  if (typeof r.truncated !== 'boolean') problems.push(`${where}: truncated is not a boolean`);
  if (r.observation && !Object.is(r.error, r.observation.error))
    problems.push(`${where}: error ${r.error} differs from observation.error ${r.observation.error}`);
  const info = r.info;
  if (!info || typeof info !== 'object') problems.push(`${where}: no info object`);
  else {
    problems.push(...poseProblems(info, where));
    if (!REASONS.has(info.reason))
      problems.push(`${where}: info.reason '${info.reason}' is not a known reason`);
    if (r.terminated && info.reason === '') problems.push(`${where}: terminated with no info.reason`);
  }
  return problems;
}

/** What is wrong with what `reset` returned: an observation and an info with a finite pose, no reason. */
function resetProblems(world: Environment | AsyncEnvironment, r: ResetResult, where: string): string[] {
  if (!r || typeof r !== 'object') return [`${where}: no reset result object ({ observation, info })`];
  const problems = observationProblems(world, r.observation, `${where}, observation`);
  const info = r.info;
  if (!info || typeof info !== 'object') problems.push(`${where}: no info object`);
  else {
    problems.push(...poseProblems(info, where));
    if (info.reason !== '')
      problems.push(`${where}: info.reason '${info.reason}' at the start of an episode`);
  }
  return problems;
}

/**
 * Checks that a world keeps the contract the closed loop relies on, in the manner of Gymnasium's
 * `check_env`, and throws an `EnvironmentCheckError` listing every problem found. It checks:
 * - `predictorCount` and `dt`: a whole number and a positive finite time step;
 * - shapes and values: every observation (after `reset` and every `step`) has `predictorCount`
 *   predictors in a Float64Array, finite readings, a finite error, a cue in [0, 1]; every step
 *   result has boolean flags, `error` equal to `observation.error`, a finite pose and a known
 *   reason in `info`, and a reason whenever it terminates;
 * - buffer ownership: the world neither changes the command it is given nor keeps it (the loop
 *   reuses one command object: the check spoils each command after its step), and the loop may keep
 *   no array it returns, so the world may reuse them (the check copies what it compares);
 * - reset determinism (unless `deterministic: false`): `reset(seed)` with the same commands gives
 *   the same observations to the bit;
 * - after a termination, `reset()` starts a new episode.
 *
 * Works on a synchronous `Environment` and on an `AsyncEnvironment` alike (hence the promise). It
 * drives the world: check a robot where it may move.
 */
export async function checkEnvironment(
  world: Environment | AsyncEnvironment,
  options: EnvironmentCheckOptions = {},
): Promise<void> {
  const steps = options.steps ?? 50;
  const seed = options.seed ?? 1;
  const command = options.command ?? defaultCommand;
  const reset = isAsyncEnvironment(world)
    ? (s?: number) => world.resetAsync(s)
    : (s?: number) => Promise.resolve(world.reset(s));
  const step = isAsyncEnvironment(world)
    ? (a: MotorCommand) => world.stepAsync(a)
    : (a: MotorCommand) => Promise.resolve(world.step(a));
  const problems: string[] = [];
  if (!Number.isInteger(world.predictorCount) || world.predictorCount < 0)
    problems.push(`predictorCount ${world.predictorCount} is not a whole number`);
  if (typeof world.dt !== 'number' || !(world.dt > 0) || !Number.isFinite(world.dt))
    problems.push(`dt ${world.dt} is not a positive finite number of seconds`);
  if (problems.length > 0) throw new EnvironmentCheckError(problems);

  /** One episode from reset(seed): what was seen at each step, copied; problems noted. */
  const episode = async (label: string): Promise<Seen[]> => {
    const seen: Seen[] = [];
    const first = await reset(seed);
    problems.push(...resetProblems(world, first, `${label}: reset(${seed})`));
    if (problems.length > 0) return seen;
    seen.push(copy(first.observation));
    let terminated = false;
    for (let k = 0; k < steps && problems.length === 0; k++) {
      const action = command(k);
      const sent = { left: action.left, right: action.right };
      const result = await step(action);
      const where = `${label}: step ${k + 1}`;
      if (!Object.is(action.left, sent.left) || !Object.is(action.right, sent.right))
        problems.push(`${where}: the world changed the command it was given`);
      // The loop reuses its command object: a world that kept it would now read nonsense.
      action.left = Number.NaN;
      action.right = Number.NaN;
      problems.push(...resultProblems(world, result, where));
      if (problems.length > 0) break;
      seen.push(copy(result.observation));
      if (result.terminated || result.truncated) {
        terminated = true;
        const again = await reset();
        problems.push(...resetProblems(world, again, `${where}: reset() after the episode ended`));
        if (problems.length > 0) break;
        seen.push(copy(again.observation));
      }
    }
    if (!terminated && problems.length === 0) {
      // The episode may go on: reset() without a seed must also give a valid start.
      const again = await reset();
      problems.push(...resetProblems(world, again, `${label}: reset() mid-episode`));
    }
    return seen;
  };

  const first = await episode('first episode');
  if (problems.length === 0 && options.deterministic !== false) {
    const second = await episode('second episode');
    const k = first.findIndex((s, i) => !second[i] || !sameBits(s, second[i]));
    if (problems.length === 0 && (k >= 0 || second.length !== first.length))
      problems.push(
        `reset(${seed}) is not deterministic: with the same commands, the observations differ at ${k >= 0 ? (k === 0 ? 'the reset' : `step ${k}`) : 'the end'} (pass deterministic: false for a world that cannot replay, such as a real robot)`,
      );
  }
  if (problems.length > 0) throw new EnvironmentCheckError(problems);
}
