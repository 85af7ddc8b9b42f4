import type { Command } from 'commander';
import { LineCounter, parseDocument, visit } from 'yaml';
import { ACTIVATIONS } from '../backend/activation.js';
import { FILTER_KINDS } from '../filters/filterBank.js';
import { RELEVANCE_KINDS } from '../learning/relevance.js';
import { readInputFile } from '../node/files.js';
import { mergeConfig, parseRunConfig, RUN_RULES, type RunConfig } from '../run/config.js';
import { PRESET_NAMES } from '../run/presets.js';
import { clip, ValidationError } from '../util/errors.js';
import { checkNesting, MAX_NESTING, parseJsonStrict } from '../util/json.js';
import { PREDICTOR_MODES } from '../world/lineFollower.js';

/** The options every command that runs the line follower accepts (run, sweep). */
export function addRunOptions(command: Command, { single }: { single: boolean }): Command {
  if (single) {
    command
      .option('--rule <rule>', `learning rule: ${RUN_RULES.join('|')} (reflex: network off)`)
      .option('--learning-rate <eta>', 'base learning rate η (>= 0)')
      .option('--layers <widths>', 'layer widths, comma-separated, last = outputs (e.g. 10,10,10,10,2)')
      .option(
        '--relevance <source>',
        `relevance for SaR: ${RELEVANCE_KINDS.join('|')}, or a product like abs-error*cue`,
      )
      .option('--inputs <kind>', 'predictive inputs: rows|camera')
      .option(
        '--track <track>',
        "track: a built-in name (gentle, default, hard, enki: the authors' track), procedural:SEED or FILE.png",
      )
      .option('--seed <n>', 'seed of the run (network initialisation)');
  }
  return command
    .option('--activation <name>', `activation: ${ACTIVATIONS.join('|')}`)
    .option('--steps <n>', 'step budget')
    .option('--after-success <n>', 'steps to keep running after success (-1: the whole budget)')
    .option('--discount <d>', 'per-layer learning-rate discount (layer l learns at η·d^(L-l))')
    .option('--sign-mode <mode>', "SaR sign mode: gradient (the authors', default)|transport|global")
    .option('--filters <kind>', `filter array: ${FILTER_KINDS.join('|')}`)
    .option('--filter-count <k>', 'filters per predictor')
    .option('--track-scale <cm>', 'cm per pixel of PNG tracks')
    .option('--threshold <x>', 'success threshold, relative to the reflex-alone mean |e|')
    .option('--predictors <mode>', `what the predictive inputs see: ${PREDICTOR_MODES.join('|')} (controls)`)
    .option('--reflex-gain <g>', 'reflex gain k_reflex (motor command per unit of error)')
    .option('--net-gain <g>', 'network gain k_net (motor command per unit of network output)')
    .option('--baseline-gain <g>', "reflex gain of the baseline run (default: the run's own)")
    .option('--baseline <value>', 'a reflex-alone mean |e| measured elsewhere (e.g. on a real robot)')
    .option('--actuator-latency <steps>', 'actuator latency in control steps')
    .option('--sensor-noise <sigma>', 'standard deviation of the light-sensor noise (grey units)')
    .option('--motor-noise <fraction>', 'each wheel speed varies by ± this fraction per step')
    .option('--bias', 'give the layers biases (off by default: they act as an integral controller)')
    .option('--evaluation-laps <n>', 'laps driven with frozen weights at the end (0: none)')
    .option('--preset <name>', `a preset to start from: ${PRESET_NAMES.join('|')}`)
    .option('--config <file>', 'configuration file (JSON or YAML); flags override it')
    .option(
      '--kernel <kernel>',
      'kernel of the network, sensors and filters: auto|wasm|js (auto: WebAssembly SIMD where available; same results)',
    );
}

export interface RunFlags {
  rule?: string;
  learningRate?: string;
  layers?: string;
  relevance?: string;
  inputs?: string;
  track?: string;
  seed?: string;
  activation?: string;
  steps?: string;
  logEvery?: string;
  afterSuccess?: string;
  discount?: string;
  signMode?: string;
  filters?: string;
  filterCount?: string;
  trackScale?: string;
  threshold?: string;
  predictors?: string;
  reflexGain?: string;
  netGain?: string;
  baselineGain?: string;
  baseline?: string;
  actuatorLatency?: string;
  sensorNoise?: string;
  motorNoise?: string;
  bias?: boolean;
  evaluationLaps?: string;
  preset?: string;
  config?: string;
  kernel?: string;
}

