import type { Network } from '../net/network.js';
import type { MotorCommand } from '../task/environment.js';
import type { RunConfig } from './config.js';
import type { LearningCurve } from './learningCurve.js';

export type { LearningCurve } from './learningCurve.js';

/** Where a diverging network first produced a non-finite value. */
export interface Divergence {
  step: number;
  /** 1-based layer where the first non-finite value was found (0: the error itself). */
  layer: number;
  what: 'output' | 'weight' | 'bias' | 'error' | 'weight distance';
}

/** The frozen evaluation at the end of a run: weights fixed, the robot driven from the start. */
export interface Evaluation {
  /** Steps driven (laps × steps per lap). */
  steps: number;
  meanAbsError: number;
  /** meanAbsError / reflexMeanAbsError (null without a baseline). */
  relativeError: number | null;
  /** Line losses during the evaluation. */
  lostLine: number;
}

/** What a run measured (`summary.json`): success, steps to success, errors relative to the reflex, the configuration. */
export interface RunSummary {
  success: boolean;
  /**
   * Success that lasts: success, and the frozen evaluation's relative error (for the reflex alone,
   * which has no evaluation, the run's own) below the success threshold: the controller that was
   * learned keeps working with its weights fixed (see `isLastingSuccess`).
   */
  lastingSuccess: boolean;
  /** The step at which the successful streak began (never 0: the average starts at the baseline). */
  stepsToSuccess: number | null;
  /** The reflex alone on the same track, world and seed (null when the world is not simulated and no baseline was given). */
  reflexMeanAbsError: number | null;
  /**
   * The longest run of consecutive steps with the |e| average below the threshold and the line in
   * sight (success needs the window of `success.window` steps, at least a lap); 0 without a baseline.
   */
  longestStreakBelowThreshold: number;
  /** Where that streak ended: it covers steps `longestStreakEnd − longestStreakBelowThreshold` to `longestStreakEnd − 1`. */
  longestStreakEnd: number;
  /** Steps of one lap at the configured speed; the success window is at least this long. */
  lapSteps: number;
  meanAbsErrorFirst: number;
  meanAbsErrorLast: number;
  /** meanAbsErrorLast / reflexMeanAbsError. */
  relativeError: number | null;
  /** The frozen evaluation (null when `evaluation.laps` is 0, in reflex mode, or the run was interrupted or diverged). */
  evaluation: Evaluation | null;
  /** How often the robot lost the line and was put back at the start. */
  lostLine: number;
  steps: number;
  seed: number;
  rule: string;
  /** The configured track, or the name of a world of its own (`Environment.name`). */
  track: string;
  /** EMA of |e| at the end. */
  finalErrorEma: number;
  /** Euclidean distance of each layer's weights from their initial values, at the end. */
  weightDistance: number[];
  diverged: boolean;
  divergence: Divergence | null;
  /** Why the run stopped. */
  stopReason: 'budget' | 'success' | 'diverged' | 'interrupted';
  /**
   * The authors' success criterion (src/loop/authorsCriterion.ts) over the learning phase, when the
   * configuration asks for it (`success.authors`); absent otherwise.
   */
  authors?: { success: boolean; stepsToSuccess: number | null };
  wallSeconds: number;
  config: RunConfig;
  /** The learning curve, downsampled to at most 160 points (records of older versions lack it). */
  curve: LearningCurve;
  /** Where the result came from (added by the command line and the sweep; not part of the result). */
  provenance?: Provenance;
}

/**
 * Where a result came from: which sarlab, which commit, which Node on which platform, when, how long,
 * and which configuration (its hash). Written into every `summary.json`, `sarlab run --json` line and
 * sweep record; never part of the result itself (two runs with the same seed and configuration give
 * the same bits, and differ only here and in `wallSeconds`).
 */
export interface Provenance {
  /** sarlab's version (package.json). */
  sarlab: string;
  /** The git commit when sarlab runs from a clone of its repository, else null. */
  commit: string | null;
  /** Node's version, e.g. "v20.19.0". */
  node: string;
  /** Operating system and processor, e.g. "linux-x64". */
  platform: string;
  /** When the run started (ISO 8601, UTC); for `sarlab run`, when the command started. */
  startedAt: string;
  /** Seconds from `startedAt` until the results were written (the summary's own `wallSeconds` counts only the steps). */
  wallSeconds: number;
  /** SHA-256 of the configuration as run (canonical JSON, keys sorted), in hex. */
  configHash: string;
}

/** What lasting success is judged from (a summary, or a sweep record of any version). */
export type LastingSuccessInput = Pick<RunSummary, 'success' | 'relativeError' | 'evaluation'> & {
  config: Pick<RunConfig, 'rule'> & { success: Pick<RunConfig['success'], 'threshold'> };
};

/**
 * Success that lasts: the run succeeded and its frozen relative error (the reflex alone: its own
 * relative error, as it has nothing to freeze) is below the success threshold. False without one
 * (a run that diverged or was interrupted before its evaluation).
 */
export function isLastingSuccess(run: LastingSuccessInput): boolean {
  const frozen = run.config.rule === 'reflex' ? run.relativeError : (run.evaluation?.relativeError ?? null);
  return run.success && frozen !== null && frozen < run.config.success.threshold;
}

/** The summary with `lastingSuccess` worked out from it (put after `success`). */
export function withLastingSuccess(summary: Omit<RunSummary, 'lastingSuccess'>): RunSummary {
  const { success, ...rest } = summary;
  return { success, lastingSuccess: isLastingSuccess(summary), ...rest };
}

/**
 * A diverging network at step t: a non-finite motor command (then the layer where it began), or,
 * every 64 steps, a non-finite weight or bias. Null when all is finite or there is no network.
 */
export function divergenceAt(network: Network | null, command: MotorCommand, t: number): Divergence | null {
  if (!network) return null;
  if (!(Number.isFinite(command.left) && Number.isFinite(command.right))) return locateDivergence(network, t);
  if ((t & 63) === 0) {
    const bad = network.findNonFinite();
    if (bad) return { step: t, layer: bad.layer, what: bad.what };
  }
  return null;
}

/** Finds the first layer with a non-finite weight, bias or output. */
export function locateDivergence(network: Network, step: number): Divergence {
  const bad = network.findNonFinite();
  if (bad) return { step, layer: bad.layer, what: bad.what };
  for (let l = 0; l < network.layers.length; l++) {
    if (network.layers[l].output.some((v) => !Number.isFinite(v)))
      return { step, layer: l + 1, what: 'output' };
  }
  return { step, layer: network.layers.length, what: 'output' };
}

/** Why a run stopped, from where it is. */
export function stopReasonOf(
  diverged: boolean,
  interrupted: boolean,
  stepsToSuccess: number | null,
  steps: number,
  budget: number,
): RunSummary['stopReason'] {
  if (diverged) return 'diverged';
  if (interrupted) return 'interrupted';
  if (stepsToSuccess === null) return 'budget';
  return steps < budget ? 'success' : 'budget';
}

/** The frozen evaluation of a finished run from its steps, |e| sum and line losses (null: none ran). */
export function evaluationOf(
  steps: number,
  sum: number,
  lostLine: number,
  baseline: number | null,
): Evaluation | null {
  if (steps === 0) return null;
  const meanAbsError = sum / steps;
  return { steps, meanAbsError, relativeError: baseline === null ? null : meanAbsError / baseline, lostLine };
}
