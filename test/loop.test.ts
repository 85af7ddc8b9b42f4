import { describe, expect, it } from 'vitest';
import { DelayLineBank } from '../src/filters/filterBank.js';
import { sar, ValidationError } from '../src/index.js';
import type { LearningRule } from '../src/learning/rule.js';
import { Agent } from '../src/loop/agent.js';
import { ClosedLoopLearner } from '../src/loop/learner.js';
import { RunMetrics } from '../src/loop/metrics.js';
import { Network } from '../src/net/network.js';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { allWeights } from './helpers.js';

describe('the step order of the closed loop', () => {
  it('learns from e(t) with the forward pass of the previous step, then forwards the new inputs', () => {
    const net = new Network({ inputs: 4, layers: [3, 1], seed: 1 });
    const filters = new DelayLineBank(2, 2);
    const calls: { error: number; input: number[]; output: number }[] = [];
    const spy: LearningRule = {
      name: 'sar',
      learningRate: 0,
      discount: 1,
      lastRelevance: 1,
      learn(n, error) {
        calls.push({ error: (error as Float64Array)[0], input: Array.from(n.input), output: n.output[0] });
      },
    };
    const agent = new Agent({ speed: 10, reflexGain: 2, netGain: 3 }, net, filters, spy);
    const inputsSeen: number[][] = [];
    const outputs: number[] = [];
    for (let t = 0; t < 5; t++) {
      const observation = {
        predictors: Float64Array.from([t, -t]),
        reflex: new Float64Array(2),
        error: 0.1 * t,
        cue: 0,
      };
      const command = agent.act(observation, t);
      inputsSeen.push(Array.from(net.input));
      outputs.push(net.output[0]);
      // 4. motor command: u = k_reflex·e + k_net·y, left = v0 + u, right = v0 − u
      const u = 2 * 0.1 * t + 3 * net.output[0];
      expect(command.left).toBeCloseTo(10 + u, 12);
      expect(command.right).toBeCloseTo(10 - u, 12);
    }
    // No learning at the first step (no earlier forward pass), then one per step.
    expect(calls.length).toBe(4);
    calls.forEach((call, k) => {
      expect(call.error).toBeCloseTo(0.1 * (k + 1), 12);
      expect(call.input).toEqual(inputsSeen[k]);
      expect(call.output).toBe(outputs[k]);
    });
  });
});

describe('the success criterion', () => {
  it('needs the EMA of |e| below threshold × baseline for N consecutive steps', () => {
    // Baseline 0.2, relative threshold 0.5: the EMA must stay below 0.1.
    const metrics = new RunMetrics({ threshold: 0.5, window: 50, decay: 0.01 }, 0.2);
    // A large error pushes the EMA up...
    for (let t = 0; t < 300; t++) metrics.record(t % 2 ? 0.5 : -0.5);
    expect(metrics.ema).toBeGreaterThan(0.1);
    expect(metrics.success).toBe(false);
    // ...then zero error lets it decay below 0.1.
    let reachedAt = -1;
    for (let t = 300; t < 600; t++) if (metrics.record(0)) reachedAt = t;
    const ema300 = 0.5 - 0.3 * 0.99 ** 300;
    const crossing = 300 + Math.ceil(Math.log(0.1 / ema300) / Math.log(0.99));
    expect(metrics.stepsToSuccess).toBeGreaterThanOrEqual(crossing - 2);
    expect(metrics.stepsToSuccess).toBeLessThanOrEqual(crossing + 2);
    expect(metrics.successConfirmedAt).toBe(metrics.stepsToSuccess! + 50);
    expect(reachedAt + 1).toBe(metrics.successConfirmedAt);
  });

  it('restarts the streak when the EMA goes back above the threshold', () => {
    const metrics = new RunMetrics({ threshold: 0.1, window: 100, decay: 0.5 }, 1);
    for (let t = 0; t < 99; t++) metrics.record(0);
    metrics.record(1); // EMA jumps to 0.5
    for (let t = 0; t < 50; t++) metrics.record(0);
    expect(metrics.success).toBe(false);
    for (let t = 0; t < 60; t++) metrics.record(0);
    expect(metrics.success).toBe(true);
    // Steps are counted from 0: step 99 had e = 1, steps 100 and 101 decay to 0.25 and 0.125, and the
    // EMA is below 0.1 from step 102 on.
    expect(metrics.stepsToSuccess).toBe(102);
  });

  it('keeps mean |e| over the first and last windows', () => {
    const metrics = new RunMetrics({ threshold: 0.1, window: 10, decay: 0.01 }, 1, 10, 4);
    for (const e of [1, -1, 1, -1, 0.5, 0.5, -0.5, 0.5, 0.25]) metrics.record(e);
    expect(metrics.meanAbsErrorFirst()).toBe(1);
    expect(metrics.meanAbsErrorLast()).toBeCloseTo((0.5 + 0.5 + 0.5 + 0.25) / 4, 12);
  });

  it('gives the same summary for the same config and seed (wall time aside)', () => {
    const config = parseRunConfig({ seed: 4, steps: 6000, afterSuccess: -1, rule: 'backprop' });
    const strip = (s: object) => ({ ...s, wallSeconds: 0 });
    const a = new Simulation(config).runToEnd();
    const b = new Simulation(config).runToEnd();
    expect(strip(b)).toEqual(strip(a));
    const other = new Simulation(parseRunConfig({ ...config, seed: 5 })).runToEnd();
    expect(other.meanAbsErrorLast).not.toBe(a.meanAbsErrorLast);
  });
});

describe('ClosedLoopLearner (doStep for your own loop)', () => {
  it('learns from each error with the previous forward pass, like the agent', () => {
    const net = new Network({ inputs: 6, layers: [4, 2], seed: 2 });
    const copy = Network.fromJSON(net.toJSON());
    const learner = new ClosedLoopLearner(net, new DelayLineBank(3, 2), sar({ learningRate: 0.1 }));
    // The same by hand: learn with the stored forward pass, then filter and forward.
    const rule = sar({ learningRate: 0.1 });
    const filters = new DelayLineBank(3, 2);
    expect(learner.inputCount).toBe(3);
    for (let t = 0; t < 20; t++) {
      const inputs = [Math.sin(t), Math.cos(t), t % 3];
      const error = 0.1 * Math.sin(0.7 * t);
      const y = Array.from(learner.doStep(inputs, error));
      if (t > 0) rule.learn(copy, error);
      filters.filter(inputs);
      const expected = Array.from(copy.forward(filters.output));
      expect(y).toEqual(expected);
      expect(learner.learned).toBe(t > 0);
    }
    expect(allWeights(net)).toEqual(allWeights(copy));
  });

  it('refuses bad input and changes nothing', () => {
    const net = new Network({ inputs: 3, layers: [2], seed: 2 });
    const learner = new ClosedLoopLearner(net, null, sar({ learningRate: 0.1 }));
    learner.doStep([0.1, 0.2, 0.3], 0);
    const before = allWeights(net);
    expect(() => learner.doStep([0.1, 0.2], 0.5)).toThrow(ValidationError);
    expect(() => learner.doStep([0.1, Number.NaN, 0.3], 0.5)).toThrow(ValidationError);
    expect(() => learner.doStep([0.1, 0.2, 0.3], [0.5])).toThrow(ValidationError);
    expect(() => learner.doStep([0.1, 0.2, 0.3], Number.NaN)).toThrow(ValidationError);
    expect(allWeights(net)).toEqual(before);
    expect(() => new ClosedLoopLearner(net, new DelayLineBank(2, 2))).toThrow(ValidationError);
  });
});
