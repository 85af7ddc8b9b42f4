import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { fsOps, readInputFile, writeFileAtomic } from '../node/files.js';
import { forEachRunsLine } from '../node/runsFileReader.js';
import { parseRunConfig } from '../run/config.js';
import type { RunSummary } from '../run/simulation.js';
import { describeValue, OutputError, ValidationError } from '../util/errors.js';
import { type GridFile, gridFile, gridId, type SweepGrid, validateGrid } from './grid.js';
import { ownSlurmJob, slurmJobEnded } from './slurmQueue.js';

/**
 * One line of runs.jsonl: the run summary (as `sarlab run --json` prints it) and its grid key. Records
 * written by older versions lack the fields added since (`lastingSuccess`, `curve`).
 */
export type RunRecord = Omit<RunSummary, 'lastingSuccess' | 'curve'> &
  Partial<Pick<RunSummary, 'lastingSuccess' | 'curve'>> & { key: string };

/** The file of a sweep folder with one JSON line per finished run. */
export const RUNS_FILE = 'runs.jsonl';
/** The compressed form of runs.jsonl, as committed with the results. */
export const RUNS_FILE_GZ = `${RUNS_FILE}.gz`;
export { MAX_RUNS_FILE_BYTES } from '../node/runsFileReader.js';
/** The file of a sweep folder that describes its grid. */
export const GRID_FILE = 'grid.json';

/** What `readRuns` found in runs.jsonl. */
export interface ReadRunsResult {
  /** Records by key (the first one wins when a key appears twice). */
  records: Map<string, RunRecord>;
  /** Byte length of the file up to the end of its last complete line. */
  validBytes: number;
  /** Bytes after the last complete line (a write torn by a crash), 0 when the file ends cleanly. */
  tornBytes: number;
  /** 1-based numbers of complete lines that are not valid records (skipped). */
  badLines: number[];
  duplicates: number;
  /** Keys of valid records that `accept` refused (e.g. made with another configuration), skipped. */
  foreign: string[];
}

/** What a record must hold for merge and report to use it (more fields may follow). */
const recordSchema = z.object({
  key: z.string(),
  success: z.boolean(),
  rule: z.string(),
  steps: z.number(),
  stepsToSuccess: z.number().nullable(),
  meanAbsErrorFirst: z.number().nullable(),
  meanAbsErrorLast: z.number().nullable(),
  seed: z.number(),
  track: z.string(),
  weightDistance: z.array(z.number().nullable()),
  config: z.object({
    rule: z.string(),
    steps: z.number(),
    learningRate: z.number(),
    track: z.string(),
    relevance: z.union([z.string(), z.array(z.string())]),
    network: z.object({ layers: z.array(z.number()) }),
    world: z.object({ inputs: z.string() }),
  }),
});

function isRecord(value: unknown): value is RunRecord {
  return recordSchema.safeParse(value).success;
}

/**
 * Reads runs.jsonl. A last line without its newline, or that does not parse, is a write torn by a
 * crash: it is reported in `tornBytes` and not used.
 */
