import type { TopLevelSpec } from 'vega-lite';
import type { RunSummary, StepLog } from '../run/simulation.js';
import { MARK_COLOURS } from '../util/palette.js';
import type { Track } from '../world/track.js';
import type { Layer } from './chartStyle.js';

/** Largest number of points per series in a plot (the log is thinned evenly beyond it). */
const MAX_POINTS = 4000;

function thin(n: number): number {
  return Math.max(1, Math.ceil(n / MAX_POINTS));
}

/**
 * The verdict of a run with its evidence, as the run plot's title says it: "success at step N", or
 * "no success: longest streak K of W steps under the threshold", or why there is no verdict.
 * @example
 * runVerdict(summary); // 'no success: longest streak 1600 of 2000 steps under the threshold'
 */
export function runVerdict(summary: RunSummary): string {
  if (summary.diverged) return `diverged at step ${summary.divergence?.step ?? summary.steps}`;
  if (summary.reflexMeanAbsError === null) return 'no verdict (no reflex baseline to judge against)';
  if (summary.success) return `success at step ${summary.stepsToSuccess}`;
  const window = Math.max(summary.config.success.window, summary.lapSteps);
  // Older summaries have no streak: say so rather than 0.
  const streak = summary.longestStreakBelowThreshold ?? '?';
  return `no success: longest streak ${streak} of ${window} steps under the threshold`;
}

/** What happened since the verdict: the relative error at the end and the frozen lap. */
function aftermath(summary: RunSummary): string {
  const parts: string[] = [];
  if (summary.relativeError !== null)
    parts.push(`|e| at the end ${(100 * summary.relativeError).toFixed(0)} % of the reflex's`);
  const frozen = summary.evaluation?.relativeError;
  if (frozen != null) parts.push(`frozen lap ${(100 * frozen).toFixed(0)} % of the reflex's`);
  else if (summary.rule !== 'reflex') parts.push('no frozen lap');
  return parts.join(', ');
}

