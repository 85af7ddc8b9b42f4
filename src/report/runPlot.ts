import type { TopLevelSpec } from 'vega-lite';
import type { RunSummary, StepLog } from '../run/simulation.js';
import type { Track } from '../world/track.js';
import type { Layer } from './chartStyle.js';

/** Largest number of points per series in a plot (the log is thinned evenly beyond it). */
const MAX_POINTS = 4000;

function thin(n: number): number {
  return Math.max(1, Math.ceil(n / MAX_POINTS));
}

/**
 * The plot of one run: the trajectory on the track (early steps and late steps in two colours) and
 * |e| with its moving average over time, the success step marked.
 */
export function runPlotSpec(
  track: Track,
  log: StepLog,
  summary: RunSummary,
  trackImageDataUrl?: string,
): TopLevelSpec {
  const step = log.column('step');
  const x = log.column('x');
  const y = log.column('y');
  const error = log.column('error');
  const ema = log.column('errorEma');
  const n = log.rows;
  const every = thin(n);
  const split = Math.floor(n / 2);
  const path: { step: number; x: number; y: number; phase: string }[] = [];
  const errors: { step: number; value: number; series: string }[] = [];
  for (let r = 0; r < n; r += every) {
    path.push({ step: step[r], x: x[r], y: y[r], phase: r < split ? 'first half' : 'second half' });
    errors.push({ step: step[r], value: Math.abs(error[r]), series: '|e|' });
    errors.push({ step: step[r], value: ema[r], series: '|e| moving average' });
  }
  const w = track.texture.widthCm;
  const h = track.texture.heightCm;
  const size = 360;
  const width = w >= h ? size : (size * w) / h;
  const height = w >= h ? (size * h) / w : size;
  const xScale = { domain: [0, w], nice: false, zero: false };
  const yScale = { domain: [0, h], nice: false, zero: false };
  const layers: Layer[] = [];
  if (trackImageDataUrl) {
    layers.push({
      data: { values: [{ url: trackImageDataUrl, x: w / 2, y: h / 2 }] },
      mark: { type: 'image', width, height, aspect: false },
      encoding: {
        x: { field: 'x', type: 'quantitative', scale: xScale },
        y: { field: 'y', type: 'quantitative', scale: yScale },
        url: { field: 'url', type: 'nominal' },
      },
    });
  }
  layers.push({
    data: { values: path },
    mark: { type: 'line', strokeWidth: 1.2, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: xScale, title: 'x (cm)' },
      y: { field: 'y', type: 'quantitative', scale: yScale, title: 'y (cm)' },
      order: { field: 'step', type: 'quantitative' },
      color: {
        field: 'phase',
        type: 'nominal',
        title: 'trajectory',
        scale: { range: ['#e45756', '#4c78a8'] },
      },
    },
  });
  const errorLayers: Layer[] = [
    {
      data: { values: errors },
      mark: { type: 'line', strokeWidth: 1 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'value', type: 'quantitative', title: '|e|' },
        color: { field: 'series', type: 'nominal', title: null, scale: { range: ['#bab0ac', '#f58518'] } },
      },
    },
  ];
  // The reflex-alone baseline and the success threshold (threshold × baseline), labelled.
  const baseline = summary.reflexMeanAbsError;
  if (baseline !== null) {
    const levels = [
      { level: baseline, label: 'reflex alone', color: '#79706e' },
      { level: summary.config.success.threshold * baseline, label: 'success threshold', color: '#54a24b' },
    ];
    for (const { level, label, color } of levels) {
      errorLayers.push(
        {
          data: { values: [{ level }] },
          mark: { type: 'rule', strokeDash: [4, 4], color },
          encoding: { y: { field: 'level', type: 'quantitative' } },
        },
        {
          data: { values: [{ level, label }] },
          mark: { type: 'text', align: 'right', baseline: 'bottom', dx: -2, dy: -2, color, x: 'width' },
          encoding: { y: { field: 'level', type: 'quantitative' }, text: { field: 'label' } },
        },
      );
    }
  }
  if (summary.stepsToSuccess !== null) {
    errorLayers.push({
      data: { values: [{ step: summary.stepsToSuccess }] },
      mark: { type: 'rule', color: '#54a24b' },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    });
  }
  const relative =
    summary.relativeError === null
      ? ''
      : `, ${(100 * summary.relativeError).toFixed(0)} % of the reflex's |e|`;
  const frozen =
    summary.evaluation?.relativeError == null
      ? ''
      : `, frozen ${(100 * summary.evaluation.relativeError).toFixed(0)} %`;
  const outcome = `${summary.success ? `success at step ${summary.stepsToSuccess}` : 'no success'}${relative}${frozen}`;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${summary.rule} on ${summary.track}, seed ${summary.seed}: ${outcome}`,
    hconcat: [
      { title: 'trajectory', width, height, layer: layers },
      { title: 'closed-loop error', width: 420, height, layer: errorLayers },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans' },
  } satisfies TopLevelSpec;
}
