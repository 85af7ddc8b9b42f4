import * as z from 'zod/mini';
import { ACTIVATIONS } from '../backend/activation.js';
import { FILTER_KINDS } from '../filters/filterBank.js';
import { RELEVANCE_KINDS } from '../learning/relevance.js';
import { RULE_NAMES } from '../learning/rule.js';
import { DEFAULT_SIGN_MODE, SIGN_MODES } from '../learning/sar.js';
import { INITIALISATIONS, KERNELS } from '../net/network.js';
import { describeValue, ValidationError } from '../util/errors.js';
import { englishMessages } from '../util/zodMessages.js';
import { DEFAULT_WORLD, LOST_LINE_ERRORS, PREDICTOR_MODES, SENSOR_MODELS } from '../world/lineFollower.js';
import { predictorGrid } from '../world/worldConfig.js';
import { PRESET_NAMES, PRESETS, type PresetName } from './presets.js';

/** `reflex` runs the reflex alone, with no network. */
export const RUN_RULES = [...RULE_NAMES, 'reflex'] as const;
/** A learning rule, or `reflex` (the reflex alone, no network). */
export type RunRule = (typeof RUN_RULES)[number];

/**
 * Upper limits of sizes (docs/reliability.md): beyond them a run would exhaust memory or never end,
 * so they are refused as bad input rather than failing inside.
 */
export const LIMITS = {
  steps: 1_000_000_000,
  layerWidth: 10_000,
  layers: 1_000,
  /** Weights and biases of the whole network (8 bytes each, several copies: about 1 GB at most). */
  parameters: 20_000_000,
  rowsCount: 1_000,
  rowsDistances: 100,
  cameraGrid: 256,
} as const;

const positive = z.number().check(z.positive());
const nonNegative = z.number().check(z.gte(0));
const count = z.int().check(z.gte(1));

const reflexSchema = z.strictObject({
  ahead: z._default(positive, DEFAULT_WORLD.reflex.ahead),
  offset: z._default(positive, DEFAULT_WORLD.reflex.offset),
  radius: z._default(nonNegative, DEFAULT_WORLD.reflex.radius),
  widePair: z._default(z.boolean(), DEFAULT_WORLD.reflex.widePair),
  wideOffset: z._default(positive, DEFAULT_WORLD.reflex.wideOffset),
});

const rowsSchema = z.strictObject({
  distances: z._default(
    z.array(positive).check(z.minLength(1), z.maxLength(LIMITS.rowsDistances)),
    DEFAULT_WORLD.rows.distances,
  ),
  count: z._default(count.check(z.lte(LIMITS.rowsCount)), DEFAULT_WORLD.rows.count),
  spread: z._default(nonNegative, DEFAULT_WORLD.rows.spread),
  radius: z._default(nonNegative, DEFAULT_WORLD.rows.radius),
});

const cameraSchema = z.strictObject({
  height: z._default(positive, DEFAULT_WORLD.camera.height),
  ahead: z._default(z.number(), DEFAULT_WORLD.camera.ahead),
  tilt: z._default(z.number().check(z.gt(0), z.lt(90)), DEFAULT_WORLD.camera.tilt),
  fieldOfView: z._default(z.number().check(z.gt(0), z.lt(170)), DEFAULT_WORLD.camera.fieldOfView),
  resolution: z._default(
    z.tuple([count.check(z.lte(1024)), count.check(z.lte(1024))]),
    DEFAULT_WORLD.camera.resolution,
  ),
  grid: z._default(
    z.tuple([count.check(z.lte(LIMITS.cameraGrid)), count.check(z.lte(LIMITS.cameraGrid))]),
    DEFAULT_WORLD.camera.grid,
  ),
});

const worldSchema = z.strictObject({
  dt: z._default(positive, DEFAULT_WORLD.dt),
  wheelBase: z._default(positive, DEFAULT_WORLD.wheelBase),
  reflex: z._default(reflexSchema, () => reflexSchema.parse({})),
  inputs: z._default(z.enum(['rows', 'camera']), DEFAULT_WORLD.inputs),
  predictors: z._default(z.enum(PREDICTOR_MODES), DEFAULT_WORLD.predictors),
  rows: z._default(rowsSchema, () => rowsSchema.parse({})),
  camera: z._default(cameraSchema, () => cameraSchema.parse({})),
  latency: z._default(z.int().check(z.gte(0), z.lte(1000)), DEFAULT_WORLD.latency),
  sensorNoise: z._default(nonNegative, DEFAULT_WORLD.sensorNoise),
  motorNoise: z._default(z.number().check(z.gte(0), z.lte(1)), DEFAULT_WORLD.motorNoise),
  lostDistance: z._default(positive, DEFAULT_WORLD.lostDistance),
  lineWidth: z._default(positive.check(z.lte(100)), DEFAULT_WORLD.lineWidth),
  /** e while neither reflex sensor sees the line: `hold` (absent) or `zero` (the authors' dead zone). */
  lostLineError: z.optional(z.enum(LOST_LINE_ERRORS)),
  /** `grey` (absent) or `enki` (the authors' ground sensors' response). */
  sensorModel: z.optional(z.enum(SENSOR_MODELS)),
  /** e is multiplied by this (absent: 1). */
  errorGain: z.optional(positive),
});

