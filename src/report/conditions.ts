import { DEFAULT_SIGN_MODE, LEGACY_SIGN_MODE } from '../learning/sar.js';
import { baselineGainOf, type RunConfig, runConfigSchema } from '../run/config.js';
import { canonicalJson } from '../util/canonicalJson.js';
import type { ReportRun } from './records.js';

/** SaR's sign mode when a run does not choose one (the configuration's default, defined with the rule). */
export { DEFAULT_SIGN_MODE };
/** The relevance when a run does not choose one: the configuration's default. */
export const DEFAULT_RELEVANCE: string = relevanceText(runConfigSchema.parse({}));

/**
 * What a group of runs has in common apart from the seed and the learning rate: a *condition*. Two
 * runs are in the same condition when their configurations are equal in every field but `seed` and
 * `learningRate`, so that anything a sweep changed (the grid axes, `--predictors`, `--sign-mode`,
 * `--reflex-gain`, a preset, the budget, ...) separates them, named or not.
 */
export interface Condition {
  /** The configuration without seed and learning rate, as canonical JSON: the identity. */
  id: string;
  rule: string;
  /** Layers including the output layer. */
  depth: number;
  /** Layer sizes, e.g. `10-10-2`. */
  layers: string;
  track: string;
  inputs: string;
  /** Relevance source(s), joined with `*`. */
  relevance: string;
  signMode: string;
  predictors: string;
  reflexGain: number;
  /** The preset the configuration started from, or '' for none. */
  preset: string;
  /** Step budget. */
  budget: number;
  /** Success threshold (× the reflex's mean |e|). */
  threshold: number;
  /** Other fields that differ between conditions of the same preset (dotted path → value), set by `describeConditions`. */
  extra: Record<string, string>;
  /** A readable name, e.g. `sar · depth 5 · default`, set by `describeConditions`. */
  label: string;
  /** The configuration of the condition's first run (for its settings). */
  config: RunConfig;
}

/** Fields that a condition names itself (no need to list them as `extra`). */
const NAMED = new Set([
  'rule',
  'network.layers',
  'track',
  'world.inputs',
  'relevance',
  'signMode',
  'world.predictors',
  'agent.reflexGain',
  'preset',
  'steps',
]);

/** The relevance of a configuration as text (`abs-error`, `abs-error*cue`). */
export function relevanceText(config: RunConfig): string {
  return Array.isArray(config.relevance) ? config.relevance.join('*') : String(config.relevance);
}

/**
 * The identity of a run's condition: its configuration without seed and learning rate. The baseline's
 * gain is written out (`success.baselineGain` unset means the run's own reflex gain), so a reflex run
 * at gain 5 judged against the reflex at gain 5 is in the same condition however it was asked for.
 */
export function conditionId(config: RunConfig): string {
  const { seed: _seed, learningRate: _rate, ...rest } = config;
  // The sign mode is SaR's alone: other rules never read it, so a change of its default does not
  // split their runs into two conditions.
  const { signMode: _sign, ...other } = rest;
  const kept = config.rule === 'sar' ? rest : other;
  return canonicalJson({ ...kept, success: { ...rest.success, baselineGain: baselineGainOf(config) } });
}

/** Flattens nested objects to dotted paths; arrays stay values. */
export function flatten(
  value: unknown,
  prefix = '',
  out: Record<string, unknown> = {},
): Record<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out[prefix] = value;
  }
  return out;
}

function conditionOf(config: RunConfig, id: string): Condition {
  return {
    id,
    rule: config.rule,
    depth: config.network.layers.length,
    layers: config.network.layers.join('-'),
    track: config.track,
    inputs: config.world.inputs,
    relevance: relevanceText(config),
    // Runs of versions before the sign mode existed transported the sign (LEGACY_SIGN_MODE); other
    // rules have none.
    signMode: config.rule === 'sar' ? (config.signMode ?? LEGACY_SIGN_MODE) : '',
    predictors: config.world.predictors ?? 'ahead',
    reflexGain: config.agent.reflexGain,
    preset: config.preset ?? '',
    budget: config.steps,
    threshold: config.success.threshold,
    extra: {},
    label: '',
    config,
  };
}

/** Runs grouped by condition, in the order the conditions first appear. */
export interface ConditionGroup {
  condition: Condition;
  runs: ReportRun[];
}

/** Groups runs into conditions and names each (see `describeConditions`). */
export function groupByCondition(runs: ReportRun[]): ConditionGroup[] {
  const groups = new Map<string, ConditionGroup>();
  for (const run of runs) {
    const id = conditionId(run.record.config);
    const group = groups.get(id);
    if (group) group.runs.push(run);
    else groups.set(id, { condition: conditionOf(run.record.config, id), runs: [run] });
  }
  const list = [...groups.values()];
  describeConditions(list.map((g) => g.condition));
  return list;
}

/** The most frequent of some values (the first of the most frequent on a tie). */
function mostCommon(values: (string | undefined)[]): string | undefined {
  const counts = new Map<string | undefined, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = 0;
  for (const [v, n] of counts)
    if (n > bestCount) {
      best = v;
      bestCount = n;
    }
  return best;
}

