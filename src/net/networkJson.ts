import * as z from 'zod/mini';
import { ACTIVATIONS } from '../backend/activation.js';
import { base64ToBytes } from '../util/base64.js';
import { ValidationError } from '../util/errors.js';

/** The format name in a network's JSON. */
export const SERIAL_FORMAT = 'sarlab-network';
/** The version of that format. */
export const SERIAL_VERSION = 1;

const layerJsonSchema = z.strictObject({
  inputs: z.int().check(z.gte(1)),
  outputs: z.int().check(z.gte(1)),
  activation: z.enum(ACTIVATIONS),
  bias: z.boolean(),
  weights: z.string(),
  biases: z.string(),
});

/** The schema of `Network.toJSON()` (weights as base64 float64, bit-exact). */
export const networkJsonSchema = z.strictObject({
  format: z.literal(SERIAL_FORMAT),
  version: z.literal(SERIAL_VERSION),
  inputs: z.int().check(z.gte(1)),
  layers: z.array(layerJsonSchema).check(z.minLength(1)),
});

/** A network as `toJSON()` writes it and `Network.fromJSON` reads it. */
export type NetworkJSON = z.infer<typeof networkJsonSchema>;

/**
 * The weights and biases of each layer of a parsed network JSON, decoded from base64, each checked:
 * base64, the number of values the layer's shape needs, and every value finite (a NaN or an
 * infinity is a diverged network, never a model to start from). Throws a ValidationError naming the
 * layer, what it holds and what it should.
 */
export function decodeLayerValues(data: NetworkJSON): { weights: Float64Array; biases: Float64Array }[] {
  return data.layers.map((layer, l) => ({
    weights: decodeValues(
      `network.layers.${l}.weights`,
      layer.weights,
      layer.inputs * layer.outputs,
      `${layer.inputs * layer.outputs} weights (${layer.inputs} inputs × ${layer.outputs} outputs)`,
    ),
    biases: decodeValues(
      `network.layers.${l}.biases`,
      layer.biases,
      layer.outputs,
      `${layer.outputs} biases (one per output)`,
    ),
  }));
}

function decodeValues(field: string, text: string, count: number, what: string): Float64Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new ValidationError(field, 'text that is not base64', `${what} as base64 (little-endian float64)`);
  }
  if (bytes.length !== count * 8) throw new ValidationError(field, bytes.length / 8, what);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const value = view.getFloat64(i * 8, true);
    if (!Number.isFinite(value))
      throw new ValidationError(
        field,
        value,
        `${what}, every one finite (value ${i + 1} is not: the network had diverged?)`,
      );
    out[i] = value;
  }
  return out;
}
