import { max, median, min, permutationTest, quantile, sampleWithReplacement } from 'simple-statistics';
import type { RunRecord } from '../sweep/store.js';
import { Random } from '../util/random.js';
import { authorsCriterionOf, lastingSuccessOf, longestStreakOf } from './criteria.js';

/** The error a run is judged by: the frozen evaluation's relative error, or for the reflex alone (no evaluation) the run's own. */
export function judgedError(record: RunRecord): number | null {
  if (record.config.rule === 'reflex') return record.relativeError ?? null;
  return record.evaluation?.relativeError ?? null;
}

/** Steps to success with a failure counted as the whole budget (for comparisons). */
export function stepsOrBudget(record: RunRecord): number {
  return record.success && record.stepsToSuccess !== null ? record.stepsToSuccess : record.config.steps;
}

/** A failure that drove the whole step budget (not stopped by a divergence or an interruption). */
export function ranWholeBudget(record: RunRecord): boolean {
  return !record.success && record.steps >= record.config.steps;
}

/** Median, quartiles and range of a sample; nulls for an empty one. */
export interface Spread {
  median: number | null;
  q1: number | null;
  q3: number | null;
  min: number | null;
  max: number | null;
}

/** Median, quartiles (simple-statistics' `quantile`) and range of the values. */
export function spread(values: number[]): Spread {
  if (values.length === 0) return { median: null, q1: null, q3: null, min: null, max: null };
  return {
    median: median(values),
    q1: quantile(values, 0.25),
    q3: quantile(values, 0.75),
    min: min(values),
    max: max(values),
  };
}

/** One condition at one learning rate, over its seeds. */
export interface CellStats {
  learningRate: number;
  runs: number;
  successes: number;
  /** Successes that lasted: the frozen relative error below the threshold too (`lastingSuccessOf`). */
  lasting: number;
  /** The authors' success criterion, over the runs whose records carry it (0 runs: none does). */
  authors: { runs: number; successes: number; steps: Spread };
  /** Longest streak below the threshold of the runs without success, over those whose records carry it. */
  streak: Spread & { runs: number };
  /** Steps to success of the runs that succeeded. */
  steps: Spread;
  /** Median steps to success with failures counted as never (null when half of the runs or more failed). */
  censoredMedianSteps: number | null;
  /** Frozen relative error (the run's own for the reflex alone), over the runs that have one. */
  error: Spread;
  /** Runs without a frozen relative error (diverged). */
  errorMissing: number;
  /** Line losses while learning, summed over the runs, and how many runs lost the line at all. */
  lineLosses: number;
  runsWithLineLoss: number;
  /** Line losses in the frozen evaluation, summed. */
  frozenLineLosses: number;
  /** Failures that drove the whole step budget. */
  failuresAtBudget: number;
  diverged: number;
  /** Seeds, in ascending order. */
  seeds: number[];
}

/** Statistics of the runs of one condition at one learning rate. */
export function cellStats(learningRate: number, records: RunRecord[]): CellStats {
  const successful = records.filter((r) => r.success && r.stepsToSuccess !== null);
  const censored = records.map((r) =>
    r.success && r.stepsToSuccess !== null ? r.stepsToSuccess : Number.POSITIVE_INFINITY,
  );
  censored.sort((a, b) => a - b);
  const mid = censoredMedian(censored);
  const errors = records.map(judgedError).filter((e): e is number => e !== null && Number.isFinite(e));
  const authors = records.map(authorsCriterionOf).filter((a) => a !== null);
  const authorsSteps = authors.filter((a) => a.success && a.stepsToSuccess !== null);
  const streaks = records
    .filter((r) => !r.success)
    .map(longestStreakOf)
    .filter((s): s is number => s !== null);
  return {
    learningRate,
    runs: records.length,
    successes: successful.length,
    lasting: records.filter(lastingSuccessOf).length,
    authors: {
      runs: authors.length,
      successes: authors.filter((a) => a.success).length,
      steps: spread(authorsSteps.map((a) => a.stepsToSuccess as number)),
    },
    streak: { ...spread(streaks), runs: streaks.length },
    steps: spread(successful.map((r) => r.stepsToSuccess as number)),
    censoredMedianSteps: Number.isFinite(mid) ? mid : null,
    error: spread(errors),
    errorMissing: records.length - errors.length,
    lineLosses: records.reduce((s, r) => s + r.lostLine, 0),
    runsWithLineLoss: records.filter((r) => r.lostLine > 0).length,
    frozenLineLosses: records.reduce((s, r) => s + (r.evaluation?.lostLine ?? 0), 0),
    failuresAtBudget: records.filter(ranWholeBudget).length,
    diverged: records.filter((r) => r.diverged).length,
    seeds: records.map((r) => r.seed).sort((a, b) => a - b),
  };
}

/** Median of an ascending list that may end in Infinity (failures): Infinity when it reaches one. */
export function censoredMedian(sorted: number[]): number {
  if (sorted.length === 0) return Number.NaN;
  const lo = sorted[Math.floor((sorted.length - 1) / 2)];
  const hi = sorted[Math.ceil((sorted.length - 1) / 2)];
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return Number.POSITIVE_INFINITY;
  return (lo + hi) / 2;
}

const orInfinity = (v: number | null) => (v === null ? Number.POSITIVE_INFINITY : v);

/**
 * Whether cell `a` is a better learning rate than `b`: more successes; then the lower median steps
 * to success (failures as never, then over the successes); then the lower median frozen relative
 * error; then the lower learning rate.
 */
