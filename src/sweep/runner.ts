import { existsSync, mkdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Tinypool from 'tinypool';
import { appendLineDurable } from '../node/files.js';
import type { RunSummary } from '../run/simulation.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { OutputError } from '../util/errors.js';
import { expandGrid, type GridPoint, gridId, pointConfig, type SweepGrid, shardPoints } from './grid.js';
import {
  GRID_FILE,
  lockSweepFolder,
  RUNS_FILE,
  type RunRecord,
  readGridFile,
  readRuns,
  truncateRuns,
  writeGridFile,
} from './store.js';
import type { SweepTask } from './worker.js';

/** What to sweep, where to record it, and how to hear about progress. */
export interface SweepOptions {
  grid: SweepGrid;
  out: string;
  /** Worker threads (default: the number of cores). */
  workers?: number;
  shard?: { index: number; count: number } | null;
  /** When aborted, no new runs start; the runs in flight finish and are recorded. */
  stop?: AbortSignal;
  /** When aborted, the runs in flight are abandoned too (they are not recorded). */
  abandon?: AbortSignal;
  /** Messages for the user (torn lines, skipped runs). */
  notice?: (message: string) => void;
  /** Called once, before the first run, with the plan. */
  onStart?: (plan: SweepPlan) => void;
  /** Called after each run is recorded. */
  onRun?: (record: RunRecord, progress: SweepProgress) => void;
}

/** How many runs a sweep has and will do. */
export interface SweepPlan {
  gridRuns: number;
  /** Runs of this shard (the whole grid without a shard). */
  shardRuns: number;
  /** Runs already recorded in runs.jsonl, skipped. */
  skipped: number;
  todo: number;
  workers: number;
}

/** Progress after each finished run. */
export interface SweepProgress {
  done: number;
  failures: number;
  todo: number;
}

/** What a sweep did. */
export interface SweepResult extends SweepPlan {
  completed: number;
  failures: number;
  /** True when stopped before every run was done. */
  interrupted: boolean;
  /** Runs that were in flight when the sweep was abandoned. */
  abandoned: number;
  runsFile: string;
}

/** The output folder holds another sweep (a different grid). */
export class SweepGridMismatch extends Error {
  override readonly name = 'SweepGridMismatch';
}

/** The compiled worker file (plain JS in dist, also when this module runs from TypeScript source). */
export function sweepWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), 'worker.js');
  return resolve(dirname(here), '../../dist/src/sweep/worker.js');
}

