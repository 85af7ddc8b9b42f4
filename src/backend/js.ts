import { activate, activateArray, derivative, derivativeArray } from './activation.js';
import type { LearningWork } from './memory.js';

/**
 * The kernels: the arithmetic of a network's forward pass and of every rule's backward pass and
 * update, on the arrays of the network's memory (./memory.ts). Three kernels compute the same bits:
 * the WebAssembly SIMD kernel (./wasm.ts, wasm/kernel.ts), the TypeScript kernel (`JsKernel`, the
 * fallback) and the readable reference (`ReferenceKernel`, plain loops, for the tests).
 *
 * The canonical order of the arithmetic, which all three follow:
 * - forward sum of neuron j over n inputs: two partial sums, the even and the odd inputs, each added
 *   left to right, p0 = b_j + w_j0·x_0 + w_j2·x_2 + … and p1 = 0 + w_j1·x_1 + w_j3·x_3 + …, then
 *   v_j = p0 + p1 (the two lanes of a WebAssembly f64x2);
 * - backward sum of lower neuron j: out_j = 0 + M_0j·t_0 + M_1j·t_1 + …, left to right over the upper
 *   neurons k, rows with t_k = 0 skipped;
 * - update: w_ji += (rate·t_j)·x_i and b_j += rate·t_j, rows whose factor rate·t_j is zero skipped;
 * - every product and sum rounded on its own (no fused multiply-add); exp and tanh are Math.exp and
 *   Math.tanh (imported into the WebAssembly kernel).
 */
export interface Kernel {
  readonly name: KernelName;
  /** Forward pass of every layer, from the network's input buffer. */
  forward(): void;
  /** f'(v) of every layer into `work.derivatives`. */
  derivatives(): void;
  /**
   * Teaching signals top-down into `work.signals`, from `work.errors` and `work.derivatives`: through
   * the forward weights, or through `work.matrices` (useMatrices); signs only (signOnly) or values.
   */
  transport(signOnly: boolean, useMatrices: boolean): void;
  /** W^l += rates[l] · signal^l ⊗ x^{l-1} (and the biases) for every layer. */
  update(): void;
}

/** The name of a kernel that runs a network. */
export type KernelName = 'wasm' | 'js' | 'reference';

/** What a kernel needs to know of a layer (DenseLayer has all of it). */
export interface KernelLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly activationCode: number;
  readonly hasBias: boolean;
  readonly weights: Float64Array;
  readonly bias: Float64Array;
  readonly sum: Float64Array;
  readonly output: Float64Array;
  readonly input: Float64Array;
}

/**
 * The readable reference of the forward sums, in the canonical order: the even and the odd inputs in
 * two partial sums, each left to right, the bias first in the even one; v_j = p0 + p1.
 */
export function denseForwardReference(
  w: Float64Array,
  b: Float64Array,
  x: Float64Array,
  v: Float64Array,
  n: number,
  m: number,
): void {
  for (let j = 0; j < m; j++) {
    const row = j * n;
    let even = b[j];
    let odd = 0;
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) even += w[row + i] * x[i];
      else odd += w[row + i] * x[i];
    }
    v[j] = even + odd;
  }
}

/**
 * v = W x + b, the TypeScript hot loop, bit-identical to `denseForwardReference`: rows in blocks
 * side by side (four, then two and one), each row's two partial sums in the canonical order. Eight
 * independent addition chains keep the adder busy instead of waiting on one chain's latency, and
 * each x_i is loaded once for the whole block. (Blocks of five, as in the WebAssembly kernel, need
 * more registers than V8 gives a JavaScript loop here, and run slower.)
 */
export function denseForward(
  w: Float64Array,
  b: Float64Array,
  x: Float64Array,
  v: Float64Array,
  n: number,
  m: number,
): void {
  let j = 0;
  for (; m - j >= 4; j += 4) forward4(w, b, x, v, n, j);
  for (; m - j >= 2; j += 2) forward2(w, b, x, v, n, j);
  if (j < m) forward1(w, b, x, v, n, j);
}

