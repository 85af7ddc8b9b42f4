import { DEFAULT_SIGN_MODE } from '../learning/sar.js';
import type { Analysis, ConditionStats } from './analysis.js';
import { type Condition, ruleName } from './conditions.js';
import type { SweepFolder } from './records.js';
import {
  BOOTSTRAP_SAMPLES,
  type CellStats,
  type Comparison,
  type Difference,
  PERMUTATIONS,
} from './stats.js';

/** A number with at most `digits` significant digits, or `–` for none. */
export function fmt(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  if (Number.isInteger(value) && Math.abs(value) >= 10 ** digits) return String(value);
  return String(Number(value.toPrecision(digits)));
}

/** A learning rate: 3 significant digits, small ones as 2.15e-5. */
export function fmtRate(value: number): string {
  if (value !== 0 && Math.abs(value) < 1e-3) return value.toExponential(2).replace(/\.?0+e/, 'e');
  return fmt(value);
}

function fmtFailures(cell: CellStats): string {
  const failures = cell.runs - cell.successes;
  return failures === 0 ? '–' : `${cell.failuresAtBudget}/${failures}`;
}

function fmtSteps(cell: CellStats): string {
  if (cell.steps.median === null) return '–';
  const range =
    cell.steps.min === cell.steps.max ? '' : ` (${fmt(cell.steps.min, 6)}–${fmt(cell.steps.max, 6)})`;
  return `${fmt(Math.round(cell.steps.median), 6)}${range}`;
}

function fmtError(cell: CellStats): string {
  if (cell.error.median === null) return '–';
  const missing = cell.errorMissing > 0 ? `, ${cell.errorMissing} without` : '';
  return `${fmt(cell.error.median)} [${fmt(cell.error.q1)}–${fmt(cell.error.q3)}${missing}]`;
}

function fmtLosses(cell: CellStats): string {
  return `${cell.lineLosses} (${cell.runsWithLineLoss} runs) / ${cell.frozenLineLosses}`;
}

function fmtSuccess(cell: CellStats): string {
  return `${cell.successes}/${cell.runs}`;
}

function fmtP(d: Difference): string {
  if (d.p === null) return '–';
  const p = d.p < 1 / PERMUTATIONS ? `< ${1 / PERMUTATIONS}` : fmt(d.p, 2);
  return d.beyondSpread ? `**${p}**` : p;
}

function fmtDiff(d: Difference, digits = 3, percent = false): string {
  if (d.difference === null) return '–';
  const show = (x: number) => {
    const v = percent ? `${Math.round(x * 100)}` : fmt(x, digits);
    return `${x > 0 && !v.startsWith('+') ? '+' : ''}${v}`;
  };
  const interval = d.interval ? ` [${show(d.interval[0])}, ${show(d.interval[1])}]` : '';
  return `${show(d.difference)}${percent ? ' pp' : ''}${interval} (p ${fmtP(d)})`;
}

function fmtLasting(cell: CellStats): string {
  return `${cell.lasting}/${cell.runs}`;
}

function fmtAuthors(cell: CellStats): string {
  const a = cell.authors;
  if (a.runs === 0) return '–';
  const steps = a.steps.median === null ? '' : ` (${fmt(Math.round(a.steps.median), 6)})`;
  return `${a.successes}/${a.runs}${steps}`;
}

function fmtStreak(cell: CellStats): string {
  const s = cell.streak;
  return s.median === null ? '–' : `${fmt(Math.round(s.median), 6)} (${fmt(s.max, 6)})`;
}

/** Columns a table of cells shows only where some of its runs' records carry them. */
export interface OptionalColumns {
  /** The authors' success criterion. */
  authors: boolean;
  /** The longest streak below the threshold of the runs without success. */
  streak: boolean;
}

/** The optional columns that some of these cells have data for. */
export function optionalColumns(cells: CellStats[]): OptionalColumns {
  return {
    authors: cells.some((c) => c.authors.runs > 0),
    streak: cells.some((c) => c.streak.runs > 0),
  };
}

/** The header and alignment lines of a table of cells (`extra`: columns after the usual ones). */
function cellHeader(rate: string, columns: OptionalColumns, extra: string[] = []): string[] {
  const names = [
    'condition',
    rate,
    'success',
    'lasting success',
    ...(columns.authors ? ["authors' criterion (median steps)"] : []),
    'median steps to success (min–max)',
    'frozen relative error, median [IQR]',
    'line losses learning (runs) / frozen',
    'failures that ran the whole budget',
    ...(columns.streak ? ['longest streak below the threshold, failures: median (max)'] : []),
    ...extra,
  ];
  return [
    `| ${names.join(' | ')} |`,
    `|---|${names
      .slice(1)
      .map(() => '---:')
      .join('|')}|`,
  ];
}

