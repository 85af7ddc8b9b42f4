import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../node/files.js';
import { encodeTexturePng, resolveConfiguredTrack } from '../node/pngTrack.js';
import type { RunConfig } from '../run/config.js';
import { Simulation } from '../run/simulation.js';
import type { GridFile } from '../sweep/grid.js';
import { RUNS_FILE, type RunRecord, readGridFile, readRuns, withoutWallTime } from '../sweep/store.js';
import type { Track } from '../world/track.js';
import { svgToPng, vegaLiteToSvg } from './render.js';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
const FONT = { font: 'DejaVu Sans' };
/** Colours per rule, the same in every figure. */
const RULE_COLOURS: Record<string, string> = {
  sar: '#e45756',
  backprop: '#4c78a8',
  'feedback-alignment': '#54a24b',
  'sign-symmetry': '#b279a2',
  'global-error': '#f58518',
  reflex: '#9e9e9e',
};

/** One cell of the grid summed over seeds: rule × learning rate × depth × track (× relevance × inputs). */
export interface CellStats {
  rule: string;
  learningRate: number;
  depth: number;
  track: string;
  relevance: string;
  inputs: string;
  runs: number;
  successes: number;
  /** Steps to success over seeds, failures counted as never (Infinity): quartiles can be Infinity. */
  median: number;
  q1: number;
  q3: number;
  /** Mean |e| over the last window, median over seeds. */
  medianLastError: number;
  /** Mean |e| over the first window (2000 steps), median over seeds: how fast it learned at the start. */
  medianFirstError: number;
}

/** A rule at one depth, over its learning rates. */
export interface RuleDepthStats {
  rule: string;
  depth: number;
  track: string;
  runs: number;
  successRate: number;
  /** Learning rate with the most successes (then the lowest median steps). */
  bestLearningRate: number;
  bestSuccessRate: number;
  bestMedianSteps: number;
  /** Median mean |e| over the first window at the best learning rate. */
  bestFirstError: number;
  /** Learning rates at which at least half of the seeds succeeded. */
  workingRates: number;
}

/** A typical run of a rule, re-run for its time series. */
export interface Representative {
  rule: string;
  key: string;
  record: RunRecord;
  /** True when the re-run gave the recorded summary (apart from the wall time). */
  reproduced: boolean;
  simulation: Simulation;
}

/** Everything the sweep report shows. */
export interface SweepReport {
  files: string[];
  markdown: string;
  cells: CellStats[];
  byDepth: RuleDepthStats[];
  representatives: Omit<Representative, 'simulation'>[];
}

/** Quantile of an ascending list that may end in Infinity (failures): Infinity when it reaches one. */
export function censoredQuantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (!Number.isFinite(sorted[hi]) || !Number.isFinite(sorted[lo])) return Number.POSITIVE_INFINITY;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

function relevanceText(config: RunConfig): string {
  return Array.isArray(config.relevance) ? config.relevance.join('*') : config.relevance;
}

function depthOf(record: RunRecord): number {
  return record.config.network.layers.length;
}

function cellId(r: RunRecord): string {
  const c = r.config;
  return `${c.track}|${c.world.inputs}|${relevanceText(c)}|${c.rule}|${depthOf(r)}|${c.learningRate}`;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return censoredQuantile(s, 0.5);
}

/** Statistics per grid cell (over seeds). */
export function cellStats(records: RunRecord[]): CellStats[] {
  const groups = new Map<string, RunRecord[]>();
  for (const r of records) {
    const id = cellId(r);
    const list = groups.get(id);
    if (list) list.push(r);
    else groups.set(id, [r]);
  }
  const out: CellStats[] = [];
  for (const list of groups.values()) {
    const c = list[0].config;
    const steps = list
      .map((r) => (r.success && r.stepsToSuccess !== null ? r.stepsToSuccess : Number.POSITIVE_INFINITY))
      .sort((a, b) => a - b);
    out.push({
      rule: c.rule,
      learningRate: c.learningRate,
      depth: depthOf(list[0]),
      track: c.track,
      relevance: relevanceText(c),
      inputs: c.world.inputs,
      runs: list.length,
      successes: list.filter((r) => r.success).length,
      median: censoredQuantile(steps, 0.5),
      q1: censoredQuantile(steps, 0.25),
      q3: censoredQuantile(steps, 0.75),
      medianLastError: median(
        list.map((r) => (Number.isFinite(r.meanAbsErrorLast) ? r.meanAbsErrorLast : 1e9)),
      ),
      medianFirstError: median(
        list.map((r) => (Number.isFinite(r.meanAbsErrorFirst) ? r.meanAbsErrorFirst : 1e9)),
      ),
    });
  }
  return out;
}