/**
 * The plot of one run, three panels: the trajectory on the track coloured by |e| (where the robot
 * drove badly shows up even though the path stays near the line); |e| and its moving average over
 * time with the reflex-alone level, the success threshold, the longest streak under it shaded, the
 * success step and the frozen lap after the budget; and the error e along the first lap against the
 * last lap (what learning changed). The title gives the verdict with its evidence.
 * @example
 * const spec = runPlotSpec(simulation.parts.track, simulation.log, simulation.summary());
 * writeFileSync('plot.svg', await vegaLiteToSvg(spec));
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
  const path: { step: number; x: number; y: number; abs: number }[] = [];
  const errors: { step: number; value: number; series: string }[] = [];
  for (let r = 0; r < n; r += every) {
    path.push({ step: step[r], x: x[r], y: y[r], abs: Math.abs(error[r]) });
    errors.push({ step: step[r], value: Math.abs(error[r]), series: '|e|' });
    errors.push({ step: step[r], value: ema[r], series: '|e| moving average' });
  }
  const w = track.texture.widthCm;
  const h = track.texture.heightCm;
  const size = 340;
  const width = w >= h ? size : (size * w) / h;
  const height = w >= h ? (size * h) / w : size;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: `${summary.rule} on ${summary.track}, seed ${summary.seed}: ${runVerdict(summary)}`,
      subtitle: aftermath(summary),
      anchor: 'start',
    },
    hconcat: [
      {
        title: 'trajectory, coloured by |e|',
        width,
        height,
        layer: trajectoryLayers(path, [w, h], [width, height], trackImageDataUrl),
      },
      { title: 'closed-loop error', width: 400, height, layer: errorLayers(errors, summary) },
      { title: 'error along a lap: first against last', width: 300, height, layer: lapLayers(log, summary) },
    ],
    resolve: { scale: { color: 'independent' } },
    config: { font: 'DejaVu Sans' },
  } satisfies TopLevelSpec;
}

function trajectoryLayers(
  path: { step: number; x: number; y: number; abs: number }[],
  [w, h]: [number, number],
  [width, height]: [number, number],
  image: string | undefined,
): Layer[] {
  const xScale = { domain: [0, w], nice: false, zero: false };
  const yScale = { domain: [0, h], nice: false, zero: false };
  const layers: Layer[] = [];
  if (image) {
    layers.push({
      data: { values: [{ url: image, x: w / 2, y: h / 2 }] },
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
    mark: { type: 'circle', size: 5, opacity: 0.8 },
    encoding: {
      x: { field: 'x', type: 'quantitative', scale: xScale, title: 'x (cm)' },
      y: { field: 'y', type: 'quantitative', scale: yScale, title: 'y (cm)' },
      order: { field: 'abs', type: 'quantitative' },
      color: { field: 'abs', type: 'quantitative', title: '|e|', scale: { scheme: 'viridis' } },
    },
  });
  return layers;
}

function errorLayers(
  errors: { step: number; value: number; series: string }[],
  summary: RunSummary,
): Layer[] {
  const layers: Layer[] = [];
  const baseline = summary.reflexMeanAbsError;
  const streak = summary.longestStreakBelowThreshold ?? 0;
  // The longest streak under the threshold, shaded: the success streak, or how near the run came.
  if (baseline !== null && streak > 0) {
    const end = summary.longestStreakEnd;
    const label = summary.success ? `success streak (${streak} steps)` : `longest streak ${streak} steps`;
    layers.push(
      {
        data: { values: [{ from: end - streak, to: end, label }] },
        mark: { type: 'rect', color: MARK_COLOURS.success, opacity: 0.15 },
        encoding: { x: { field: 'from', type: 'quantitative' }, x2: { field: 'to' } },
      },
      {
        data: { values: [{ from: end - streak, label }] },
        mark: {
          type: 'text',
          align: 'left',
          baseline: 'top',
          dx: 2,
          dy: 2,
          y: 0,
          color: MARK_COLOURS.success,
        },
        encoding: { x: { field: 'from', type: 'quantitative' }, text: { field: 'label' } },
      },
    );
  }
  layers.push({
    data: { values: errors },
    mark: { type: 'line', strokeWidth: 1 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: 'step' },
      y: { field: 'value', type: 'quantitative', title: '|e|' },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        scale: { range: [MARK_COLOURS.raw, MARK_COLOURS.late] },
      },
    },
  });
  // The reflex-alone baseline and the success threshold (threshold × baseline), labelled.
  if (baseline !== null) {
    const levels = [
      { level: baseline, label: 'reflex alone', color: MARK_COLOURS.reflex },
      {
        level: summary.config.success.threshold * baseline,
        label: 'success threshold',
        color: MARK_COLOURS.success,
      },
    ];
    for (const { level, label, color } of levels) {
      layers.push(
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
    layers.push({
      data: { values: [{ step: summary.stepsToSuccess }] },
      mark: { type: 'rule', color: MARK_COLOURS.success },
      encoding: { x: { field: 'step', type: 'quantitative' } },
    });
  }
  // The frozen lap, after the learning steps: its mean |e| over its steps, marked and labelled.
  const e = summary.evaluation;
  if (e) {
    const at = summary.steps + e.steps / 2;
    const percent = e.relativeError === null ? '' : ` ${(100 * e.relativeError).toFixed(0)} %`;
    const values = [{ at, level: e.meanAbsError, label: `frozen lap${percent}` }];
    const encoding = {
      x: { field: 'at', type: 'quantitative' },
      y: { field: 'level', type: 'quantitative' },
    } as const;
    layers.push(
      {
        data: { values },
        mark: { type: 'point', shape: 'diamond', filled: true, size: 120, color: MARK_COLOURS.frozen },
        encoding,
      },
      {
        data: { values },
        mark: {
          type: 'text',
          align: 'right',
          baseline: 'bottom',
          dx: -4,
          dy: -10,
          color: MARK_COLOURS.frozen,
          fontWeight: 'bold',
        },
        encoding: { ...encoding, text: { field: 'label' } },
      },
    );
  }
  return layers;
}

/** The error e against the step within the lap, for the first lap and the last lap of learning. */
function lapLayers(log: StepLog, summary: RunSummary): Layer[] {
  const step = log.column('step');
  const error = log.column('error');
  const lap = Math.max(1, summary.lapSteps);
  const lastStart = Math.max(lap, (step[log.rows - 1] ?? 0) + 1 - lap);
  const values: { along: number; e: number; lap: string }[] = [];
  for (let r = 0; r < log.rows; r++) {
    const s = step[r];
    if (s < lap) values.push({ along: s, e: error[r], lap: 'first lap' });
    else if (s >= lastStart) values.push({ along: s - lastStart, e: error[r], lap: 'last lap' });
  }
  const kept = values.filter((_, i) => i % thin(values.length) === 0);
  return [
    {
      data: { values: [{ zero: 0 }] },
      mark: { type: 'rule', color: MARK_COLOURS.reflex, strokeDash: [2, 2] },
      encoding: { y: { field: 'zero', type: 'quantitative' } },
    },
    {
      data: { values: kept },
      mark: { type: 'line', strokeWidth: 1 },
      encoding: {
        x: { field: 'along', type: 'quantitative', title: 'step within the lap' },
        y: { field: 'e', type: 'quantitative', title: 'e (line offset signal)' },
        color: {
          field: 'lap',
          type: 'nominal',
          title: null,
          scale: { domain: ['first lap', 'last lap'], range: [MARK_COLOURS.early, MARK_COLOURS.late] },
        },
      },
    },
  ];
}
