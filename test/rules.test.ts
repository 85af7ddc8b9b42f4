import { describe, expect, it } from 'vitest';
import {
  ACTIVATIONS,
  authorsCue,
  backprop,
  createRule,
  feedbackAlignment,
  globalError,
  type LearningRule,
  Network,
  RULE_NAMES,
  relevance,
  sar,
  signSymmetry,
  ValidationError,
} from '../src/index.js';
import { allWeights, makeNet, Random, randomVector } from './helpers.js';

/** ΔW of one learn call, per layer [weights..., biases...]. */
function updateOf(net: Network, rule: LearningRule, input: ArrayLike<number>, error: number | number[]) {
  const before = net.snapshot();
  net.forward(input);
  rule.learn(net, error);
  const after = net.snapshot();
  net.restore(before);
  return after.map((a, k) => Array.from(a, (v, i) => v - before[k][i]));
}

describe('backprop is the exact gradient (acceptance 1)', () => {
  for (const activation of ACTIVATIONS) {
    it(`matches central finite differences with ${activation}`, () => {
      for (const seed of [1, 2, 3]) {
        const random = new Random(100 + seed);
        const net = new Network({
          inputs: 4,
          layers: [5, 3, 2],
          activation,
          seed,
          init: 'uniform',
          initRange: 0.8,
        });
        const x = randomVector(random, 4, -1, 1);
        const e = [random.uniform(-1, 1), random.uniform(-1, 1)];
        const eta = 0.01;
        const update = updateOf(net, backprop({ learningRate: eta }), x, e);
        // J = -Σ e_j y_j with e fixed; the update must be -η ∂J/∂W = η ∂(Σ e_j y_j)/∂W.
        const objective = () => {
          const y = net.forward(x);
          return e[0] * y[0] + e[1] * y[1];
        };
        const h = 1e-6;
        net.layers.forEach((layer, l) => {
          for (const [k, params] of [layer.weights, layer.bias].entries()) {
            const numeric: number[] = [];
            for (let i = 0; i < params.length; i++) {
              const keep = params[i];
              params[i] = keep + h;
              const plus = objective();
              params[i] = keep - h;
              const minus = objective();
              params[i] = keep;
              numeric.push((eta * (plus - minus)) / (2 * h));
            }
            const analytic = update[2 * l + k];
            let diff = 0;
            let norm = 0;
            for (let i = 0; i < numeric.length; i++) {
              diff += (numeric[i] - analytic[i]) ** 2;
              norm += numeric[i] ** 2;
            }
            const relative = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-300);
            if (norm > 0) expect(relative).toBeLessThan(1e-6);
            else expect(Math.max(...analytic.map(Math.abs))).toBe(0);
          }
        });
      }
    });
  }
});

