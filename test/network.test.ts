import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, backprop, Network, sar, ValidationError } from '../src/index.js';
import { activate, derivative } from '../src/kernels.js';
import { allWeights, makeNet, Random, randomVector } from './helpers.js';

describe('Network', () => {
  it('computes v = Wx + b and x = f(v) with row-major weights', () => {
    const net = new Network({ inputs: 3, layers: [2], activation: 'linear', init: 'zero' });
    net.layers[0].weights.set([1, 2, 3, -1, 0, 0.5]);
    net.layers[0].bias.set([0.25, -1]);
    const y = net.forward([1, 1, 2]);
    expect(Array.from(y)).toEqual([1 + 2 + 6 + 0.25, -1 + 1 - 1]);
  });

  it('uses the centred sigmoid of the authors', () => {
    const net = new Network({ inputs: 1, layers: [1], activation: 'sigmoid', init: 'zero' });
    expect(net.forward([3])[0]).toBe(0);
    net.layers[0].weights[0] = 1;
    expect(net.forward([2])[0]).toBeCloseTo(1 / (1 + Math.exp(-2)) - 0.5, 15);
  });

  it('has derivatives that match finite differences for every activation', () => {
    ACTIVATIONS.forEach((_name, code) => {
      for (const v of [-1.3, -0.2, 0.4, 2.1]) {
        const h = 1e-6;
        const numeric = (activate(code, v + h) - activate(code, v - h)) / (2 * h);
        expect(derivative(code, v, activate(code, v))).toBeCloseTo(numeric, 6);
      }
    });
  });

  it('supports the initialisations and no bias', () => {
    const positive = new Network({ inputs: 20, layers: [30, 2], init: 'positive', seed: 3 });
    for (const layer of positive.layers) {
      for (const w of layer.weights) expect(w >= 0 && w < 1).toBe(true);
    }
    const uniform = new Network({ inputs: 20, layers: [30], init: 'uniform', initRange: 0.1, seed: 3 });
    expect(Math.max(...uniform.layers[0].weights.map(Math.abs))).toBeLessThanOrEqual(0.1);
    const xavier = new Network({ inputs: 20, layers: [30], init: 'xavier', seed: 3 });
    const limit = Math.sqrt(6 / 50);
    expect(Math.max(...xavier.layers[0].weights.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...xavier.layers[0].weights.map(Math.abs))).toBeGreaterThan(limit * 0.8);
    // The default: Glorot times the activation's gain (4 for the centred sigmoid, 5/3 for tanh).
    for (const [activation, gain] of [
      ['sigmoid', 4],
      ['tanh', 5 / 3],
    ] as const) {
      const scaled = new Network({ inputs: 20, layers: [30], activation, seed: 3 });
      const largest = Math.max(...scaled.layers[0].weights.map(Math.abs));
      expect(largest).toBeLessThanOrEqual(gain * limit);
      expect(largest).toBeGreaterThan(gain * limit * 0.8);
    }
    const noBias = new Network({ inputs: 2, layers: [2, 1], bias: false, seed: 3 });
    noBias.forward([0.3, 0.2]);
    backprop({ learningRate: 1 }).learn(noBias, 1);
    expect(noBias.layers.every((l) => l.bias.every((b) => b === 0))).toBe(true);
  });
});

describe('seeds and save/load (acceptance 5)', () => {
  it('same seed gives the same weights, a different seed different weights', () => {
    expect(allWeights(makeNet({ seed: 11 }))).toEqual(allWeights(makeNet({ seed: 11 })));
    expect(allWeights(makeNet({ seed: 11 }))).not.toEqual(allWeights(makeNet({ seed: 12 })));
  });

  it('round-trips bit-exactly and the copy gives identical outputs and updates', () => {
    const random = new Random(5);
    const net = makeNet({ seed: 21, activation: ['tanh', 'relu', 'sigmoid'] });
    const rule = sar({ learningRate: 0.3 });
    for (let t = 0; t < 50; t++) {
      net.forward(randomVector(random, 5));
      rule.learn(net, random.uniform(-1, 1));
    }
    net.layers[1].weights[0] = -0; // a negative zero must survive too
    const copy = Network.fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
    const bits = (n: Network) => n.snapshot().flatMap((a) => Array.from(new Uint32Array(a.buffer.slice(0))));
    expect(bits(copy)).toEqual(bits(net));
    expect(copy.shape()).toEqual(net.shape());
    const ruleA = sar({ learningRate: 0.3 });
    const ruleB = sar({ learningRate: 0.3 });
    for (let t = 0; t < 20; t++) {
      const x = randomVector(random, 5);
      const e = [random.uniform(-1, 1), random.uniform(-1, 1)];
      expect(Array.from(copy.forward(x))).toEqual(Array.from(net.forward(x)));
      ruleA.learn(net, e);
      ruleB.learn(copy, e);
      expect(bits(copy)).toEqual(bits(net));
    }
  });

  it('refuses malformed saved networks', () => {
    const json = makeNet().toJSON();
    expect(() => Network.fromJSON({ ...json, version: 99 })).toThrow(ValidationError);
    expect(() => Network.fromJSON({ ...json, layers: [] })).toThrow(ValidationError);
    const bad = JSON.parse(JSON.stringify(json));
    bad.layers[0].weights = bad.layers[0].weights.slice(0, 12);
    expect(() => Network.fromJSON(bad)).toThrow(/layers\.0/);
    expect(() => Network.fromJSON('nonsense')).toThrow(ValidationError);
  });
});
