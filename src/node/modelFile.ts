import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Network, type NetworkJSON } from '../net/network.js';
import type { RunConfig } from '../run/config.js';
import { ValidationError } from '../util/errors.js';
import { zodExpected } from '../util/zodMessages.js';
import { readInputFile, writeFileAtomic } from './files.js';

/**
 * A saved model: the network (weights bit-exact), the full run configuration it was trained with,
 * and a SHA-256 checksum over both, so that a truncated or edited file is refused.
 */
export const MODEL_FORMAT = 'sarlab-model';
/** The model file version this library writes and reads. */
export const MODEL_VERSION = 1;
const MAX_MODEL_BYTES = 64 * 1024 * 1024;

const modelFileSchema = z.strictObject({
  format: z.literal(MODEL_FORMAT),
  version: z.literal(MODEL_VERSION),
  savedAtStep: z.number().int().min(0),
  config: z.record(z.string(), z.unknown()),
  network: z.record(z.string(), z.unknown()),
  checksum: z.string().regex(/^sha256:[0-9a-f]{64}$/),
});

/** A loaded model: the network, the configuration it was trained with, and the step it was saved at. */
export interface SavedModel {
  network: Network;
  config: RunConfig;
  savedAtStep: number;
}

function checksumOf(config: unknown, network: unknown, savedAtStep: number): string {
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ config, network, savedAtStep }));
  return `sha256:${hash.digest('hex')}`;
}

/**
 * Saves a network and its configuration as a model file (docs/model-file.md), atomically.
 * @example
 * const simulation = new Simulation(parseRunConfig({ seed: 2, steps: 5000 }));
 * simulation.runToEnd();
 * saveModel('model.json', simulation.parts.network!, simulation.config, simulation.step);
 */
export function saveModel(path: string, network: Network, config: RunConfig, savedAtStep: number): void {
  const json: NetworkJSON = network.toJSON();
  const file = {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    savedAtStep,
    config,
    network: json,
    checksum: checksumOf(config, json, savedAtStep),
  };
  // Compact, canonical JSON: loading re-serialises and compares, so that no byte can change unnoticed.
  writeFileAtomic(path, `${JSON.stringify(file)}\n`);
}

/**
 * Reads and verifies a model file; throws a ValidationError (and returns nothing) on any defect.
 * @example
 * const { network, config } = loadModel('model.json');
 * const frozen = new Simulation({ ...config, learningRate: 0 }, undefined, network);
 */
export function loadModel(path: string): SavedModel {
  const text = readInputFile('--load-model', path, MAX_MODEL_BYTES, 'model file').toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new ValidationError(
      '--load-model',
      path,
      'a complete model file (it is not valid JSON: truncated or damaged?)',
    );
  }
  const parsed = modelFileSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ValidationError(
      `--load-model ${issue.path.join('.') || 'file'}`,
      path,
      `a sarlab model file v${MODEL_VERSION} (${issue.path.join('.') || 'the file'}: ${zodExpected(issue.message)})`,
    );
  }
  const model = parsed.data;
  if (`${JSON.stringify(data)}\n` !== text) {
    throw new ValidationError(
      '--load-model',
      path,
      'a model file exactly as sarlab wrote it (it was edited or damaged)',
    );
  }
  if (checksumOf(model.config, model.network, model.savedAtStep) !== model.checksum) {
    throw new ValidationError(
      '--load-model',
      path,
      'a model whose checksum matches its content (the file was changed or damaged)',
    );
  }
  let network: Network;
  try {
    network = Network.fromJSON(model.network);
  } catch (error) {
    // Checked after the checksum: a file written by a diverged run, say, holds NaN weights.
    if (!(error instanceof ValidationError)) throw error;
    throw new ValidationError(`--load-model ${error.field}`, error.value, `${error.expected} (in ${path})`);
  }
  return { network, config: model.config as unknown as RunConfig, savedAtStep: model.savedAtStep };
}