describe('SaR matches the formulas on a hand-worked example (acceptance 2)', () => {
  // inputs 2 → relu(3) → linear(2) → linear(1)
  // x0 = [1, -2]; v1 = [1.5, -2, 0.5] → x1 = [1.5, 0, 0.5], f'1 = [1, 0, 1]
  // v2 = x2 = [3, -1.25]; e = -0.4, η = 0.5, ρ = |e| = 0.4, so η·ρ = 0.2.
  // σ3 = sgn(-0.4) = -1; σ2 = sgn(W3ᵀσ3) = sgn([-2, -0.5]) = [-1, -1]
  // transport: σ1 = sgn(f'1 ⊙ W2ᵀσ2) = sgn([1·(-1+1), 0·(-2-1), 1·(-3+0)]) = [0, 0, -1]  (a zero sum gives 0)
  // gradient:  δ2 = [-0.8, -0.2], δ1 = f'1 ⊙ W2ᵀδ2 = [-0.8+0.2, 0, -2.4] → σ1 = [-1, 0, -1]
  function handNet(): Network {
    const net = new Network({
      inputs: 2,
      layers: [3, 2, 1],
      activation: ['relu', 'linear', 'linear'],
      init: 'zero',
    });
    net.layers[0].weights.set([1, 0, 0, 1, 1, 0.25]);
    net.layers[0].bias.set([0.5, 0, 0]);
    net.layers[1].weights.set([1, 2, 3, -1, 1, 0]);
    net.layers[1].bias.set([0, 0.25]);
    net.layers[2].weights.set([2, 0.5]);
    return net;
  }
  const x = [1, -2];
  const expectClose = (actual: number[][], expected: number[][]) => {
    expect(actual.length).toBe(expected.length);
    actual.forEach((a, k) => {
      expect(a.length).toBe(expected[k].length);
      a.forEach((v, i) => {
        expect(v).toBeCloseTo(expected[k][i], 12);
      });
    });
  };
  const upper = [
    [-0.3, 0, -0.1, -0.3, 0, -0.1], // ΔW2 = 0.2·σ2 ⊗ x1
    [-0.2, -0.2], // Δb2
    [-0.6, 0.25], // ΔW3 = 0.2·σ3·x2
    [-0.2], // Δb3
  ];

  it('forward pass as worked by hand', () => {
    const net = handNet();
    expect(Array.from(net.forward(x))).toEqual([2 * 3 + 0.5 * -1.25]);
    expect(Array.from(net.layers[0].output)).toEqual([1.5, 0, 0.5]);
  });

  it('sign transport', () => {
    const update = updateOf(handNet(), sar({ learningRate: 0.5, signMode: 'transport' }), x, -0.4);
    expectClose(update, [[0, 0, 0, 0, -0.2, 0.4], [0, 0, -0.2], ...upper]);
  });

  it("sign of the exact δ: the default, the authors' rule", () => {
    const update = updateOf(handNet(), sar({ learningRate: 0.5, signMode: 'gradient' }), x, -0.4);
    expectClose(update, [[-0.2, 0.4, 0, 0, -0.2, 0.4], [-0.2, 0, -0.2], ...upper]);
    expect(updateOf(handNet(), sar({ learningRate: 0.5 }), x, -0.4)).toEqual(update);
  });

  it('global sign: sgn(e · f′(v)) at every neuron, nothing travels', () => {
    // σ3 = sgn(-0.4) = -1; σ2 = sgn(-0.4 · [1, 1]) = [-1, -1]; σ1 = sgn(-0.4 · f'1) = [-1, 0, -1]
    const update = updateOf(handNet(), sar({ learningRate: 0.5, signMode: 'global' }), x, -0.4);
    expectClose(update, [[-0.2, 0.4, 0, 0, -0.2, 0.4], [-0.2, 0, -0.2], ...upper]);
    // With two outputs of opposite errors, the hidden neurons take the sign of their sum.
    const net = new Network({ inputs: 2, layers: [2, 2], activation: 'tanh', seed: 1 });
    net.forward(x);
    const rule = sar({ learningRate: 0.1, signMode: 'global' });
    rule.learn(net, [0.3, -0.5]);
    expect(Array.from(rule.lastSignals?.[1] ?? [])).toEqual([1, -1]);
    expect(Array.from(rule.lastSignals?.[0] ?? [])).toEqual([-1, -1]);
  });

  it('relevance scales every synapse, and composes by product', () => {
    const scaled = updateOf(handNet(), sar({ learningRate: 0.5, relevance: relevance.constant(2) }), x, -0.4);
    const base = updateOf(handNet(), sar({ learningRate: 0.5 }), x, -0.4);
    expectClose(
      scaled,
      base.map((a) => a.map((v) => v * 5)),
    );
    const net = handNet();
    const rule = sar({
      learningRate: 0.5,
      relevance: relevance.product(relevance.absError(), relevance.cue()),
    });
    net.forward(x);
    rule.learn(net, -0.4, { cue: 3 });
    expect(rule.lastRelevance).toBeCloseTo(1.2, 15);
    const user = sar({ learningRate: 0.5, relevance: relevance.fn((c) => c.absError * 2) });
    net.forward(x);
    user.learn(net, [-0.25]);
    expect(user.lastRelevance).toBe(0.5);
  });

  it('learning rate, relevance and per-layer discount can change at any step', () => {
    const rule = sar({ learningRate: 0.5, signMode: 'transport' });
    rule.discount = 0.5; // η3 = η, η2 = η/2, η1 = η/4
    rule.learningRate = 1; // η·ρ = 0.4 at the top, 0.2 and 0.1 below
    rule.relevance = relevance.absError();
    const update = updateOf(handNet(), rule, x, -0.4);
    expectClose(update, [
      [0, 0, 0, 0, -0.1, 0.2],
      [0, 0, -0.1],
      upper[0].map((v) => v),
      upper[1],
      upper[2].map((v) => v * 2),
      upper[3].map((v) => v * 2),
    ]);
  });
});

