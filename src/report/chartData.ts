import type { RunRecord } from '../sweep/store.js';
import type { Analysis, ConditionStats, ControlsRow, Variation } from './analysis.js';
import { reflexMatch } from './analysis.js';
import { ruleName } from './conditions.js';
import type { CellStats } from './stats.js';
import { judgedError } from './stats.js';

/** One condition at one learning rate, flat, for the figures. */
export interface CellRow {
  /** Facet row (e.g. `depth 5`) and its order. */
  row: string;
  rowOrder: number;
  /** Facet column (e.g. the track) and its order. */
  column: string;
  columnOrder: number;
  /** The line: the rule, or the value of the setting a variation figure compares. */
  series: string;
  learningRate: number;
  runs: number;
  successes: number;
  successRate: number;
  /** 'some' (at least one success), 'none'. */
  outcome: 'some successes' | 'no success';
  stepsMedian: number | null;
  stepsQ1: number | null;
  stepsQ3: number | null;
  /** Where a learning rate without any success is drawn on the steps axis (above the budget). */
  noSuccessLevel: number | null;
  errorMedian: number | null;
  errorQ1: number | null;
  errorQ3: number | null;
}

/** How far above the budget the "no success" band of the steps figure lies. */
export const NO_SUCCESS_FACTOR = 1.6;

/** One condition at one learning rate as a row of the figures, in the given facet and series. */
export function cellRow(
  cell: CellStats,
  budget: number,
  facets: { row: string; rowOrder: number; column: string; columnOrder: number; series: string },
): CellRow {
  return {
    ...facets,
    learningRate: cell.learningRate,
    runs: cell.runs,
    successes: cell.successes,
    successRate: cell.successes / cell.runs,
    outcome: cell.successes > 0 ? 'some successes' : 'no success',
    stepsMedian: cell.steps.median,
    stepsQ1: cell.steps.q1,
    stepsQ3: cell.steps.q3,
    noSuccessLevel: cell.successes === 0 ? budget * NO_SUCCESS_FACTOR : null,
    errorMedian: cell.error.median,
    errorQ1: cell.error.q1,
    errorQ3: cell.error.q3,
  };
}

/** The five rules: a row per depth, a column per track, a line per rule. */
export function mainRows(analysis: Analysis): CellRow[] {
  return analysis.main.flatMap((c) =>
    c.cells.map((cell) =>
      cellRow(cell, c.condition.budget, {
        row: `depth ${c.condition.depth}`,
        rowOrder: c.condition.depth,
        column: `track ${c.condition.track}`,
        columnOrder: 0,
        series: ruleName(c.condition),
      }),
    ),
  );
}

/** The reflex alone at its best gain, per facet of `rows` (a reference line in the error figure). */
export function reflexReference(
  analysis: Analysis,
  conditions: ConditionStats[],
  rows: CellRow[],
): { row: string; column: string; reflexError: number; label: string }[] {
  const out: { row: string; column: string; reflexError: number; label: string }[] = [];
  const seen = new Set<string>();
  for (const c of conditions) {
    const reflex = analysis.bestReflex.get(reflexMatch(c.condition));
    if (!reflex || reflex.cell.error.median === null) continue;
    const column = `track ${c.condition.track}`;
    for (const row of new Set(rows.filter((r) => r.column === column).map((r) => r.row))) {
      if (seen.has(`${row}|${column}`)) continue;
      seen.add(`${row}|${column}`);
      out.push({
        row,
        column,
        reflexError: reflex.cell.error.median,
        label: `reflex alone, gain ${reflex.condition.condition.reflexGain}`,
      });
    }
  }
  return out;
}

/** The value a variation figure draws its lines by. */
function seriesOf(variation: Variation, c: ConditionStats): string {
  if (variation.field === 'inputs' || variation.field === 'preset') return c.condition.rule;
  return String(c.condition[variation.field]);
}

/** A variation (relevance, sign mode, inputs, preset): a column per setting, a line per value. */
export function variationRows(variation: Variation): CellRow[] {
  return variation.conditions.flatMap((c) => {
    const cond = c.condition;
    const column =
      variation.field === 'inputs'
        ? `${cond.inputs} · depth ${cond.depth} · ${cond.track}`
        : variation.field === 'preset'
          ? `${cond.preset} · ${cond.track}`
          : `depth ${cond.depth} · ${cond.track}`;
    // Rows before the camera, shallow before deep.
    const columnOrder = (variation.field === 'inputs' && cond.inputs !== 'rows' ? 100_000 : 0) + cond.depth;
    return c.cells.map((cell) =>
      cellRow(cell, cond.budget, {
        row: '',
        rowOrder: 0,
        column,
        columnOrder,
        series: seriesOf(variation, c),
      }),
    );
  });
}

/** One run of the controls figure. */
export interface ControlRun {
  panel: string;
  variant: string;
  variantOrder: number;
  seed: number;
  error: number | null;
  outcome: 'success' | 'no success';
}

function formatRate(rate: number): string {
  return Number(rate.toPrecision(3)).toString();
}

/** Every run of the controls at the best learning rate of the predictors ahead, and the reflex alone at its best gain. */
export function controlRuns(rows: ControlsRow[]): ControlRun[] {
  const out: ControlRun[] = [];
  for (const row of rows) {
    const c = row.ahead.condition;
    const rate = row.ahead.best.learningRate;
    // The condition's label, not just rule, depth and track: two pairs of one network (a budget apart, say) are two panels.
    const panel = `${c.label} · η ${formatRate(rate)}`;
    const add = (variant: string, order: number, records: RunRecord[]) => {
      const successes = records.filter((r) => r.success).length;
      const name = `${variant}|${successes}/${records.length} succeed`;
      for (const r of records)
        out.push({
          panel,
          variant: name,
          variantOrder: order,
          seed: r.seed,
          error: judgedError(r),
          outcome: r.success ? 'success' : 'no success',
        });
    };
    add('ahead', 0, row.ahead.records.get(rate) ?? []);
    row.controls.forEach((control, i) => {
      add(control.condition.condition.predictors, i + 1, control.condition.records.get(rate) ?? []);
    });
    if (row.reflex)
      add(
        `reflex gain ${row.reflex.condition.condition.reflexGain}`,
        99,
        row.reflex.condition.records.get(row.reflex.cell.learningRate) ?? [],
      );
  }
  return out;
}

/** The reflex alone: median relative error and successes per gain and track. */
export function reflexGainRows(analysis: Analysis): {
  gain: number;
  track: string;
  errorMedian: number | null;
  errorQ1: number | null;
  errorQ3: number | null;
  successes: number;
  runs: number;
}[] {
  return analysis.reflex.map((c) => ({
    gain: c.condition.reflexGain,
    track: c.condition.track,
    errorMedian: c.best.error.median,
    errorQ1: c.best.error.q1,
    errorQ3: c.best.error.q3,
    successes: c.best.successes,
    runs: c.best.runs,
  }));
}

/** The five rules at their best learning rate, against depth. */
export function bestRateRows(analysis: Analysis): {
  rule: string;
  depth: number;
  track: string;
  measure: string;
  value: number | null;
}[] {
  return analysis.main.flatMap((c) => [
    {
      rule: ruleName(c.condition),
      depth: c.condition.depth,
      track: `track ${c.condition.track}`,
      measure: 'success',
      value: c.best.successes / c.best.runs,
    },
    {
      rule: ruleName(c.condition),
      depth: c.condition.depth,
      track: `track ${c.condition.track}`,
      measure: 'η that work',
      value: c.workingRates / c.cells.length,
    },
  ]);
}
