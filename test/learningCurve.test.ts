import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/run/config.js';
import { CURVE_POINTS, curveEvery, curveValue } from '../src/run/learningCurve.js';
import { Simulation } from '../src/run/simulation.js';
import { isLastingSuccess, type LastingSuccessInput } from '../src/run/summary.js';
import { prettyJson } from '../src/util/json.js';

/** A run with every step logged, so that each curve point can be checked against the log. */
function run(config: Record<string, unknown>) {
  const simulation = new Simulation(parseRunConfig({ logEvery: 1, ...config }));
  const summary = simulation.runToEnd();
  return { simulation, summary };
}

describe('the learning curve of a run', () => {
  it('samples the log every ⌈steps / 160⌉ steps of the learning phase, rounded to 4 digits', () => {
    const { simulation, summary } = run({ seed: 3, steps: 3000, network: { layers: [10, 10, 2] } });
    const curve = summary.curve;
    const every = curveEvery(3000);
    expect(every).toBe(19);
    expect(curve.every).toBe(every);
    const learned = summary.steps;
    expect(curve.step).toEqual(Array.from({ length: Math.ceil(learned / every) }, (_, k) => k * every));
    expect(curve.step.length).toBeLessThanOrEqual(CURVE_POINTS);
    const log = simulation.log;
    const at = (name: string) => curve.step.map((t) => log.column(name)[t]);
    expect(log.column('step')[curve.step[5]]).toBe(curve.step[5]);
    expect(curve.errorEma).toEqual(at('errorEma').map(curveValue));
    const baseline = summary.reflexMeanAbsError as number;
    expect(curve.relativeErrorEma).toEqual(at('errorEma').map((v) => curveValue(v / baseline)));
    expect(curve.lostLine).toEqual(at('lostLine'));
    // The distance of all weights: the layers' distances (logged per layer) combined.
    const layers = [at('weightDistance1'), at('weightDistance2'), at('weightDistance3')];
    const total = curve.step.map((_, k) => Math.sqrt(layers.reduce((s, d) => s + d[k] * d[k], 0)));
    expect(curve.weightDistance).toEqual(total.map(curveValue));
    expect(curve.weightDistance?.at(-1)).toBeGreaterThan(0);
    // The arrays are plain numbers (summary.json stays readable), each as long as `step`.
    for (const values of [curve.errorEma, curve.relativeErrorEma, curve.weightDistance, curve.lostLine])
      expect(values).toHaveLength(curve.step.length);
    expect(JSON.parse(JSON.stringify(curve))).toEqual(curve);
  });

  it('keeps at most 160 points over a long budget, and one per step over a short one', () => {
    expect(curveEvery(30_000)).toBe(188);
    expect(Math.ceil(30_000 / curveEvery(30_000))).toBeLessThanOrEqual(CURVE_POINTS);
    expect(curveEvery(100_000)).toBe(625);
    expect(curveEvery(100)).toBe(1);
    const { summary } = run({ seed: 1, steps: 100 });
    expect(summary.curve.step).toEqual(Array.from({ length: 100 }, (_, k) => k));
  });

  it('has no weight distance for the reflex alone, and the same curve for the same seed', () => {
    const a = run({ rule: 'reflex', seed: 2, steps: 1600 }).summary;
    expect(a.curve.weightDistance).toBeNull();
    expect(a.curve.errorEma.length).toBe(160);
    const b = run({ rule: 'reflex', seed: 2, steps: 1600 }).summary;
    expect(JSON.stringify(b.curve)).toBe(JSON.stringify(a.curve));
  });

  it('rounds to 4 significant digits and stores what is not finite as null', () => {
    expect(curveValue(0.123456789)).toBe(0.1235);
    expect(curveValue(12345.6)).toBe(12350);
    expect(curveValue(Number.POSITIVE_INFINITY)).toBeNull();
    expect(curveValue(Number.NaN)).toBeNull();
  });
});

describe('summary.json', () => {
  it('is the same value as the summary, with each array of numbers on one line', () => {
    const { summary } = run({ seed: 2, steps: 3000 });
    const text = prettyJson(summary);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(summary)));
    expect(text).toContain(`"errorEma": ${JSON.stringify(summary.curve.errorEma)}`);
    expect(text).toContain('\n  "curve": {\n    "every": 19,\n');
    expect(text.split('\n').length).toBeLessThan(150);
    expect(prettyJson({ a: [], b: {}, c: [{ d: 1 }], e: undefined, f: Number.NaN })).toBe(
      '{\n  "a": [],\n  "b": {},\n  "c": [\n    {\n      "d": 1\n    }\n  ],\n  "f": null\n}',
    );
  });
});

describe('lasting success', () => {
  const base = (over: Partial<LastingSuccessInput> & { rule?: string }): LastingSuccessInput => ({
    success: true,
    relativeError: 0.9,
    evaluation: { steps: 800, meanAbsError: 0.05, relativeError: 0.3, lostLine: 0 },
    ...over,
    config: { rule: (over.rule ?? 'sar') as 'sar', success: { threshold: 0.5 } },
  });

  it('is success with the frozen relative error below the threshold', () => {
    expect(isLastingSuccess(base({}))).toBe(true);
    expect(isLastingSuccess(base({ success: false }))).toBe(false);
    const frozen = (relativeError: number | null) => ({
      steps: 800,
      meanAbsError: 1,
      relativeError,
      lostLine: 0,
    });
    expect(isLastingSuccess(base({ evaluation: frozen(0.5) }))).toBe(false);
    expect(isLastingSuccess(base({ evaluation: frozen(1.4) }))).toBe(false);
    expect(isLastingSuccess(base({ evaluation: frozen(null) }))).toBe(false);
    expect(isLastingSuccess(base({ evaluation: null }))).toBe(false);
  });

  it('judges the reflex alone by its own relative error (it has nothing to freeze)', () => {
    expect(isLastingSuccess(base({ rule: 'reflex', evaluation: null, relativeError: 0.4 }))).toBe(true);
    expect(isLastingSuccess(base({ rule: 'reflex', evaluation: null, relativeError: 0.7 }))).toBe(false);
  });

  it('is in every summary, after success', () => {
    const { summary } = run({ seed: 1, steps: 200 });
    expect(Object.keys(summary).slice(0, 2)).toEqual(['success', 'lastingSuccess']);
    expect(summary.lastingSuccess).toBe(isLastingSuccess(summary));
  });
});