/**
 * Names the conditions: the rule, the depth, the track, and whatever else sets a condition apart
 * from the default (camera, a relevance, a sign mode, predictors, a reflex gain, a preset), plus any
 * other configuration field that differs between conditions of the same preset.
 */
export function describeConditions(conditions: Condition[]): void {
  const byPreset = new Map<string, Condition[]>();
  for (const c of conditions) {
    const list = byPreset.get(c.preset);
    if (list) list.push(c);
    else byPreset.set(c.preset, [c]);
  }
  for (const list of byPreset.values()) {
    const flat = list.map((c) => flatten(JSON.parse(c.id)));
    const paths = new Set(flat.flatMap((f) => Object.keys(f)));
    const varying = [...paths]
      .filter((p) => !NAMED.has(p))
      .filter((p) => new Set(flat.map((f) => JSON.stringify(f[p]))).size > 1)
      .sort();
    // A condition names a varying setting only where it departs from the usual value (the one most
    // conditions have): a few runs with a longer budget must not relabel all the others.
    const usual = new Map(varying.map((p) => [p, mostCommon(flat.map((f) => JSON.stringify(f[p])))]));
    list.forEach((c, i) => {
      c.extra = {};
      for (const p of varying) {
        const value = JSON.stringify(flat[i][p]);
        if (value !== usual.get(p)) c.extra[p] = flat[i][p] === undefined ? '-' : value;
      }
    });
  }
  for (const c of conditions) c.label = conditionLabel(c);
  // Settings a label leaves out where they seldom matter (the relevance of a rule other than SaR, the
  // widths, the budget): named where two conditions would otherwise share a label.
  const byLabel = new Map<string, Condition[]>();
  for (const c of conditions) byLabel.set(c.label, [...(byLabel.get(c.label) ?? []), c]);
  for (const same of byLabel.values()) {
    if (same.length < 2) continue;
    const fields = ['relevance', 'signMode', 'layers', 'budget'] as const;
    const differing = fields.filter((f) => new Set(same.map((c) => c[f])).size > 1);
    for (const c of same) c.label = [c.label, ...differing.map((f) => `${f} ${c[f]}`)].join(' · ');
  }
}

/** A readable name of a condition. */
export function conditionLabel(c: Condition): string {
  const parts = [c.rule];
  if (c.rule === 'reflex') parts.push(`gain ${c.reflexGain}`);
  else parts.push(`depth ${c.depth}`);
  parts.push(c.track);
  if (c.rule !== 'reflex') {
    if (c.inputs !== 'rows') parts.push(c.inputs);
    if (c.predictors !== 'ahead') parts.push(`predictors ${c.predictors}`);
    if (c.rule === 'sar' && c.relevance !== DEFAULT_RELEVANCE) parts.push(`relevance ${c.relevance}`);
    if (c.rule === 'sar' && c.signMode !== DEFAULT_SIGN_MODE) parts.push(`sign ${c.signMode}`);
  }
  if (c.preset) parts.push(`preset ${c.preset}`);
  for (const [p, v] of Object.entries(c.extra)) parts.push(`${p}=${v}`);
  return parts.join(' · ');
}

/** The rule as figures and the depth table name it: SaR with another sign mode than the default is a rule of its own. */
export function ruleName(c: Condition): string {
  return c.rule === 'sar' && c.signMode !== DEFAULT_SIGN_MODE ? `sar · sign ${c.signMode}` : c.rule;
}

/**
 * The identity of a condition with some named fields left out: conditions that differ only in those
 * fields share it (e.g. leave out `rule` to pair SaR with backprop in the same setting).
 */
export function identityWithout(c: Condition, fields: (keyof Condition)[]): string {
  const memo = `${fields.join(',')}`;
  let cache = identities.get(c);
  if (!cache) {
    cache = new Map();
    identities.set(c, cache);
  }
  const known = cache.get(memo);
  if (known !== undefined) return known;
  const identity = computeIdentityWithout(c, fields);
  cache.set(memo, identity);
  return identity;
}

/** Identities already computed, per condition and list of left-out fields. */
const identities = new WeakMap<Condition, Map<string, string>>();

function computeIdentityWithout(c: Condition, fields: (keyof Condition)[]): string {
  const config = JSON.parse(c.id) as Record<string, unknown>;
  const drop = (path: string) => {
    const keys = path.split('.');
    let v: Record<string, unknown> | undefined = config;
    for (const k of keys.slice(0, -1)) v = v?.[k] as Record<string, unknown> | undefined;
    if (v) delete v[keys[keys.length - 1]];
  };
  const paths: Record<string, string[]> = {
    // A rule other than SaR has no sign mode: leaving out the rule leaves out SaR's sign mode too.
    rule: ['rule', 'signMode'],
    inputs: ['world.inputs'],
    relevance: ['relevance'],
    signMode: ['signMode'],
    predictors: ['world.predictors'],
    reflexGain: ['agent.reflexGain'],
    track: ['track'],
  };
  for (const f of fields) for (const p of paths[f] ?? []) drop(p);
  return canonicalJson(config);
}
