// The pieces of the sweep report on small hand-made samples: statistics, best learning rates,
// conditions, the reflex put on the networks' baseline, CSV quoting, reading plain and gzip files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { analyse, rebaseReflexRuns } from '../src/report/analysis.js';
import { groupByCondition } from '../src/report/conditions.js';
import { csvField, runsCsv, toCsv } from '../src/report/csv.js';
import { loadSweeps, type ReportRun } from '../src/report/records.js';
import {
  bestCell,
  type CellStats,
  cellStats,
  censoredMedian,
  compareSamples,
  rate,
  spread,
} from '../src/report/stats.js';
import { defaultRunConfig, type RunConfig } from '../src/run/config.js';
import type { RunRecord } from '../src/sweep/store.js';

type Overrides = Partial<Omit<RunConfig, 'network' | 'world' | 'agent'>> & {
  layers?: number[];
  predictors?: RunConfig['world']['predictors'];
  reflexGain?: number;
};

/** A run record with the given outcome (the fields the report reads, the rest plausible). */
function record(
  over: Overrides,
  outcome: { success: boolean; steps?: number; error?: number; baseline?: number; last?: number },
): RunRecord {
  const base = defaultRunConfig();
  const { layers, predictors, reflexGain, ...rest } = over;
  const config: RunConfig = {
    ...base,
    ...rest,
    network: { ...base.network, layers: layers ?? base.network.layers },
    world: { ...base.world, predictors: predictors ?? base.world.predictors },
    agent: { ...base.agent, reflexGain: reflexGain ?? base.agent.reflexGain },
  };
  const baseline = outcome.baseline ?? 0.2;
  const last = outcome.last ?? (outcome.error ?? 0.5) * baseline;
  return {
    key: `${config.rule} lr=${config.learningRate} seed=${config.seed}`,
    success: outcome.success,
    stepsToSuccess: outcome.success ? (outcome.steps ?? 1000) : null,
    reflexMeanAbsError: baseline,
    longestStreakBelowThreshold: outcome.success ? 2000 : 0,
    longestStreakEnd: outcome.success ? (outcome.steps ?? 1000) + 2000 : 0,
    lapSteps: 816,
    meanAbsErrorFirst: 0.3,
    meanAbsErrorLast: last,
    relativeError: last / baseline,
    evaluation:
      config.rule === 'reflex'
        ? null
        : { steps: 816, meanAbsError: 0.1, relativeError: outcome.error ?? 0.5, lostLine: 0 },
    lostLine: 0,
    steps: outcome.success ? (outcome.steps ?? 1000) + 2000 : config.steps,
    seed: config.seed,
    rule: config.rule,
    track: config.track,
    finalErrorEma: 0.1,
    weightDistance: [0.1],
    diverged: false,
    divergence: null,
    stopReason: outcome.success ? 'success' : 'budget',
    wallSeconds: 0.5,
    config,
  };
}

const runs = (records: RunRecord[], sweep = 's'): ReportRun[] => records.map((r) => ({ record: r, sweep }));

