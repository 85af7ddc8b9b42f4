import type { NetworkShape } from '../net/network.js';
import { canonicalJson } from '../util/canonicalJson.js';
import { describeValue, ValidationError } from '../util/errors.js';
import { mergeConfig, parseRunConfig, type RunConfig } from './config.js';

/**
 * Settings that give a saved network's weights their meaning: the network itself, the filter array
 * (what each input is), and the kind and layout of the predictive inputs. Whole objects, so that any
 * setting added to them later is covered too. A run that loads a model must use the model's values.
 */
export function meaningPaths(config: { world: { inputs: string } }): string[] {
  return ['network', 'filters', 'world.inputs', `world.${config.world.inputs}`];
}

/** Settings of how the model was trained that a loaded model brings along unless the user sets them. */
export const RESTORED_PATHS = ['rule', 'relevance', 'relevanceLevel', 'signMode', 'discount'] as const;

function get(value: unknown, path: string): unknown {
  let v = value;
  for (const key of path.split('.'))
    v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

function set(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let t = target;
  for (const key of keys.slice(0, -1)) {
    t[key] ??= {};
    t = t[key] as Record<string, unknown>;
  }
  t[keys[keys.length - 1]] = value;
}

/** Every leaf path under `value` (arrays are leaves), prefixed. */
function leaves(value: unknown, prefix: string): string[] {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return [prefix];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => leaves(v, `${prefix}.${k}`));
}

export interface ReconciledModelConfig {
  config: RunConfig;
  /** Settings taken from the model that differ from what the run would otherwise have used. */
  restored: string[];
}

/**
 * The configuration of a run that continues from a saved model. A setting the user gave that would
 * change what the weights mean (network, filters, input kind and layout) and differs from the
 * model's is refused; those settings are otherwise taken from the model, as are the training
 * settings (rule, relevance, ...) the user did not give. `restored` lists what was taken and differed.
 */
export function reconcileModelConfig(
  config: RunConfig,
  userInput: unknown,
  stored: unknown,
  shape: NetworkShape,
): ReconciledModelConfig {
  if (new Set(shape.activation).size > 1)
    throw new ValidationError(
      '--load-model network.activation',
      shape.activation.join(','),
      'a model whose layers share one activation (a run configuration cannot describe mixed ones)',
    );
  // The network object is the truth about the network: its shape overrides the stored settings.
  const model = parseRunConfig(
    mergeConfig(stored, {
      network: { layers: shape.layers, activation: shape.activation[0], bias: shape.bias },
    }),
    '--load-model config',
  );
  const meaning = meaningPaths(model);
  for (const path of meaning) {
    const given = get(userInput, path);
    if (given === undefined) continue;
    for (const leaf of leaves(given, path)) {
      const mine = get(config, leaf);
      const theirs = get(model, leaf);
      if (canonicalJson(mine) !== canonicalJson(theirs))
        throw new ValidationError(
          `--load-model ${leaf}`,
          mine,
          `${describeValue(theirs)} as in the model (another value changes what its weights mean)`,
        );
    }
  }
  const override: Record<string, unknown> = {};
  const restored: string[] = [];
  for (const path of [...meaning, ...RESTORED_PATHS]) {
    if (!meaning.includes(path) && get(userInput, path) !== undefined) continue;
    const theirs = get(model, path);
    if (canonicalJson(get(config, path)) !== canonicalJson(theirs)) {
      for (const leaf of leaves(theirs, path))
        if (canonicalJson(get(config, leaf)) !== canonicalJson(get(model, leaf))) restored.push(leaf);
    }
    set(override, path, theirs);
  }
  return { config: parseRunConfig(mergeConfig(config, override)), restored };
}
