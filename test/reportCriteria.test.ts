// The report's measures besides sarlab's success: lasting success (worked out for older records),
// the authors' success criterion and the longest streak below the threshold (shown only where the
// records carry them), median learning curves, and SaR's sign mode as a condition.
import { describe, expect, it } from 'vitest';
import { analyse } from '../src/report/analysis.js';
import { conditionId, DEFAULT_SIGN_MODE, groupByCondition, ruleName } from '../src/report/conditions.js';
import { authorsCriterionOf, lastingSuccessOf, longestStreakOf } from '../src/report/criteria.js';
import { medianCurve } from '../src/report/curves.js';
import { bestRateTable } from '../src/report/markdown.js';
import type { ReportRun } from '../src/report/records.js';
import { cellStats } from '../src/report/stats.js';
import { defaultRunConfig, type RunConfig } from '../src/run/config.js';
import type { LearningCurve } from '../src/run/learningCurve.js';
import type { RunRecord } from '../src/sweep/store.js';

function record(
  over: Partial<RunConfig>,
  outcome: { success: boolean; frozen?: number; extra?: Record<string, unknown>; curve?: LearningCurve },
): RunRecord {
  const config: RunConfig = { ...defaultRunConfig(), ...over };
  return {
    key: `${config.rule} seed=${config.seed}`,
    success: outcome.success,
    stepsToSuccess: outcome.success ? 1000 : null,
    reflexMeanAbsError: 0.2,
    lapSteps: 816,
    meanAbsErrorFirst: 0.3,
    meanAbsErrorLast: 0.1,
    relativeError: 0.5,
    evaluation: { steps: 816, meanAbsError: 0.1, relativeError: outcome.frozen ?? 0.3, lostLine: 0 },
    lostLine: 0,
    steps: config.steps,
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
    ...(outcome.curve ? { curve: outcome.curve } : {}),
    ...outcome.extra,
  } as RunRecord;
}

const asRuns = (records: RunRecord[]): ReportRun[] => records.map((record) => ({ record, sweep: 's' }));

describe('lasting success, the authors criterion and the longest streak', () => {
  it('works out lasting success where a record predates it, and takes it where recorded', () => {
    expect(lastingSuccessOf(record({}, { success: true, frozen: 0.3 }))).toBe(true);
    expect(lastingSuccessOf(record({}, { success: true, frozen: 1.4 }))).toBe(false);
    expect(lastingSuccessOf(record({}, { success: false, frozen: 0.1 }))).toBe(false);
    const recorded = record({}, { success: true, frozen: 0.3, extra: { lastingSuccess: false } });
    expect(lastingSuccessOf(recorded)).toBe(false);
  });

  it('reads the authors criterion a summary records, and null where a record has none', () => {
    expect(authorsCriterionOf(record({}, { success: true }))).toBeNull();
    const succeeded = record(
      {},
      { success: false, extra: { authors: { success: true, stepsToSuccess: 420 } } },
    );
    expect(authorsCriterionOf(succeeded)).toEqual({ success: true, stepsToSuccess: 420 });
    const failed = record(
      {},
      { success: false, extra: { authors: { success: false, stepsToSuccess: null } } },
    );
    expect(authorsCriterionOf(failed)).toEqual({ success: false, stepsToSuccess: null });
    expect(longestStreakOf(record({}, { success: false }))).toBeNull();
    expect(longestStreakOf(record({}, { success: false, extra: { longestStreakBelowThreshold: 420 } }))).toBe(
      420,
    );
  });

  it('counts them per cell, and the tables show their columns only where records carry them', () => {
    const plain = [
      record({ seed: 1 }, { success: true, frozen: 0.3 }),
      record({ seed: 2 }, { success: true, frozen: 0.9 }),
      record({ seed: 3 }, { success: false }),
    ];
    const cell = cellStats(0.01, plain);
    expect(cell.successes).toBe(2);
    expect(cell.lasting).toBe(1);
    expect(cell.authors.runs).toBe(0);
    expect(cell.streak.runs).toBe(0);
    const table = bestRateTable(analyse(asRuns(plain)).conditions);
    expect(table[0]).toContain('| success | lasting success |');
    expect(table[0]).not.toContain("authors' criterion");
    expect(table[0]).not.toContain('longest streak');
    expect(table[2]).toMatch(/\| 2\/3 \| 1\/3 \|/);

    const carried = [
      record({ seed: 1 }, { success: true, extra: { authors: { success: true, stepsToSuccess: 300 } } }),
      record({ seed: 2 }, { success: false, extra: { authors: { success: true, stepsToSuccess: 500 } } }),
      record({ seed: 3 }, { success: false, extra: { longestStreakBelowThreshold: 420 } }),
      record({ seed: 4 }, { success: false, extra: { longestStreakBelowThreshold: 100 } }),
    ];
    const both = cellStats(0.01, carried);
    expect(both.authors).toMatchObject({ runs: 2, successes: 2 });
    expect(both.authors.steps.median).toBe(400);
    expect(both.streak).toMatchObject({ runs: 2, median: 260, max: 420 });
    const lines = bestRateTable(analyse(asRuns(carried)).conditions);
    expect(lines[0]).toContain("authors' criterion (median steps)");
    expect(lines[0]).toContain('longest streak below the threshold, failures: median (max)');
    expect(lines[2]).toContain('| 2/2 (400) |');
    expect(lines[2]).toContain('| 260 (420) |');
  });
});