describe('statistics', () => {
  it('spread: median, quartiles and range (simple-statistics); nulls for no values', () => {
    expect(spread([4, 1, 3, 2, 5])).toEqual({ median: 3, q1: 2, q3: 4, min: 1, max: 5 });
    expect(spread([])).toEqual({ median: null, q1: null, q3: null, min: null, max: null });
  });

  it('censored median: Infinity once half of the runs failed', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(censoredMedian([1, 2, 3, inf])).toBe(2.5);
    expect(censoredMedian([1, 2, inf, inf])).toBe(inf);
    expect(censoredMedian([1, 2, 3, inf, inf])).toBe(3);
  });

  it('a permutation test: no difference gives p = 1, the exact p of a tiny sample, a clear difference p < 0.05', () => {
    const same = compareSamples([1, 0, 1, 0], [0, 1, 0, 1], 'x', rate);
    expect(same.interval?.[0]).toBeLessThanOrEqual(0);
    expect(same.difference).toBe(0);
    expect(same.p).toBe(1);
    expect(same.beyondSpread).toBe(false);
    // {1, 2} against {3, 4}: 2 of the 6 ways to split the four values are as extreme: p = 1/3.
    const tiny = compareSamples([1, 2], [3, 4], 'tiny');
    expect(tiny.difference).toBe(-2);
    expect(tiny.p).toBeCloseTo(1 / 3, 1);
    const clear = compareSamples(new Array(10).fill(1), new Array(10).fill(0), 'clear', rate);
    expect(clear.difference).toBe(1);
    expect(clear.p).toBeLessThan(0.05);
    expect(clear.beyondSpread).toBe(true);
    // Constant samples: nothing to permute.
    expect(compareSamples([0, 0], [0, 0], 'zero').p).toBe(1);
    expect(compareSamples([], [1], 'none').p).toBeNull();
  });

  it('is deterministic: the same comparison draws the same permutations and resamples', () => {
    const a = [120, 300, 450, 800, 30000];
    const b = [900, 1500, 30000, 30000, 2200];
    expect(compareSamples(a, b, 'k')).toEqual(compareSamples(a, b, 'k'));
  });

  it('a bootstrap interval around the difference: a point where nothing varies, wide where much does', () => {
    expect(compareSamples([3, 3], [1, 1], 'flat').interval).toEqual([2, 2]);
    const d = compareSamples([10, 11, 12, 13, 14], [0, 1, 2, 3, 4], 'shift');
    expect(d.difference).toBe(10);
    const [lo, hi] = d.interval as [number, number];
    expect(lo).toBeLessThanOrEqual(10);
    expect(hi).toBeGreaterThanOrEqual(10);
    // Medians of resamples of five values lie within their range: 10 − 4 ≤ difference ≤ 14 − 0.
    expect(lo).toBeGreaterThanOrEqual(6);
    expect(hi).toBeLessThanOrEqual(14);
    expect(hi - lo).toBeGreaterThan(0);
  });

  it('best learning rate: most successes, then fewer median steps, then lower frozen error', () => {
    const cell = (learningRate: number, outcomes: [boolean, number, number][]): CellStats =>
      cellStats(
        learningRate,
        outcomes.map(([success, steps, error], i) =>
          record({ learningRate, seed: i + 1 }, { success, steps, error }),
        ),
      );
    const a = cell(0.001, [
      [true, 900, 0.3],
      [true, 800, 0.3],
      [false, 0, 0.9],
    ]);
    const b = cell(0.01, [
      [true, 400, 0.3],
      [true, 500, 0.3],
      [false, 0, 0.9],
    ]);
    const c = cell(0.1, [
      [true, 100, 0.2],
      [false, 0, 0.3],
      [false, 0, 0.9],
    ]);
    const d = cell(1, [
      [true, 400, 0.2],
      [true, 500, 0.2],
      [false, 0, 0.9],
    ]);
    expect(bestCell([a, b, c])?.learningRate).toBe(0.01);
    expect(bestCell([a, c])?.learningRate).toBe(0.001);
    expect(bestCell([b, d])?.learningRate).toBe(1);
    expect(a.failuresAtBudget).toBe(1);
    expect(a.steps).toMatchObject({ median: 850, min: 800, max: 900 });
    expect(a.censoredMedianSteps).toBe(900);
    expect(c.censoredMedianSteps).toBeNull();
  });
});

