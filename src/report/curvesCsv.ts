import { AtomicFileStream } from '../node/files.js';
import type { LearningCurve } from '../run/learningCurve.js';
import { conditionId, flatten } from './conditions.js';
import { conditionHash, csvField } from './csv.js';
import { loadSweeps, type ReportRun, SweepDataError } from './records.js';

/** The values of each point of a learning curve, as columns of curves.csv (after `step`). */
export const CURVE_VALUE_COLUMNS = ['errorEma', 'relativeErrorEma', 'weightDistance', 'lostLine'] as const;

/** The learning curve of a run, or null for a record written before runs kept one. */
export function curveOf(run: ReportRun): LearningCurve | null {
  const curve = run.record.curve;
  return curve && Array.isArray(curve.step) ? curve : null;
}

/** The `config.*` columns whose value is not the same in every run (in the order they first appear). */
export function varyingConfigColumns(runs: ReportRun[]): string[] {
  const values = new Map<string, Set<string>>();
  const flat = runs.map((run) => flatten(run.record.config, 'config'));
  for (const f of flat) for (const k of Object.keys(f)) if (!values.has(k)) values.set(k, new Set());
  for (const f of flat) for (const [k, seen] of values) seen.add(JSON.stringify(f[k] ?? null));
  return [...values].filter(([, seen]) => seen.size > 1).map(([k]) => k);
}

/** What `writeCurves` wrote. */
export interface CurvesWritten {
  /** Runs with a curve (one block of rows each). */
  runs: number;
  /** Rows (points) written. */
  points: number;
  /** Runs left out because their record has no curve (written by an older version). */
  without: number;
}

/**
 * curves.csv in long format: one row per run and point of its learning curve, with the run's sweep
 * folder, grid key, condition (as in runs.csv), the configuration columns that vary between the runs
 * written, then `step` and the curve's values (see `LearningCurve`). Runs without a curve are left
 * out. The text goes to `write` in pieces, so that a large export is never one string.
 */
export function writeCurves(runs: ReportRun[], write: (text: string) => void): CurvesWritten {
  const withCurve = runs.filter((run) => curveOf(run) !== null);
  const config = varyingConfigColumns(withCurve);
  const columns = ['sweep', 'key', 'condition', ...config, 'step', ...CURVE_VALUE_COLUMNS];
  write(`${columns.map(csvField).join(',')}\n`);
  let points = 0;
  for (const run of withCurve) {
    const curve = curveOf(run) as LearningCurve;
    const flat = flatten(run.record.config, 'config');
    const head = [
      run.sweep,
      run.record.key,
      conditionHash(conditionId(run.record.config)),
      ...config.map((c) => flat[c]),
    ]
      .map(csvField)
      .join(',');
    const lines: string[] = [];
    for (let i = 0; i < curve.step.length; i++) {
      const values = CURVE_VALUE_COLUMNS.map((c) => csvField(curve[c]?.[i]));
      lines.push(`${head},${curve.step[i]},${values.join(',')}\n`);
    }
    write(lines.join(''));
    points += curve.step.length;
  }
  return { runs: withCurve.length, points, without: runs.length - withCurve.length };
}

/** curves.csv as one text (see `writeCurves`). */
export function curvesCsv(runs: ReportRun[]): string {
  const parts: string[] = [];
  writeCurves(runs, (text) => parts.push(text));
  return parts.join('');
}

/**
 * Reads sweep folders and writes their learning curves to `file` (see `writeCurves`), atomically.
 * Refuses folders none of whose runs has a curve.
 */
export function exportCurvesCsv(
  dirs: string[],
  file: string | null,
  notice: (message: string) => void = () => {},
  stdout: (text: string) => void = () => {},
): CurvesWritten {
  const { runs } = loadSweeps(dirs, notice);
  if (!runs.some((run) => curveOf(run) !== null))
    throw new SweepDataError(
      `${dirs.join(', ')}: no run has a learning curve (its records were written before runs kept one)`,
    );
  const stream = file === null ? null : new AtomicFileStream(file);
  try {
    const written = writeCurves(runs, stream ? (text) => stream.write(text) : stdout);
    stream?.commit();
    if (written.without > 0)
      notice(`${written.without} run(s) without a learning curve (recorded by an older version) left out`);
    return written;
  } catch (error) {
    stream?.abort();
    throw error;
  }
}
