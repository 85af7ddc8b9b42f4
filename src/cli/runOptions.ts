import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { mergeConfig, parseRunConfig, RUN_RULES, type RunConfig } from '../experiments/config.js';
import { RELEVANCE_KINDS } from '../learning/relevance.js';
import { ACTIVATIONS } from '../net/activation.js';
import { ValidationError } from '../util/errors.js';

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
        'track: a built-in name (gentle, default, hard), procedural:SEED or FILE.png',
      )
      .option('--seed <n>', 'seed of the run (network initialisation)');
  }
  return command
    .option('--activation <name>', `activation: ${ACTIVATIONS.join('|')}`)
    .option('--steps <n>', 'step budget')
    .option('--after-success <n>', 'steps to keep running after success (-1: the whole budget)')
    .option('--discount <d>', 'per-layer learning-rate discount (layer l learns at η·d^(L-l))')
    .option('--sign-mode <mode>', 'SaR sign mode: transport|gradient')
    .option('--filters <kind>', 'filter array: resonator|fir')
    .option('--filter-count <k>', 'filters per predictor')
    .option('--track-scale <cm>', 'cm per pixel of PNG tracks')
    .option('--threshold <x>', 'success threshold of the |e| moving average')
    .option('--config <file>', 'configuration file (JSON or YAML); flags override it')
    .option('--kernel <kernel>', 'arithmetic kernel: auto|wasm|js (auto: WebAssembly SIMD where available)');
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
  afterSuccess?: string;
  discount?: string;
  signMode?: string;
  filters?: string;
  filterCount?: string;
  trackScale?: string;
  threshold?: string;
  config?: string;
  kernel?: string;
}

/** Parses a number flag strictly: the whole text must be a finite number. */
export function numberFlag(
  flag: string,
  text: string,
  { integer = false, min }: { integer?: boolean; min?: number } = {},
) {
  const value = text.trim() === '' ? Number.NaN : Number(text);
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

/** Reads a JSON or YAML configuration file (not yet validated). */
export function readConfigFile(path: string): unknown {
  if (!existsSync(path)) throw new ValidationError('--config', path, 'an existing file');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ValidationError('--config', path, `a readable file (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    return /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      '--config',
      path,
      `valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'} (${(error as Error).message.split('\n')[0]})`,
    );
  }
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
  if (flags.kernel !== undefined) nested('network').kernel = flags.kernel;
  // Validate the file alone first, so that its errors name the file; then errors come from flags.
  if (flags.config) parseRunConfig(fromFile, flags.config);
  try {
    return parseRunConfig(mergeConfig(fromFile ?? {}, override), 'config');
  } catch (error) {
    if (error instanceof ValidationError) {
      const flag = FLAG_OF_FIELD[error.field.replace(/^config\./, '').replace(/\.\d+$/, '')];
      if (flag) throw new ValidationError(flag, error.value, error.expected);
    }
    throw error;
  }
}

/** Which flag sets which configuration field, so that errors name what the user typed. */
const FLAG_OF_FIELD: Record<string, string> = {
  rule: '--rule',
  learningRate: '--learning-rate',
  'network.layers': '--layers',
  'network.activation': '--activation',
  relevance: '--relevance',
  'world.inputs': '--inputs',
  track: '--track',
  seed: '--seed',
  steps: '--steps',
  afterSuccess: '--after-success',
  discount: '--discount',
  signMode: '--sign-mode',
  'filters.kind': '--filters',
  'filters.count': '--filter-count',
  trackScale: '--track-scale',
  'success.threshold': '--threshold',
  'network.kernel': '--kernel',
};
