import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { writeFileAtomic } from '../node/files.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { expandGrid, type GridFile } from './grid.js';
import { recordMatchesGrid } from './runner.js';
import {
  GRID_FILE,
  lockSweepFolder,
  RUNS_FILE,
  RUNS_FILE_GZ,
  type RunRecord,
  readGridFile,
  readRuns,
  withoutWallTime,
} from './store.js';

/** Folders that cannot be merged (not sweeps, or different grids). */
export class SweepMergeError extends Error {
  override readonly name = 'SweepMergeError';
}

/** What a merge did. */
export interface MergeResult {
  gridId: string;
  gridRuns: number;
  merged: number;
  missing: number;
  /** Keys recorded in more than one folder (the first is kept). */
  duplicates: number;
  /** Keys recorded twice with different results (apart from the wall time): a sign of non-determinism. */
  conflicts: string[];
  /** Records whose key is in the grid but which were made with another configuration (another grid): not merged. */
  foreign: string[];
  runsFile: string;
}

/**
 * Combines the outputs of shards (or of separate runs) of one sweep into `out`: refuses folders of
 * different grids, keeps one record per run, writes runs.jsonl in grid order and grid.json.
 */
export function mergeSweeps(
  dirs: string[],
  out: string,
  notice: (message: string) => void = () => {},
): MergeResult {
  if (dirs.length === 0) throw new SweepMergeError('nothing to merge: give at least one sweep folder');
  let reference: { dir: string; file: GridFile } | null = null;
  const sources: string[] = [...dirs];
  const outGrid = existsSync(join(out, GRID_FILE)) ? readGridFile(out) : null;
  for (const name of [RUNS_FILE, RUNS_FILE_GZ])
    if (!outGrid && existsSync(join(out, name)))
      throw new SweepMergeError(
        `${out} holds a ${name} but no ${GRID_FILE}: refusing to overwrite it (merge into an empty or new folder)`,
      );
  if (outGrid && !dirs.includes(out)) sources.push(out);
  for (const dir of sources) {
    const file = readGridFile(dir);
    if (!file) throw new SweepMergeError(`${dir} is not a sweep folder (no ${GRID_FILE})`);
    if (!reference) reference = { dir, file };
    else if (file.id !== reference.file.id) {
      throw new SweepMergeError(
        `${dir} holds a different grid (${file.id}) from ${reference.dir} (${reference.file.id}): refusing to merge shards of different sweeps`,
      );
    }
  }
  const grid = (reference as { dir: string; file: GridFile }).file;
  const points = expandGrid(grid.grid);
  const order = new Map(points.map((p) => [p.key, p.index]));
  let runsFile = '';
  let merged = 0;
  let stats: MergeStats = { duplicates: 0, conflicts: [], foreign: [] };
  // The target's lock, taken before its runs are read and held until the merged file is in place:
  // a sweep appending there meanwhile would lose its records when the file is replaced.
  const created = !existsSync(out);
  mkdirSync(out, { recursive: true });
  const release = lockSweepFolder(out);
  let done = false;
  try {
    const read = readSources(sources, grid, points, notice);
    const records = read.records;
    stats = read.stats;
    const sorted = [...records.values()].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
    writeFileAtomic(join(out, GRID_FILE), `${JSON.stringify(grid, null, 2)}\n`);
    const text = sorted.map((r) => `${JSON.stringify(r)}\n`).join('');
    // The merged runs go where the target keeps them: runs.jsonl.gz if it holds only that (so that
    // a runs.jsonl written beside it never hides it), runs.jsonl otherwise; both when it has both.
    const gz = join(out, RUNS_FILE_GZ);
    const plain = join(out, RUNS_FILE);
    const hasGz = existsSync(gz);
    if (hasGz) writeFileAtomic(gz, gzipSync(text));
    if (!hasGz || existsSync(plain)) writeFileAtomic(plain, text);
    runsFile = hasGz && !existsSync(plain) ? gz : plain;
    merged = sorted.length;
    done = true;
  } finally {
    release();
    // A folder made for a merge that failed is removed again (only if nothing else is in it).
    if (created && !done) removeIfEmpty(out);
  }
  return {
    gridId: grid.id,
    gridRuns: points.length,
    merged,
    missing: points.length - merged,
    duplicates: stats.duplicates,
    conflicts: stats.conflicts,
    foreign: stats.foreign,
    runsFile,
  };
}

/** Reads the records of every runs file (runs.jsonl and runs.jsonl.gz) of the sources, one per key. */
function readSources(
  sources: string[],
  grid: GridFile,
  points: ReturnType<typeof expandGrid>,
  notice: (message: string) => void,
): { records: Map<string, RunRecord>; stats: MergeStats } {
  const stats: MergeStats = { duplicates: 0, conflicts: [], foreign: [] };
  const order = new Map(points.map((p) => [p.key, p.index]));
  const byKey = new Map(points.map((p) => [p.key, p]));
  const records = new Map<string, RunRecord>();
  for (const dir of sources) {
    for (const name of [RUNS_FILE, RUNS_FILE_GZ]) {
      const path = join(dir, name);
      if (!existsSync(path)) continue;
      const stored = readRuns(path, (record) => recordMatchesGrid(grid.grid, byKey, record));
      if (stored.tornBytes > 0) notice(`${path}: ignoring a partial last line (${stored.tornBytes} bytes)`);
      for (const key of stored.foreign) {
        stats.foreign.push(key);
        notice(`${path}: ignoring a record made with another configuration than the grid gives it (${key})`);
      }
      if (stored.badLines.length > 0)
        notice(`${path}: ignoring unreadable line(s) ${stored.badLines.join(', ')}`);
      for (const [key, record] of stored.records) {
        if (!order.has(key)) {
          notice(`${path}: ignoring a run that is not in the grid (${key})`);
          continue;
        }
        const previous = records.get(key);
        if (previous) {
          stats.duplicates++;
          if (canonicalJson(withoutWallTime(previous)) !== canonicalJson(withoutWallTime(record)))
            stats.conflicts.push(key);
          continue;
        }
        records.set(key, record);
      }
    }
  }
  return { records, stats };
}

interface MergeStats {
  duplicates: number;
  conflicts: string[];
  foreign: string[];
}

function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // not empty, or gone: leave it
  }
}