function cellLine(
  label: string,
  cell: CellStats,
  columns: OptionalColumns,
  reflex = false,
  extra: string[] = [],
): string {
  const values = [
    label,
    reflex ? '–' : fmtRate(cell.learningRate),
    fmtSuccess(cell),
    fmtLasting(cell),
    ...(columns.authors ? [fmtAuthors(cell)] : []),
    fmtSteps(cell),
    fmtError(cell),
    fmtLosses(cell),
    fmtFailures(cell),
    ...(columns.streak ? [fmtStreak(cell)] : []),
    ...extra,
  ];
  return `| ${values.join(' | ')} |`;
}

/** A table of cells, each a row with its label (`reflex`: no learning rate to show). */
export function cellTable(rows: { label: string; cell: CellStats; reflex?: boolean }[]): string[] {
  const columns = optionalColumns(rows.map((r) => r.cell));
  return [
    ...cellHeader('η', columns),
    ...rows.map((r) => cellLine(r.label, r.cell, columns, r.reflex ?? false)),
  ];
}

/** A table of conditions at their best learning rate. */
export function bestRateTable(conditions: ConditionStats[]): string[] {
  const columns = optionalColumns(conditions.map((c) => c.best));
  const lines = cellHeader('best η', columns, ['η that work']);
  for (const c of conditions)
    lines.push(
      cellLine(c.condition.label, c.best, columns, c.condition.rule === 'reflex', [
        `${c.workingRates}/${c.cells.length}`,
      ]),
    );
  return lines;
}

/**
 * The best-rate tables in one: a row per rule and depth, a column per track, each cell `successes ·
 * median steps to success · median frozen error` at that condition's best learning rate.
 */
export function depthMatrix(conditions: ConditionStats[]): string[] {
  const tracks = [...new Set(conditions.map((c) => c.condition.track))];
  const rows = new Map<string, Map<string, ConditionStats>>();
  for (const c of conditions) {
    const row = `${ruleName(c.condition)} · depth ${c.condition.depth}`;
    if (!rows.has(row)) rows.set(row, new Map());
    rows.get(row)?.set(c.condition.track, c);
  }
  const cell = (c: ConditionStats | undefined) => {
    if (!c) return '';
    const steps = c.best.steps.median === null ? '–' : String(Math.round(c.best.steps.median));
    return `${c.best.successes}/${c.best.runs} (${c.best.lasting}) · ${steps} · ${fmt(c.best.error.median, 2)}`;
  };
  return [
    `| rule · depth | ${tracks.map((t) => `track ${t}`).join(' | ')} |`,
    `|---|${tracks.map(() => '---:').join('|')}|`,
    ...[...rows].map(
      ([row, byTrack]) => `| ${row} | ${tracks.map((t) => cell(byTrack.get(t))).join(' | ')} |`,
    ),
  ];
}

/** A table of comparisons, each difference with its permutation-test p-value. */
export function comparisonTable(comparisons: Comparison[]): string[] {
  const lines = [
    '| A | B | η A / η B | success A / B | success rate A − B | mean steps to success A − B (failure = budget) | mean frozen error A − B | beyond the seed spread |',
    '|---|---|---|---|---:|---:|---:|---|',
  ];
  for (const c of comparisons) {
    const measures: [string, Difference][] = [
      ['success', c.success],
      ['steps', c.steps],
      ['error', c.error],
    ];
    const beyond = measures.filter(([, d]) => d.beyondSpread).map(([name]) => name);
    lines.push(
      `| ${c.a} | ${c.b} | ${fmtRate(c.learningRateA)} / ${fmtRate(c.learningRateB)} | ${c.successA.join('/')} / ${c.successB.join('/')} | ${fmtDiff(c.success, 3, true)} | ${fmtDiff(c.steps, 4)} | ${fmtDiff(c.error)} | ${beyond.join(', ') || 'no'} |`,
    );
  }
  return lines;
}

function rulesOf(conditions: Condition[]): string[] {
  return [...new Set(conditions.map((c) => c.rule))];
}

