/**
 * Sweeps from a program: a grid of runs on worker threads, resumable, recorded in runs.jsonl.
 *
 * @module sarlab/sweep
 */
export * from './sweepGrid.js';
export * from './sweepMerge.js';
export {
  defaultWorkers,
  isSweepDir,
  runSweep,
  SweepGridMismatch,
  type SweepOptions,
  type SweepPlan,
  type SweepProgress,
  type SweepResult,
} from './sweepRunner.js';
export * from './sweepStore.js';
