import type { TopLevelSpec } from 'vega-lite';
import type { CellRow, ControlRun } from './chartData.js';
import { NO_SUCCESS_FACTOR } from './chartData.js';

/** A layer of a layered specification (a mark, or layers of their own). */
type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const CONFIG = {
  font: 'DejaVu Sans',
  legend: { labelLimit: 300, orient: 'top' as const },
  title: { fontSize: 15, subtitleFontSize: 11, anchor: 'start' as const },
};

/** Splits subtitle text into lines of at most `width` characters, so that a title never widens a figure. */
export function wrap(lines: (string | undefined)[], width = 84): string[] {
  const out: string[] = [];
  for (const text of lines) {
    if (!text) continue;
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
  }
  return out;
}
/** Colours per rule, the same in every figure. */
export const RULE_COLOURS: Record<string, string> = {
  sar: '#e45756',
  backprop: '#4c78a8',
  'feedback-alignment': '#54a24b',
  'sign-symmetry': '#b279a2',
  'global-error': '#f58518',
  reflex: '#9e9e9e',
};
const OTHER_COLOURS = ['#72b7b2', '#eeca3b', '#ff9da6', '#9d755d', '#4c78a8', '#e45756'];
/** Figures are drawn about 800 px wide, so that the PNG (×1.5) is 1200 px. */
const FIGURE_WIDTH = 720;

function colourScale(series: string[]) {
  let other = 0;
  return {
    domain: series,
    range: series.map((s) => RULE_COLOURS[s] ?? OTHER_COLOURS[other++ % OTHER_COLOURS.length]),
  };
}

function panelWidth(columns: number): number {
  return Math.max(150, Math.floor(FIGURE_WIDTH / Math.max(1, columns)) - 40);
}

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
      scale: { type: 'log' as const, domain: [50, refs.budget * NO_SUCCESS_FACTOR * 1.3] },
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
        transform: [{ filter: 'datum.noSuccessLevel != null' }],
        mark: { type: 'point', shape: 'cross', filled: true, size: 30, opacity: 0.7 },
        encoding: { x: learningRateAxis, y: { ...y, field: 'noSuccessLevel' }, color },
      },
      {
        data: { values: [{ budget: refs.budget, label: `budget ${refs.budget}; × above: no success` }] },
        layer: [
          {
            mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
            encoding: { y: { field: 'budget', type: 'quantitative' } },
          },
          {
            mark: { type: 'text', align: 'left', baseline: 'bottom', dx: 2, dy: -2, color: '#666', x: 0 },
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
      mark: { type: 'rule', strokeDash: [6, 3], color: '#555' },
      encoding: { y: { field: 'reflexError', type: 'quantitative' } },
    },
    {
      data: { values: [{ threshold: refs.threshold, label: `success threshold ${refs.threshold}` }] },
      layer: [
        {
          mark: { type: 'rule', strokeDash: [4, 4], color: '#54a24b' },
          encoding: { y: { field: 'threshold', type: 'quantitative' } },
        },
        {
          mark: {
            type: 'text',
            align: 'right',
            baseline: 'top',
            dx: -2,
            dy: 2,
            color: '#54a24b',
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
  return {
    $schema: SCHEMA,
    title: {
      text: options.title ?? METRIC_TEXT[metric],
      subtitle: wrap([options.subtitle, METRIC_NOTE[metric]]),
    },
    data: { values: [...rows, ...reflexRows] },
    facet: {
      row: {
        field: 'row',
        type: 'ordinal',
        title: null,
        sort: { field: 'rowOrder' },
        header: { labelFontWeight: 'bold' },
      },
      column: { field: 'column', type: 'nominal', title: null, header: { labelFontWeight: 'bold' } },
    },
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
  const panel = (metric: Metric) => ({
    title: METRIC_TEXT[metric].replace(/,? against learning rate.*/, ''),
    facet: { column: { field: 'column', type: 'nominal', title: null } } as const,
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

/** The controls: every run's frozen error, filled for a success, hollow for none; one panel per network. */
export function controlsSpec(runs: ControlRun[], threshold: number): TopLevelSpec {
  const panels = new Set(runs.map((r) => r.panel)).size;
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
    sort: { field: 'variantOrder' },
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
            color: { value: '#4c78a8' },
            fill: {
              field: 'outcome',
              type: 'nominal',
              scale: { domain: ['success', 'no success'], range: ['#4c78a8', 'transparent'] },
              title: 'run',
            },
          },
        },
        {
          mark: { type: 'tick', color: '#e45756', thickness: 2, size: 30 },
          encoding: { x, y: { ...y, aggregate: 'median' } },
        },
        {
          data: { values: [{ threshold }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: '#54a24b' },
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
        mark: { type: 'rule', strokeDash: [4, 4], color: '#54a24b' },
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
  return {
    $schema: SCHEMA,
    title: {
      text: 'Success against depth',
      subtitle: 'each rule at its best learning rate per depth and track',
    },
    data: { values: rows },
    facet: {
      row: {
        field: 'measure',
        type: 'nominal',
        title: null,
        header: {
          labelOrient: 'top',
          labelAngle: 0,
          labelAlign: 'left',
          labelAnchor: 'start',
          labelFontWeight: 'bold',
        },
      },
      column: { field: 'track', type: 'nominal', title: null },
    },
    spec: {
      width: panelWidth(columns),
      height: 150,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'depth', type: 'quantitative', title: 'depth (layers)', scale: { zero: false } },
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
