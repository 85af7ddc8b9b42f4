import type { TopLevelSpec } from 'vega-lite';
import { CONFIG, colourScale, FIGURE_WIDTH, panelWidth, SCHEMA, wrap } from '../plot/chartStyle.js';
import { MARK_COLOURS, OKABE_ITO } from '../util/palette.js';
import type { ControlRun } from './chartData.js';
import { orderedLabels } from './charts.js';

/** The controls: every run's frozen error, filled for a success, hollow for none; one panel per network. */
export function controlsSpec(runs: ControlRun[], threshold: number): TopLevelSpec {
  const panels = new Set(runs.map((r) => r.panel)).size;
  // An explicit order, not a sort by field: see orderedLabels.
  const variants = orderedLabels(runs, 'variant', 'variantOrder');
  const y = {
    field: 'error',
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'frozen error / reflex',
  } as const;
  const x = {
    field: 'variant',
    type: 'nominal',
    title: null,
    sort: variants,
    axis: { labelAngle: 0, labelLimit: 140, labelExpr: "split(datum.label, '|')" },
  } as const;
  return {
    $schema: SCHEMA,
    title: {
      text: 'The predictors ahead against the controls',
      subtitle: wrap([
        'each network at the best learning rate of its predictors ahead; at-reflex and blind at the same rate; the reflex alone at its best gain',
        `one marker per seed (filled: success, hollow: none), k/n: successes; red tick: the median; green: the success threshold ${threshold}`,
      ]),
    },
    data: { values: runs.filter((r) => r.error !== null) },
    facet: { field: 'panel', type: 'nominal', title: null },
    columns: Math.min(2, panels),
    spec: {
      width: panelWidth(Math.min(2, panels)),
      height: 170,
      layer: [
        {
          mark: { type: 'point', size: 35, strokeWidth: 1.2 },
          encoding: {
            x,
            xOffset: { field: 'seed', type: 'nominal' },
            y,
            color: { value: OKABE_ITO.blue },
            fill: {
              field: 'outcome',
              type: 'nominal',
              scale: { domain: ['success', 'no success'], range: [OKABE_ITO.blue, 'transparent'] },
              title: 'run',
            },
          },
        },
        {
          mark: { type: 'tick', color: OKABE_ITO.vermillion, thickness: 2, size: 30 },
          encoding: { x, y: { ...y, aggregate: 'median' } },
        },
        {
          data: { values: [{ threshold }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: MARK_COLOURS.success },
          encoding: { y: { field: 'threshold', type: 'quantitative' } },
        },
      ],
    },
    resolve: { scale: { x: 'independent' } },
    config: CONFIG,
  } satisfies TopLevelSpec;
}

/** The reflex alone: median relative error against gain, per track. */
export function reflexGainSpec(
  rows: { gain: number; track: string; errorMedian: number | null }[],
  threshold: number,
): TopLevelSpec {
  return {
    $schema: SCHEMA,
    title: {
      text: 'The reflex alone against its gain',
      subtitle: wrap([
        `median mean |e| over the last window relative to the reflex at the networks' gain; green: the success threshold ${threshold}`,
      ]),
    },
    width: FIGURE_WIDTH - 120,
    height: 260,
    layer: [
      {
        data: { values: rows.filter((r) => r.errorMedian !== null) },
        mark: { type: 'line', point: true },
        encoding: {
          x: { field: 'gain', type: 'quantitative', scale: { type: 'log' }, title: 'reflex gain' },
          y: { field: 'errorMedian', type: 'quantitative', scale: { type: 'log' }, title: 'relative error' },
          color: { field: 'track', type: 'nominal', title: 'track' },
        },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: MARK_COLOURS.success },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
    config: CONFIG,
  } satisfies TopLevelSpec;
}

/** The five rules at their best learning rate against depth, and how much of the learning-rate grid works. */
export function depthSpec(
  rows: { rule: string; depth: number; track: string; measure: string; value: number | null }[],
  rules: string[],
): TopLevelSpec {
  const columns = new Set(rows.map((r) => r.track)).size;
  const depths = [...new Set(rows.map((r) => r.depth))].sort((a, b) => a - b);
  return {
    $schema: SCHEMA,
    title: {
      text: 'Success against depth',
      subtitle: wrap([
        'success: the success rate of each rule at its best learning rate for that depth and track',
        'η that work: the share of the learning-rate grid at which at least half of the seeds succeed',
      ]),
    },
    data: { values: rows },
    facet: {
      row: {
        field: 'measure',
        type: 'nominal',
        title: null,
        sort: 'ascending',
        header: { labelFontWeight: 'bold' },
      },
      column: { field: 'track', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } },
    },
    spec: {
      width: panelWidth(columns),
      height: 150,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'depth',
          type: 'quantitative',
          title: 'depth (layers)',
          scale: { type: 'log', domain: [depths[0], depths[depths.length - 1]] },
          axis: { values: depths, format: 'd' },
        },
        y: {
          field: 'value',
          type: 'quantitative',
          title: null,
          scale: { domain: [0, 1] },
          axis: { format: '%' },
        },
        color: { field: 'rule', type: 'nominal', scale: colourScale(rules), title: 'rule' },
      },
    },
    config: CONFIG,
  } satisfies TopLevelSpec;
}