const networkSchema = z.strictObject({
  layers: z._default(
    z.array(count.check(z.lte(LIMITS.layerWidth))).check(z.minLength(1), z.maxLength(LIMITS.layers)),
    [10, 10, 10, 10, 2],
  ),
  activation: z._default(z.enum(ACTIVATIONS), 'sigmoid'),
  init: z._default(z.enum(INITIALISATIONS), 'xavier-gain'),
  initRange: z._default(nonNegative, 1),
  /** Off in the closed loop: a bias that keeps learning acts as an integral controller (docs/configuration.md). */
  bias: z._default(z.boolean(), false),
  /** The arithmetic kernel of the network, the sensors and the filters: WebAssembly SIMD where available (auto), or forced; all give the same bits. */
  kernel: z._default(z.enum(KERNELS), 'auto'),
  /** Each layer's initial weights times this, first layer first (absent or shorter: 1). */
  layerInitScale: z.optional(z.array(positive).check(z.maxLength(LIMITS.layers))),
});

const filtersSchema = z.strictObject({
  kind: z._default(z.enum(FILTER_KINDS), 'bandpass'),
  count: z._default(count.check(z.lte(100)), 5),
  minPeriod: z._default(z.number().check(z.gte(2)), 3),
  maxPeriod: z._default(z.number().check(z.gte(2)), 10),
  damping: z._default(positive, 0.51),
});

const agentSchema = z.strictObject({
  speed: z._default(nonNegative, 20),
  reflexGain: z._default(nonNegative, 5),
  netGain: z._default(nonNegative, 5),
  outputWeights: z.optional(z.array(z.number())),
});

const successSchema = z.strictObject({
  /** Success when the |e| average stays below threshold × reflexMeanAbsError. */
  threshold: z._default(positive, 0.5),
  /** Steps the average must stay below it; at least one lap of the track is always required. */
  window: z._default(count, 2000),
  decay: z._default(z.number().check(z.gt(0), z.lte(1)), 0.01),
  /** Laps of the reflex-alone run that gives the baseline. */
  baselineLaps: z._default(count.check(z.lte(100)), 3),
  /** Reflex gain of the baseline run (default: the run's own agent.reflexGain). */
  baselineGain: z.optional(nonNegative),
  /** A baseline measured elsewhere (e.g. the reflex alone on a real robot); skips computing it. */
  baseline: z.optional(positive),
  /**
   * Also judge the run by the authors' criterion (Σ of |e| over the last 200 steps < 0.1 for 200
   * steps running, counted after step 200): the summary's `authors` (absent: off).
   */
  authors: z.optional(z.boolean()),
});

const evaluationSchema = z.strictObject({
  /** Laps driven with frozen weights at the end of the run, from the start pose (0: none). */
  laps: z._default(z.int().check(z.gte(0), z.lte(100)), 1),
});

/** The schema of a run configuration (zod/mini); `parseRunConfig` validates with it and fills in the defaults. */
export const runConfigSchema = z.strictObject({
  seed: z._default(z.int(), 1),
  /** Step budget. */
  steps: z._default(count.check(z.lte(LIMITS.steps)), 100_000),
  /** Steps to keep running after success (so that the last window measures the learned behaviour); -1 runs the whole budget. */
  afterSuccess: z._default(z.int().check(z.gte(-1)), 2000),
  /** A built-in track name, procedural:SEED, or a PNG file. */
  track: z._default(z.string().check(z.minLength(1)), 'default'),
  /** Scale of PNG tracks, cm per pixel. */
  trackScale: z._default(positive, 0.5),
  rule: z._default(z.enum(RUN_RULES), 'sar'),
  learningRate: z._default(nonNegative, 0.01),
  discount: z._default(positive, 1),
  relevance: z._default(
    z.union([z.enum(RELEVANCE_KINDS), z.array(z.enum(RELEVANCE_KINDS)).check(z.minLength(1))]),
    'abs-error',
  ),
  /** Level of the `constant` relevance. */
  relevanceLevel: z._default(nonNegative, 1),
  /** SaR's sign: `gradient` (the authors' rule, default), `transport` or `global` (src/learning/sar.ts). */
  signMode: z._default(z.enum(SIGN_MODES), DEFAULT_SIGN_MODE),
  network: z._default(networkSchema, () => networkSchema.parse({})),
  filters: z._default(filtersSchema, () => filtersSchema.parse({})),
  agent: z._default(agentSchema, () => agentSchema.parse({})),
  world: z._default(worldSchema, () => worldSchema.parse({})),
  success: z._default(successSchema, () => successSchema.parse({})),
  evaluation: z._default(evaluationSchema, () => evaluationSchema.parse({})),
  /** The preset the configuration started from (its values, then the file's and the flags'). */
  preset: z.optional(z.enum(PRESET_NAMES)),
  /** Log every n-th step (the per-step CSV and the plots). */
  logEvery: z._default(count, 10),
});