export function readRuns(path: string, accept?: (record: RunRecord) => boolean): ReadRunsResult {
  const result: ReadRunsResult = {
    records: new Map(),
    validBytes: 0,
    tornBytes: 0,
    badLines: [],
    duplicates: 0,
    foreign: [],
  };
  if (!existsSync(path)) return result;
  let line = 0;
  let total = 0;
  let previousEnd = 0;
  let lastWasBad = false;
  forEachRunsLine(path, (bytes, end, complete) => {
    line++;
    previousEnd = total;
    total = end;
    lastWasBad = false;
    if (!complete) {
      result.tornBytes = bytes.length;
      return;
    }
    const text = bytes.toString('utf8').trim();
    if (text === '') {
      result.validBytes = end;
      return;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (isRecord(value) && accept && !accept(value)) {
      result.foreign.push(value.key);
    } else if (isRecord(value)) {
      if (result.records.has(value.key)) result.duplicates++;
      else result.records.set(value.key, value);
    } else {
      result.badLines.push(line);
      lastWasBad = true;
    }
    result.validBytes = end;
  });
  if (lastWasBad) {
    // The last line is complete but garbled: treat it as torn too.
    result.badLines.pop();
    result.validBytes = previousEnd;
    result.tornBytes = total - previousEnd;
  }
  return result;
}

/** Cuts a torn last line off runs.jsonl, so that the next append starts on a fresh line. */
export function truncateRuns(path: string, validBytes: number): void {
  const fd = openSync(path, 'r+');
  try {
    ftruncateSync(fd, validBytes);
  } finally {
    closeSync(fd);
  }
}

const gridFileSchema = z.object({
  format: z.literal('sarlab-sweep-grid'),
  version: z.literal(1),
  id: z.string(),
  runs: z.number().int().min(0),
  grid: z.strictObject({
    rules: z.array(z.string()),
    learningRates: z.array(z.number()),
    depths: z.array(z.number()).nullable(),
    width: z.number(),
    relevance: z.array(z.string()),
    inputs: z.array(z.string()),
    tracks: z.array(z.string()),
    seeds: z.array(z.number()),
    base: z.record(z.string(), z.unknown()),
  }),
});

/** Largest grid.json accepted, bytes. */
const MAX_GRID_FILE_BYTES = 16 * 1024 * 1024;

/**
 * Reads grid.json of a sweep folder, or null when there is none. The file is checked in full: its
 * structure, a valid grid, and an id that is the hash of its content (an edited grid is refused).
 */
export function readGridFile(dir: string): GridFile | null {
  const path = join(dir, GRID_FILE);
  if (!existsSync(path)) return null;
  return readGridFileAt(path);
}

/** True when a parsed JSON value is a grid file as `sarlab sweep` writes it (not a sweep settings file). */
export function isGridFileValue(value: unknown): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { format?: unknown }).format === 'sarlab-sweep-grid'
  );
}

/** Reads and checks a grid file at `path` (as {@link readGridFile} does for a sweep folder's grid.json). */
export function readGridFileAt(path: string): GridFile {
  const text = readInputFile(path, path, MAX_GRID_FILE_BYTES, 'grid file').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(path, 'unreadable JSON', `a grid file (${(error as Error).message})`);
  }
  const parsed = gridFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `${path} ${issue.path.join('.') || 'file'}`,
      describeValue(issue.input),
      'a sarlab sweep grid file (as sarlab sweep wrote it)',
    );
  }
  const file = parsed.data as unknown as GridFile;
  // The id is the hash of the grid exactly as stored (before defaults are filled in).
  const id = gridId(file.grid);
  try {
    file.grid.base = parseRunConfig(file.grid.base, `${path} grid.base`);
    validateGrid(file.grid);
  } catch (error) {
    if (error instanceof ValidationError)
      throw new ValidationError(path, 'a grid that is not valid', `a sarlab sweep grid (${error.message})`);
    throw error;
  }
  if (id !== file.id)
    throw new ValidationError(
      `${path} id`,
      file.id,
      `the hash of the grid it holds (${id}): the file was edited or damaged`,
    );
  return file;
}

/**
 * Takes the lock of a sweep folder (a file holding the holder's pid), so that two sweeps never run
 * into one folder at once. A lock whose process is gone (killed) is taken over. Returns the release.
 */
export function lockSweepFolder(dir: string): () => void {
  const path = join(dir, LOCK_FILE);
  // The lock is written whole to a file of this process, then linked to its name (which fails if
  // the name exists): no one ever sees an empty or partial lock, and a full disk leaves none behind.
  const own = join(dir, `.${LOCK_FILE}.${process.pid}`);
  writeLockContent(own, path);
  try {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        linkOrCopy(own, path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
          throw new OutputError(path, `cannot take the folder's lock (${errorCode(error)})`);
        refuseLiveLock(dir, path);
        rmSync(path, { force: true });
        continue;
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          if (Number.parseInt(readFileSync(path, 'utf8'), 10) === process.pid) rmSync(path, { force: true });
        } catch {
          // already gone
        }
      };
    }
  } finally {
    rmSync(own, { force: true });
  }
  throw new SweepLockedError(`${dir}: could not take the lock ${LOCK_FILE}`);
}

