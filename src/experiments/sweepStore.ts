import { closeSync, existsSync, ftruncateSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../node/files.js';
import { ValidationError } from '../util/errors.js';
import type { RunSummary } from './simulation.js';
import { type GridFile, gridFile, type SweepGrid } from './sweepGrid.js';

/** One line of runs.jsonl: the run summary (as `sarlab run --json` prints it) and its grid key. */
export type RunRecord = RunSummary & { key: string };

/** The file of a sweep folder with one JSON line per finished run. */
export const RUNS_FILE = 'runs.jsonl';
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
}

function isRecord(value: unknown): value is RunRecord {
  if (!value || typeof value !== 'object') return false;
  const r = value as Record<string, unknown>;
  return typeof r.key === 'string' && typeof r.success === 'boolean' && typeof r.rule === 'string';
}

/**
 * Reads runs.jsonl. A last line without its newline, or that does not parse, is a write torn by a
 * crash: it is reported in `tornBytes` and not used.
 */
export function readRuns(path: string): ReadRunsResult {
  const result: ReadRunsResult = {
    records: new Map(),
    validBytes: 0,
    tornBytes: 0,
    badLines: [],
    duplicates: 0,
  };
  if (!existsSync(path)) return result;
  const buffer = readFileSync(path);
  let start = 0;
  let line = 0;
  while (start < buffer.length) {
    const end = buffer.indexOf(0x0a, start);
    line++;
    if (end < 0) {
      result.tornBytes = buffer.length - start;
      break;
    }
    const text = buffer.subarray(start, end).toString('utf8').trim();
    start = end + 1;
    if (text === '') {
      result.validBytes = start;
      continue;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      value = undefined;
    }
    if (isRecord(value)) {
      if (result.records.has(value.key)) result.duplicates++;
      else result.records.set(value.key, value);
      result.validBytes = start;
    } else if (start >= buffer.length) {
      // The last line is complete but garbled: treat it as torn too.
      result.tornBytes = buffer.length - result.validBytes;
    } else {
      result.badLines.push(line);
      result.validBytes = start;
    }
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

/** Reads grid.json of a sweep folder, or null when there is none. */
export function readGridFile(dir: string): GridFile | null {
  const path = join(dir, GRID_FILE);
  if (!existsSync(path)) return null;
  let value: GridFile;
  try {
    value = JSON.parse(readFileSync(path, 'utf8')) as GridFile;
  } catch (error) {
    throw new ValidationError(path, 'unreadable JSON', `a grid file (${(error as Error).message})`);
  }
  if (value?.format !== 'sarlab-sweep-grid' || typeof value.id !== 'string' || !value.grid)
    throw new ValidationError(path, 'another kind of file', 'a sarlab sweep grid file');
  return value;
}

/** Writes grid.json for a sweep folder (atomically). */
export function writeGridFile(dir: string, grid: SweepGrid): GridFile {
  const file = gridFile(grid);
  writeFileAtomic(join(dir, GRID_FILE), `${JSON.stringify(file, null, 2)}\n`);
  return file;
}

/** Drops the wall time, the one field that differs between two runs of the same configuration. */
export function withoutWallTime<T extends { wallSeconds?: number }>(record: T): Omit<T, 'wallSeconds'> {
  const { wallSeconds: _ignored, ...rest } = record;
  return rest;
}