/** Which of two cells is better: more successes, then fewer median steps, then lower |e| in the first window, then at the end. */
function better(a: CellStats, b: CellStats): boolean {
  if (a.successes !== b.successes) return a.successes > b.successes;
  if (a.median !== b.median) return a.median < b.median;
  if (a.medianFirstError !== b.medianFirstError) return a.medianFirstError < b.medianFirstError;
  return a.medianLastError < b.medianLastError;
}

/** Per rule and depth: success rate and steps to success at the best learning rate. */
export function depthStats(cells: CellStats[]): RuleDepthStats[] {
  const groups = new Map<string, CellStats[]>();
  for (const c of cells) {
    const id = `${c.track}|${c.rule}|${c.depth}`;
    const list = groups.get(id);
    if (list) list.push(c);
    else groups.set(id, [c]);
  }
  const out: RuleDepthStats[] = [];
  for (const list of groups.values()) {
    const runs = list.reduce((s, c) => s + c.runs, 0);
    const successes = list.reduce((s, c) => s + c.successes, 0);
    let best = list[0];
    for (const c of list) if (better(c, best)) best = c;
    out.push({
      rule: list[0].rule,
      depth: list[0].depth,
      track: list[0].track,
      runs,
      successRate: successes / runs,
      bestLearningRate: best.learningRate,
      bestSuccessRate: best.successes / best.runs,
      bestMedianSteps: best.median,
      bestFirstError: best.medianFirstError,
      workingRates: list.filter((c) => c.successes * 2 >= c.runs && c.successes > 0).length,
    });
  }
  return out;
}

function ruleOrder(records: RunRecord[], grid: GridFile | null): string[] {
  const seen = new Set<string>(grid?.grid.rules ?? []);
  for (const r of records) seen.add(r.rule);
  return [...seen];
}

function colourScale(rules: string[]) {
  return {
    domain: rules,
    range: rules.map((r, i) => RULE_COLOURS[r] ?? ['#72b7b2', '#eeca3b', '#ff9da6'][i % 3]),
  };
}

/** Steps to success against learning rate: median and IQR over seeds, failures as crosses above the budget. */
export function stepsSpec(cells: CellStats[], rules: string[], budget: number): TopLevelSpec {
  const failLevel = (rule: string) => budget * 1.25 * 1.07 ** Math.max(0, rules.indexOf(rule));
  const values = cells.map((c) => ({
    rule: c.rule,
    learningRate: c.learningRate,
    depth: `depth ${c.depth}`,
    depthNumber: c.depth,
    track: c.track,
    median: Number.isFinite(c.median) ? c.median : null,
    q1: Number.isFinite(c.q1) ? c.q1 : null,
    q3: Number.isFinite(c.q1) ? Math.min(Number.isFinite(c.q3) ? c.q3 : budget, budget) : null,
    failed: c.runs - c.successes,
    failLevel: c.successes < c.runs ? failLevel(c.rule) : null,
    runs: c.runs,
  }));
  const x = {
    field: 'learningRate',
    type: 'quantitative',
    scale: { type: 'log' },
    title: 'learning rate η',
    axis: { format: '.0e', tickCount: 6 },
  };
  // symlog: 0 steps (the |e| average never reached the threshold) stays on the axis.
  const y = { scale: { type: 'symlog', constant: 10, domain: [0, budget * 1.7] } };
  const color = { field: 'rule', type: 'nominal', scale: colourScale(rules), title: 'rule' };
  return {
    $schema: SCHEMA,
    title: {
      text: 'Steps to success against learning rate (median and IQR over seeds)',
      subtitle: [
        `failures count as never: the median is missing where half of the seeds failed; × above the dashed budget line (${budget} steps): runs without success, size = how many`,
        'steps to success = first step of the window in which the |e| average stayed below the threshold (0: it never rose above it); symlog axis',
      ],
    },
    data: { values },
    facet: {
      row: { field: 'track', type: 'nominal', title: 'track' },
      column: { field: 'depth', type: 'ordinal', title: null, sort: { field: 'depthNumber' } },
    },
    spec: {
      width: 200,
      height: 170,
      layer: [
        {
          transform: [{ filter: 'datum.q1 != null' }],
          mark: { type: 'area', opacity: 0.15 },
          encoding: {
            x,
            y: { field: 'q1', type: 'quantitative', ...y, title: 'steps to success' },
            y2: { field: 'q3' },
            color,
          },
        },
        {
          mark: { type: 'line', point: true, strokeWidth: 1.5 },
          encoding: {
            x,
            y: { field: 'median', type: 'quantitative', ...y, title: 'steps to success' },
            color,
          },
        },
        {
          transform: [{ filter: 'datum.failLevel != null' }],
          mark: { type: 'point', shape: 'cross', filled: true, opacity: 0.7 },
          encoding: {
            x,
            y: { field: 'failLevel', type: 'quantitative', ...y },
            color,
            size: {
              field: 'failed',
              type: 'quantitative',
              title: 'runs failed',
              scale: { range: [15, 90] },
              legend: { tickMinStep: 1, format: 'd' },
            },
          },
        },
        {
          data: { values: [{ budget }] },
          mark: { type: 'rule', strokeDash: [4, 4], color: '#888' },
          encoding: { y: { field: 'budget', type: 'quantitative' } },
        },
      ],
    },
    config: FONT,
  } as unknown as TopLevelSpec;
}