function settingsText(analysis: Analysis): string[] {
  const configs = analysis.conditions.map((c) => c.condition.config);
  const unique = <T>(values: T[]) => [...new Set(values)].sort() as T[];
  const windows = unique(configs.map((c) => c.success.window));
  const laps = unique(configs.filter((c) => c.rule !== 'reflex').map((c) => c.evaluation?.laps ?? 0));
  const seeds = unique(analysis.conditions.flatMap((c) => c.cells.flatMap((cell) => cell.seeds))).sort(
    (a, b) => a - b,
  );
  const after = unique(configs.map((c) => c.afterSuccess));
  return [
    `- **Success**: the moving average of |e| (started at the reflex's mean |e|) stays below ${analysis.thresholds.join(' or ')} × the reflex's mean |e| for ${windows.join(' or ')} steps and at least one lap, with no line loss; steps to success is the step at which that window began. Runs stop ${after.join(' or ')} steps after success; the step budget is ${analysis.budget.join(' or ')}.`,
    `- **Frozen relative error**: at the end of a run the weights are frozen and the robot drives ${laps.join(' or ')} lap(s) from the start; its mean |e| over the reflex's. For the reflex alone (no network) the run's own relative error (mean |e| of the last ${windows.join(' or ')} steps over the reflex at the default gain).`,
    `- **Lasting success**: success, and the frozen relative error below ${analysis.thresholds.join(' or ')} too (the reflex alone: its own relative error): what was learned keeps working with the weights fixed. Where the records carry them, the tables also give the authors' success criterion (successes, median steps to success) and, for the runs without success, the longest streak of steps with the average below the threshold (median and longest over the runs).`,
    '- **Best learning rate** of a condition: the most successes; ties go to the lower median steps to success (failures as never, then over the successes), then the lower median frozen relative error, then the lower rate.',
    `- **Differences larger than the seed-to-seed spread**: two-sided permutation test of the difference of means (simple-statistics \`permutationTest\`, ${PERMUTATIONS} random relabellings of the seeds, drawn from a seeded pure-rand generator so that the report is the same every time) on success (0/1), steps to success (a failure counts as the whole budget) and frozen relative error. The tables give these differences of means (of success rates, steps, errors), the same statistic as the test, with a 95 % percentile bootstrap interval in brackets (${BOOTSTRAP_SAMPLES} resamples of each sample, same generator); p-values below 0.05 are **bold** and the measure is named under "beyond the seed spread". Each test is at the 5 % level on its own: among many comparisons, about one in twenty differences that are not real is flagged by chance.`,
    `- Seeds: ${seeds.length <= 12 ? seeds.join(', ') : `${seeds.length} (${seeds[0]}–${seeds[seeds.length - 1]})`}.`,
  ];
}