function forward4(w: Float64Array, b: Float64Array, x: Float64Array, v: Float64Array, n: number, j: number) {
  const r0 = j * n;
  const r1 = r0 + n;
  const r2 = r1 + n;
  const r3 = r2 + n;
  let e0 = b[j];
  let e1 = b[j + 1];
  let e2 = b[j + 2];
  let e3 = b[j + 3];
  let o0 = 0;
  let o1 = 0;
  let o2 = 0;
  let o3 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x0 = x[i];
    const x1 = x[i + 1];
    e0 += w[r0 + i] * x0;
    o0 += w[r0 + i + 1] * x1;
    e1 += w[r1 + i] * x0;
    o1 += w[r1 + i + 1] * x1;
    e2 += w[r2 + i] * x0;
    o2 += w[r2 + i + 1] * x1;
    e3 += w[r3 + i] * x0;
    o3 += w[r3 + i + 1] * x1;
  }
  if (i < n) {
    const xi = x[i];
    e0 += w[r0 + i] * xi;
    e1 += w[r1 + i] * xi;
    e2 += w[r2 + i] * xi;
    e3 += w[r3 + i] * xi;
  }
  v[j] = e0 + o0;
  v[j + 1] = e1 + o1;
  v[j + 2] = e2 + o2;
  v[j + 3] = e3 + o3;
}

function forward2(w: Float64Array, b: Float64Array, x: Float64Array, v: Float64Array, n: number, j: number) {
  const r0 = j * n;
  const r1 = r0 + n;
  let e0 = b[j];
  let e1 = b[j + 1];
  let o0 = 0;
  let o1 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const x0 = x[i];
    const x1 = x[i + 1];
    e0 += w[r0 + i] * x0;
    o0 += w[r0 + i + 1] * x1;
    e1 += w[r1 + i] * x0;
    o1 += w[r1 + i + 1] * x1;
  }
  if (i < n) {
    const xi = x[i];
    e0 += w[r0 + i] * xi;
    e1 += w[r1 + i] * xi;
  }
  v[j] = e0 + o0;
  v[j + 1] = e1 + o1;
}

function forward1(w: Float64Array, b: Float64Array, x: Float64Array, v: Float64Array, n: number, j: number) {
  const r0 = j * n;
  let e0 = b[j];
  let o0 = 0;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    e0 += w[r0 + i] * x[i];
    o0 += w[r0 + i + 1] * x[i + 1];
  }
  if (i < n) e0 += w[r0 + i] * x[i];
  v[j] = e0 + o0;
}

/** out[j] = Σ_k M[k][j] · next[k]: the backward pass through a row-major matrix M (rows = upper neurons). */
export function backwardThrough(
  matrix: Float64Array,
  upper: number,
  lower: number,
  next: Float64Array,
  out: Float64Array,
): void {
  out.fill(0, 0, lower);
  for (let k = 0; k < upper; k++) {
    const t = next[k];
    if (t === 0) continue;
    const row = k * lower;
    for (let j = 0; j < lower; j++) out[j] += matrix[row + j] * t;
  }
}

/**
 * The readable reference of one layer's update: w_ji += (rate·t_j)·x_i and b_j += rate·t_j, rows
 * whose factor rate·t_j is exactly zero left untouched. `outerProductUpdate` must give bit-identical
 * results (a test checks it).
 */
export function outerProductUpdateReference(
  w: Float64Array,
  bias: Float64Array | null,
  x: Float64Array,
  t: Float64Array,
  rate: number,
  n: number,
  m: number,
): void {
  for (let j = 0; j < m; j++) {
    const k = rate * t[j];
    if (k === 0) continue;
    const row = j * n;
    for (let i = 0; i < n; i++) w[row + i] += k * x[i];
    if (bias) bias[j] += k;
  }
}

/**
 * The update hot loop: the same element-wise operations as `outerProductUpdateReference` (so the
 * result is bit-identical), four rows per pass so that each x_i is loaded once for four rows and the
 * loop overhead is shared. Rows with a zero factor are skipped, exactly as in the reference.
 */
