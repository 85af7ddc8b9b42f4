import { type ActivationName, activateArray, activationCode } from '../backend/activation.js';
import { denseForward } from '../backend/js.js';
import type { LayerArrays } from '../backend/memory.js';

/** One dense layer: flat, row-major weights (weight of neuron j from input i at `j * inputs + i`). */
export class DenseLayer {
  readonly inputs: number;
  readonly outputs: number;
  readonly activation: ActivationName;
  /** Small integer code of the activation, for switch-once-per-layer loops. */
  readonly activationCode: number;
  readonly hasBias: boolean;
  readonly weights: Float64Array;
  /** Biases (all zero and never changed when the layer has none). */
  readonly bias: Float64Array;
  /** Weighted sums v of the last forward pass. */
  readonly sum: Float64Array;
  /** Activations x = f(v) of the last forward pass. */
  readonly output: Float64Array;
  /** The input vector of the last forward pass (a view of the previous layer's output or the network input). */
  input: Float64Array;

  constructor(
    inputs: number,
    outputs: number,
    activation: ActivationName,
    hasBias: boolean,
    input: Float64Array,
    arrays?: LayerArrays,
  ) {
    this.inputs = inputs;
    this.outputs = outputs;
    this.activation = activation;
    this.activationCode = activationCode(activation);
    this.hasBias = hasBias;
    this.weights = arrays?.weights ?? new Float64Array(inputs * outputs);
    this.bias = arrays?.bias ?? new Float64Array(outputs);
    this.sum = arrays?.sum ?? new Float64Array(outputs);
    this.output = arrays?.output ?? new Float64Array(outputs);
    this.input = input;
  }

  /** v = W x + b, x' = f(v), from `this.input` (with the TypeScript kernel's loops). */
  forward(): void {
    denseForward(this.weights, this.bias, this.input, this.sum, this.inputs, this.outputs);
    activateArray(this.activationCode, this.sum, this.output, this.outputs);
  }
}