export function betterCell(a: CellStats, b: CellStats): boolean {
  if (a.successes / a.runs !== b.successes / b.runs) return a.successes / a.runs > b.successes / b.runs;
  const keys: [number, number][] = [
    [orInfinity(a.censoredMedianSteps), orInfinity(b.censoredMedianSteps)],
    [orInfinity(a.steps.median), orInfinity(b.steps.median)],
    [orInfinity(a.error.median), orInfinity(b.error.median)],
    [a.learningRate, b.learningRate],
  ];
  for (const [x, y] of keys) if (x !== y) return x < y;
  return false;
}

/** The best learning rate of a condition (see `betterCell`); undefined for no cells. */
export function bestCell(cells: CellStats[]): CellStats | undefined {
  let best: CellStats | undefined;
  for (const c of cells) if (!best || betterCell(c, best)) best = c;
  return best;
}

/** The best reflex gain: the lowest median relative error. */
export function lowestError<T extends { cell: CellStats }>(items: T[]): T | undefined {
  let best: T | undefined;
  for (const item of items)
    if (!best || orInfinity(item.cell.error.median) < orInfinity(best.cell.error.median)) best = item;
  return best;
}

/** Permutations drawn per test. */
export const PERMUTATIONS = 10_000;

/** A 32-bit seed from a text (FNV-1a), so that each comparison draws its own reproducible permutations. */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A difference between two samples and its two-sided permutation-test p-value. */
export interface Difference {
  /** Summary of sample a minus that of sample b (the mean unless another summary was asked for). */
  difference: number | null;
  /** Two-sided permutation test of the difference of means (simple-statistics `permutationTest`). */
  p: number | null;
  /** p < 0.05: the difference is larger than the seed-to-seed spread. */
  beyondSpread: boolean;
  /** 95 % percentile bootstrap interval of the difference (each sample resampled with replacement). */
  interval: [number, number] | null;
  n: [number, number];
}

/**
 * Two-sided permutation test of the difference of means, with `PERMUTATIONS` random permutations,
 * and a 95 % percentile bootstrap interval of `summary(a) − summary(b)` from `BOOTSTRAP_SAMPLES`
 * resamples, all drawn from a generator seeded by `seedText` (pure-rand), so that the report is the
 * same every time.
 */
export function compareSamples(
  a: number[],
  b: number[],
  seedText: string,
  summary: (values: number[]) => number = rate,
): Difference {
  const n: [number, number] = [a.length, b.length];
  if (a.length === 0 || b.length === 0)
    return { difference: null, p: null, beyondSpread: false, interval: null, n };
  const difference = summary(a) - summary(b);
  const same = (values: number[]) => values.every((v) => v === values[0]);
  if (same([...a, ...b]))
    return { difference, p: 1, beyondSpread: false, interval: [difference, difference], n };
  const random = new Random(seedOf(seedText));
  const draw = () => random.next();
  const p = permutationTest(a, b, 'two_side', PERMUTATIONS, draw);
  const resampled: number[] = [];
  for (let i = 0; i < BOOTSTRAP_SAMPLES; i++)
    resampled.push(
      summary(sampleWithReplacement(a, a.length, draw)) - summary(sampleWithReplacement(b, b.length, draw)),
    );
  const interval: [number, number] = [quantile(resampled, 0.025), quantile(resampled, 0.975)];
  return { difference, p, beyondSpread: p < 0.05, interval, n };
}

/** Resamples drawn for each bootstrap interval. */
export const BOOTSTRAP_SAMPLES = 2000;

/** The mean (of 0/1 outcomes: a success rate). */
export function rate(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

/** SaR (or any condition) against another, each at its own learning rate. */
export interface Comparison {
  /** What is compared, e.g. `rule`, `predictors`, `relevance`. */
  kind: string;
  a: string;
  b: string;
  learningRateA: number;
  learningRateB: number;
  successA: [number, number];
  successB: [number, number];
  /** Success rate a − b. */
  success: Difference;
  /** Mean steps to success a − b, a failure counted as the whole budget. */
  steps: Difference;
  /** Mean frozen relative error a − b. */
  error: Difference;
}

/** Compares the runs of two cells: success rate, steps to success (failures as the budget), frozen relative error. */
export function compareRuns(
  kind: string,
  labelA: string,
  a: { learningRate: number; records: RunRecord[] },
  labelB: string,
  b: { learningRate: number; records: RunRecord[] },
): Comparison {
  const seed = `${kind}|${labelA}|${a.learningRate}|${labelB}|${b.learningRate}`;
  const successes = (rs: RunRecord[]): number[] => rs.map((r) => (r.success ? 1 : 0));
  const errors = (rs: RunRecord[]) =>
    rs.map(judgedError).filter((e): e is number => e !== null && Number.isFinite(e));
  return {
    kind,
    a: labelA,
    b: labelB,
    learningRateA: a.learningRate,
    learningRateB: b.learningRate,
    successA: [successes(a.records).reduce((s, v) => s + v, 0), a.records.length],
    successB: [successes(b.records).reduce((s, v) => s + v, 0), b.records.length],
    success: compareSamples(successes(a.records), successes(b.records), `${seed}|success`, rate),
    steps: compareSamples(a.records.map(stepsOrBudget), b.records.map(stepsOrBudget), `${seed}|steps`),
    error: compareSamples(errors(a.records), errors(b.records), `${seed}|error`),
  };
}