describe('conditions', () => {
  it('groups by every configuration field but seed and learning rate, and names what differs', () => {
    const records = [
      record({ rule: 'sar', seed: 1 }, { success: true }),
      record({ rule: 'sar', seed: 2, learningRate: 0.1 }, { success: true }),
      record({ rule: 'sar', seed: 1, predictors: 'blind' }, { success: false }),
      record({ rule: 'backprop', seed: 1, layers: [10, 2] }, { success: false }),
      record({ rule: 'sar', seed: 1, discount: 0.5 }, { success: false }),
    ];
    const groups = groupByCondition(runs(records));
    expect(groups.map((g) => g.runs.length)).toEqual([2, 1, 1, 1]);
    // Only the condition that departs from the usual value of a setting is named by it.
    expect(groups.map((g) => g.condition.label)).toEqual([
      'sar · depth 5 · default',
      'sar · depth 5 · default · predictors blind',
      'backprop · depth 2 · default',
      'sar · depth 5 · default · discount=0.5',
    ]);
  });

  it('names what two conditions would otherwise share a label for', () => {
    const groups = groupByCondition(
      runs([
        record({ rule: 'backprop', steps: 1000 }, { success: true }),
        record({ rule: 'backprop', steps: 2000 }, { success: true }),
        record({ rule: 'backprop', layers: [20, 2] }, { success: true }),
        record({ rule: 'backprop', layers: [10, 2] }, { success: true }),
      ]),
    );
    expect(groups.map((g) => g.condition.label)).toEqual([
      'backprop · depth 5 · default · budget 1000',
      'backprop · depth 5 · default · budget 2000',
      'backprop · depth 2 · default · layers 20-2',
      'backprop · depth 2 · default · layers 10-2',
    ]);
  });

  it('pairs SaR with the other rules and the controls, each at its best rate', () => {
    const records: RunRecord[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      records.push(
        record({ rule: 'sar', seed, learningRate: 0.01 }, { success: true, steps: 500, error: 0.3 }),
      );
      records.push(record({ rule: 'sar', seed, learningRate: 0.1 }, { success: false, error: 2 }));
      records.push(record({ rule: 'backprop', seed, learningRate: 0.01 }, { success: false, error: 0.8 }));
      records.push(
        record(
          { rule: 'sar', seed, learningRate: 0.01, predictors: 'at-reflex' },
          { success: false, error: 1.9 },
        ),
      );
      records.push(record({ rule: 'reflex', seed, reflexGain: 15 }, { success: false, last: 0.08 }));
    }
    const analysis = analyse(runs(records));
    expect(analysis.main.map((c) => c.condition.label)).toEqual([
      'sar · depth 5 · default',
      'backprop · depth 5 · default',
    ]);
    expect(analysis.main[0].best.learningRate).toBe(0.01);
    const rule = analysis.comparisons.filter((c) => c.kind === 'rule');
    expect(rule).toHaveLength(1);
    expect(rule[0].success.difference).toBe(1);
    expect(rule[0].success.beyondSpread).toBe(true);
    expect(rule[0].steps.difference).toBe(500 - defaultRunConfig().steps);
    const controls = analysis.comparisons.filter((c) => c.kind === 'predictors');
    expect(controls.map((c) => c.b)).toEqual(['sar · depth 5 · default · predictors at-reflex']);
    expect(analysis.controls[0].reflex?.condition.condition.reflexGain).toBe(15);
    // The reflex at gain 15 measured against the networks' baseline (gain 5): 0.08 / 0.2.
    expect(analysis.controls[0].reflex?.cell.error.median).toBeCloseTo(0.4, 12);
    expect(analysis.rebasedReflex).toEqual({ runs: 6, gains: [5] });
  });

  it('also compares a control at its own best rate when that differs from the best of the predictors ahead', () => {
    const records: RunRecord[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      records.push(
        record({ rule: 'sar', seed, learningRate: 0.01 }, { success: true, steps: 500, error: 0.3 }),
      );
      records.push(record({ rule: 'sar', seed, learningRate: 0.001 }, { success: false, error: 0.9 }));
      const atReflex = { rule: 'sar', seed, predictors: 'at-reflex' } as const;
      records.push(record({ ...atReflex, learningRate: 0.01 }, { success: false, error: 1.9 }));
      records.push(record({ ...atReflex, learningRate: 0.001 }, { success: true, steps: 5000, error: 0.4 }));
    }
    const controls = analyse(runs(records)).comparisons.filter((c) => c.kind === 'predictors');
    expect(controls.map((c) => [c.learningRateA, c.learningRateB, c.success.difference])).toEqual([
      [0.01, 0.01, 1],
      [0.01, 0.001, 0],
    ]);
    expect(controls[1].steps.difference).toBe(500 - 5000);
  });

  it('puts a reflex run judged against gain 5 and one at gain 5 with no baseline gain in the same condition', () => {
    const success = { ...defaultRunConfig().success, baselineGain: 5 };
    const records = [
      record({ rule: 'reflex', seed: 1, reflexGain: 5 }, { success: false }),
      record({ rule: 'reflex', seed: 2, reflexGain: 5, success }, { success: false }),
      record({ rule: 'reflex', seed: 3, reflexGain: 15, success }, { success: false }),
    ];
    const groups = groupByCondition(runs(records));
    expect(groups.map((g) => g.runs.length).sort()).toEqual([1, 2]);
  });

  it('leaves a reflex run alone when its sweep set the baseline gain', () => {
    const records = [
      record({ rule: 'sar' }, { success: true }),
      record(
        { rule: 'reflex', reflexGain: 15, success: { ...defaultRunConfig().success, baselineGain: 5 } },
        {
          success: false,
          last: 0.08,
        },
      ),
    ];
    expect(rebaseReflexRuns(runs(records)).rebased).toBe(0);
  });
});

