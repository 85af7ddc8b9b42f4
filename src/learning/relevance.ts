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
export const RELEVANCE_KINDS = ['abs-error', 'constant', 'cue'] as const;
/** A relevance source a configuration can name. */
export type RelevanceKind = (typeof RELEVANCE_KINDS)[number];

/** |e|: learn in proportion to how wrong the closed loop is (the paper's default). */
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

/** Builds a source from its CLI/config name. */
function fromKind(kind: RelevanceKind | readonly RelevanceKind[], constantLevel = 1): RelevanceSource {
  if (Array.isArray(kind)) return product(...kind.map((k) => fromKind(k, constantLevel)));
  switch (kind) {
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

/** The relevance sources: `absError()` (|e|, the default), `constant(level)`, `cue()`, `fn(compute)`, their `product(...)`, and `fromKind` for configuration names. */
export const relevance = {
  /** |e|, the rectified error: the default. */
  absError,
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