/** Success rate against depth per rule: over the whole learning-rate range, and at each rule's best rate. */
export function successSpec(stats: RuleDepthStats[], rules: string[]): TopLevelSpec {
  const values = stats.flatMap((s) => [
    {
      rule: s.rule,
      depth: s.depth,
      track: s.track,
      measure: 'over all learning rates and seeds',
      rate: s.successRate,
    },
    {
      rule: s.rule,
      depth: s.depth,
      track: s.track,
      measure: 'at the best learning rate',
      rate: s.bestSuccessRate,
    },
  ]);
  return {
    $schema: SCHEMA,
    title: 'Success rate against depth',
    data: { values },
    facet: {
      column: { field: 'track', type: 'nominal', title: 'track' },
      row: { field: 'measure', type: 'nominal', title: null, sort: 'descending' },
    },
    spec: {
      width: 260,
      height: 170,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'depth', type: 'quantitative', title: 'depth (layers)', scale: { zero: false } },
        y: {
          field: 'rate',
          type: 'quantitative',
          title: 'success rate',
          scale: { domain: [0, 1] },
          axis: { format: '%' },
        },
        color: { field: 'rule', type: 'nominal', scale: colourScale(rules), title: 'rule' },
      },
    },
    config: FONT,
  } as unknown as TopLevelSpec;
}

function thinEvery(n: number, max = 1500): number {
  return Math.max(1, Math.ceil(n / max));
}

function label(rep: Representative): string {
  const c = rep.record.config;
  return `${rep.rule} (η=${c.learningRate}, seed ${c.seed})`;
}

/** |e| (moving average) over time for the representative run of each rule. */
export function errorSpec(
  reps: Representative[],
  rules: string[],
  how = 'each rule at its best learning rate',
  reflex?: Simulation,
): TopLevelSpec {
  const values: object[] = [];
  const series = reflex
    ? [...reps, { rule: 'reflex', simulation: reflex, record: { config: reflex.config } } as Representative]
    : reps;
  for (const rep of series) {
    const log = rep.simulation.log;
    const step = log.column('step');
    const ema = log.column('errorEma');
    const every = thinEvery(log.rows);
    for (let r = 0; r < log.rows; r += every)
      values.push({ rule: rep.rule, run: label(rep), step: step[r], ema: ema[r] });
  }
  const threshold = reps[0]?.record.config.success.threshold ?? 0.06;
  const c = reps[0]?.record.config;
  return {
    $schema: SCHEMA,
    title: {
      text: '|e| over time, a typical run of each rule',
      subtitle: c
        ? `track ${c.track}, ${c.network.layers.length} layers; ${how}, the seed with the median outcome; dashed: success threshold${reflex ? '; grey: the reflex alone' : ''}`
        : '',
    },
    width: 620,
    height: 280,
    layer: [
      {
        data: { values },
        mark: { type: 'line', strokeWidth: 1.3 },
        encoding: {
          x: { field: 'step', type: 'quantitative', title: 'step' },
          y: { field: 'ema', type: 'quantitative', title: 'moving average of |e|' },
          color: {
            field: 'rule',
            type: 'nominal',
            scale: colourScale(reflex ? [...rules, 'reflex'] : rules),
            title: 'rule',
          },
          detail: { field: 'run', type: 'nominal' },
        },
      },
      {
        data: { values: [{ threshold }] },
        mark: { type: 'rule', strokeDash: [4, 4], color: '#54a24b' },
        encoding: { y: { field: 'threshold', type: 'quantitative' } },
      },
    ],
    config: FONT,
  } as unknown as TopLevelSpec;
}

