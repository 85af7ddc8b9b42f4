import { ValidationError } from '../util/errors.js';

/** What a relevance source sees at each learning step. */
export interface RelevanceContext {
  /** The error per output neuron (a view; do not keep it). */
  readonly errors: Float64Array;
  /** Mean |e_j| over the output neurons: the rectified error. */
  readonly absError: number;
  /** An environmental cue for this step (e.g. how sharp the bend ahead is), if the caller gave one. */
  readonly cue: number | undefined;
  /** The caller's step counter, if given. */
  readonly step: number | undefined;
  /**
   * The raw predictors of this step (a view; do not keep it), if the caller gave them: in rows
   * (nearest first) of equally many sensors, left to right.
   */
  readonly predictors: ArrayLike<number> | undefined;
}

/**
 * A relevance source: the global neuromodulator of SaR, one non-negative scalar per step that scales
 * every synapse's change. Sources compose by product.
 */
export interface RelevanceSource {
  /** A short name, for logs and summaries. */
  readonly name: string;
  /** The relevance of this step (>= 0). */
  value(context: RelevanceContext): number;
}

/** The relevance sources a configuration can name. */
export const RELEVANCE_KINDS = ['abs-error', 'constant', 'cue', 'authors-cue'] as const;
/** A relevance source a configuration can name. */
export type RelevanceKind = (typeof RELEVANCE_KINDS)[number];

/**
 * |e|: learn in proportion to how wrong the closed loop is. This is the abstract's "rectified
 * error" (arXiv 2110.07292), sarlab's default relevance; it is not what the authors' code runs
 * (their Enki line follower modulates with `authorsCue`, see docs/authors-setting.md).
 */
function absError(): RelevanceSource {
  return { name: 'abs-error', value: (c) => c.absError };
}

/** A fixed relevance (SaR then reduces to a pure sign rule with a fixed step). */
function constant(level = 1): RelevanceSource {
  if (!Number.isFinite(level) || level < 0)
    throw new ValidationError('relevance.constant', level, 'a finite number >= 0');
  return { name: `constant(${level})`, value: () => level };
}

/** An environmental cue supplied with every learning step (`learn(net, e, { cue })`). */
function cue(): RelevanceSource {
  return {
    name: 'cue',
    value: (c) => {
      if (c.cue === undefined) throw new ValidationError('cue', c.cue, 'a cue value with each learning step');
      return c.cue;
    },
  };
}

/**
 * The authors' relevance cue (enkiSimulator `examples/line_follower/run.cpp`, lines 223–240 at commit
 * 2f6c0cc): in each of the two nearest predictor rows, the index of the sensor that sees the most
 * line (the largest |predictor|, the first one counting from the robot's right as their array does,
 * −1 for a row that sees nothing), and the cue is the distance between the two indices, in sensors.
 */
export function authorsCue(predictors: ArrayLike<number>, columns: number): number {
  if (columns < 1 || predictors.length < 2 * columns) return 0;
  let best1 = 0;
  let index1 = -1;
  let best2 = 0;
  let index2 = -1;
  // sarlab's rows run left to right; theirs right to left (sensor j at lateral −start + j·spacing).
  for (let k = 0; k < columns; k++) {
    const c = columns - 1 - k;
    const a = Math.abs(predictors[c]);
    if (a > best1) {
      best1 = a;
      index1 = k;
    }
    const b = Math.abs(predictors[columns + c]);
    if (b > best2) {
      best2 = b;
      index2 = k;
    }
  }
  return Math.abs(index2 - index1);
}

/**
 * The authors' relevance: their cue (`authorsCue`) plus one, "so that it does not turn off the
 * learning" (run.cpp line 240); their learning rate is η · (cue + 1) (line 263, where the factor
 * exp(e · ė) is always 1 because ė is computed as 0, lines 201–202). Needs the step's predictors in
 * rows of `columns` sensors (the closed loop hands them over).
 */
function authorsCueSource(columns: number): RelevanceSource {
  if (!Number.isInteger(columns) || columns < 1)
    throw new ValidationError('relevance.authorsCue', columns, 'the number of sensors in a predictor row');
  return {
    name: 'authors-cue',
    value: (c) => {
      if (c.predictors === undefined)
        throw new ValidationError('predictors', c.predictors, 'the predictors with each learning step');
      return authorsCue(c.predictors, columns) + 1;
    },
  };
}

/** Any user function of the context. */
function fn(compute: (context: RelevanceContext) => number, name = 'function'): RelevanceSource {
  return { name, value: compute };
}

/** The product of several sources (e.g. |e| times a bend cue). */
function product(...sources: RelevanceSource[]): RelevanceSource {
  if (sources.length === 0) throw new ValidationError('relevance.product', sources, 'at least one source');
  return {
    name: sources.map((s) => s.name).join('*'),
    value: (c) => {
      let p = 1;
      for (const s of sources) p *= s.value(c);
      return p;
    },
  };
}

/**
 * Builds a source from its CLI/config name; `predictorColumns` (sensors per predictor row) is needed
 * by `authors-cue`.
 */
function fromKind(
  kind: RelevanceKind | readonly RelevanceKind[],
  constantLevel = 1,
  predictorColumns?: number,
): RelevanceSource {
  if (Array.isArray(kind)) return product(...kind.map((k) => fromKind(k, constantLevel, predictorColumns)));
  switch (kind) {
    case 'authors-cue':
      return authorsCueSource(predictorColumns ?? 0);
    case 'abs-error':
      return absError();
    case 'constant':
      return constant(constantLevel);
    case 'cue':
      return cue();
    default:
      throw new ValidationError('relevance', kind, RELEVANCE_KINDS.join(', '));
  }
}

/** The relevance sources: `absError()` (|e|, the abstract's rectified error, sarlab's default), `authorsCue(columns)` (the authors' code), `constant(level)`, `cue()`, `fn(compute)`, their `product(...)`, and `fromKind` for configuration names. */
export const relevance = {
  /** |e|, the abstract's rectified error: sarlab's default (not what the authors' code runs). */
  absError,
  /** The authors' relevance: their bend cue in sensor indices, plus one. */
  authorsCue: authorsCueSource,
  /** A constant level. */
  constant,
  /** The environment's cue (how sharp the bend ahead is). */
  cue,
  /** Your function of the step's context. */
  fn,
  /** The product of sources. */
  product,
  /** The source a configuration names. */
  fromKind,
};
