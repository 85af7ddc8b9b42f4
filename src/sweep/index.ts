/**
 * Sweeps from a program: a grid of runs on worker threads, resumable, recorded in runs.jsonl.
 *
 * @module sarlab/sweep
 */
export {
  expandGrid,
  type GridFile,
  type GridPoint,
  gridFile,
  gridId,
  gridSize,
  MAX_GRID_RUNS,
  MAX_LIST_VALUES,
  MAX_SWEEP_DEPTH,
  MAX_SWEEP_WIDTH,
  pointConfig,
  pointKey,
  type SweepGrid,
  shardPoints,
  validateGrid,
} from './grid.js';
export { type MergeResult, mergeSweeps, SweepMergeError } from './merge.js';
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
export {
  GRID_FILE,
  LOCK_FILE,
  lockSweepFolder,
  MAX_RUNS_FILE_BYTES,
  type ReadRunsResult,
  RUNS_FILE,
  type RunRecord,
  readGridFile,
  readRuns,
  SweepLockedError,
} from './store.js';
