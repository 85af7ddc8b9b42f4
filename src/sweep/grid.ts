import { createHash } from 'node:crypto';
import { mergeConfig, parseRunConfig, RUN_RULES, type RunConfig, type RunRule } from '../run/config.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { ValidationError } from '../util/errors.js';

/**
 * A sweep: a base configuration (every `sarlab run` setting that is not swept) and the axes of the
 * grid. Depth d means d-1 hidden layers of `width` neurons plus the output layer (as many outputs as
 * the base network has). `depths: null` keeps the base network as it is.
 */
export interface SweepGrid {
  rules: RunRule[];
  learningRates: number[];
  depths: number[] | null;
  width: number;
  relevance: string[];
  inputs: ('rows' | 'camera')[];
  tracks: string[];
  seeds: number[];
  base: RunConfig;
}

/** One point of the grid. */
export interface GridPoint {
  /** Position in the canonical expansion order (the same on every machine). */
  index: number;
  key: string;
  rule: RunRule;
  learningRate: number;
  depth: number;
  relevance: string;
  inputs: 'rows' | 'camera';
  track: string;
  seed: number;
}

/** What grid.json holds: the grid and its identity. */
export interface GridFile {
  format: 'sarlab-sweep-grid';
  version: 1;
  /** Hash of the grid (axes and base configuration): shards of one sweep share it. */
  id: string;
  runs: number;
  grid: SweepGrid;
}

/** Most values one list flag may give (ranges included), and most runs a grid may have. */
export const MAX_LIST_VALUES = 10_000;
/** Most runs a grid may have. */
export const MAX_GRID_RUNS = 1_000_000;
/** Widest hidden layer and deepest network a sweep may ask for. */
export const MAX_SWEEP_WIDTH = 10_000;
/** Deepest network a sweep may ask for. */
export const MAX_SWEEP_DEPTH = 1_000;

/** Rounds generated numbers so that keys and configs are short and the same everywhere. */
function tidy(value: number): number {
  return Number(value.toPrecision(6));
}

/**
 * Parses a list of numbers: `0.001,0.01`, a logarithmic range `log:MIN:MAX:N` (N values, both ends
 * included), a linear range `lin:MIN:MAX:N`, or an integer range `1..10`; items can be mixed with
 * commas (`1..3,7`). Duplicates are dropped, order is kept.
 */
export function parseNumberList(
  flag: string,
  text: string,
  { integer = false, min }: { integer?: boolean; min?: number } = {},
): number[] {
  const out: number[] = [];
  const bad = (expected: string): never => {
    throw new ValidationError(`--${flag}`, text, expected);
  };
  const num = (s: string) => {
    const v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s.trim()) ? Number(s) : Number.NaN;
    if (!Number.isFinite(v)) bad('numbers, log:MIN:MAX:N, lin:MIN:MAX:N or A..B');
    return v;
  };
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') bad('a comma-separated list');
    const range = /^(lin|log):([^:]+):([^:]+):([^:]+)$/.exec(item);
    const ints = /^(-?\d+)\.\.(-?\d+)$/.exec(item);
    if (range) {
      const [, kind, a, b, c] = range;
      const lo = num(a);
      const hi = num(b);
      const n = num(c);
      if (!Number.isInteger(n) || n < 1) bad(`${kind}:MIN:MAX:N with N a whole number >= 1`);
      if (n + out.length > MAX_LIST_VALUES) bad(`at most ${MAX_LIST_VALUES} values in all`);
      if (kind === 'log' && (lo <= 0 || hi <= 0)) bad('log:MIN:MAX:N with MIN and MAX > 0');
      for (let k = 0; k < n; k++) {
        const f = n === 1 ? 0 : k / (n - 1);
        out.push(tidy(kind === 'log' ? lo * (hi / lo) ** f : lo + (hi - lo) * f));
      }
    } else if (ints) {
      const a = Number(ints[1]);
      const b = Number(ints[2]);
      if (b < a) bad('A..B with A <= B');
      if (b - a + 1 + out.length > MAX_LIST_VALUES) bad(`at most ${MAX_LIST_VALUES} values in all`);
      for (let v = a; v <= b; v++) out.push(v);
    } else {
      out.push(num(item));
    }
    if (out.length > MAX_LIST_VALUES) bad(`at most ${MAX_LIST_VALUES} values in all`);
  }
  for (const v of out) {
    if (integer && !Number.isInteger(v)) bad('whole numbers');
    if (min !== undefined && v < min) bad(`numbers >= ${min}`);
  }
  return [...new Set(out)];
}

/** Parses a comma-separated flag value; a ValidationError names the flag when it is empty. */
export function parseStringList(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new ValidationError(`--${flag}`, text, 'a comma-separated list');
  if (items.length > MAX_LIST_VALUES)
    throw new ValidationError(`--${flag}`, text, `at most ${MAX_LIST_VALUES} values`);
  return [...new Set(items)];
}