/**
 * Links `own` to `path` (failing with EEXIST when it exists). A file system without hard links gets
 * an exclusive create and the content written after it instead (a reader may then see the lock
 * empty for a moment).
 */
function linkOrCopy(own: string, path: string): void {
  try {
    fsOps.linkSync(own, path);
    return;
  } catch (error) {
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(String((error as NodeJS.ErrnoException).code)))
      throw error;
  }
  const text = readFileSync(own);
  const fd = openSync(path, 'wx');
  try {
    if (fsOps.writeSync(fd, text, 0, text.length) !== text.length)
      throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  } catch (error) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw error;
  }
  closeSync(fd);
}

/** Writes this process's lock line to `own`, every byte, or removes it and throws an OutputError. */
function writeLockContent(own: string, path: string): void {
  let fd = -1;
  try {
    fd = openSync(own, 'w');
    const job = ownSlurmJob();
    const text = Buffer.from(`${process.pid} ${hostname()}${job ? ` slurm:${job}` : ''}\n`);
    if (fsOps.writeSync(fd, text, 0, text.length) !== text.length)
      throw Object.assign(new Error('short write'), { code: 'ENOSPC' });
  } catch (error) {
    if (fd >= 0) closeSync(fd);
    fd = -1;
    rmSync(own, { force: true });
    throw new OutputError(path, `cannot take the folder's lock (${errorCode(error)}); nothing was changed`);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/** Throws a SweepLockedError when the lock at `path` is held by a live process (or one on another host). */
function refuseLiveLock(dir: string, path: string): void {
  let pid = Number.NaN;
  let host = hostname();
  let slurmJob: string | null = null;
  try {
    const [pidText, hostText, jobText] = readFileSync(path, 'utf8').trim().split(/\s+/);
    pid = Number.parseInt(pidText, 10);
    host = hostText || host;
    slurmJob = jobText?.startsWith('slurm:') ? jobText.slice('slurm:'.length) : null;
  } catch {
    // unreadable: treat as stale
  }
  // A lock taken on another machine (a shared file system) cannot be checked from here, unless
  // a Slurm job took it: Slurm knows whether that job has ended (a task killed at its time limit
  // on one node leaves its lock; the task resubmitted on another node takes it over).
  if (host !== hostname() && slurmJob !== null && slurmJobEnded(slurmJob)) return;
  if (host !== hostname())
    throw new SweepLockedError(
      `${dir} is in use by another sweep or merge (pid ${pid} on ${host}); if it is gone, remove ${path}`,
    );
  if (Number.isInteger(pid) && pid > 0 && processAlive(pid))
    throw new SweepLockedError(
      `${dir} is in use by another sweep or merge (pid ${pid}); wait for it, or use another folder`,
    );
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code === 'ENOSPC'
    ? 'no space left on the device (ENOSPC)'
    : (e?.code ?? String(e?.message ?? error));
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock file of a sweep folder (the holder's pid and host), so that two sweeps never share it. */
export const LOCK_FILE = 'sweep.lock';

/** Another sweep holds the folder's lock. */
export class SweepLockedError extends Error {
  override readonly name = 'SweepLockedError';
}

/** Writes grid.json for a sweep folder (atomically). */
export function writeGridFile(dir: string, grid: SweepGrid): GridFile {
  const file = gridFile(grid);
  writeFileAtomic(join(dir, GRID_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** Drops the wall time and the provenance, the fields that differ between two runs of the same configuration. */
export function withoutWallTime<T extends { wallSeconds?: number; provenance?: unknown }>(
  record: T,
): Omit<T, 'wallSeconds' | 'provenance'> {
  const { wallSeconds: _ignored, provenance: _provenance, ...rest } = record;
  return rest;
}