/** report.md: where the data come from, how to read it, the tables at the best rates, the controls, the comparisons, the figures. */
export function reportMarkdown(
  analysis: Analysis,
  folders: SweepFolder[],
  totalRuns: number,
  figures: { name: string; caption: string }[],
  files: { csv: string; learningRates: string; stats: string },
): string {
  const lines: string[] = ['# Sweep report', ''];
  lines.push(
    `${totalRuns} runs in ${analysis.conditions.length} conditions, from ${folders.length} sweep folder(s):`,
    '',
  );
  lines.push('| folder | file | runs | grid |', '|---|---|---:|---|');
  for (const f of folders)
    lines.push(
      `| ${f.name} | ${f.file.split(/[\\/]/).pop()} | ${f.records} | ${f.grid ? `${f.grid.id} (${f.grid.runs} runs)` : '–'} |`,
    );
  const all = analysis.conditions.flatMap((c) => c.cells);
  const failures = all.reduce((s, c) => s + c.runs - c.successes, 0);
  const atBudget = all.reduce((s, c) => s + c.failuresAtBudget, 0);
  lines.push(
    '',
    `Of ${failures} runs without success, ${atBudget} ran the whole step budget (the others diverged or were interrupted).`,
    '',
  );
  lines.push('## How to read it', '', ...settingsText(analysis), '');
  lines.push(
    `Every table per learning rate is in [${files.learningRates}](${files.learningRates}); every run, one row each, in [${files.csv}](${files.csv}); the numbers of this page in [${files.stats}](${files.stats}).`,
    '',
  );
  if (analysis.main.length > 0) {
    lines.push('## The rules at their best learning rate', '');
    lines.push(
      'In one table: successes (of which lasting) · median steps to success · median frozen relative error, each condition at its best learning rate (the tables per track below give the rates and spreads).',
      '',
      ...depthMatrix(analysis.main),
      '',
    );
    for (const track of [...new Set(analysis.main.map((c) => c.condition.track))]) {
      lines.push(`### Track ${track}`, '');
      lines.push(...bestRateTable(analysis.main.filter((c) => c.condition.track === track)), '');
    }
  }
  if (analysis.controls.length > 0) {
    lines.push('## The controls', '');
    lines.push(
      'Each network at the best learning rate of its predictors ahead; the same network with the predictors at the reflex sensors (no look-ahead) and blind, at the same rate and at their own best rate; and the reflex alone at its best gain (the lowest median relative error) on the same track.',
      '',
    );
    const rows: { label: string; cell: CellStats; reflex?: boolean }[] = [];
    for (const row of analysis.controls) {
      rows.push({ label: row.ahead.condition.label, cell: row.ahead.best });
      for (const c of row.controls) {
        if (c.cell) rows.push({ label: c.condition.condition.label, cell: c.cell });
        if (c.condition.best.learningRate !== c.cell?.learningRate)
          rows.push({ label: `${c.condition.condition.label} (its own best η)`, cell: c.condition.best });
      }
      if (row.reflex)
        rows.push({ label: row.reflex.condition.condition.label, cell: row.reflex.cell, reflex: true });
    }
    lines.push(...cellTable(rows), '');
  }
  const byKind = (kind: string) => analysis.comparisons.filter((c) => c.kind === kind);
  const sections: [string, string, string][] = [
    [
      'rule',
      'SaR against the other rules',
      'Each rule at its own best learning rate, the same depth, track and inputs.',
    ],
    [
      'predictors',
      'The predictors ahead against the controls',
      'The same network, at the best learning rate of the predictors ahead (η A = η B) and each at its own best learning rate.',
    ],
    [
      'signMode',
      'Sign mode',
      `SaR with its default sign (\`${DEFAULT_SIGN_MODE}\`: the sign of the exact δ, the authors' rule) against the other sign modes (\`transport\`: only signs travel; \`global\`: sign(e) everywhere), each at its best rate.`,
    ],
    [
      'relevance',
      'Relevance',
      'SaR with relevance |e| against the other relevance signals, each at its best rate.',
    ],
    [
      'inputs',
      'Rows against the camera',
      'Each rule with the rows against the same rule with the camera, each at its best rate.',
    ],
  ];
  const variation = new Map(analysis.variations.map((v) => [v.field, v]));
  for (const [kind, title, text] of sections) {
    const comparisons = byKind(kind);
    const v = variation.get(kind as 'relevance' | 'signMode' | 'inputs');
    if (comparisons.length === 0 && !v) continue;
    lines.push(`## ${title}`, '', text, '');
    if (v && kind !== 'rule') lines.push(...bestRateTable(v.conditions), '');
    if (comparisons.length > 0) lines.push(...comparisonTable(comparisons), '');
  }
  const presets = variation.get('preset');
  if (presets) {
    lines.push('## Presets', '', ...bestRateTable(presets.conditions), '');
  }
  if (analysis.reflex.length > 0) {
    lines.push('## The reflex alone', '');
    const { runs, gains } = analysis.rebasedReflex;
    if (runs > 0)
      lines.push(
        `The relative error of ${runs} reflex-alone run(s) was recorded against the reflex at their own gain (their sweep did not set \`success.baselineGain\`); here it is their mean |e| over the last window divided by the baseline the networks' runs recorded (the reflex at gain ${gains.join(' or ')}, same track, world and seed). Their success was judged against their own gain's baseline.`,
        '',
      );
    lines.push(
      ...cellTable(analysis.reflex.map((r) => ({ label: r.condition.label, cell: r.best, reflex: true }))),
      '',
    );
  }
  const rest = analysis.conditions.filter(
    (c) =>
      !analysis.main.includes(c) &&
      !analysis.reflex.includes(c) &&
      !analysis.variations.some((v) => v.conditions.includes(c)) &&
      !analysis.controls.some((row) => row.controls.some((x) => x.condition === c)),
  );
  if (rest.length > 0) lines.push('## Other conditions', '', ...bestRateTable(rest), '');
  if (figures.length > 0) {
    lines.push('## Figures', '');
    for (const f of figures) lines.push(`${f.caption}`, '', `![${f.name}](${f.name}.svg)`, '');
  }
  lines.push(
    `Rules: ${rulesOf(analysis.conditions.map((c) => c.condition)).join(', ')}. Written by \`sarlab report\`.`,
  );
  return `${lines.join('\n')}\n`;
}

/** learning-rates.md: every condition at every learning rate. */
export function learningRateMarkdown(analysis: Analysis): string {
  const lines = ['# Every condition at every learning rate', ''];
  lines.push('The best learning rate of each condition is marked ★. Columns as in report.md.', '');
  for (const c of analysis.conditions) {
    const rows = c.cells.map((cell) => ({ label: cell === c.best ? '★' : '', cell }));
    lines.push(`## ${c.condition.label}`, '', ...cellTable(rows), '');
  }
  return `${lines.join('\n')}\n`;
}