/** Checks the axes; throws a ValidationError naming the offending one. */
export function validateGrid(grid: SweepGrid): SweepGrid {
  const nonEmpty = (field: string, list: unknown[]) => {
    if (list.length === 0) throw new ValidationError(field, list, 'at least one value');
  };
  nonEmpty('rules', grid.rules);
  for (const r of grid.rules) {
    if (!(RUN_RULES as readonly string[]).includes(r))
      throw new ValidationError('rules', r, `one of ${RUN_RULES.join(', ')}`);
  }
  nonEmpty('learningRates', grid.learningRates);
  nonEmpty('relevance', grid.relevance);
  nonEmpty('inputs', grid.inputs);
  nonEmpty('tracks', grid.tracks);
  nonEmpty('seeds', grid.seeds);
  if (grid.depths) {
    nonEmpty('depths', grid.depths);
    for (const d of grid.depths)
      if (!Number.isInteger(d) || d < 1 || d > MAX_SWEEP_DEPTH)
        throw new ValidationError('depths', d, `whole numbers from 1 to ${MAX_SWEEP_DEPTH}`);
  }
  if (!Number.isInteger(grid.width) || grid.width < 1 || grid.width > MAX_SWEEP_WIDTH)
    throw new ValidationError('width', grid.width, `a whole number from 1 to ${MAX_SWEEP_WIDTH}`);
  const runs = gridSize(grid);
  if (runs > MAX_GRID_RUNS)
    throw new ValidationError(
      'grid',
      `${runs} runs`,
      `at most ${MAX_GRID_RUNS} runs (split it into several sweeps)`,
    );
  // Every point must be a valid run configuration: check one per axis value.
  const points = expandGrid(grid);
  const seen = new Set<string>();
  for (const p of points) {
    const signature = `${p.rule}|${p.depth}|${p.relevance}|${p.inputs}|${p.track}`;
    if (seen.has(signature)) continue;
    seen.add(signature);
    pointConfig(grid, p);
  }
  return grid;
}

/** The number of runs of a grid, computed without expanding it. */
export function gridSize(grid: SweepGrid): number {
  return (
    grid.rules.length *
    grid.learningRates.length *
    (grid.depths?.length ?? 1) *
    grid.relevance.length *
    grid.inputs.length *
    grid.tracks.length *
    grid.seeds.length
  );
}

/** The layer widths of depth `depth`: depth-1 hidden layers of `width` and the base's output layer. */
export function layersOfDepth(grid: SweepGrid, depth: number): number[] {
  const base = grid.base.network.layers;
  if (!grid.depths) return [...base];
  const outputs = base[base.length - 1];
  return [...Array.from({ length: depth - 1 }, () => grid.width), outputs];
}

function formatKeyNumber(value: number): string {
  return String(value);
}

/** The run key of a point: readable, and the same for the same grid point on every machine. */
export function pointKey(p: Omit<GridPoint, 'index' | 'key'>): string {
  return [
    p.rule,
    `lr=${formatKeyNumber(p.learningRate)}`,
    `depth=${p.depth}`,
    `relevance=${p.relevance}`,
    `inputs=${p.inputs}`,
    `track=${p.track}`,
    `seed=${p.seed}`,
  ].join(' ');
}

/** Every point of the grid in canonical order (rules outermost, seeds innermost). */
export function expandGrid(grid: SweepGrid): GridPoint[] {
  const depths = grid.depths ?? [grid.base.network.layers.length];
  const out: GridPoint[] = [];
  for (const track of grid.tracks)
    for (const inputs of grid.inputs)
      for (const relevance of grid.relevance)
        for (const rule of grid.rules)
          for (const depth of depths)
            for (const learningRate of grid.learningRates)
              for (const seed of grid.seeds) {
                const p = { rule, learningRate, depth, relevance, inputs, track, seed };
                out.push({ index: out.length, key: pointKey(p), ...p });
              }
  return out;
}

/** The full run configuration of one grid point (validated). */
export function pointConfig(grid: SweepGrid, p: GridPoint): RunConfig {
  const parts = p.relevance.split('*').map((s) => s.trim());
  const override = {
    rule: p.rule,
    learningRate: p.learningRate,
    seed: p.seed,
    track: p.track,
    relevance: parts.length === 1 ? parts[0] : parts,
    network: { layers: layersOfDepth(grid, p.depth) },
    world: { inputs: p.inputs },
  };
  return parseRunConfig(mergeConfig(grid.base, override), `run ${p.key}`);
}

/** Parses `I/N` (1-based). */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || index < 1 || index > count)
    throw new ValidationError('--shard', text, 'I/N with 1 <= I <= N (e.g. 2/8)');
  return { index, count };
}

/** The points of shard I of N: every N-th point, starting at the I-th (so shards mix cheap and dear runs). */
export function shardPoints(
  points: GridPoint[],
  shard: { index: number; count: number } | null,
): GridPoint[] {
  if (!shard) return points;
  return points.filter((p) => p.index % shard.count === shard.index - 1);
}

/** The identity of a grid: a hash of its axes and base configuration. */
export function gridId(grid: SweepGrid): string {
  return createHash('sha256').update(canonicalJson(grid)).digest('hex').slice(0, 16);
}

/** What grid.json holds for a grid: the grid and its identity. */
export function gridFile(grid: SweepGrid): GridFile {
  return {
    format: 'sarlab-sweep-grid',
    version: 1,
    id: gridId(grid),
    runs: expandGrid(grid).length,
    grid,
  };
}