/** A decimal number: digits, an optional fraction and exponent (no hex, binary, octal or Infinity). */
export const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a number flag strictly: the whole text must be a finite decimal number. */
export function numberFlag(
  flag: string,
  text: string,
  { integer = false, min }: { integer?: boolean; min?: number } = {},
) {
  // Decimal only: Number() would also read 0x10 as 16, 0b1 and 0o7, and 'Infinity'.
  const value = DECIMAL.test(text.trim()) ? Number(text) : Number.NaN;
  const expected = `${integer ? 'an integer' : 'a number'}${min !== undefined ? ` >= ${min}` : ''}`;
  if (
    !Number.isFinite(value) ||
    (integer && !Number.isInteger(value)) ||
    (min !== undefined && value < min)
  ) {
    throw new ValidationError(`--${flag}`, text, expected);
  }
  return value;
}

export function listFlag(flag: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.length === 0 || items.some((s) => s === ''))
    throw new ValidationError(`--${flag}`, text, 'a comma-separated list');
  return items;
}

export function layersFlag(text: string): number[] {
  return listFlag('layers', text).map((w) => numberFlag('layers', w, { integer: true, min: 1 }));
}

/** Largest configuration or sweep file accepted, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * Reads a JSON or YAML configuration file (not yet validated): a regular file of at most 1 MB, no
 * key twice in one object, nested at most 64 levels.
 */
export function readConfigFile(path: string, flag = '--config'): unknown {
  // A byte order mark (which some editors write) is not content: accepted and dropped.
  const text = readInputFile(flag, path, MAX_CONFIG_BYTES, 'file')
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  const yaml = /\.ya?ml$/i.test(path);
  try {
    if (!yaml) return parseJsonStrict(text);
    const lines = new LineCounter();
    const document = parseDocument(text, { uniqueKeys: true, lineCounter: lines });
    // Warnings (an unknown directive, say) are not errors; only errors are reported, one line each.
    if (document.errors.length > 0) throw new Error(document.errors[0].message);
    refuseNonDecimalNumbers(document, lines);
    const value = document.toJS({ maxAliasCount: 100 });
    checkNesting(value);
    return value;
  } catch (error) {
    let reason = (error as Error).message.split('\n')[0].replace(/:$/, '');
    if (/call stack/i.test(reason)) reason = `nested deeper than ${MAX_NESTING} levels`;
    throw new ValidationError(flag, path, `valid ${yaml ? 'YAML' : 'JSON'} (${reason})`);
  }
}

/**
 * YAML reads 0x10 as 16, 0o17 as 15 and .inf as Infinity; numbers in a configuration are decimal
 * only, as on the command line, so such a plain value is refused (quoted, it is text).
 */
function refuseNonDecimalNumbers(document: ReturnType<typeof parseDocument>, lines: LineCounter): void {
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value !== 'number' || node.type !== 'PLAIN') return;
      const source = String(node.source ?? '');
      if (DECIMAL.test(source.trim())) return;
      const line = node.range ? lines.linePos(node.range[0]).line : 0;
      throw new Error(
        `line ${line}: ${JSON.stringify(clip(source, 40))} is not a decimal number (numbers are decimal only, as on the command line)`,
      );
    },
  });
}

