import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { backprop, Network, relevance, sar } from '../src/index.js';
import type { LearningRule } from '../src/learning/rule.js';

/*
 * The authors' network, step by step: traces computed with their CLDL (Sama-Darya/CLDL at 62e897f,
 * the version their Enki line follower used), a 7-input 5-4-3-2 network of centred sigmoids with no
 * biases, driven as their run.cpp drives it (learn from e_t at rate η_t, then set x_t and propagate).
 * The first layer's weights are in effective form (CLDL's weightBoost folded in: stored / 1000).
 * `*-mixed` has weights of both signs above the first layer, so that the sign modes differ there;
 * `*-positive` has the authors' all-positive weights. SaR with its default options must be their
 * method `Sign`, and backprop their method `Value`, on every kernel.
 */

interface Trace {
  method: string;
  init: string;
  initialWeights: number[][][];
  steps: { t: number; error: number; learningRate: number; inputs: number[]; outputs: number[] }[];
  finalWeights: number[][][];
}

const X0 = Array.from({ length: 7 }, (_, i) => 0.231 * (0.5 + 0.5 * Math.sin(1.3 * i)));

function load(name: string): Trace {
  return JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', `${name}.json`), 'utf8')) as Trace;
}

/** Replays a trace; the largest difference of any output and final weight. */
function replay(trace: Trace, rule: LearningRule, kernel: 'js' | 'wasm'): number {
  const widths = trace.initialWeights.map((layer) => layer.length);
  const net = new Network({ inputs: 7, layers: widths, activation: 'sigmoid', bias: false, kernel });
  trace.initialWeights.forEach((layer, l) => {
    net.layers[l].weights.set(layer.flat());
  });
  net.forward(X0);
  let worst = 0;
  for (const step of trace.steps) {
    rule.learningRate = step.learningRate;
    rule.learn(net, step.error);
    const y = net.forward(step.inputs);
    step.outputs.forEach((v, j) => {
      worst = Math.max(worst, Math.abs(y[j] - v));
    });
  }
  trace.finalWeights.forEach((layer, l) => {
    const w = net.layers[l].weights;
    layer.flat().forEach((v, i) => {
      worst = Math.max(worst, Math.abs(w[i] - v));
    });
  });
  return worst;
}

describe("the authors' CLDL traces replay through the public API", () => {
  for (const kernel of ['js', 'wasm'] as const) {
    for (const init of ['positive', 'mixed'] as const) {
      it(`sar() with its default sign = CLDL method Sign, ${init} weights, ${kernel}`, () => {
        const trace = load(`cldl-sar-${init}`);
        expect(trace.method).toBe('sign');
        // The traces give each step's learning rate; relevance 1 hands it on unchanged.
        const rule = sar({ learningRate: 0, relevance: relevance.constant(1) });
        expect(rule.signMode).toBe('gradient');
        expect(replay(trace, rule, kernel)).toBeLessThanOrEqual(1e-12);
      });
      it(`backprop() = CLDL method Value, ${init} weights, ${kernel}`, () => {
        const trace = load(`cldl-backprop-${init}`);
        expect(replay(trace, backprop({ learningRate: 0 }), kernel)).toBeLessThanOrEqual(1e-12);
      });
    }
  }

  it('the mixed trace tells the sign modes apart: transport and global do not replay it', () => {
    const trace = load('cldl-sar-mixed');
    for (const signMode of ['transport', 'global'] as const) {
      const rule = sar({ learningRate: 0, relevance: relevance.constant(1), signMode });
      expect(replay(trace, rule, 'wasm'), signMode).toBeGreaterThan(1e-6);
    }
  });

  it("with the authors' all-positive weights the global sign is their rule", () => {
    const trace = load('cldl-sar-positive');
    const rule = sar({ learningRate: 0, relevance: relevance.constant(1), signMode: 'global' });
    expect(replay(trace, rule, 'js')).toBeLessThanOrEqual(1e-12);
  });
});