export function outerProductUpdate(
  w: Float64Array,
  bias: Float64Array | null,
  x: Float64Array,
  t: Float64Array,
  rates: Float64Array,
  index: number,
  n: number,
  m: number,
): void {
  const rate = rates[index];
  let j = 0;
  for (; j + 3 < m; j += 4) {
    const k0 = rate * t[j];
    const k1 = rate * t[j + 1];
    const k2 = rate * t[j + 2];
    const k3 = rate * t[j + 3];
    if (k0 === 0 || k1 === 0 || k2 === 0 || k3 === 0) {
      // Rare (a zero sign): one row at a time, the zero rows skipped.
      for (let r = j; r < j + 4; r++) {
        const k = rate * t[r];
        if (k === 0) continue;
        const row = r * n;
        for (let i = 0; i < n; i++) w[row + i] += k * x[i];
      }
    } else {
      const r0 = j * n;
      const r1 = r0 + n;
      const r2 = r1 + n;
      const r3 = r2 + n;
      for (let i = 0; i < n; i++) {
        const xi = x[i];
        w[r0 + i] += k0 * xi;
        w[r1 + i] += k1 * xi;
        w[r2 + i] += k2 * xi;
        w[r3 + i] += k3 * xi;
      }
    }
    if (bias) {
      if (k0 !== 0) bias[j] += k0;
      if (k1 !== 0) bias[j + 1] += k1;
      if (k2 !== 0) bias[j + 2] += k2;
      if (k3 !== 0) bias[j + 3] += k3;
    }
  }
  for (; j < m; j++) {
    const k = rate * t[j];
    if (k === 0) continue;
    const row = j * n;
    for (let i = 0; i < n; i++) w[row + i] += k * x[i];
    if (bias) bias[j] += k;
  }
}

/** The TypeScript kernel: the unrolled loops above, on the network's arrays. */
export class JsKernel implements Kernel {
  readonly name: KernelName = 'js';
  protected readonly layers: readonly KernelLayer[];
  protected readonly work: LearningWork;

  constructor(layers: readonly KernelLayer[], work: LearningWork) {
    this.layers = layers;
    this.work = work;
  }

  forward(): void {
    const layers = this.layers;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      denseForward(layer.weights, layer.bias, layer.input, layer.sum, layer.inputs, layer.outputs);
      activateArray(layer.activationCode, layer.sum, layer.output, layer.outputs);
    }
  }

  derivatives(): void {
    const layers = this.layers;
    const derivatives = this.work.derivatives;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      derivativeArray(layer.activationCode, layer.sum, layer.output, derivatives[l], layer.outputs);
    }
  }

  transport(signOnly: boolean, useMatrices: boolean): void {
    const layers = this.layers;
    const work = this.work;
    const last = layers.length - 1;
    const top = work.signals[last];
    const dTop = work.derivatives[last];
    const errors = work.errors;
    if (signOnly) for (let j = 0; j < top.length; j++) top[j] = Math.sign(errors[j] * dTop[j]);
    else for (let j = 0; j < top.length; j++) top[j] = errors[j] * dTop[j];
    for (let l = last - 1; l >= 0; l--) {
      const upper = layers[l + 1];
      const sum = work.backward[l];
      const matrix = useMatrices ? work.matrices[l + 1] : upper.weights;
      backwardThrough(matrix, upper.outputs, upper.inputs, work.signals[l + 1], sum);
      const d = work.derivatives[l];
      const s = work.signals[l];
      if (signOnly) for (let j = 0; j < s.length; j++) s[j] = Math.sign(d[j] * sum[j]);
      else for (let j = 0; j < s.length; j++) s[j] = d[j] * sum[j];
    }
  }

  update(): void {
    const layers = this.layers;
    const signals = this.work.signals;
    const rates = this.work.rates;
    for (let l = 0; l < layers.length; l++) {
      const layer = layers[l];
      outerProductUpdate(
        layer.weights,
        layer.hasBias ? layer.bias : null,
        layer.input,
        signals[l],
        rates,
        l,
        layer.inputs,
        layer.outputs,
      );
    }
  }
}

/**
 * The readable reference: plain loops, one neuron and one weight at a time, in the canonical order.
 * Slow; the tests check that the other kernels give its bits.
 */
export class ReferenceKernel extends JsKernel {
  override readonly name: KernelName = 'reference';

  override forward(): void {
    for (const layer of this.layers) {
      denseForwardReference(layer.weights, layer.bias, layer.input, layer.sum, layer.inputs, layer.outputs);
      for (let j = 0; j < layer.outputs; j++) layer.output[j] = activate(layer.activationCode, layer.sum[j]);
    }
  }

  override derivatives(): void {
    this.layers.forEach((layer, l) => {
      const d = this.work.derivatives[l];
      for (let j = 0; j < layer.outputs; j++) {
        d[j] = derivative(layer.activationCode, layer.sum[j], layer.output[j]);
      }
    });
  }

  override update(): void {
    this.layers.forEach((layer, l) => {
      outerProductUpdateReference(
        layer.weights,
        layer.hasBias ? layer.bias : null,
        layer.input,
        this.work.signals[l],
        this.work.rates[l],
        layer.inputs,
        layer.outputs,
      );
    });
  }
}