/** Per-layer distance of the weights from their initial values over time, one panel per rule. */
export function weightSpec(reps: Representative[]): TopLevelSpec {
  const values: object[] = [];
  for (const rep of reps) {
    const log = rep.simulation.log;
    const step = log.column('step');
    const layers = rep.record.config.network.layers.length;
    const every = thinEvery(log.rows, 300);
    for (let l = 1; l <= layers; l++) {
      const d = log.column(`weightDistance${l}`);
      for (let r = 0; r < log.rows; r += every) {
        if (d[r] > 0 && Number.isFinite(d[r]))
          values.push({ run: label(rep), step: step[r], layer: l, distance: d[r] });
      }
    }
  }
  return {
    $schema: SCHEMA,
    title: {
      text: 'Per-layer weight distance from the initial weights',
      subtitle: 'layer 1 is the input layer, the last is the output layer (log scale)',
    },
    data: { values },
    facet: { field: 'run', type: 'nominal', title: null, columns: 3, sort: reps.map(label) },
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', strokeWidth: 1.2 },
      encoding: {
        x: { field: 'step', type: 'quantitative', title: 'step' },
        y: { field: 'distance', type: 'quantitative', title: '‖W − W₀‖', scale: { type: 'log' } },
        color: { field: 'layer', type: 'ordinal', title: 'layer', scale: { scheme: 'viridis' } },
      },
    },
    resolve: { scale: { y: 'independent' } },
    config: FONT,
  } as unknown as TopLevelSpec;
}

/**
 * Trajectories of each representative run, zoomed in on the place where the first steps went worst
 * (the largest |e| early in the run): the path there during the first steps, and every pass through
 * the same place in the second half of the run, on the track.
 */
