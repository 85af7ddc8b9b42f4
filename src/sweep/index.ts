/**
 * Sweeps from a program: a grid of runs on worker threads, resumable, recorded in runs.jsonl.
 *
 * @module sarlab/sweep
 */
export * from './grid.js';
export * from './merge.js';
export {
  defaultWorkers,
  isSweepDir,
  runSweep,
  SweepGridMismatch,
  type SweepOptions,
  type SweepPlan,
  type SweepProgress,
  type SweepResult,
} from './runner.js';
export * from './store.js';
