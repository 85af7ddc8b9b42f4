import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, type ActivationName } from '../src/backend/activation.js';
import { wasmSimdAvailable } from '../src/backend/wasm.js';
import { createRule } from '../src/learning/index.js';
import type { LearningRule } from '../src/learning/rule.js';
import { type KernelChoice, Network, resolveKernel } from '../src/net/network.js';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { bits, Random, randomVector } from './helpers.js';

/** Every weight, bias and activation of a network, as bit patterns. */
function state(net: Network): string[] {
  return net.layers.flatMap((l) => [...bits(l.weights), ...bits(l.bias), ...bits(l.sum), ...bits(l.output)]);
}

const RULES: { name: string; make: () => LearningRule }[] = [
  { name: 'sar (default: gradient)', make: () => createRule('sar', { learningRate: 0.05 }) },
  { name: 'sar (transport)', make: () => createRule('sar', { learningRate: 0.05, signMode: 'transport' }) },
  { name: 'sar (global)', make: () => createRule('sar', { learningRate: 0.05, signMode: 'global' }) },
  { name: 'backprop', make: () => createRule('backprop', { learningRate: 0.05, discount: 0.7 }) },
  {
    name: 'feedback-alignment',
    make: () => createRule('feedback-alignment', { learningRate: 0.05, seed: 4 }),
  },
  { name: 'sign-symmetry', make: () => createRule('sign-symmetry', { learningRate: 0.05 }) },
  { name: 'global-error', make: () => createRule('global-error', { learningRate: 0.05 }) },
];

const SHAPES: { inputs: number; layers: number[]; bias: boolean }[] = [
  { inputs: 7, layers: [3], bias: true }, // one layer, odd fan-in
  { inputs: 12, layers: [5, 2], bias: false },
  { inputs: 9, layers: [6, 5, 3], bias: true },
  { inputs: 33, layers: [10, 10, 10, 10, 2], bias: true },
  { inputs: 4, layers: [1, 7, 1, 4, 1], bias: true }, // widths 1 and odd widths everywhere
];

/** Runs a network and a rule for `steps` online steps (learn, then forward), from one seed. */
function run(
  kernel: KernelChoice,
  rule: LearningRule,
  shape: (typeof SHAPES)[number],
  activation: ActivationName,
  steps: number,
): Network {
  const net = new Network({ ...shape, activation, kernel, seed: 5, init: 'uniform', initRange: 0.9 });
  const random = new Random(11);
  net.forward(randomVector(random, shape.inputs, -1, 1));
  const outputs = shape.layers[shape.layers.length - 1];
  for (let t = 0; t < steps; t++) {
    // Errors of both signs, exact zeros now and then (zero signs, skipped rows).
    const error =
      t % 9 === 4
        ? 0
        : outputs === 1
          ? random.uniform(-1, 1)
          : Array.from(randomVector(random, outputs, -1, 1));
    rule.learn(net, error);
    net.forward(randomVector(random, shape.inputs, -1.5, 1.5));
  }
  return net;
}

