import type { Network } from '../net/network.js';
import type { RunConfig } from './config.js';

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
  wallSeconds: number;
  config: RunConfig;
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

/** The frozen evaluation's summary from its steps, their |e| sum and line losses (relative to `baseline`). */
export function evaluationOf(
  steps: number,
  sum: number,
  lostLine: number,
  baseline: number | null,
): Evaluation {
  const meanAbsError = sum / steps;
  return {
    steps,
    meanAbsError,
    relativeError: baseline === null ? null : meanAbsError / baseline,
    lostLine,
  };
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