export function trajectorySpec(reps: Representative[], maxWindow = 1500, cropCm = 16): TopLevelSpec {
  const before = 'before: first steps';
  const after = 'after: second half';
  const panels = reps.map((rep) => {
    const track: Track = rep.simulation.parts.track;
    const w = track.texture.widthCm;
    const h = track.texture.heightCm;
    const log = rep.simulation.log;
    const step = log.column('step');
    const xs = log.column('x');
    const ys = log.column('y');
    const error = log.column('error');
    const last = log.rows > 0 ? step[log.rows - 1] : 0;
    const window = Math.max(1, Math.min(maxWindow, Math.floor(last / 2)));
    let worst = 0;
    for (let r = 0; r < log.rows && step[r] < window; r++)
      if (Math.abs(error[r]) > Math.abs(error[worst])) worst = r;
    const crop = Math.min(cropCm, w, h);
    const cx = Math.min(Math.max(xs[worst] ?? w / 2, crop / 2), w - crop / 2);
    const cy = Math.min(Math.max(ys[worst] ?? h / 2, crop / 2), h - crop / 2);
    const inside = (r: number) => Math.abs(xs[r] - cx) <= crop / 2 && Math.abs(ys[r] - cy) <= crop / 2;
    const path: object[] = [];
    let segment = 0;
    let previous = -2;
    for (let r = 0; r < log.rows; r++) {
      const s = step[r];
      const phase = s < window ? before : s > last / 2 ? after : null;
      if (!phase || !inside(r)) continue;
      if (r !== previous + 1) segment++;
      previous = r;
      path.push({ step: s, x: xs[r], y: ys[r], phase, segment });
    }
    const size = 230;
    const scale = size / crop;
    const xScale = { domain: [cx - crop / 2, cx + crop / 2], nice: false, zero: false };
    const yScale = { domain: [cy - crop / 2, cy + crop / 2], nice: false, zero: false };
    const texture = track.texture.downsample(4096);
    const image = `data:image/png;base64,${encodeTexturePng(texture).toString('base64')}`;
    return {
      title: { text: label(rep), fontSize: 12 },
      width: size,
      height: size,
      layer: [
        {
          data: { values: [{ url: image, x: w / 2, y: h / 2 }] },
          mark: { type: 'image', width: w * scale, height: h * scale, aspect: false, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: xScale, title: 'x (cm)' },
            y: { field: 'y', type: 'quantitative', scale: yScale, title: 'y (cm)' },
            url: { field: 'url', type: 'nominal' },
          },
        },
        {
          data: { values: path },
          mark: { type: 'line', strokeWidth: 2, opacity: 0.85, clip: true },
          encoding: {
            x: { field: 'x', type: 'quantitative', scale: xScale },
            y: { field: 'y', type: 'quantitative', scale: yScale },
            order: { field: 'step', type: 'quantitative' },
            detail: { field: 'segment', type: 'nominal' },
            color: {
              field: 'phase',
              type: 'nominal',
              title: 'trajectory',
              scale: { domain: [before, after], range: ['#e45756', '#4c78a8'] },
            },
          },
        },
      ],
    };
  });
  return {
    $schema: SCHEMA,
    title: {
      text: 'Trajectories before and after learning',
      subtitle: [
        `zoomed in (${cropCm} cm square) on the place with the largest |e| in the first ${maxWindow} steps:`,
        'the path there in those steps (red) and every pass in the second half of the run (blue), on the track (black)',
      ],
    },
    concat: panels,
    columns: 3,
    resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' } },
    config: { ...FONT, legend: { labelLimit: 300 } },
  } as unknown as TopLevelSpec;
}

/**
 * Picks a typical run of each rule and re-runs it in-process (runs are deterministic) for the time
 * series: the first track, the depth nearest to `preferDepth`, the rule's best learning rate there,
 * and the seed with the median outcome.
 */
export function pickRepresentatives(
  records: RunRecord[],
  cells: CellStats[],
  rules: string[],
  preferDepth = 5,
  /** Use the learning rate of the grid nearest to this one (log scale) instead of each rule's best. */
  rate?: number,
): Omit<Representative, 'simulation' | 'reproduced'>[] {
  if (records.length === 0) return [];
  const track = records[0].config.track;
  const depths = [...new Set(records.map(depthOf))];
  const depth = depths.reduce((a, b) => (Math.abs(b - preferDepth) < Math.abs(a - preferDepth) ? b : a));
  const out: Omit<Representative, 'simulation' | 'reproduced'>[] = [];
  for (const rule of rules) {
    const candidates = cells.filter((c) => c.rule === rule && c.track === track && c.depth === depth);
    if (candidates.length === 0) continue;
    let best = candidates[0];
    if (rate !== undefined && rate > 0) {
      const distance = (c: CellStats) => Math.abs(Math.log(c.learningRate / rate));
      for (const c of candidates) if (c.learningRate > 0 && distance(c) < distance(best)) best = c;
    } else {
      for (const c of candidates) if (better(c, best)) best = c;
    }
    const runs = records
      .filter(
        (r) =>
          r.rule === rule &&
          r.config.track === track &&
          depthOf(r) === depth &&
          r.config.learningRate === best.learningRate &&
          relevanceText(r.config) === best.relevance &&
          r.config.world.inputs === best.inputs,
      )
      .sort((a, b) => {
        const sa = a.success ? (a.stepsToSuccess ?? 0) : Number.POSITIVE_INFINITY;
        const sb = b.success ? (b.stepsToSuccess ?? 0) : Number.POSITIVE_INFINITY;
        if (sa !== sb) return sa - sb;
        if (a.finalErrorEma !== b.finalErrorEma) return a.finalErrorEma - b.finalErrorEma;
        return a.seed - b.seed;
      });
    const record = runs[Math.floor((runs.length - 1) / 2)];
    out.push({ rule, key: record.key, record });
  }
  return out;
}

