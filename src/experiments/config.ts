import { z } from 'zod';
import { FILTER_KINDS } from '../filters/filterBank.js';
import { RELEVANCE_KINDS } from '../learning/relevance.js';
import { RULE_NAMES } from '../learning/rule.js';
import { SIGN_MODES } from '../learning/sar.js';
import { ACTIVATIONS } from '../net/activation.js';
import { INITIALISATIONS, KERNELS } from '../net/network.js';
import { describeValue, ValidationError } from '../util/errors.js';
import { DEFAULT_WORLD } from '../world/lineFollower.js';

/** `reflex` runs the reflex alone, with no network. */
export const RUN_RULES = [...RULE_NAMES, 'reflex'] as const;
export type RunRule = (typeof RUN_RULES)[number];

const positive = z.number().finite().positive();
const nonNegative = z.number().finite().min(0);
const count = z.number().int().min(1);

const reflexSchema = z.strictObject({
  ahead: positive.default(DEFAULT_WORLD.reflex.ahead),
  offset: positive.default(DEFAULT_WORLD.reflex.offset),
  radius: nonNegative.default(DEFAULT_WORLD.reflex.radius),
  widePair: z.boolean().default(DEFAULT_WORLD.reflex.widePair),
  wideOffset: positive.default(DEFAULT_WORLD.reflex.wideOffset),
});

const rowsSchema = z.strictObject({
  distances: z.array(positive).min(1).default(DEFAULT_WORLD.rows.distances),
  count: count.default(DEFAULT_WORLD.rows.count),
  spread: nonNegative.default(DEFAULT_WORLD.rows.spread),
  radius: nonNegative.default(DEFAULT_WORLD.rows.radius),
});

const cameraSchema = z.strictObject({
  height: positive.default(DEFAULT_WORLD.camera.height),
  ahead: z.number().finite().default(DEFAULT_WORLD.camera.ahead),
  tilt: z.number().finite().gt(0).lt(90).default(DEFAULT_WORLD.camera.tilt),
  fieldOfView: z.number().finite().gt(0).lt(170).default(DEFAULT_WORLD.camera.fieldOfView),
  resolution: z.tuple([count.max(1024), count.max(1024)]).default(DEFAULT_WORLD.camera.resolution),
  grid: z.tuple([count, count]).default(DEFAULT_WORLD.camera.grid),
});

const worldSchema = z.strictObject({
  dt: positive.default(DEFAULT_WORLD.dt),
  wheelBase: positive.default(DEFAULT_WORLD.wheelBase),
  reflex: reflexSchema.default(() => reflexSchema.parse({})),
  inputs: z.enum(['rows', 'camera']).default(DEFAULT_WORLD.inputs),
  rows: rowsSchema.default(() => rowsSchema.parse({})),
  camera: cameraSchema.default(() => cameraSchema.parse({})),
  lostAfter: positive.default(DEFAULT_WORLD.lostAfter),
});

const networkSchema = z.strictObject({
  layers: z.array(count).min(1).default([10, 10, 10, 10, 2]),
  activation: z.enum(ACTIVATIONS).default('sigmoid'),
  init: z.enum(INITIALISATIONS).default('xavier'),
  initRange: nonNegative.default(1),
  bias: z.boolean().default(true),
  /** The arithmetic kernel: WebAssembly SIMD where available (auto), or forced; all give the same bits. */
  kernel: z.enum(KERNELS).default('auto'),
});

const filtersSchema = z.strictObject({
  kind: z.enum(FILTER_KINDS).default('resonator'),
  count: count.max(100).default(5),
  minPeriod: z.number().finite().min(2).default(4),
  maxPeriod: z.number().finite().min(2).default(40),
  damping: positive.default(0.51),
});

const agentSchema = z.strictObject({
  speed: nonNegative.default(20),
  reflexGain: nonNegative.default(5),
  netGain: nonNegative.default(10),
  outputWeights: z.array(z.number().finite()).optional(),
});

const successSchema = z.strictObject({
  threshold: positive.default(0.06),
  window: count.default(2000),
  decay: z.number().gt(0).max(1).default(0.01),
});