describe('CSV', () => {
  it('quotes fields with commas, quotes, line breaks or outer spaces (RFC 4180)', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' x')).toBe('" x"');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(csvField(false)).toBe('false');
    expect(csvField([10, 2])).toBe('"[10,2]"');
    // Text a spreadsheet would run as a formula gets a quote mark before it; numbers stay numbers.
    expect(csvField('=HYPERLINK("x")')).toBe('"\'=HYPERLINK(""x"")"');
    expect(csvField('+1')).toBe("'+1");
    expect(csvField('-x')).toBe("'-x");
    expect(csvField('@here')).toBe("'@here");
    expect(csvField('\tx')).toBe("'\tx");
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField('a=b')).toBe('a=b');
    expect(toCsv(['a', 'b'], [{ a: 1, b: 'x,y' }, { a: null }])).toBe('a,b\n1,"x,y"\n,\n');
  });

  it('writes one row per run with the configuration flattened to dotted columns', () => {
    const csv = runsCsv(
      runs([record({ rule: 'sar' }, { success: true }), record({ rule: 'reflex' }, { success: false })]),
    );
    const [header, first, second] = csv.trimEnd().split('\n');
    const columns = header.split(',');
    for (const c of [
      'sweep',
      'key',
      'success',
      'evaluation.relativeError',
      'config.world.predictors',
      'config.network.layers',
    ])
      expect(columns).toContain(c);
    expect(first).toContain('"[10,10,10,10,2]"');
    // No evaluation for the reflex: empty fields, same number of columns.
    expect(second.split(',').length).toBeGreaterThan(columns.length - 5);
    // Provenance, where a record has it, in columns of its own.
    const withProvenance = record({ rule: 'sar' }, { success: true });
    withProvenance.provenance = {
      sarlab: '0.1.0',
      commit: null,
      node: 'v20.19.0',
      platform: 'linux-x64',
      startedAt: '2026-01-01T00:00:00.000Z',
      wallSeconds: 1.5,
      configHash: 'ab'.repeat(32),
    };
    const lines = runsCsv(runs([withProvenance]))
      .trimEnd()
      .split('\n');
    const names = lines[0].split(',');
    expect(names).toContain('provenance.node');
    expect(names).not.toContain('provenance');
    expect(lines[1].split(',')[names.indexOf('provenance.node')]).toBe('v20.19.0');
  });
});

describe('reading sweep folders', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sarlab-report-read-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads runs.jsonl and runs.jsonl.gz, keeps a run once, names its folder, and refuses a folder without runs', () => {
    const a = record({ rule: 'sar', seed: 1 }, { success: true });
    const b = record({ rule: 'sar', seed: 2 }, { success: true });
    const plain = join(dir, 'plain');
    const packed = join(dir, 'packed');
    for (const [d, text, gz] of [
      [plain, `${JSON.stringify(a)}\nnot json\n${JSON.stringify(b).slice(0, 20)}`, false],
      [packed, `${JSON.stringify(a)}\n${JSON.stringify(b)}\n`, true],
    ] as const) {
      mkdirSync(d, { recursive: true });
      writeFileSync(join(d, gz ? 'runs.jsonl.gz' : 'runs.jsonl'), gz ? gzipSync(text) : text);
    }
    const notices: string[] = [];
    const loaded = loadSweeps([plain, packed], (m) => notices.push(m));
    expect(loaded.runs.map((r) => `${r.sweep}:${r.record.seed}`)).toEqual(['plain:1', 'packed:2']);
    expect(loaded.duplicates).toBe(1);
    expect(notices.join('\n')).toContain('skipped 2 line(s)');
    expect(() => loadSweeps([join(dir, 'nothing')])).toThrow(/not a sweep folder/);
  });
});
