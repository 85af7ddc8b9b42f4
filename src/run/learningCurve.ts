import type { Network } from '../net/network.js';

/** Most points a learning curve keeps: one every `curveEvery(steps)` steps of the learning phase. */
export const CURVE_POINTS = 160;

/** Significant digits of a curve's values (enough to plot them; keeps the records small). */
export const CURVE_DIGITS = 4;

/** Steps between two points of the learning curve of a run with this step budget: ⌈steps / 160⌉, at least 1. */
export function curveEvery(steps: number): number {
  return Math.max(1, Math.ceil(steps / CURVE_POINTS));
}

/**
 * A run's learning curve as `summary.json` and each sweep record keep it: one point every `every`
 * steps of the learning phase (steps 0, every, 2·every, … while the run learns; at most 160 points,
 * fewer when the run stops early), each value rounded to 4 significant digits, `null` where it is not
 * finite. Parallel arrays, one entry per point.
 */
export interface LearningCurve {
  /** Steps between points: ⌈budget / 160⌉, at least 1. */
  every: number;
  /** The step of each point (0, every, 2·every, …). */
  step: number[];
  /** The moving average of |e| of the success criterion after that step. */
  errorEma: (number | null)[];
  /** `errorEma` over the reflex-alone baseline: success when it stays below the threshold (null without a baseline). */
  relativeErrorEma: (number | null)[] | null;
  /** Euclidean distance of all weights and biases from their initial values (null without a network). */
  weightDistance: (number | null)[] | null;
  /** Line losses so far. */
  lostLine: number[];
}

/** A value of a curve as stored: 4 significant digits, null when not finite. */
export function curveValue(value: number): number | null {
  return Number.isFinite(value) ? Number(value.toPrecision(CURVE_DIGITS)) : null;
}

/**
 * Records the learning curve of a run into arrays allocated once, at the start: `record` stores a
 * point without allocating (it is called from the closed loop), `curve` turns the points into a
 * `LearningCurve` at the end. Reading the curve never changes the run.
 */
export class CurveRecorder {
  readonly every: number;
  points = 0;
  private readonly step: Float64Array;
  private readonly errorEma: Float64Array;
  private readonly weightDistance: Float64Array;
  private readonly lostLine: Float64Array;
  private readonly distances: Float64Array;

  constructor(
    steps: number,
    private readonly network: Network | null,
    private readonly initialWeights: Float64Array[] | null,
  ) {
    this.every = curveEvery(steps);
    const capacity = Math.ceil(steps / this.every) + 1;
    this.step = new Float64Array(capacity);
    this.errorEma = new Float64Array(capacity);
    this.weightDistance = new Float64Array(capacity);
    this.lostLine = new Float64Array(capacity);
    this.distances = new Float64Array(network?.layers.length ?? 0);
  }

  /** Whether step t of the learning phase is a point of the curve. */
  due(t: number): boolean {
    return t % this.every === 0 && this.points < this.step.length;
  }

  /** Stores the point of step t. */
  record(t: number, errorEma: number, lostLine: number): void {
    const k = this.points++;
    this.step[k] = t;
    this.errorEma[k] = errorEma;
    this.lostLine[k] = lostLine;
    if (this.network && this.initialWeights) {
      this.network.weightDistances(this.initialWeights, this.distances);
      let sum = 0;
      for (let l = 0; l < this.distances.length; l++) sum += this.distances[l] * this.distances[l];
      this.weightDistance[k] = Math.sqrt(sum);
    }
  }

  /** The curve as stored (`baseline`: the reflex-alone mean |e| that relative values divide by). */
  curve(baseline: number | null): LearningCurve {
    const values = (array: Float64Array, map: (v: number) => number = (v) => v) =>
      Array.from(array.subarray(0, this.points), (v) => curveValue(map(v)));
    return {
      every: this.every,
      step: Array.from(this.step.subarray(0, this.points)),
      errorEma: values(this.errorEma),
      relativeErrorEma: baseline === null ? null : values(this.errorEma, (v) => v / baseline),
      weightDistance: this.network ? values(this.weightDistance) : null,
      lostLine: Array.from(this.lostLine.subarray(0, this.points)),
    };
  }
}
