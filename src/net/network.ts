import {
  ACTIVATIONS,
  type ActivationName,
  activationCode,
  activationGain,
  isActivationName,
} from '../backend/activation.js';
import { JsKernel, type Kernel, ReferenceKernel } from '../backend/js.js';
import { type KernelChoice, resolveKernel } from '../backend/kernelChoice.js';
import { type LearningWork, layOut, memoryBytes, pagesFor } from '../backend/memory.js';
import { WasmKernel, wasmMemory } from '../backend/wasm.js';
import { float64ToBase64 } from '../util/base64.js';
import { ValidationError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { englishMessages, zodExpected } from '../util/zodMessages.js';
import { DenseLayer } from './denseLayer.js';
import {
  decodeLayerValues,
  type NetworkJSON,
  networkJsonSchema,
  SERIAL_FORMAT,
  SERIAL_VERSION,
} from './networkJson.js';

export { KERNELS, type KernelChoice, resolveKernel } from '../backend/kernelChoice.js';
export { DenseLayer } from './denseLayer.js';
export { type NetworkJSON, networkJsonSchema } from './networkJson.js';

/**
 * Weight initialisations:
 * - `xavier-gain` (the default): Glorot uniform times the gain of the layer's activation, like
 *   PyTorch's `xavier_uniform_(w, gain=calculate_gain(...))`, so that the signal neither dies nor
 *   explodes with depth: the centred sigmoid's slope at 0 is 1/4, so its gain is 4; tanh 5/3,
 *   relu √2, linear 1 (see `activationGain`);
 * - `xavier`: uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot, gain 1): with the centred sigmoid
 *   the signal shrinks about fourfold per layer;
 * - `uniform`: uniform in ±initRange;
 * - `positive`: uniform in [0, 1), the authors' all-positive initialisation;
 * - `zero`: all zeros (only useful for tests and linear probes).
 * Biases start at zero in every case.
 */
export const INITIALISATIONS = ['xavier-gain', 'xavier', 'uniform', 'positive', 'zero'] as const;
/** How the initial weights are drawn. */
export type Initialisation = (typeof INITIALISATIONS)[number];

/** The shape and initialisation of a network. */
export interface NetworkOptions {
  /** Number of inputs n0. */
  inputs: number;
  /** Widths of the layers, the last one being the output layer. */
  layers: readonly number[];
  /** One activation for every layer, or one per layer. Default `sigmoid` (centred). */
  activation?: ActivationName | readonly ActivationName[];
  /** Whether the layers have a bias. Default true. */
  bias?: boolean;
  /** Weight initialisation. Default `xavier-gain`. */
  init?: Initialisation;
  /** Half-width of the `uniform` initialisation. Default 1. */
  initRange?: number;
  /** Seed of the initialisation. Default 1. */
  seed?: number;
  /** The kernel (default `auto`: WebAssembly SIMD where available). Every kernel gives the same bits. */
  kernel?: KernelChoice;
}

/** The shape of a network (everything but the weights). */
export interface NetworkShape {
  inputs: number;
  layers: number[];
  activation: ActivationName[];
  bias: boolean;
}

/**
 * A feed-forward network of dense layers, stored in flat Float64Arrays. `forward` keeps the sums
 * and activations of the last pass in the layers, which is what every online learning rule reads.
 */
export class Network {
  readonly inputs: number;
  readonly layers: DenseLayer[];
  /** The network's own input buffer. Fill it and call `forwardInputBuffer()` to skip copying and checks. */
  readonly input: Float64Array;
  /** The kernel that runs the forward pass and the rules' backward pass and update. */
  readonly kernel: Kernel;
  /** The rules' working vectors, in the network's memory beside its arrays. */
  readonly work: LearningWork;
  private forwarded = false;

  constructor(options: NetworkOptions) {
    const { inputs, layers } = options;
    if (!Number.isInteger(inputs) || inputs < 1) {
      throw new ValidationError('inputs', inputs, 'an integer >= 1');
    }
    if (!Array.isArray(layers) || layers.length === 0) {
      throw new ValidationError('layers', layers, 'a non-empty list of layer widths');
    }
    layers.forEach((width, l) => {
      if (!Number.isInteger(width) || width < 1) {
        throw new ValidationError(`layers[${l}]`, width, 'an integer width >= 1');
      }
    });
    const activations = resolveActivations(options.activation ?? 'sigmoid', layers.length);
    const init = options.init ?? 'xavier-gain';
    if (!(INITIALISATIONS as readonly string[]).includes(init)) {
      throw new ValidationError('init', init, `one of ${INITIALISATIONS.join(', ')}`);
    }
    const initRange = options.initRange ?? 1;
    if (!Number.isFinite(initRange) || initRange < 0) {
      throw new ValidationError('initRange', initRange, 'a finite number >= 0');
    }
    const seed = options.seed ?? 1;
    if (!Number.isInteger(seed)) throw new ValidationError('seed', seed, 'an integer');

    const kernel = resolveKernel(options.kernel ?? 'auto');
    const hasBias = options.bias ?? true;

    // Every array of the network and of its learning step in one memory, sized up front: the
    // network's own WebAssembly memory (never grown, so the views stay valid) for the wasm kernel.
    const specs = layers.map((width, l) => ({
      inputs: l === 0 ? inputs : layers[l - 1],
      outputs: width,
      activationCode: activationCode(activations[l]),
      hasBias,
    }));
    const bytes = memoryBytes(inputs, specs);
    let wasm: WebAssembly.Memory | null = null;
    if (kernel === 'wasm') {
      try {
        wasm = wasmMemory(pagesFor(bytes));
      } catch (error) {
        // `auto` falls back to the TypeScript kernel (same results) where the engine will not give
        // this network a WebAssembly memory (address space exhausted); a forced `wasm` says so.
        if (options.kernel === 'wasm') {
          throw new ValidationError('kernel', 'wasm', `a WebAssembly memory (${(error as Error).message})`);
        }
      }
    }
    const memory = layOut(wasm ? wasm.buffer : new ArrayBuffer(bytes), inputs, specs);

    this.inputs = inputs;
    this.input = memory.input;
    this.work = memory.work;
    this.layers = [];
    let previous = this.input;
    let fanIn = inputs;
    for (let l = 0; l < layers.length; l++) {
      const layer = new DenseLayer(fanIn, layers[l], activations[l], hasBias, previous, memory.layers[l]);
      this.layers.push(layer);
      previous = layer.output;
      fanIn = layers[l];
    }
    this.kernel = wasm
      ? new WasmKernel(wasm)
      : kernel === 'reference'
        ? new ReferenceKernel(this.layers, this.work)
        : new JsKernel(this.layers, this.work);
    this.initialise(init, initRange, seed);
  }

  /** Re-draws every weight from the seeded initialisation; biases are set to zero. */
  initialise(init: Initialisation, initRange: number, seed: number): void {
    const random = new Random(seed);
    for (const layer of this.layers) {
      const w = layer.weights;
      const glorot = Math.sqrt(6 / (layer.inputs + layer.outputs));
      const limit =
        init === 'xavier-gain'
          ? activationGain(layer.activation) * glorot
          : init === 'xavier'
            ? glorot
            : init === 'uniform'
              ? initRange
              : 0;
      for (let k = 0; k < w.length; k++) {
        w[k] = init === 'positive' ? random.next() : init === 'zero' ? 0 : random.uniform(-limit, limit);
      }
      layer.bias.fill(0);
    }
    this.forwarded = false;
  }

  get outputs(): number {
    return this.layers[this.layers.length - 1].outputs;
  }

  /** The output of the last forward pass (a view that the next pass overwrites). */
  get output(): Float64Array {
    return this.layers[this.layers.length - 1].output;
  }

  /** True once a forward pass has run: the learning rules need one. */
  get hasForwardPass(): boolean {
    return this.forwarded;
  }

  /**
   * Forward pass. Returns the output layer's activations: a view owned by the network, overwritten
   * by the next pass (copy it to keep it). Throws a ValidationError, changing nothing, on an input of
   * the wrong length or with a non-finite value.
   */
  forward(input: ArrayLike<number>): Float64Array {
    if (input === null || typeof input !== 'object' || typeof input.length !== 'number') {
      throw new ValidationError('input', input, `an array of ${this.inputs} numbers`);
    }
    if (input.length !== this.inputs) {
      throw new ValidationError('input', input, `${this.inputs} values (got ${input.length})`);
    }
    for (let i = 0; i < this.inputs; i++) {
      const value = input[i];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new ValidationError(`input[${i}]`, value, 'a finite number');
      }
    }
    this.input.set(input);
    return this.forwardInputBuffer();
  }

  /** Forward pass from `this.input` as it is, without copying or checking (the closed loop's hot path). */
  forwardInputBuffer(): Float64Array {
    this.kernel.forward();
    this.forwarded = true;
    return this.output;
  }

  /** The widths, activations and bias setting of the layers. */
  shape(): NetworkShape {
    return {
      inputs: this.inputs,
      layers: this.layers.map((l) => l.outputs),
      activation: this.layers.map((l) => l.activation),
      bias: this.layers.every((l) => l.hasBias),
    };
  }

  /** Total number of weights and biases. */
  parameterCount(): number {
    let n = 0;
    for (const layer of this.layers) n += layer.weights.length + (layer.hasBias ? layer.outputs : 0);
    return n;
  }

  /** A copy of every layer's weights and biases (for weight-distance metrics and rollbacks). */
  snapshot(): Float64Array[] {
    return this.layers.flatMap((l) => [l.weights.slice(), l.bias.slice()]);
  }

  /** Restores weights and biases from `snapshot()`. */
  restore(snapshot: readonly Float64Array[]): void {
    this.layers.forEach((l, k) => {
      l.weights.set(snapshot[2 * k]);
      l.bias.set(snapshot[2 * k + 1]);
    });
  }

  /** Euclidean distance of each layer's weights (and biases) from a snapshot, written into `out`. */
  weightDistances(
    snapshot: readonly Float64Array[],
    out: Float64Array = new Float64Array(this.layers.length),
  ) {
    for (let k = 0; k < this.layers.length; k++) {
      const layer = this.layers[k];
      out[k] = distance(layer.weights, snapshot[2 * k], layer.bias, snapshot[2 * k + 1]);
    }
    return out;
  }

  /** The first layer index and kind of a non-finite weight or bias, or null when all are finite. */
  findNonFinite(): { layer: number; what: 'weight' | 'bias' } | null {
    for (let k = 0; k < this.layers.length; k++) {
      const layer = this.layers[k];
      for (let i = 0; i < layer.weights.length; i++) {
        if (!Number.isFinite(layer.weights[i])) return { layer: k + 1, what: 'weight' };
      }
      for (let j = 0; j < layer.outputs; j++) {
        if (!Number.isFinite(layer.bias[j])) return { layer: k + 1, what: 'bias' };
      }
    }
    return null;
  }

  /** Serialisable form; weights are base64 Float64 so that they round-trip bit-exactly. */
  toJSON(): NetworkJSON {
    return {
      format: SERIAL_FORMAT,
      version: SERIAL_VERSION,
      inputs: this.inputs,
      layers: this.layers.map((l) => ({
        inputs: l.inputs,
        outputs: l.outputs,
        activation: l.activation,
        bias: l.hasBias,
        weights: float64ToBase64(l.weights),
        biases: float64ToBase64(l.bias),
      })),
    };
  }

  /** Rebuilds a network from `toJSON()` (on the given kernel); throws a ValidationError on anything malformed. */
  static fromJSON(json: unknown, kernel: KernelChoice = 'auto'): Network {
    const parsed = networkJsonSchema.safeParse(json, englishMessages);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue.path.length ? `network.${issue.path.join('.')}` : 'network';
      throw new ValidationError(field, pickPath(json, issue.path), zodExpected(issue.message));
    }
    const data = parsed.data;
    let fanIn = data.inputs;
    data.layers.forEach((layer, l) => {
      if (layer.bias !== data.layers[0].bias) {
        throw new ValidationError(
          `network.layers.${l}.bias`,
          layer.bias,
          'the same bias setting in every layer',
        );
      }
      if (layer.inputs !== fanIn) {
        throw new ValidationError(
          `network.layers.${l}.inputs`,
          layer.inputs,
          `${fanIn} (the previous width)`,
        );
      }
      fanIn = layer.outputs;
    });
    const decoded = decodeLayerValues(data);
    const net = new Network({
      inputs: data.inputs,
      layers: data.layers.map((l) => l.outputs),
      activation: data.layers.map((l) => l.activation),
      bias: data.layers[0].bias,
      init: 'zero',
      kernel,
    });
    net.layers.forEach((layer, l) => {
      layer.weights.set(decoded[l].weights);
      layer.bias.set(decoded[l].biases);
    });
    return net;
  }
}