describe('depth: the learning signal per layer (acceptance 3)', () => {
  it('vanishes or explodes with backprop, stays within 10x with SaR, in a 20-layer sigmoid net', () => {
    const random = new Random(3);
    const x = randomVector(random, 10, -0.5, 0.5);
    const signal = (rule: LearningRule) => {
      // Plain Glorot (no gain): the classic deep sigmoid net in which backpropagation's signal vanishes.
      const net = new Network({
        inputs: 10,
        layers: new Array(20).fill(10),
        activation: 'sigmoid',
        init: 'xavier',
        seed: 4,
      });
      const before = net.snapshot();
      net.forward(x);
      const inputs = net.layers.map((l) => l.input.reduce((s, v) => s + Math.abs(v), 0) / l.inputs);
      rule.learn(net, 1);
      return net.layers.map((l, k) => {
        const mean = l.weights.reduce((s, w, i) => s + Math.abs(w - before[2 * k][i]), 0) / l.weights.length;
        return mean / inputs[k];
      });
    };
    const gdm = signal(backprop({ learningRate: 0.1 }));
    const sign = signal(sar({ learningRate: 0.1 }));
    console.table(
      gdm.map((g, l) => ({ layer: l + 1, backprop: g.toExponential(2), sar: sign[l].toExponential(2) })),
    );
    const ratio = (s: number[]) => Math.max(s[0] / s[19], s[19] / s[0]);
    expect(ratio(gdm)).toBeGreaterThan(100);
    expect(ratio(sign)).toBeLessThan(10);
    expect(Math.max(...sign) / Math.min(...sign)).toBeLessThan(10);
  });
});

describe('every rule learns a small supervised task (acceptance 4)', () => {
  const target = (x: Float64Array) => 0.3 * x[0] - 0.2 * x[1] + 0.1 * x[2] * x[0];
  for (const name of RULE_NAMES) {
    it(`${name} halves the error`, () => {
      const net = new Network({ inputs: 3, layers: [8, 6, 1], activation: 'tanh', seed: 9 });
      const rule = createRule(name, { learningRate: 0.1 });
      const random = new Random(17);
      const tests = Array.from({ length: 200 }, () => randomVector(random, 3, -1, 1));
      const meanError = () =>
        tests.reduce((s, x) => s + Math.abs(target(x) - net.forward(x)[0]), 0) / tests.length;
      const before = meanError();
      for (let t = 0; t < 3000; t++) {
        const x = randomVector(random, 3, -1, 1);
        const y = net.forward(x)[0];
        rule.learn(net, target(x) - y);
      }
      const after = meanError();
      expect(after).toBeLessThan(before / 2);
    });
  }
});

