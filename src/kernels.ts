/**
 * The arithmetic under the network and the rules, for checking, benchmarking and building on: each
 * fast kernel beside its readable reference, with the same signature and the same results to the
 * bit. As in gl-matrix, the array written comes first and is returned. The network runs these on
 * its own memory (see `Network.kernel`); nothing here is needed to use sarlab.
 *
 * @module sarlab/kernels
 */
import { activateArray, derivativeArray } from './backend/activation.js';
import {
  backwardThrough,
  denseForward,
  denseForwardReference,
  outerProductUpdate as outerProductUpdateFast,
  outerProductUpdateReference as outerProductUpdatePlain,
} from './backend/js.js';

export {
  type ActivationName,
  activate,
  activationCode,
  derivative,
  isActivationName,
  LINEAR,
  RELU,
  SIGMOID,
  TANH,
} from './backend/activation.js';
export { JsKernel, type KernelLayer, ReferenceKernel } from './backend/js.js';
export { resolveKernel } from './backend/kernelChoice.js';
// The network's memory the kernels work on (`DenseLayer`'s arrays, `Network.work`).
export type { LayerArrays, LearningWork } from './backend/memory.js';
export { WasmKernel, wasmUnavailableReason } from './backend/wasm.js';

/**
 * One dense layer's sums, unrolled over four rows: out[j] = bias[j] + Σ_i weights[j·inputs + i] ·
 * input[i] for j < outputs (weights row-major, one row per output), in the canonical order of
 * the kernels (even and odd inputs in two partial sums, added at the end).
 */
export function dense(
  out: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
  input: Float64Array,
  inputs: number,
  outputs: number,
): Float64Array {
  denseForward(weights, bias, input, out, inputs, outputs);
  return out;
}

/** `dense` as plain loops: the reference it is tested against, bit for bit. */
export function denseReference(
  out: Float64Array,
  weights: Float64Array,
  bias: Float64Array,
  input: Float64Array,
  inputs: number,
  outputs: number,
): Float64Array {
  denseForwardReference(weights, bias, input, out, inputs, outputs);
  return out;
}

/** The rate, passed to the fast update in an array (docs/performance.md, "The hot path"). */
const RATE = new Float64Array(1);

/**
 * One layer's update, unrolled over four rows: weights[j·inputs + i] += (rate·signal[j])·input[i] and
 * bias[j] += rate·signal[j] (no bias: null), rows whose factor is zero skipped. Returns the weights.
 */
export function outerProductUpdate(
  weights: Float64Array,
  bias: Float64Array | null,
  input: Float64Array,
  signal: Float64Array,
  rate: number,
  inputs: number,
  outputs: number,
): Float64Array {
  RATE[0] = rate;
  outerProductUpdateFast(weights, bias, input, signal, RATE, 0, inputs, outputs);
  return weights;
}

/** `outerProductUpdate` as plain loops: the reference it is tested against, bit for bit. */
export function outerProductUpdateReference(
  weights: Float64Array,
  bias: Float64Array | null,
  input: Float64Array,
  signal: Float64Array,
  rate: number,
  inputs: number,
  outputs: number,
): Float64Array {
  outerProductUpdatePlain(weights, bias, input, signal, rate, inputs, outputs);
  return weights;
}

/**
 * What travels down through one layer: out[j] = Σ_k matrix[k·lower + j] · next[k] for j < lower,
 * over the upper neurons k < upper (rows with next[k] = 0 skipped). A plain loop: its own reference.
 */
export function backward(
  out: Float64Array,
  matrix: Float64Array,
  next: Float64Array,
  upper: number,
  lower: number,
): Float64Array {
  backwardThrough(matrix, upper, lower, next, out);
  return out;
}

/** The activation f (by its code: SIGMOID, TANH, RELU, LINEAR) of the first n sums: out[j] = f(sum[j]). */
export function activations(out: Float64Array, sum: Float64Array, code: number, n: number): Float64Array {
  activateArray(code, sum, out, n);
  return out;
}

/** The derivative f'(v) of the first n neurons, from their sums v and outputs y = f(v). */
export function derivatives(
  out: Float64Array,
  sum: Float64Array,
  output: Float64Array,
  code: number,
  n: number,
): Float64Array {
  derivativeArray(code, sum, output, out, n);
  return out;
}
