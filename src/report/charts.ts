import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, colourScale, gridFacet, type Layer, panelWidth, SCHEMA, wrap } from '../plot/chartStyle.js';
import { MARK_COLOURS } from '../util/palette.js';
import type { CellRow } from './chartData.js';
import { NO_SUCCESS_FACTOR } from './chartData.js';

const learningRateAxis = {
  field: 'learningRate',
  type: 'quantitative',
  scale: { type: 'log' },
  title: 'learning rate η',
  axis: { format: '.0e', tickCount: 5 },
} as const;

/** Which metric a learning-rate figure draws. */
export type Metric = 'success' | 'steps' | 'error';

/** Lines in the error figure: the success threshold and the reflex alone at its best gain. */
export interface References {
  threshold: number;
  budget: number;
  reflex: { row: string; column: string; reflexError: number; label: string }[];
}

function metricLayers(metric: Metric, series: string[], refs: References, seriesTitle: string): Layer[] {
  const color = { field: 'series', type: 'nominal', scale: colourScale(series), title: seriesTitle } as const;
  const hollow = { type: 'point', filled: false, size: 40, strokeWidth: 1.2 } as const;
  const filled = { type: 'point', filled: true, size: 40 } as const;
  if (metric === 'success') {
    return [
      { mark: { type: 'line', strokeWidth: 1.5 }, encoding: { x: learningRateAxis, y: successY, color } },
      {
        transform: [{ filter: 'datum.successes > 0' }],
        mark: filled,
        encoding: { x: learningRateAxis, y: successY, color },
      },
      {
        transform: [{ filter: 'datum.successes == 0' }],
        mark: { ...hollow, color: '#999' },
        encoding: { x: learningRateAxis, y: successY, stroke: color },
      },
    ];
  }
  if (metric === 'steps') {
    const y = {
      type: 'quantitative' as const,
      scale: { type: 'log' as const, domain: [50, refs.budget * NO_SUCCESS_FACTOR * 1.6], nice: false },
      title: 'steps to success',
    };
    return [
      {
        transform: [{ filter: 'datum.stepsMedian != null' }],
        mark: { type: 'rule', opacity: 0.6 },
        encoding: { x: learningRateAxis, y: { ...y, field: 'stepsQ1' }, y2: { field: 'stepsQ3' }, color },
      },
      {
        transform: [{ filter: 'datum.stepsMedian != null' }],
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: { x: learningRateAxis, y: { ...y, field: 'stepsMedian' }, color },
      },
      {
        transform: [{ filter: 'datum.stepsMedian != null && datum.successes * 2 >= datum.runs' }],
        mark: filled,
        encoding: { x: learningRateAxis, y: { ...y, field: 'stepsMedian' }, color },
      },
      {
        transform: [{ filter: 'datum.stepsMedian != null && datum.successes * 2 < datum.runs' }],
        mark: hollow,
        encoding: { x: learningRateAxis, y: { ...y, field: 'stepsMedian' }, color },
      },
      {
        // One row of crosses per series, so that they do not hide each other.
        transform: [
          { filter: 'datum.noSuccessLevel != null' },
          {
            calculate: `datum.noSuccessLevel * pow(1.12, indexof(${JSON.stringify(series)}, datum.series))`,
            as: 'crossLevel',
          },
        ],
        mark: { type: 'point', shape: 'cross', filled: true, size: 30, opacity: 0.7 },
        encoding: { x: learningRateAxis, y: { ...y, field: 'crossLevel' }, color },
      },
      {
        data: { values: [{ budget: refs.budget, label: `budget ${refs.budget}` }] },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { y: { field: 'budget', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'right', baseline: 'top', dx: -2, dy: 2, color: '#666', x: 'width' },
            encoding: { y: { field: 'budget', type: 'quantitative' }, text: { field: 'label' } },
          },
        ],
      },
    ];
  }
  const y = {
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'frozen error / reflex',
  } as const;
  return [
    {
      transform: [{ filter: 'datum.errorMedian != null' }],
      mark: { type: 'rule', opacity: 0.5 },
      encoding: { x: learningRateAxis, y: { ...y, field: 'errorQ1' }, y2: { field: 'errorQ3' }, color },
    },
    {
      transform: [{ filter: 'datum.errorMedian != null' }],
      mark: { type: 'line', strokeWidth: 1.5 },
      encoding: { x: learningRateAxis, y: { ...y, field: 'errorMedian' }, color },
    },
    {
      transform: [{ filter: 'datum.errorMedian != null && datum.successes > 0' }],
      mark: filled,
      encoding: { x: learningRateAxis, y: { ...y, field: 'errorMedian' }, color },
    },
    {
      transform: [{ filter: 'datum.errorMedian != null && datum.successes == 0' }],
      mark: hollow,
      encoding: { x: learningRateAxis, y: { ...y, field: 'errorMedian' }, color },
    },
    {
      transform: [{ filter: 'datum.reflexError != null' }],
      mark: { type: 'rule', strokeDash: [6, 3], color: MARK_COLOURS.reflex },
      encoding: { y: { field: 'reflexError', type: 'quantitative' } },
    },
    {
      data: { values: [{ threshold: refs.threshold, label: `success threshold ${refs.threshold}` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: MARK_COLOURS.success },
          encoding: { y: { field: 'threshold', type: 'quantitative' } },
        },
        {
          mark: {
            type: 'text',
            align: 'right',
            baseline: 'top',
            dx: -2,
            dy: 2,
            color: MARK_COLOURS.success,
            x: 'width',
          },
          encoding: { y: { field: 'threshold', type: 'quantitative' }, text: { field: 'label' } },
        },
      ],
    },
  ];
}