/** Two rules compared at equal learning rates. */
export interface HeadToHead {
  track: string;
  depth: number;
  rule: string;
  faster: number;
  equal: number;
  slower: number;
  neither: number;
}

/** Learning rate by learning rate: the reference rule's median steps against each other rule's. */
export function headToHead(cells: CellStats[], reference: string, others: string[]): HeadToHead[] {
  const out: HeadToHead[] = [];
  const tracks = [...new Set(cells.map((c) => c.track))];
  const depths = [...new Set(cells.map((c) => c.depth))].sort((a, b) => a - b);
  for (const track of tracks) {
    for (const depth of depths) {
      const mine = cells.filter((c) => c.rule === reference && c.track === track && c.depth === depth);
      for (const rule of others) {
        const row = { track, depth, rule, faster: 0, equal: 0, slower: 0, neither: 0 };
        for (const a of mine) {
          const b = cells.find(
            (c) =>
              c.rule === rule &&
              c.track === track &&
              c.depth === depth &&
              c.learningRate === a.learningRate &&
              c.relevance === a.relevance &&
              c.inputs === a.inputs,
          );
          if (!b) continue;
          if (!Number.isFinite(a.median) && !Number.isFinite(b.median)) row.neither++;
          else if (a.median < b.median) row.faster++;
          else if (a.median > b.median) row.slower++;
          else row.equal++;
        }
        if (row.faster + row.equal + row.slower + row.neither > 0) out.push(row);
      }
    }
  }
  return out;
}

function fmtSteps(v: number): string {
  return Number.isFinite(v) ? String(Math.round(v)) : 'never';
}

function fmtRate(v: number): string {
  return `${Math.round(v * 100)}%`;
}

function markdownSummary(
  grids: { dir: string; grid: GridFile | null }[],
  records: RunRecord[],
  rules: string[],
  cells: CellStats[],
  byDepth: RuleDepthStats[],
  reps: Omit<Representative, 'simulation'>[],
  figures: string[],
): string {
  const lines: string[] = [];
  const tracks = [...new Set(records.map((r) => r.config.track))];
  const depths = [...new Set(records.map(depthOf))].sort((a, b) => a - b);
  const budget = records[0]?.config.steps;
  lines.push('# Sweep report', '');
  lines.push(
    `${records.length} runs from ${grids
      .map(
        ({ dir, grid }) =>
          `\`${join(dir, RUNS_FILE)}\`${grid ? ` (grid ${grid.id}, ${grid.runs} runs)` : ''}`,
      )
      .join(' and ')}.`,
    '',
  );
  lines.push(`- rules: ${rules.map((r) => `\`${r}\``).join(', ')}`);
  lines.push(
    `- learning rates: ${[...new Set(records.map((r) => r.config.learningRate))].sort((a, b) => a - b).join(', ')}`,
  );
  lines.push(`- depths (layers): ${depths.join(', ')}; tracks: ${tracks.join(', ')}`);
  lines.push(
    `- seeds: ${[...new Set(records.map((r) => r.seed))].sort((a, b) => a - b).join(', ')}; step budget: ${budget}`,
  );
  lines.push('');
  lines.push('## Success rate and best learning rate per rule and depth', '');
  lines.push(
    'Success rate over every learning rate and seed; the best learning rate (most successes, then the fewest median steps, then the lowest mean |e| over the first 2000 steps), its success rate, its median steps to success (`never` when fewer than half of the seeds succeeded) and its median mean |e| over the first 2000 steps (how fast it learned, when steps to success is 0 for several rules); and how many learning rates worked (at least half of the seeds succeeded).',
    '',
  );
  for (const track of tracks) {
    lines.push(`### Track ${track}`, '');
    lines.push(
      '| rule | depth | success (all η) | best η | success at best η | median steps at best η | median mean abs e, first 2000 steps, at best η | η that work |',
    );
    lines.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const rule of rules) {
      for (const depth of depths) {
        const s = byDepth.find((d) => d.rule === rule && d.depth === depth && d.track === track);
        if (!s) continue;
        const total = cells.filter((c) => c.rule === rule && c.depth === depth && c.track === track).length;
        lines.push(
          `| ${rule} | ${depth} | ${fmtRate(s.successRate)} | ${s.bestLearningRate} | ${fmtRate(s.bestSuccessRate)} | ${fmtSteps(s.bestMedianSteps)} | ${s.bestFirstError.toFixed(4)} | ${s.workingRates}/${total} |`,
        );
      }
    }
    lines.push('');
  }
  const reference = rules.includes('sar') ? 'sar' : rules[0];
  const others = rules.filter((r) => r !== reference);
  if (others.length > 0) {
    lines.push(`## ${reference} against each rule, learning rate by learning rate`, '');
    lines.push(
      `For each track, depth and learning rate: is the median steps to success over seeds (failures count as never) of \`${reference}\` lower (${reference} faster), equal, or higher than the other rule's? "Neither" counts learning rates where both fail for half of the seeds or more. Equal is mostly both at 0 steps (both learned before the |e| average reached the threshold).`,
      '',
    );
    lines.push(`| track | depth | rule | ${reference} faster | equal | ${reference} slower | neither |`);
    lines.push('|---|---:|---|---:|---:|---:|---:|');
    for (const h of headToHead(cells, reference, others)) {
      lines.push(
        `| ${h.track} | ${h.depth} | ${h.rule} | ${h.faster} | ${h.equal} | ${h.slower} | ${h.neither} |`,
      );
    }
    lines.push('');
  }
  lines.push('## Typical runs (re-run for the time series)', '');
  lines.push('| rule | run | success | steps to success | mean abs e first / last | re-run identical |');
  lines.push('|---|---|---|---:|---|---|');
  for (const rep of reps) {
    const r = rep.record;
    lines.push(
      `| ${rep.rule} | \`${rep.key}\` | ${r.success ? 'yes' : 'no'} | ${r.stepsToSuccess ?? '-'} | ${r.meanAbsErrorFirst.toFixed(4)} / ${r.meanAbsErrorLast.toFixed(4)} | ${rep.reproduced ? 'yes' : 'NO'} |`,
    );
  }
  lines.push('', '## Figures', '');
  for (const f of figures) lines.push(`![${f}](${f}.svg)`, '');
  return `${lines.join('\n')}\n`;
}