/**
 * A fully resolved run configuration (every default filled in), as `parseRunConfig` returns it and
 * every `summary.json` records it (docs/configuration.md). An interface, so that it keeps its name
 * wherever it is used.
 */
export interface RunConfig extends z.infer<typeof runConfigSchema> {}
/** What a user may write: any part of the configuration, the rest takes its defaults. */
export interface RunConfigInput extends z.input<typeof runConfigSchema> {}

/** Deeply partial configuration, for overriding a base config with flags. */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends (infer _U)[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};

/**
 * Validates a configuration and fills in the defaults; throws a ValidationError naming the field.
 * @example
 * const config = parseRunConfig({ rule: 'backprop', learningRate: 0.05, network: { layers: [10, 10, 2] } });
 * config.world.inputs; // 'rows' (a default)
 * parseRunConfig({ steps: -1 }); // throws: config.steps must be an integer >= 1
 */
export function parseRunConfig(input: unknown, source = 'config'): RunConfig {
  const withPreset = applyPreset(input ?? {}, source);
  const parsed = runConfigSchema.safeParse(withPreset, englishMessages);
  if (!parsed.success) throw zodToValidationError(parsed.error, input, source);
  const config = parsed.data;
  if (config.filters.maxPeriod < config.filters.minPeriod) {
    throw new ValidationError(
      `${source}.filters.maxPeriod`,
      config.filters.maxPeriod,
      `>= minPeriod (${config.filters.minPeriod})`,
    );
  }
  const parameters = estimatedParameters(config);
  if (parameters > LIMITS.parameters) {
    throw new ValidationError(
      `${source}.network.layers`,
      config.network.layers,
      `a network of at most ${LIMITS.parameters} weights (this one has about ${parameters})`,
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

/** Lays `input` over the preset it names (if any): the preset gives the defaults, the input wins. */
function applyPreset(input: unknown, source: string): unknown {
  if (!isPlainObject(input) || input.preset === undefined) return input;
  const name = input.preset;
  if (typeof name !== 'string' || !(PRESET_NAMES as readonly string[]).includes(name)) {
    throw new ValidationError(`${source}.preset`, name, `one of ${PRESET_NAMES.join(', ')}`);
  }
  return mergeConfig(PRESETS[name as PresetName], input);
}

/** Weights and biases of the configured network, its inputs estimated as predictors × filters. */
export function estimatedParameters(config: RunConfig): number {
  const { rows, columns } = predictorGrid(config.world);
  const predictors = rows * columns;
  return networkParameters(predictors * config.filters.count, config.network.layers);
}

/** Weights and biases of a network of `inputs` inputs and these layer widths (biases counted). */
export function networkParameters(inputs: number, layers: readonly number[]): number {
  let fanIn = inputs;
  let total = 0;
  for (const width of layers) {
    total += (fanIn + 1) * width;
    fanIn = width;
  }
  return total;
}

/** The reflex gain of a run's baseline: `success.baselineGain`, or else the run's own reflex gain. */
export function baselineGainOf(config: RunConfig): number {
  return config.success.baselineGain ?? config.agent.reflexGain;
}

/**
 * The default run configuration, every setting filled in (what `sarlab run` does with no flags).
 * @example
 * defaultRunConfig().network.layers; // [10, 10, 10, 10, 2]
 */
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

/** Turns the first issue of a failed parse into a ValidationError that names the field, the value and what was expected. */
export function zodToValidationError(
  error: z.core.$ZodError,
  input: unknown,
  source: string,
): ValidationError {
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
  const article: Record<string, string> = {
    array: 'a list',
    int: 'an integer',
    object: 'an object of settings',
    string: 'a text',
    number: 'a number',
    boolean: 'true or false',
  };
  return message
    .replace(/^Invalid input: expected int, received \w+$/, 'an integer')
    .replace(
      /^Invalid input: expected (\w+), received \w+$/,
      (_m, type: string) => article[type] ?? `a ${type}`,
    )
    .replace(/^Too big: expected int to be <=(.*)$/, 'an integer <= $1')
    .replace(/^Too small: expected int to be >=(.*)$/, 'an integer >= $1')
    .replace(/^Too small: expected string to have >=(\d+) characters?$/, 'a text of at least $1 character(s)')
    .replace(/^Too big: expected string to have <=(\d+) characters?$/, 'a text of at most $1 character(s)')
    .replace(/^Invalid option: expected one of /, 'one of ')
    .replace(/^Too small: expected number to be >=(.*)$/, 'a number >= $1')
    .replace(/^Too small: expected number to be >(.*)$/, 'a number > $1')
    .replace(/^Too small: expected array to have >=(\d+) items?$/, 'a list of at least $1')
    .replace(/^Too big: expected array to have <=(\d+) items?$/, 'a list of at most $1')
    .replace(/^Too big: expected number to be <=(.*)$/, 'a number <= $1')
    .replace(/^Too big: expected number to be <(.*)$/, 'a number < $1')
    .replace(`received ${describeValue(value)}`, '')
    .trim();
}