const successY = {
  field: 'successRate',
  type: 'quantitative' as const,
  title: 'success rate',
  scale: { domain: [0, 1] },
  axis: { format: '%' },
};

const METRIC_TEXT: Record<Metric, string> = {
  success: 'Success rate against learning rate',
  steps: 'Steps to success against learning rate',
  error: 'Frozen error relative to the reflex, against learning rate',
};

const METRIC_NOTE: Record<Metric, string> = {
  success: 'hollow grey: no seed succeeded',
  steps:
    'median and IQR of the runs that succeeded; hollow: fewer than half of the seeds succeeded; × above the budget line: no seed succeeded',
  error:
    'median and IQR over seeds; hollow: no seed succeeded at that η; green: the success threshold; dark dashed: the reflex alone at its best gain',
};

/** The distinct labels of a facet field, in the order of their order field (then by name). */
export function orderedLabels<
  T extends Record<K, string> & Record<O, number>,
  K extends string,
  O extends string,
>(rows: readonly T[], label: K, order: O): string[] {
  const first = new Map<string, number>();
  for (const r of rows) {
    const seen = first.get(r[label]);
    if (seen === undefined || r[order] < seen) first.set(r[label], r[order]);
  }
  return [...first].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map(([l]) => l);
}

/** One metric against learning rate, small multiples: a row per depth, a column per track. */
export function metricSpec(
  metric: Metric,
  rows: CellRow[],
  series: string[],
  refs: References,
  options: { title?: string; subtitle?: string; seriesTitle?: string } = {},
): TopLevelSpec {
  const columns = new Set(rows.map((r) => r.column)).size;
  const reflexRows = metric === 'error' ? refs.reflex : [];
  // Facets are sorted by explicit label lists: vega-lite's sort by a field misplaces the cells of a
  // column that lacks some rows (a track whose deepest networks have not run yet, say).
  const rowLabels = orderedLabels(rows, 'row', 'rowOrder');
  const columnLabels = orderedLabels(rows, 'column', 'columnOrder');
  return {
    $schema: SCHEMA,
    title: {
      text: options.title ?? METRIC_TEXT[metric],
      subtitle: wrap([options.subtitle, METRIC_NOTE[metric]]),
    },
    data: { values: [...rows, ...reflexRows] },
    facet: gridFacet(rowLabels, columnLabels),
    spec: {
      width: panelWidth(columns),
      height: 150,
      layer: metricLayers(metric, series, refs, options.seriesTitle ?? 'rule'),
    },
    resolve: { scale: { y: 'shared' } },
    config: CONFIG,
  } satisfies TopLevelSpec;
}

/** A variation (relevance, sign mode, inputs, preset): success, steps and frozen error against learning rate. */
export function variationSpec(
  title: string,
  rows: CellRow[],
  series: string[],
  refs: References,
  seriesTitle: string,
): TopLevelSpec {
  const columns = new Set(rows.map((r) => r.column)).size;
  const columnLabels = orderedLabels(rows, 'column', 'columnOrder');
  const panel = (metric: Metric) => ({
    title: METRIC_TEXT[metric].replace(/,? against learning rate.*/, ''),
    facet: {
      column: { field: 'column', type: 'nominal', title: null, sort: columnLabels },
    } as const,
    spec: {
      width: panelWidth(columns),
      height: 140,
      layer: metricLayers(metric, series, { ...refs, reflex: [] }, seriesTitle),
    },
  });
  return {
    $schema: SCHEMA,
    title: {
      text: title,
      subtitle: wrap([
        'success rate; steps to success (median of the runs that succeeded); frozen error / reflex error',
        'hollow markers: no seed (or fewer than half, for steps) succeeded; × above the budget line: no seed succeeded',
      ]),
    },
    data: { values: rows },
    vconcat: [panel('success'), panel('steps'), panel('error')],
    config: CONFIG,
  } satisfies TopLevelSpec;
}