/** Settings of the sweep report. */
export interface SweepReportOptions {
  /** Re-run a typical run per rule for the time-series figures (default true). */
  timeSeries?: boolean;
  preferDepth?: number;
  /** Also draw the time series with every rule at this learning rate (the grid's nearest). */
  rate?: number;
  /** Where to say what is being done. */
  notice?: (message: string) => void;
}

async function writeFigure(out: string, name: string, spec: TopLevelSpec, files: string[]): Promise<void> {
  const svg = await vegaLiteToSvg(spec);
  writeFileAtomic(join(out, `${name}.svg`), svg);
  writeFileAtomic(join(out, `${name}.png`), svgToPng(svg));
  files.push(join(out, `${name}.svg`), join(out, `${name}.png`));
}

/** Reads a finished (or partial) sweep and writes the figures (SVG and PNG) and report.md into `out`. */
export async function writeSweepReport(
  dirs: string | string[],
  out: string,
  options: SweepReportOptions = {},
): Promise<SweepReport> {
  const notice = options.notice ?? (() => {});
  const folders = Array.isArray(dirs) ? dirs : [dirs];
  const byKey = new Map<string, RunRecord>();
  const grids: { dir: string; grid: GridFile | null }[] = [];
  for (const dir of folders) {
    const runsPath = join(dir, RUNS_FILE);
    if (!existsSync(runsPath)) throw new Error(`${dir} has no ${RUNS_FILE}: not a sweep folder`);
    const grid = readGridFile(dir);
    grids.push({ dir, grid });
    const stored = readRuns(runsPath);
    if (stored.tornBytes > 0) notice(`${runsPath}: ignoring a partial last line (${stored.tornBytes} bytes)`);
    if (grid && stored.records.size < grid.runs)
      notice(`${runsPath}: ${stored.records.size} of ${grid.runs} runs of the grid are recorded`);
    for (const [key, record] of stored.records) if (!byKey.has(key)) byKey.set(key, record);
  }
  const records = [...byKey.values()];
  if (records.length === 0) throw new Error(`${folders.join(', ')} holds no finished runs yet`);
  // One report is about one grid: folders of different grids (or runs of different budgets) are
  // reported apart, never pooled under one step budget.
  const ids = [...new Set(grids.map((g) => g.grid?.id ?? null))];
  if (ids.length > 1)
    throw new Error(
      `${grids.map((g) => `${g.dir} (grid ${g.grid?.id ?? 'none'})`).join(', ')} hold different grids: report them apart`,
    );
  const budgets = [...new Set(records.map((r) => r.config.steps))];
  if (budgets.length > 1)
    throw new Error(
      `the runs have different step budgets (${budgets.slice(0, 4).join(', ')}): report them apart (one folder per budget)`,
    );
  const grid = grids[0].grid;
  const rules = ruleOrder(records, grid).filter((r) => records.some((rec) => rec.rule === r));
  const cells = cellStats(records);
  const byDepth = depthStats(cells);
  const budget = Math.max(...records.map((r) => r.config.steps));
  const files: string[] = [];
  const figures: string[] = [];
  await writeFigure(out, 'steps-vs-learning-rate', stepsSpec(cells, rules, budget), files);
  figures.push('steps-vs-learning-rate');
  await writeFigure(out, 'success-vs-depth', successSpec(byDepth, rules), files);
  figures.push('success-vs-depth');
  const reps: Representative[] = [];
  if (options.timeSeries !== false) {
    const sets: { suffix: string; rate?: number; how: string }[] = [
      { suffix: '', how: 'each rule at its best learning rate' },
    ];
    if (options.rate !== undefined) sets.push({ suffix: '-at-rate', rate: options.rate, how: '' });
    for (const set of sets) {
      const mine: Representative[] = [];
      for (const pick of pickRepresentatives(records, cells, rules, options.preferDepth ?? 5, set.rate)) {
        const simulation = new Simulation(pick.record.config, resolveConfiguredTrack(pick.record.config));
        const summary = simulation.runToEnd(undefined, 2000);
        const { key: _key, ...recorded } = pick.record;
        const reproduced =
          JSON.stringify(withoutWallTime(summary)) ===
          JSON.stringify(withoutWallTime(recorded as typeof summary));
        if (!reproduced) notice(`re-running ${pick.key} did not give the recorded summary`);
        mine.push({ ...pick, simulation, reproduced });
      }
      if (mine.length === 0) continue;
      // The reflex alone, as long as the longest of these runs, for reference.
      const first = mine[0].record.config;
      const reflexConfig = {
        ...first,
        rule: 'reflex' as const,
        steps: Math.max(...mine.map((m) => m.simulation.step)),
        afterSuccess: -1,
      };
      const reflex = new Simulation(reflexConfig, resolveConfiguredTrack(reflexConfig));
      reflex.runToEnd(undefined, 2000);
      const how = set.how || `every rule at η = ${mine[0].record.config.learningRate}`;
      await writeFigure(out, `error-over-time${set.suffix}`, errorSpec(mine, rules, how, reflex), files);
      await writeFigure(out, `weight-distance${set.suffix}`, weightSpec(mine), files);
      await writeFigure(out, `trajectories${set.suffix}`, trajectorySpec(mine), files);
      figures.push(
        `error-over-time${set.suffix}`,
        `weight-distance${set.suffix}`,
        `trajectories${set.suffix}`,
      );
      reps.push(...mine);
    }
  }
  const plainReps = reps.map(({ simulation: _s, ...rest }) => rest);
  const markdown = markdownSummary(grids, records, rules, cells, byDepth, plainReps, figures);
  writeFileAtomic(join(out, 'report.md'), markdown);
  files.push(join(out, 'report.md'));
  const stats = { cells: cells.map(finiteJson), byDepth: byDepth.map(finiteJson) };
  writeFileAtomic(join(out, 'stats.json'), `${JSON.stringify(stats, null, 1)}\n`);
  files.push(join(out, 'stats.json'));
  return { files, markdown, cells, byDepth, representatives: plainReps };
}

/** Infinity does not survive JSON: write it as null. */
function finiteJson<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value))
    out[k] = typeof v === 'number' && !Number.isFinite(v) ? null : v;
  return out as T;
}