describe('median learning curves', () => {
  const curve = (values: (number | null)[]): LearningCurve => ({
    every: 10,
    step: values.map((_, i) => i * 10),
    errorEma: values,
    relativeErrorEma: values,
    weightDistance: null,
    lostLine: values.map(() => 0),
  });

  it('takes the median and quartiles per step, a run that stopped counting with its last value', () => {
    const records = [
      record({ seed: 1 }, { success: true, curve: curve([1, 0.5]) }),
      record({ seed: 2 }, { success: false, curve: curve([1, 0.7, 0.8, 0.9]) }),
      record({ seed: 3 }, { success: false, curve: curve([1, 0.9, null, 1.1]) }),
      record({ seed: 4 }, { success: false }),
    ];
    const points = medianCurve(records);
    expect(points.map((p) => p.step)).toEqual([0, 10, 20, 30]);
    expect(points.map((p) => p.median)).toEqual([1, 0.7, 0.65, 0.9]);
    expect(points.map((p) => p.runs)).toEqual([3, 3, 2, 3]);
    expect(points[1]).toMatchObject({ q1: 0.6, q3: 0.8 });
    expect(medianCurve([record({}, { success: true })])).toEqual([]);
  });
});

describe("SaR's sign mode", () => {
  it('names SaR with another sign mode than the default as a rule of its own, and leaves it out of other rules', () => {
    const other = DEFAULT_SIGN_MODE === 'transport' ? 'gradient' : 'transport';
    const groups = groupByCondition(
      asRuns([
        record({ rule: 'sar', signMode: DEFAULT_SIGN_MODE as RunConfig['signMode'] }, { success: true }),
        record({ rule: 'sar', signMode: other as RunConfig['signMode'] }, { success: true }),
      ]),
    );
    expect(groups.map((g) => ruleName(g.condition))).toEqual(['sar', `sar · sign ${other}`]);
    expect(groups[1].condition.label).toContain(`sign ${other}`);
    const backprop = (signMode: string) =>
      conditionId({ ...defaultRunConfig(), rule: 'backprop', signMode: signMode as RunConfig['signMode'] });
    expect(backprop('transport')).toBe(backprop('gradient'));
    const sar = (signMode: string) =>
      conditionId({ ...defaultRunConfig(), rule: 'sar', signMode: signMode as RunConfig['signMode'] });
    expect(sar('transport')).not.toBe(sar('gradient'));
  });
});