describe('bad input (acceptance 6)', () => {
  const rules: LearningRule[] = [
    sar({ learningRate: 0.1 }),
    backprop({ learningRate: 0.1 }),
    feedbackAlignment({ learningRate: 0.1 }),
    signSymmetry({ learningRate: 0.1 }),
    globalError({ learningRate: 0.1 }),
  ];

  it('refuses bad network options with a typed error', () => {
    expect(() => new Network({ inputs: 5, layers: [] })).toThrow(ValidationError);
    expect(() => new Network({ inputs: 5, layers: [3, 0, 2] })).toThrow(/layers\[1\]/);
    expect(() => new Network({ inputs: 0, layers: [2] })).toThrow(/inputs/);
    // biome-ignore lint/suspicious/noExplicitAny: deliberately wrong input
    expect(() => new Network({ inputs: 5, layers: [2], activation: 'softmax' as any })).toThrow(/activation/);
    expect(() => sar({ learningRate: -0.1 })).toThrow(/learningRate/);
    expect(() => backprop({ learningRate: Number.NaN })).toThrow(/learningRate/);
    expect(() => backprop({ learningRate: Number.POSITIVE_INFINITY })).toThrow(ValidationError);
  });

  it('leaves the weights exactly as they were', () => {
    for (const rule of rules) {
      const net = makeNet();
      net.forward([0.1, -0.2, 0.3, 0, 0.5]);
      const before = allWeights(net);
      const output = Array.from(net.output);
      const attempts: (() => unknown)[] = [
        () => net.forward([1, 2, 3]),
        () => net.forward([0.1, Number.NaN, 0.3, 0, 0.5]),
        () => net.forward([0.1, 0.2, Number.POSITIVE_INFINITY, 0, 0.5]),
        () => net.forward([0.1, 0.2, 0.3, 0, Number.NEGATIVE_INFINITY]),
        () => rule.learn(net, Number.NaN),
        () => rule.learn(net, Number.POSITIVE_INFINITY),
        () => rule.learn(net, [0.1, Number.NaN]),
        () => rule.learn(net, [0.1, 0.2, 0.3]),
        () => {
          rule.learningRate = -1;
        },
        () => {
          rule.learningRate = Number.NaN;
        },
      ];
      for (const attempt of attempts) {
        expect(attempt).toThrow(ValidationError);
        expect(allWeights(net)).toEqual(before);
        expect(Array.from(net.output)).toEqual(output);
      }
      expect(rule.learningRate).toBe(0.1);
    }
  });

  it('refuses to learn before a forward pass and a negative relevance', () => {
    const net = makeNet();
    expect(() => sar({ learningRate: 0.1 }).learn(net, 0.3)).toThrow(/forward pass/);
    net.forward([0.1, -0.2, 0.3, 0, 0.5]);
    const before = allWeights(net);
    expect(() => sar({ learningRate: 0.1, relevance: relevance.fn(() => -1) }).learn(net, 0.3)).toThrow(
      /relevance/,
    );
    expect(() => sar({ learningRate: 0.1, relevance: relevance.cue() }).learn(net, 0.3)).toThrow(/cue/);
    expect(allWeights(net)).toEqual(before);
  });
});

describe("the authors' relevance: their bend cue in sensor indices, plus one", () => {
  // Rows of 4 sensors, left to right in sarlab; the authors count from the right.
  it('is the distance between the two nearest rows’ darkest sensors, counted from the right', () => {
    expect(authorsCue([0, 0, 0.2, 0, 0.2, 0, 0, 0, 9, 9, 9, 9], 4)).toBe(2);
    // Ties go to the first sensor from the right, as their strict `>` does.
    // (Counting ties from the left would give 2 here.)
    expect(authorsCue([0.2, 0.2, 0.2, 0, 0, 0, 0.2, 0], 4)).toBe(0);
    expect(authorsCue([0.2, 0.2, 0, 0, 0, 0.2, 0.2, 0], 4)).toBe(1);
    // A row that sees nothing has index −1.
    expect(authorsCue([0, 0, 0, 0, 0, 0, 0, 0.1], 4)).toBe(1);
    expect(authorsCue([0, 0, 0, 0, 0, 0, 0, 0], 4)).toBe(0);
  });

  it('sets the step size to η · (cue + 1) and needs the predictors', () => {
    const net = new Network({ inputs: 2, layers: [2, 1], seed: 1 });
    const rule = sar({ learningRate: 0.1, relevance: relevance.authorsCue(4) });
    net.forward([0.1, 0.2]);
    rule.learn(net, 0.3, { predictors: [0, 0, 0.2, 0, 0.2, 0, 0, 0] });
    expect(rule.lastRelevance).toBe(3);
    net.forward([0.1, 0.2]);
    expect(() => rule.learn(net, 0.3)).toThrow(/predictors/);
    expect(() => relevance.authorsCue(0)).toThrow(/relevance.authorsCue/);
    expect(relevance.fromKind('authors-cue', 1, 48).name).toBe('authors-cue');
  });
});