export const runConfigSchema = z.strictObject({
  seed: z.number().int().default(1),
  /** Step budget. */
  steps: count.default(100_000),
  /** Steps to keep running after success (so that the last window measures the learned behaviour); -1 runs the whole budget. */
  afterSuccess: z.number().int().min(-1).default(2000),
  /** A built-in track name, procedural:SEED, or a PNG file. */
  track: z.string().min(1).default('default'),
  /** Scale of PNG tracks, cm per pixel. */
  trackScale: positive.default(0.5),
  rule: z.enum(RUN_RULES).default('sar'),
  learningRate: nonNegative.default(0.05),
  discount: positive.default(1),
  relevance: z.union([z.enum(RELEVANCE_KINDS), z.array(z.enum(RELEVANCE_KINDS)).min(1)]).default('abs-error'),
  /** Level of the `constant` relevance. */
  relevanceLevel: nonNegative.default(1),
  signMode: z.enum(SIGN_MODES).default('transport'),
  network: networkSchema.default(() => networkSchema.parse({})),
  filters: filtersSchema.default(() => filtersSchema.parse({})),
  agent: agentSchema.default(() => agentSchema.parse({})),
  world: worldSchema.default(() => worldSchema.parse({})),
  success: successSchema.default(() => successSchema.parse({})),
  /** Log every n-th step (the per-step CSV and the plots). */
  logEvery: count.default(10),
});

/** A fully resolved run configuration (every default filled in). */
export type RunConfig = z.infer<typeof runConfigSchema>;
/** What a user may write: any part of the configuration, the rest takes its defaults. */
export type RunConfigInput = z.input<typeof runConfigSchema>;

/** Deeply partial configuration, for overriding a base config with flags. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer _U)[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/** Validates a configuration and fills in the defaults; throws a ValidationError naming the field. */
export function parseRunConfig(input: unknown, source = 'config'): RunConfig {
  const parsed = runConfigSchema.safeParse(input ?? {});
  if (!parsed.success) throw zodToValidationError(parsed.error, input, source);
  const config = parsed.data;
  if (config.filters.maxPeriod < config.filters.minPeriod) {
    throw new ValidationError(
      `${source}.filters.maxPeriod`,
      config.filters.maxPeriod,
      `>= minPeriod (${config.filters.minPeriod})`,
    );
  }
  const outputs = config.network.layers[config.network.layers.length - 1];
  if (config.agent.outputWeights && config.agent.outputWeights.length !== outputs) {
    throw new ValidationError(
      `${source}.agent.outputWeights`,
      config.agent.outputWeights,
      `${outputs} values (one per output)`,
    );
  }
  return config;
}

export function defaultRunConfig(): RunConfig {
  return parseRunConfig({});
}

/** Merges `override` into `base` (objects deeply, arrays and values replaced). */
export function mergeConfig<T>(base: T, override: unknown): T {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = key in out ? mergeConfig(out[key], value) : value;
  }
  return out as T;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function zodToValidationError(error: z.ZodError, input: unknown, source: string): ValidationError {
  const issue = error.issues[0];
  const path = issue.path.map(String);
  const field = [source, ...path].join('.');
  let value: unknown = input;
  for (const key of path) {
    value = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys: string[] }).keys;
    return new ValidationError(
      [source, ...path, keys[0]].join('.'),
      'an unknown setting',
      'only the settings listed in docs/configuration.md',
    );
  }
  if (issue.code === 'invalid_union' && path[path.length - 1] === 'relevance') {
    return new ValidationError(
      field,
      value,
      `one of ${RELEVANCE_KINDS.join(', ')}, or a list of them (their product)`,
    );
  }
  return new ValidationError(field, value, simplifyZodMessage(issue.message, value));
}

function simplifyZodMessage(message: string, value: unknown): string {
  return message
    .replace(/^Invalid input: expected (\w+), received \w+$/, 'a $1')
    .replace(/^Invalid option: expected one of /, 'one of ')
    .replace(/^Too small: expected number to be >=(.*)$/, 'a number >= $1')
    .replace(/^Too small: expected number to be >(.*)$/, 'a number > $1')
    .replace(/^Too small: expected array to have >=(\d+) items?$/, 'a list of at least $1')
    .replace(/^Too big: expected number to be <=(.*)$/, 'a number <= $1')
    .replace(/^Too big: expected number to be <(.*)$/, 'a number < $1')
    .replace(`received ${describeValue(value)}`, '')
    .trim();
}