/** The default number of worker threads: the cores of this machine. */
export function defaultWorkers(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Runs the grid (or one shard of it) on a pool of worker threads. Each finished run is appended to
 * runs.jsonl at once (one line, flushed to disk), so a crash loses only the runs in flight; runs
 * already recorded are skipped, so running the same sweep again resumes it.
 * @example
 * const grid = validateGrid({
 *   rules: ['sar', 'backprop'], learningRates: [0.01], depths: null, width: 10, relevance: ['abs-error'],
 *   inputs: ['rows'], tracks: ['default'], seeds: [1, 2, 3], base: defaultRunConfig(),
 * });
 * const result = await runSweep({ grid, out: 'sweeps/first', workers: 2 });
 * console.log(`${result.completed} runs, ${result.failures} without success`);
 */
export async function runSweep(options: SweepOptions): Promise<SweepResult> {
  const { out } = options;
  try {
    mkdirSync(out, { recursive: true });
  } catch (error) {
    throw new OutputError(out, `cannot make the folder (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const release = lockSweepFolder(out);
  try {
    return await runLocked(options, release);
  } finally {
    release();
  }
}

async function runLocked(options: SweepOptions, _release: () => void): Promise<SweepResult> {
  const { grid, out } = options;
  const notice = options.notice ?? (() => {});
  const workers = options.workers ?? defaultWorkers();
  const id = gridId(grid);
  const existing = readGridFile(out);
  if (existing && existing.id !== id) {
    throw new SweepGridMismatch(
      `${out} holds another sweep (grid ${existing.id}, this one is ${id}): use another --out, or the same grid settings as before`,
    );
  }
  if (!existing) writeGridFile(out, grid);

  const runsFile = join(out, RUNS_FILE);
  // A record counts as done only if it was made with the configuration this grid gives its key
  // (a record copied from another grid, with another budget say, is run again).
  const all = expandGrid(grid);
  const byKey = new Map(all.map((p) => [p.key, p]));
  const stored = readRuns(runsFile, (record) => recordMatchesGrid(grid, byKey, record));
  if (stored.foreign.length > 0)
    notice(
      `${runsFile}: ${stored.foreign.length} record(s) were made with another configuration than this grid gives them (${stored.foreign[0]}${stored.foreign.length > 1 ? ', ...' : ''}): not counted, run again`,
    );
  if (stored.tornBytes > 0) {
    notice(
      `${runsFile} ended in a partial line (${stored.tornBytes} bytes, a write cut off by a crash): removed it; that run will be done again`,
    );
    truncateRuns(runsFile, stored.validBytes);
  }
  if (stored.badLines.length > 0) {
    notice(
      `${runsFile}: ignoring ${stored.badLines.length} unreadable line(s) (line ${stored.badLines.join(', ')})`,
    );
  }

  const mine = shardPoints(all, options.shard ?? null);
  const todo = mine.filter((p) => !stored.records.has(p.key));
  const plan: SweepPlan = {
    gridRuns: all.length,
    shardRuns: mine.length,
    skipped: mine.length - todo.length,
    todo: todo.length,
    workers,
  };
  options.onStart?.(plan);
  const result: SweepResult = {
    ...plan,
    completed: 0,
    failures: 0,
    interrupted: false,
    abandoned: 0,
    runsFile,
  };
  if (todo.length === 0) return result;

  // Build every configuration first, so that a bad one fails before any run starts.
  const tasks = todo.map((p) => ({ point: p, config: pointConfig(grid, p) }));
  const pool = new Tinypool({
    filename: sweepWorkerFile(),
    minThreads: Math.min(workers, tasks.length),
    maxThreads: Math.min(workers, tasks.length),
    idleTimeout: 60_000,
  });
  const abandonPool = new AbortController();
  const onAbandon = () => abandonPool.abort();
  options.abandon?.addEventListener('abort', onAbandon, { once: true });
  let next = 0;
  let inFlight = 0;
  let firstError: { point: GridPoint; error: unknown } | null = null;
  let writeError: unknown = null;
  try {
    await new Promise<void>((resolveAll) => {
      const stopped = () =>
        options.stop?.aborted === true ||
        abandonPool.signal.aborted ||
        firstError !== null ||
        writeError !== null;
      const launch = () => {
        while (inFlight < workers && next < tasks.length && !stopped()) {
          const { point, config } = tasks[next++];
          inFlight++;
          pool.run({ config } satisfies SweepTask, { signal: abandonPool.signal }).then(
            (summary: RunSummary) => {
              inFlight--;
              if (!abandonPool.signal.aborted && !writeError) {
                const record: RunRecord = { key: point.key, ...summary };
                try {
                  appendLineDurable(runsFile, JSON.stringify(record));
                } catch (error) {
                  // A full disk, say: stop launching; the runs recorded so far stay, resume later.
                  writeError = error;
                  settle();
                  return;
                }
                result.completed++;
                if (!summary.success) result.failures++;
                options.onRun?.(record, {
                  done: result.completed,
                  failures: result.failures,
                  todo: tasks.length,
                });
              }
              settle();
            },
            (error: unknown) => {
              inFlight--;
              if (!abandonPool.signal.aborted) firstError ??= { point, error };
              else result.abandoned++;
              settle();
            },
          );
        }
      };
      const settle = () => {
        launch();
        if (inFlight === 0) resolveAll();
      };
      // Stopping does not interrupt the runs in flight; abandoning does (their promises reject).
      abandonPool.signal.addEventListener('abort', () => {
        if (inFlight === 0) resolveAll();
      });
      launch();
      if (inFlight === 0) resolveAll();
    });
  } finally {
    options.abandon?.removeEventListener('abort', onAbandon);
    await pool.destroy();
  }
  if (writeError) throw writeError;
  if (firstError) {
    const { point, error } = firstError as { point: GridPoint; error: unknown };
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`run ${point.key} failed: ${message}`);
  }
  result.interrupted = result.completed < tasks.length;
  return result;
}

/** True when a record was made with the configuration the grid gives its key. */
export function recordMatchesGrid(
  grid: SweepGrid,
  byKey: Map<string, GridPoint>,
  record: RunRecord,
): boolean {
  const point = byKey.get(record.key);
  if (!point) return true; // not in the grid at all: reported separately where it matters
  return canonicalJson(record.config) === canonicalJson(pointConfig(grid, point));
}

/** True when `dir` looks like a sweep folder (has grid.json). */
export function isSweepDir(dir: string): boolean {
  return existsSync(join(dir, GRID_FILE));
}
