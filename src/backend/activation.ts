/**
 * Activation functions. Each layer holds a small integer code so that the hot loops switch once per
 * layer, never per neuron, and stay monomorphic.
 */
export const ACTIVATIONS = ['sigmoid', 'tanh', 'relu', 'linear'] as const;
/** An activation function's name. */
export type ActivationName = (typeof ACTIVATIONS)[number];

/** Activation code of the centred sigmoid. */
export const SIGMOID = 0;
/** Activation code of tanh. */
export const TANH = 1;
/** Activation code of ReLU. */
export const RELU = 2;
/** Activation code of the identity. */
export const LINEAR = 3;

/** Whether a value names an activation. */
export function isActivationName(name: unknown): name is ActivationName {
  return typeof name === 'string' && (ACTIVATIONS as readonly string[]).includes(name);
}

/** The numeric code of an activation (as stored per layer). */
export function activationCode(name: ActivationName): number {
  return ACTIVATIONS.indexOf(name);
}

/** y = f(v) for one value (readable reference; the layers apply it array-wise). */
export function activate(code: number, v: number): number {
  switch (code) {
    case SIGMOID:
      // Centred sigmoid, as in the authors' code: output in (-0.5, 0.5), zero at v = 0.
      return 1 / (1 + Math.exp(-v)) - 0.5;
    case TANH:
      return Math.tanh(v);
    case RELU:
      // Math.max keeps a NaN (where `v > 0 ? v : 0` would hide it from the divergence guard).
      return Math.max(v, 0);
    default:
      return v;
  }
}

/** f'(v), given v and y = f(v) (so that sigmoid and tanh reuse the output). */
export function derivative(code: number, v: number, y: number): number {
  switch (code) {
    case SIGMOID: {
      const s = y + 0.5;
      return s * (1 - s);
    }
    case TANH:
      return 1 - y * y;
    case RELU:
      return v > 0 ? 1 : 0;
    default:
      return 1;
  }
}

/** Applies f to `sum` into `out`, one switch for the whole layer. */
export function activateArray(code: number, sum: Float64Array, out: Float64Array, n: number): void {
  switch (code) {
    case SIGMOID:
      for (let j = 0; j < n; j++) out[j] = 1 / (1 + Math.exp(-sum[j])) - 0.5;
      return;
    case TANH:
      for (let j = 0; j < n; j++) out[j] = Math.tanh(sum[j]);
      return;
    case RELU:
      for (let j = 0; j < n; j++) out[j] = Math.max(sum[j], 0);
      return;
    default:
      for (let j = 0; j < n; j++) out[j] = sum[j];
  }
}

/** Writes f'(v) of every neuron of a layer into `out`. */
export function derivativeArray(
  code: number,
  sum: Float64Array,
  output: Float64Array,
  out: Float64Array,
  n: number,
): void {
  switch (code) {
    case SIGMOID:
      for (let j = 0; j < n; j++) {
        const s = output[j] + 0.5;
        out[j] = s * (1 - s);
      }
      return;
    case TANH:
      for (let j = 0; j < n; j++) out[j] = 1 - output[j] * output[j];
      return;
    case RELU:
      for (let j = 0; j < n; j++) out[j] = sum[j] > 0 ? 1 : 0;
      return;
    default:
      out.fill(1, 0, n);
  }
}

/**
 * The initialisation gain of an activation (PyTorch's `calculate_gain`), the factor that keeps the
 * variance of the signal constant from layer to layer near 0. The centred sigmoid's slope at 0 is
 * 1/4, so its gain is 4 (PyTorch's 1 is for the plain sigmoid used as an output squashing).
 */
export function activationGain(name: ActivationName): number {
  switch (name) {
    case 'sigmoid':
      return 4;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    default:
      return 1;
  }
}
