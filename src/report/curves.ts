import { median, quantile } from 'simple-statistics';
import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, colourScale, columnFacet, gridFacet, panelWidth, SCHEMA, wrap } from '../plot/chartStyle.js';
import type { RunRecord } from '../sweep/store.js';
import type { Analysis, ConditionStats } from './analysis.js';
import { ruleName } from './conditions.js';

/** Most points of a median curve drawn (every k-th point of the recorded ones). */
export const CURVE_FIGURE_POINTS = 80;

/** One point of a condition's median learning curve, for the figures. */
export interface CurveRow {
  row: string;
  rowOrder: number;
  column: string;
  columnOrder: number;
  series: string;
  step: number;
  /** Median and quartiles over the seeds of the |e| average over the reflex baseline. */
  median: number;
  q1: number;
  q3: number;
  /** Runs that the point is the median of. */
  runs: number;
}

/** The facet and line a condition is drawn in. */
export interface CurvePlace {
  row: string;
  rowOrder: number;
  column: string;
  columnOrder: number;
  series: string;
}

/**
 * The median learning curve of some runs (of one condition and learning rate), with its quartiles,
 * from the `relativeErrorEma` of their recorded curves. The runs share one step grid (one budget); a
 * run that stopped early (after success, or diverged) counts with its last value from then on.
 * Points where a run's value is not finite leave it out. Empty when no run has a curve.
 */
export function medianCurve(records: RunRecord[]): Omit<CurveRow, keyof CurvePlace>[] {
  const curves = records
    .map((r) => r.curve?.relativeErrorEma ?? null)
    .filter((c): c is (number | null)[] => c !== null && c.length > 0);
  let longest: number[] = [];
  for (const r of records)
    if ((r.curve?.step.length ?? 0) > longest.length) longest = r.curve?.step ?? longest;
  if (curves.length === 0 || longest.length === 0) return [];
  const stride = Math.max(1, Math.ceil(longest.length / CURVE_FIGURE_POINTS));
  const out: Omit<CurveRow, keyof CurvePlace>[] = [];
  for (let i = 0; i < longest.length; i += stride) {
    const values = curves
      .map((c) => c[Math.min(i, c.length - 1)])
      .filter((v): v is number => v !== null && Number.isFinite(v));
    if (values.length === 0) continue;
    out.push({
      step: longest[i],
      median: median(values),
      q1: quantile(values, 0.25),
      q3: quantile(values, 0.75),
      runs: values.length,
    });
  }
  return out;
}

/** The median curves of conditions at their best learning rate, each in its facet and line. */
export function curveRows(
  items: { condition: ConditionStats; place: CurvePlace; rate?: number }[],
): CurveRow[] {
  return items.flatMap(({ condition, place, rate }) =>
    medianCurve(condition.records.get(rate ?? condition.best.learningRate) ?? []).map((p) => ({
      ...place,
      ...p,
    })),
  );
}

/** The rules over depth (main conditions): a row per depth, a column per track, a line per rule. */
export function mainCurveRows(analysis: Analysis): CurveRow[] {
  return curveRows(
    analysis.main.map((condition) => ({
      condition,
      place: {
        row: `depth ${condition.condition.depth}`,
        rowOrder: condition.condition.depth,
        column: `track ${condition.condition.track}`,
        columnOrder: 0,
        series: ruleName(condition.condition),
      },
    })),
  );
}

/**
 * The controls: a panel per network with the predictors ahead (at its best learning rate), a line for
 * it, for each control at the same rate, and for the reflex alone at its best gain.
 */
export function controlCurveRows(analysis: Analysis): CurveRow[] {
  return analysis.controls.flatMap((row, i) => {
    const rate = row.ahead.best.learningRate;
    const place = (series: string) => ({
      row: '',
      rowOrder: 0,
      column: row.ahead.condition.label,
      columnOrder: i,
      series,
    });
    return curveRows([
      { condition: row.ahead, place: place('ahead'), rate },
      ...row.controls.map((c) => ({
        condition: c.condition,
        place: place(c.condition.condition.predictors),
        rate,
      })),
      ...(row.reflex
        ? [
            {
              condition: row.reflex.condition,
              place: place('reflex alone, best gain'),
              rate: row.reflex.cell.learningRate,
            },
          ]
        : []),
    ]);
  });
}

/** The conditions of a preset (the authors' setting): a panel per preset and track, a line per rule. */
export function presetCurveRows(analysis: Analysis): CurveRow[] {
  const presets = analysis.variations.find((v) => v.field === 'preset')?.conditions ?? [];
  return curveRows(
    presets
      .filter((c) => c.condition.predictors === 'ahead')
      .map((condition) => ({
        condition,
        place: {
          row: '',
          rowOrder: 0,
          column: `${condition.condition.preset} · ${condition.condition.track} · depth ${condition.condition.depth}`,
          columnOrder: condition.condition.depth,
          series: ruleName(condition.condition),
        },
      })),
  );
}

function labelsInOrder(
  rows: CurveRow[],
  label: 'row' | 'column',
  order: 'rowOrder' | 'columnOrder',
): string[] {
  const first = new Map<string, number>();
  for (const r of rows)
    if (!first.has(r[label]) || r[order] < (first.get(r[label]) as number)) first.set(r[label], r[order]);
  return [...first].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0])).map(([l]) => l);
}

/**
 * Median learning curves with their interquartile band, small multiples: the |e| average over the
 * reflex baseline against the step, the success threshold as a dashed line.
 */
export function curvesSpec(
  title: string,
  rows: CurveRow[],
  series: string[],
  threshold: number,
  seriesTitle = 'rule',
): TopLevelSpec {
  const rowLabels = labelsInOrder(rows, 'row', 'rowOrder');
  const columnLabels = labelsInOrder(rows, 'column', 'columnOrder');
  const columns = Math.min(4, columnLabels.length);
  const color = { field: 'series', type: 'nominal', scale: colourScale(series), title: seriesTitle } as const;
  const x = { field: 'step', type: 'quantitative', title: 'step' } as const;
  const y = {
    type: 'quantitative',
    scale: { domain: [0, 1.5], clamp: true },
    title: '|e| average / reflex',
  } as const;
  const facet = rowLabels.length > 1 ? gridFacet(rowLabels, columnLabels) : columnFacet(columnLabels);
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: wrap([
        'median over the seeds of the moving average of |e| over the reflex-alone baseline (the success criterion); band: interquartile range; dashed: the success threshold',
        'a run that stopped (2,000 steps after success, or diverged) counts with its last value from then on',
      ]),
    },
    data: { values: rows },
    facet,
    ...(rowLabels.length > 1 ? {} : { columns }),
    spec: {
      width: panelWidth(columns),
      height: 130,
      layer: [
        {
          mark: { type: 'area', opacity: 0.18 },
          encoding: { x, y: { ...y, field: 'q1' }, y2: { field: 'q3' }, color },
        },
        {
          mark: { type: 'line', strokeWidth: 1.6 },
          encoding: { x, y: { ...y, field: 'median' }, color },
        },
        {
          // One threshold line per panel.
          transform: [{ aggregate: [{ op: 'count', as: 'points' }] }],
          mark: { type: 'rule', strokeDash: [4, 3], color: '#555' },
          encoding: {
            y: { datum: threshold, type: 'quantitative', scale: { domain: [0, 1.5], clamp: true } },
          },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
    config: CONFIG,
  } as TopLevelSpec;
}
