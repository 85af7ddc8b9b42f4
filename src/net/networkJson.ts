import * as z from 'zod/mini';
import { ACTIVATIONS } from './activation.js';

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
