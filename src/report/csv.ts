import { isLastingSuccess } from '../run/summary.js';
import { conditionId, flatten } from './conditions.js';
import type { ReportRun } from './records.js';

/** The double quote, written as an escape so that no quote character stands alone in this file. */
const QUOTE = '\u0022';

/**
 * One CSV field (RFC 4180): empty for null and undefined; quoted, with inner quotes doubled, when it
 * holds a comma, a quote, a line break or leading/trailing spaces. Numbers keep their shortest
 * round-trip form; arrays and objects are written as JSON text. A text that a spreadsheet would take
 * for a formula (it begins with =, +, -, @, a tab or a carriage return) is written with a `'` before
 * it, so that opening the file never runs anything; numbers are never changed.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  else if (typeof value === 'number' || typeof value === 'boolean') text = String(value);
  else text = JSON.stringify(value);
  return /[\u0022,\r\n]|^\s|\s$/.test(text) ? QUOTE + text.replaceAll(QUOTE, QUOTE + QUOTE) + QUOTE : text;
}

/** A CSV table: a header line and one line per row, CRLF-free (`\n`), ending in a newline. */
export function toCsv(columns: string[], rows: Record<string, unknown>[]): string {
  const lines = [columns.map(csvField).join(',')];
  for (const row of rows) lines.push(columns.map((c) => csvField(row[c])).join(','));
  return `${lines.join('\n')}\n`;
}

/** The summary columns first, in this order; then every other summary field; then the configuration. */
const FIRST_COLUMNS = [
  'sweep',
  'key',
  'condition',
  'rule',
  'depth',
  'seed',
  'track',
  'success',
  'lastingSuccess',
  'stepsToSuccess',
  'relativeError',
  'evaluation.relativeError',
  'evaluation.meanAbsError',
  'evaluation.lostLine',
  'evaluation.steps',
  'lostLine',
  'steps',
  'stopReason',
  'wallSeconds',
  'reflexMeanAbsError',
  'lapSteps',
  'meanAbsErrorFirst',
  'meanAbsErrorLast',
  'finalErrorEma',
  'diverged',
];

/** Short hex name of a condition (the same for every run of it), for grouping in pandas or R. */
export function conditionHash(id: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/**
 * One flat row per run: summary fields, `evaluation.*`, `provenance.*` and `config.*` fields with dotted names (arrays as JSON text).
 * The learning curve is left out (`sarlab export --curves` writes it); lasting success is worked out
 * for records written before summaries had it.
 */
export function runRow(run: ReportRun): Record<string, unknown> {
  const { config, evaluation, provenance, curve: _curve, ...summary } = run.record;
  const row: Record<string, unknown> = {
    sweep: run.sweep,
    condition: conditionHash(conditionId(config)),
    depth: config.network.layers.length,
  };
  for (const [k, v] of Object.entries(summary)) row[k] = v;
  row.lastingSuccess ??= isLastingSuccess(run.record);
  if (evaluation) for (const [k, v] of Object.entries(evaluation)) row[`evaluation.${k}`] = v;
  if (provenance) for (const [k, v] of Object.entries(provenance)) row[`provenance.${k}`] = v;
  Object.assign(row, flatten(config, 'config'));
  return row;
}

/** `runs.csv`: one row per run, every column that any run has (summary first, then `config.*`). */
export function runsCsv(runs: ReportRun[]): string {
  const rows = runs.map(runRow);
  const seen = new Set<string>(FIRST_COLUMNS);
  const summaryColumns: string[] = [];
  const configColumns: string[] = [];
  for (const row of rows) {
    for (const k of Object.keys(row)) {
      if (seen.has(k)) continue;
      seen.add(k);
      (k.startsWith('config.') ? configColumns : summaryColumns).push(k);
    }
  }
  return toCsv([...FIRST_COLUMNS, ...summaryColumns, ...configColumns], rows);
}
