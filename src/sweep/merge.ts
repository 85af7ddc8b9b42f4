import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../node/files.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { expandGrid, type GridFile } from './grid.js';
import { recordMatchesGrid } from './runner.js';
import { GRID_FILE, RUNS_FILE, type RunRecord, readGridFile, readRuns, withoutWallTime } from './store.js';

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
  if (!outGrid && existsSync(join(out, RUNS_FILE)))
    throw new SweepMergeError(
      `${out} holds a ${RUNS_FILE} but no ${GRID_FILE}: refusing to overwrite it (merge into an empty or new folder)`,
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
  const byKey = new Map(points.map((p) => [p.key, p]));
  const foreign: string[] = [];
  const records = new Map<string, RunRecord>();
  let duplicates = 0;
  const conflicts: string[] = [];
  for (const dir of sources) {
    const path = join(dir, RUNS_FILE);
    const stored = readRuns(path, (record) => recordMatchesGrid(grid.grid, byKey, record));
    if (stored.tornBytes > 0) notice(`${path}: ignoring a partial last line (${stored.tornBytes} bytes)`);
    for (const key of stored.foreign) {
      foreign.push(key);
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
        duplicates++;
        if (canonicalJson(withoutWallTime(previous)) !== canonicalJson(withoutWallTime(record)))
          conflicts.push(key);
        continue;
      }
      records.set(key, record);
    }
  }
  const sorted = [...records.values()].sort((a, b) => (order.get(a.key) ?? 0) - (order.get(b.key) ?? 0));
  mkdirSync(out, { recursive: true });
  writeFileAtomic(join(out, GRID_FILE), `${JSON.stringify(grid, null, 2)}\n`);
  const runsFile = join(out, RUNS_FILE);
  writeFileAtomic(runsFile, sorted.map((r) => `${JSON.stringify(r)}\n`).join(''));
  return {
    gridId: grid.id,
    gridRuns: points.length,
    merged: sorted.length,
    missing: points.length - sorted.length,
    duplicates,
    conflicts,
    foreign,
    runsFile,
  };
}
