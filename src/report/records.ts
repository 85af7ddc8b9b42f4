import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { forEachRunsLine, RUNS_FILE_LIMITS, type RunsFileLimits } from '../node/runsFileReader.js';
import { parseRunConfig, type RunConfig } from '../run/config.js';
import type { GridFile } from '../sweep/grid.js';
import { RUNS_FILE, RUNS_FILE_GZ, type RunRecord, readGridFile } from '../sweep/store.js';

export { RUNS_FILE_GZ };

/** A run as the report uses it: the record, and the sweep folder it came from. */
export interface ReportRun {
  record: RunRecord;
  /** Name of the sweep folder (its last path component). */
  sweep: string;
}

/** One sweep folder read. */
export interface SweepFolder {
  dir: string;
  name: string;
  /** The runs file read (runs.jsonl or runs.jsonl.gz; "DIR/runs.jsonl + runs.jsonl.gz" when both are read). */
  file: string;
  grid: GridFile | null;
  /** Records read from the folder (before dropping runs already read from another folder). */
  records: number;
}

/** Everything read from the sweep folders. */
export interface LoadedSweeps {
  folders: SweepFolder[];
  runs: ReportRun[];
  /** Runs found twice (the same configuration in two folders, or twice in one): kept once. */
  duplicates: number;
}

/** Not a sweep folder, or a folder without any finished run. */
export class SweepDataError extends Error {
  override readonly name = 'SweepDataError';
}

function looksLikeRecord(value: unknown): value is RunRecord {
  if (!value || typeof value !== 'object') return false;
  const v = value as Record<string, unknown>;
  const config = v.config as Record<string, unknown> | undefined;
  return (
    typeof v.key === 'string' &&
    typeof v.success === 'boolean' &&
    typeof v.rule === 'string' &&
    typeof v.steps === 'number' &&
    !!config &&
    typeof config === 'object' &&
    typeof config.rule === 'string' &&
    typeof config.learningRate === 'number' &&
    typeof config.steps === 'number' &&
    typeof config.track === 'string' &&
    !!config.network &&
    Array.isArray((config.network as { layers?: unknown }).layers) &&
    !!config.world &&
    !!config.success
  );
}

/** Where the runs of a sweep folder are: runs.jsonl, else runs.jsonl.gz, else null. */
export function runsFileOf(dir: string): string | null {
  for (const name of [RUNS_FILE, RUNS_FILE_GZ]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/**
 * Parses the lines of a runs file (plain or gzip-compressed), read with bounds (see
 * `RUNS_FILE_LIMITS`; a RunsFileError names the file otherwise). A partial last line (a write cut off
 * by a crash) and lines that are not run records are skipped and counted.
 */
export function parseRunsFile(
  path: string,
  limits: RunsFileLimits = RUNS_FILE_LIMITS,
): { records: RunRecord[]; skipped: number } {
  const records: RunRecord[] = [];
  let skipped = 0;
  forEachRunsLine(
    path,
    (line) => {
      const text = line.toString('utf8');
      if (text.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        value = undefined;
      }
      if (looksLikeRecord(value)) records.push(value);
      else skipped++;
    },
    limits,
  );
  return { records, skipped };
}

/**
 * A record's configuration as a run would take it today: parsed again, so that settings added since
 * the record was written take their defaults (as `sarlab run --config` does with it; the committed
 * results' reproduction test checks that this gives the recorded results). Records of older and newer
 * versions then meet in one condition. A configuration that no longer parses is kept as recorded.
 */
export function currentConfig(config: RunConfig): RunConfig {
  try {
    return parseRunConfig(config);
  } catch {
    return config;
  }
}

/**
 * Reads the runs of one or more sweep folders (runs.jsonl and/or runs.jsonl.gz, with grid.json when
 * it is there) and merges them. A run is identified by its whole configuration, so the same grid key
 * in two folders (e.g. a control sweep beside the main one) stays two runs, and a run recorded in
 * two folders (shards merged twice) is kept once. Each configuration is taken as `currentConfig` gives it.
 */
export function loadSweeps(dirs: string[], notice: (message: string) => void = () => {}): LoadedSweeps {
  const folders: SweepFolder[] = [];
  const runs: ReportRun[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  for (const dir of dirs) {
    // Both runs.jsonl and runs.jsonl.gz when both are there (a sweep resumed beside committed
    // results, say): neither hides the other; a run in both counts once.
    const paths = [RUNS_FILE, RUNS_FILE_GZ].map((name) => join(dir, name)).filter((p) => existsSync(p));
    if (paths.length === 0)
      throw new SweepDataError(`${dir} has no ${RUNS_FILE} or ${RUNS_FILE_GZ}: not a sweep folder`);
    const file = paths.length === 1 ? paths[0] : `${paths[0]} + ${RUNS_FILE_GZ}`;
    // A grid.json that is not valid (edited, damaged, of another version) is refused, as by merge.
    const grid = readGridFile(dir);
    const records: RunRecord[] = [];
    const inFolder = new Set<string>();
    for (const path of paths) {
      const parsed = parseRunsFile(path);
      if (parsed.skipped > 0) notice(`${path}: skipped ${parsed.skipped} line(s) that are not run records`);
      for (const record of parsed.records) {
        const identity = JSON.stringify(record.config);
        if (paths.length > 1 && inFolder.has(identity)) continue;
        inFolder.add(identity);
        records.push(record);
      }
    }
    if (grid && records.length < grid.runs)
      notice(`${file}: ${records.length} of ${grid.runs} runs of the grid are recorded`);
    const name = basename(resolve(dir));
    folders.push({ dir, name, file, grid, records: records.length });
    for (const read of records) {
      const record = { ...read, config: currentConfig(read.config) };
      const identity = JSON.stringify(record.config);
      if (seen.has(identity)) {
        duplicates++;
        continue;
      }
      seen.add(identity);
      runs.push({ record, sweep: name });
    }
  }
  if (runs.length === 0) throw new SweepDataError(`${dirs.join(', ')} holds no finished runs yet`);
  if (duplicates > 0) notice(`${duplicates} run(s) recorded more than once (kept the first)`);
  return { folders, runs, duplicates };
}
