/**
 * The memory of one network: every array of the network and of its learning step (weights, biases,
 * sums, activations, the input, and the rules' working vectors) laid out in one buffer, sized up
 * front. With the WebAssembly kernel that buffer is the network's own WebAssembly.Memory, which is
 * never grown, so the Float64Array views handed out here stay valid for the network's life; with the
 * TypeScript kernel it is a plain ArrayBuffer with the same layout.
 *
 * Layout (byte offsets): a header at HEADER (depth, offsets of the error and rate vectors and of the
 * layer table), the layer table (LAYER_FIELDS i32 per layer), then the float64 arrays, each starting
 * on a 16-byte boundary. wasm/kernel.ts reads the same layout.
 */

export const HEADER = 64;
export const LAYER_FIELDS = 16;
export const F_WEIGHTS = 0;
export const F_BIAS = 1;
export const F_SUM = 2;
export const F_OUTPUT = 3;
export const F_INPUT = 4;
export const F_INPUTS = 5;
export const F_OUTPUTS = 6;
export const F_ACTIVATION = 7;
export const F_HAS_BIAS = 8;
export const F_DERIVATIVE = 9;
export const F_SIGNAL = 10;
export const F_BACKWARD = 11;
export const F_MATRIX = 12;

const PAGE = 65536;

/** The views of one layer's arrays. */
export interface LayerArrays {
  weights: Float64Array;
  bias: Float64Array;
  sum: Float64Array;
  output: Float64Array;
}

/**
 * The working vectors of a learning step, shared by every rule that learns on the network (each
 * step overwrites them before reading them), in the network's memory so that both kernels reach
 * them without copying.
 */
export interface LearningWork {
  /** The error of each output neuron. */
  readonly errors: Float64Array;
  /** This step's learning rate of each layer. */
  readonly rates: Float64Array;
  /** f'(v) of each layer's last forward pass. */
  readonly derivatives: Float64Array[];
  /** The teaching signal of each neuron. */
  readonly signals: Float64Array[];
  /** Each layer's backward sums. */
  readonly backward: Float64Array[];
  /**
   * One matrix of the shape of each layer's weights, through which a rule may send its signals down
   * instead of the weights (feedback alignment's fixed random matrices, sign symmetry's sgn(W)).
   */
  readonly matrices: Float64Array[];
  /** The rule whose matrices `matrices` holds now (a rule that finds another there writes its own). */
  matrixOwner: object | null;
}

export interface NetworkMemory {
  readonly buffer: ArrayBuffer;
  readonly input: Float64Array;
  readonly layers: LayerArrays[];
  readonly work: LearningWork;
}

export interface LayerSpec {
  inputs: number;
  outputs: number;
  activationCode: number;
  hasBias: boolean;
}

/** Bytes needed by a network of these layers (header, table and arrays). */
export function memoryBytes(inputs: number, layers: readonly LayerSpec[]): number {
  return planLayout(inputs, layers).bytes;
}

/** Number of 64 KiB pages that hold `bytes`. */
export function pagesFor(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / PAGE));
}

interface Layout {
  bytes: number;
  table: number;
  input: number;
  errors: number;
  rates: number;
  layers: {
    weights: number;
    bias: number;
    sum: number;
    output: number;
    derivative: number;
    signal: number;
    backward: number;
    matrix: number;
  }[];
}

function planLayout(inputs: number, layers: readonly LayerSpec[]): Layout {
  let offset = HEADER + 16;
  const take = (count: number, size: number) => {
    const at = offset;
    offset += Math.ceil((count * size) / 16) * 16;
    return at;
  };
  const table = take(layers.length * LAYER_FIELDS, 4);
  const input = take(inputs, 8);
  const planned = layers.map((layer) => ({
    weights: take(layer.inputs * layer.outputs, 8),
    bias: take(layer.outputs, 8),
    sum: take(layer.outputs, 8),
    output: take(layer.outputs, 8),
    derivative: 0,
    signal: 0,
    backward: 0,
    matrix: 0,
  }));
  const errors = take(layers[layers.length - 1].outputs, 8);
  const rates = take(layers.length, 8);
  layers.forEach((layer, l) => {
    planned[l].derivative = take(layer.outputs, 8);
    planned[l].signal = take(layer.outputs, 8);
    planned[l].backward = take(layer.outputs, 8);
  });
  layers.forEach((layer, l) => {
    planned[l].matrix = take(layer.inputs * layer.outputs, 8);
  });
  return { bytes: offset, table, input, errors, rates, layers: planned };
}

/**
 * Lays a network out in `buffer` (at least `memoryBytes` long, zero-filled): writes the header and
 * the layer table, and returns the views.
 */
export function layOut(buffer: ArrayBuffer, inputs: number, layers: readonly LayerSpec[]): NetworkMemory {
  const plan = planLayout(inputs, layers);
  if (buffer.byteLength < plan.bytes) throw new RangeError('network memory too small');
  const header = new Int32Array(buffer, HEADER, 4);
  header[0] = layers.length;
  header[1] = plan.errors;
  header[2] = plan.rates;
  header[3] = plan.table;
  const table = new Int32Array(buffer, plan.table, layers.length * LAYER_FIELDS);
  const f64 = (at: number, count: number) => new Float64Array(buffer, at, count);
  const input = f64(plan.input, inputs);
  const arrays: LayerArrays[] = [];
  layers.forEach((layer, l) => {
    const p = plan.layers[l];
    const row = l * LAYER_FIELDS;
    table[row + F_WEIGHTS] = p.weights;
    table[row + F_BIAS] = p.bias;
    table[row + F_SUM] = p.sum;
    table[row + F_OUTPUT] = p.output;
    table[row + F_INPUT] = l === 0 ? plan.input : plan.layers[l - 1].output;
    table[row + F_INPUTS] = layer.inputs;
    table[row + F_OUTPUTS] = layer.outputs;
    table[row + F_ACTIVATION] = layer.activationCode;
    table[row + F_HAS_BIAS] = layer.hasBias ? 1 : 0;
    table[row + F_DERIVATIVE] = p.derivative;
    table[row + F_SIGNAL] = p.signal;
    table[row + F_BACKWARD] = p.backward;
    table[row + F_MATRIX] = p.matrix;
    arrays.push({
      weights: f64(p.weights, layer.inputs * layer.outputs),
      bias: f64(p.bias, layer.outputs),
      sum: f64(p.sum, layer.outputs),
      output: f64(p.output, layer.outputs),
    });
  });
  const work: LearningWork = {
    errors: f64(plan.errors, layers[layers.length - 1].outputs),
    rates: f64(plan.rates, layers.length),
    derivatives: layers.map((layer, l) => f64(plan.layers[l].derivative, layer.outputs)),
    signals: layers.map((layer, l) => f64(plan.layers[l].signal, layer.outputs)),
    backward: layers.map((layer, l) => f64(plan.layers[l].backward, layer.outputs)),
    matrices: layers.map((layer, l) => f64(plan.layers[l].matrix, layer.inputs * layer.outputs)),
    matrixOwner: null,
  };
  return { buffer, input, layers: arrays, work };
}