/** The configuration a set of flags describes (flags over the config file over the defaults), validated. */
export function configFromFlags(flags: RunFlags): RunConfig {
  const fromFile = flags.config ? readConfigFile(flags.config) : {};
  if (fromFile !== null && (typeof fromFile !== 'object' || Array.isArray(fromFile))) {
    throw new ValidationError('--config', flags.config, 'a file holding one object of settings');
  }
  const override: Record<string, unknown> = {};
  const nested = (key: string) => {
    override[key] ??= {};
    return override[key] as Record<string, unknown>;
  };
  if (flags.rule !== undefined) override.rule = flags.rule;
  if (flags.learningRate !== undefined)
    override.learningRate = numberFlag('learning-rate', flags.learningRate, { min: 0 });
  if (flags.layers !== undefined) nested('network').layers = layersFlag(flags.layers);
  if (flags.activation !== undefined) nested('network').activation = flags.activation;
  if (flags.relevance !== undefined) {
    const parts = flags.relevance.split('*').map((s) => s.trim());
    override.relevance = parts.length === 1 ? parts[0] : parts;
  }
  if (flags.inputs !== undefined) nested('world').inputs = flags.inputs;
  if (flags.track !== undefined) override.track = flags.track;
  if (flags.seed !== undefined) override.seed = numberFlag('seed', flags.seed, { integer: true });
  if (flags.steps !== undefined) override.steps = numberFlag('steps', flags.steps, { integer: true, min: 1 });
  if (flags.logEvery !== undefined)
    override.logEvery = numberFlag('log-every', flags.logEvery, { integer: true, min: 1 });
  if (flags.afterSuccess !== undefined) {
    override.afterSuccess = numberFlag('after-success', flags.afterSuccess, { integer: true, min: -1 });
  }
  if (flags.discount !== undefined) override.discount = numberFlag('discount', flags.discount);
  if (flags.signMode !== undefined) override.signMode = flags.signMode;
  if (flags.filters !== undefined) nested('filters').kind = flags.filters;
  if (flags.filterCount !== undefined) {
    nested('filters').count = numberFlag('filter-count', flags.filterCount, { integer: true, min: 1 });
  }
  if (flags.trackScale !== undefined) override.trackScale = numberFlag('track-scale', flags.trackScale);
  if (flags.threshold !== undefined) nested('success').threshold = numberFlag('threshold', flags.threshold);
  if (flags.predictors !== undefined) nested('world').predictors = flags.predictors;
  if (flags.reflexGain !== undefined)
    nested('agent').reflexGain = numberFlag('reflex-gain', flags.reflexGain, { min: 0 });
  if (flags.netGain !== undefined)
    nested('agent').netGain = numberFlag('net-gain', flags.netGain, { min: 0 });
  if (flags.baseline !== undefined)
    nested('success').baseline = numberFlag('baseline', flags.baseline, { min: 0 });
  if (flags.baselineGain !== undefined)
    nested('success').baselineGain = numberFlag('baseline-gain', flags.baselineGain, { min: 0 });
  if (flags.actuatorLatency !== undefined) {
    nested('world').latency = numberFlag('actuator-latency', flags.actuatorLatency, {
      integer: true,
      min: 0,
    });
  }
  if (flags.sensorNoise !== undefined)
    nested('world').sensorNoise = numberFlag('sensor-noise', flags.sensorNoise, { min: 0 });
  if (flags.motorNoise !== undefined)
    nested('world').motorNoise = numberFlag('motor-noise', flags.motorNoise, { min: 0 });
  if (flags.bias !== undefined) nested('network').bias = flags.bias;
  if (flags.evaluationLaps !== undefined) {
    nested('evaluation').laps = numberFlag('evaluation-laps', flags.evaluationLaps, {
      integer: true,
      min: 0,
    });
  }
  if (flags.preset !== undefined) override.preset = flags.preset;
  if (flags.kernel !== undefined) nested('network').kernel = flags.kernel;
  // Validate the file alone first, so that its errors name the file; then errors come from flags.
  if (flags.config) parseRunConfig(fromFile, flags.config);
  try {
    const input = mergeConfig(fromFile ?? {}, override);
    const config = parseRunConfig(input, 'config');
    USER_INPUT.set(config, input);
    return config;
  } catch (error) {
    if (error instanceof ValidationError) {
      const flag = FLAG_OF_FIELD[error.field.replace(/^config\./, '').replace(/\.\d+$/, '')];
      if (flag) throw new ValidationError(flag, error.value, error.expected);
    }
    throw error;
  }
}

/** What the user wrote (config file and flags, before defaults) for each configuration built here. */
const USER_INPUT = new WeakMap<RunConfig, unknown>();

/** The settings the user gave explicitly (config file and flags, no defaults) for a config from `configFromFlags`. */
export function userInputOf(config: RunConfig): unknown {
  return USER_INPUT.get(config) ?? {};
}

/** Which flag sets which configuration field, so that errors name what the user typed. */
export const FLAG_OF_FIELD: Record<string, string> = {
  rule: '--rule',
  learningRate: '--learning-rate',
  'network.layers': '--layers',
  'network.activation': '--activation',
  relevance: '--relevance',
  'world.inputs': '--inputs',
  track: '--track',
  seed: '--seed',
  steps: '--steps',
  logEvery: '--log-every',
  afterSuccess: '--after-success',
  discount: '--discount',
  signMode: '--sign-mode',
  'filters.kind': '--filters',
  'filters.count': '--filter-count',
  trackScale: '--track-scale',
  'success.threshold': '--threshold',
  'world.predictors': '--predictors',
  'agent.reflexGain': '--reflex-gain',
  'agent.netGain': '--net-gain',
  'success.baselineGain': '--baseline-gain',
  'success.baseline': '--baseline',
  'world.latency': '--actuator-latency',
  'world.sensorNoise': '--sensor-noise',
  'world.motorNoise': '--motor-noise',
  'evaluation.laps': '--evaluation-laps',
  preset: '--preset',
  'network.kernel': '--kernel',
};

/** A number flag with an upper bound too. */
export function boundedFlag(
  flag: string,
  text: string,
  { integer = false, min, max }: { integer?: boolean; min: number; max: number },
): number {
  const value = numberFlag(flag, text, { integer, min });
  if (value > max)
    throw new ValidationError(
      `--${flag}`,
      text,
      `${integer ? 'an integer' : 'a number'} from ${min} to ${max}`,
    );
  return value;
}