describe('the kernels give the same bits (the canonical summation order)', () => {
  it('auto picks WebAssembly here (Node has WebAssembly SIMD)', () => {
    expect(wasmSimdAvailable()).toBe(true);
    expect(resolveKernel('auto')).toBe('wasm');
    expect(new Network({ inputs: 3, layers: [2] }).kernel.name).toBe('wasm');
    expect(new Network({ inputs: 3, layers: [2], kernel: 'js' }).kernel.name).toBe('js');
  });

  for (const rule of RULES) {
    it(`${rule.name}: wasm = js = reference, every activation, several depths`, () => {
      for (const activation of ACTIVATIONS) {
        for (const shape of SHAPES) {
          const reference = state(run('reference', rule.make(), shape, activation, 60));
          const js = state(run('js', rule.make(), shape, activation, 60));
          const wasm = state(run('wasm', rule.make(), shape, activation, 60));
          const where = `${activation} ${shape.inputs}-${shape.layers.join('-')}`;
          expect(js, `js vs reference, ${where}`).toEqual(reference);
          expect(wasm, `wasm vs reference, ${where}`).toEqual(reference);
        }
      }
    });
  }

  it('rules that share a network keep their own backward matrices', () => {
    const shape = SHAPES[2];
    const play = (kernel: KernelChoice) => {
      const net = new Network({ ...shape, kernel, seed: 3 });
      const rules = [
        createRule('feedback-alignment', { learningRate: 0.1, seed: 1 }),
        createRule('sign-symmetry', { learningRate: 0.1 }),
        createRule('feedback-alignment', { learningRate: 0.1, seed: 2 }),
        createRule('sar', { learningRate: 0.1 }),
      ];
      const random = new Random(2);
      net.forward(randomVector(random, shape.inputs, -1, 1));
      for (let t = 0; t < 40; t++) {
        rules[t % rules.length].learn(net, random.uniform(-1, 1));
        net.forward(randomVector(random, shape.inputs, -1, 1));
      }
      return state(net);
    };
    const reference = play('reference');
    expect(play('js')).toEqual(reference);
    expect(play('wasm')).toEqual(reference);
    // Each feedback-alignment rule alone on its own network gives what it gives when sharing.
    const alone = (kernel: KernelChoice, shared: boolean) => {
      const net = new Network({ ...shape, kernel, seed: 3 });
      const a = createRule('feedback-alignment', { learningRate: 0.1, seed: 1 });
      const b = createRule('feedback-alignment', { learningRate: 0.1, seed: 2 });
      const random = new Random(2);
      net.forward(randomVector(random, shape.inputs, -1, 1));
      for (let t = 0; t < 10; t++) {
        if (shared) b.learn(net, 0); // rate 0 update, but b writes its matrices
        a.learn(net, random.uniform(-1, 1));
        net.forward(randomVector(random, shape.inputs, -1, 1));
      }
      return state(net);
    };
    expect(alone('wasm', true)).toEqual(alone('wasm', false));
  });

  for (const inputs of ['rows', 'camera'] as const) {
    it(`a closed-loop run with ${inputs} input: wasm and js give the same run`, () => {
      const result = (kernel: 'wasm' | 'js') => {
        const config = parseRunConfig({
          seed: 7,
          steps: 3000,
          afterSuccess: -1,
          world: { inputs },
          network: { kernel },
        });
        const simulation = new Simulation(config);
        expect(simulation.parts.network?.kernel.name).toBe(kernel);
        simulation.advanceMany(3000);
        const net = simulation.parts.network as Network;
        const { wallSeconds: _time, config: _config, ...summary } = simulation.summary();
        return { weights: state(net), summary };
      };
      const wasm = result('wasm');
      const js = result('js');
      expect(wasm.weights).toEqual(js.weights);
      expect(wasm.summary).toEqual(js.summary);
    });
  }

  it('the network arrays are views of its WebAssembly memory, valid for its whole life', () => {
    const net = new Network({ inputs: 720, layers: [10, 10, 2], kernel: 'wasm' });
    const buffer = net.layers[0].weights.buffer;
    expect(buffer).toBe(net.input.buffer);
    expect(buffer).toBe(net.work.signals[1].buffer);
    const rule = createRule('sar', { learningRate: 0.01 });
    net.forward(new Float64Array(720).fill(0.1));
    for (let t = 0; t < 100; t++) {
      rule.learn(net, 0.3);
      net.forwardInputBuffer();
    }
    expect(net.layers[0].weights.buffer).toBe(buffer);
    expect(net.layers[0].weights.byteLength).toBe(7200 * 8);
  });

  it('refuses an unknown kernel with a typed error', () => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => new Network({ inputs: 2, layers: [1], kernel: 'gpu' as any })).toThrow(/kernel/);
    expect(() => parseRunConfig({ network: { kernel: 'gpu' } })).toThrow(/kernel/);
  });
});