/**
 * Euclidean distance between (w, b) and (w0, b0). Scaled by the largest difference when that is huge,
 * so that weights of 1e200 give a large finite distance rather than an overflow to Infinity.
 */
function distance(w: Float64Array, w0: Float64Array, b: Float64Array, b0: Float64Array): number {
  let sum = 0;
  let largest = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i] - w0[i];
    sum += d * d;
    largest = Math.max(largest, Math.abs(d));
  }
  for (let j = 0; j < b.length; j++) {
    const d = b[j] - b0[j];
    sum += d * d;
    largest = Math.max(largest, Math.abs(d));
  }
  if (Number.isFinite(sum) || !Number.isFinite(largest)) return Math.sqrt(sum);
  let scaled = 0;
  for (let i = 0; i < w.length; i++) scaled += ((w[i] - w0[i]) / largest) ** 2;
  for (let j = 0; j < b.length; j++) scaled += ((b[j] - b0[j]) / largest) ** 2;
  return largest * Math.sqrt(scaled);
}

function resolveActivations(
  activation: ActivationName | readonly ActivationName[],
  depth: number,
): ActivationName[] {
  const list =
    typeof activation === 'string' ? new Array<ActivationName>(depth).fill(activation) : [...activation];
  if (list.length !== depth) {
    throw new ValidationError('activation', activation, `one activation or ${depth} (one per layer)`);
  }
  list.forEach((name, l) => {
    if (!isActivationName(name)) {
      throw new ValidationError(
        depth > 1 && typeof activation !== 'string' ? `activation[${l}]` : 'activation',
        name,
        `one of ${ACTIVATIONS.join(', ')}`,
      );
    }
  });
  return list;
}

function pickPath(value: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}
