import { backprop, type KernelChoice, Network, sar } from '../../src/index.js';
import type { LearningRule } from '../../src/learning/rule.js';

/** The reference net of the specification (section 8). */
export const REFERENCE_INPUTS = 720;
export const REFERENCE_LAYERS = [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2];
export const REFERENCE_RATE = 0.001;
/**
 * Every implementation puts the initial weights back every RESET_EVERY steps: with a fixed input the
 * weights drift, and after a few hundred thousand steps neurons saturate (f'(v) = 0), which would
 * make later samples cheaper (rows with a zero sign are skipped) than earlier ones.
 */
export const RESET_EVERY = 50_000;

/**
 * The fixed input every implementation (TypeScript, C, tfjs) uses: x_i = (i mod 7) / 8, exact in
 * binary floating point, so that the implementations can be compared bit for bit.
 */
export function referenceInput(): Float64Array {
  const x = new Float64Array(REFERENCE_INPUTS);
  for (let i = 0; i < REFERENCE_INPUTS; i++) x[i] = (i % 7) / 8;
  return x;
}

/** The error of step t, identical on both outputs and exact in floating point: a triangle in [-0.25, 0.25). */
export function referenceError(t: number): number {
  return ((t % 200) - 100) / 400;
}

export function referenceNetwork(seed = 1, kernel: KernelChoice = 'auto'): Network {
  return new Network({
    inputs: REFERENCE_INPUTS,
    layers: REFERENCE_LAYERS,
    activation: 'sigmoid',
    seed,
    kernel,
  });
}

/** Every layer's weights then biases, as one flat array (the C baseline reads this layout). */
export function flatWeights(net: Network): Float64Array {
  const parts = net.layers.flatMap((l) => [l.weights, l.bias]);
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * One online step of the reference net as the closed loop does it: learn from the error of the last
 * forward pass, then forward the (here fixed) input. Returns a function running `n` steps.
 */
export function referenceStepper(ruleName: 'sar' | 'backprop', net = referenceNetwork()) {
  const rule: LearningRule =
    ruleName === 'sar' ? sar({ learningRate: REFERENCE_RATE }) : backprop({ learningRate: REFERENCE_RATE });
  net.input.set(referenceInput());
  net.forwardInputBuffer();
  const initial = net.snapshot();
  const errors = new Float64Array(net.outputs);
  let t = 0;
  return {
    net,
    run(n: number): void {
      for (let k = 0; k < n; k++) {
        if (t > 0 && t % RESET_EVERY === 0) {
          net.restore(initial);
          net.forwardInputBuffer();
        }
        errors.fill(referenceError(t++));
        rule.learn(net, errors);
        net.forwardInputBuffer();
      }
    },
  };
}
