import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../src/backend/activation.js';
import { BandpassBank, createFilterBank } from '../src/filters/filterBank.js';
import { RunMetrics } from '../src/loop/metrics.js';
import { Network } from '../src/net/network.js';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import type { Environment } from '../src/task/environment.js';
import { Random } from '../src/util/random.js';
import { LineFollowerEnvironment } from '../src/world/lineFollower.js';
import { GroundTexture } from '../src/world/texture.js';
import { builtinTrack, lapLength, type Track, trackFromTexture } from '../src/world/track.js';

const here = dirname(fileURLToPath(import.meta.url));

/** The reference responses of the authors' bandpass, in the shared fixtures beside the repository or copied into test/fixtures. */
function loadFixture(): {
  banks: {
    filters: number;
    minPeriod: number;
    maxPeriod: number;
    damping: number;
    responses: { f: number; q: number; impulse: number[]; step: number[] }[];
  }[];
} {
  return JSON.parse(readFileSync(join(here, 'fixtures', 'fcl-bandpass.json'), 'utf8'));
}

describe("the authors' bandpass filter bank (docs/closed-loop.md, 'The world')", () => {
  const fixture = loadFixture();
  for (const bank of fixture.banks) {
    it(`matches their impulse and step responses to 1e-9 (${bank.filters} filters, periods ${bank.minPeriod}–${bank.maxPeriod})`, () => {
      const filters = createFilterBank({
        kind: 'bandpass',
        predictors: 1,
        count: bank.filters,
        minPeriod: bank.minPeriod,
        maxPeriod: bank.maxPeriod,
        damping: bank.damping,
      }) as BandpassBank;
      expect(filters).toBeInstanceOf(BandpassBank);
      bank.responses.forEach((r, k) => {
        expect(filters.frequency[k]).toBeCloseTo(r.f, 15);
      });
      for (const kind of ['impulse', 'step'] as const) {
        filters.reset();
        for (let n = 0; n < 100; n++) {
          filters.filter([kind === 'impulse' ? (n === 0 ? 1 : 0) : 1]);
          bank.responses.forEach((r, k) => {
            expect(Math.abs(filters.output[k] - r[kind][n])).toBeLessThan(1e-9);
          });
        }
      }
    });
  }

  it('is the default filter array, with a DC gain near 1 for every filter', () => {
    const config = parseRunConfig({});
    expect(config.filters.kind).toBe('bandpass');
    const bank = createFilterBank({ ...config.filters, predictors: 1 });
    for (let n = 0; n < 400; n++) bank.filter([1]);
    for (const value of bank.output) expect(Math.abs(value - 1)).toBeLessThan(0.1);
  });

  it('refuses a damping of 0.5 or less', () => {
    expect(() => new BandpassBank(1, 3, 3, 10, 0.5)).toThrow(/0\.5/);
  });
});

describe('the default initialisation keeps the signal alive at depth', () => {
  for (const activation of ACTIVATIONS) {
    it(`a 20-layer ${activation} network's output moves by more than 1e-3 when its input changes`, () => {
      // For each of 10 seeds, the mean change of the outputs over 20 pairs of inputs in [0, 1).
      const random = new Random(99);
      const changes: number[] = [];
      for (let seed = 1; seed <= 10; seed++) {
        const net = new Network({ inputs: 24, layers: [...new Array(19).fill(10), 2], activation, seed });
        let change = 0;
        for (let pair = 0; pair < 20; pair++) {
          const ya = Array.from(net.forward(Float64Array.from({ length: 24 }, () => random.next())));
          const yb = Array.from(net.forward(Float64Array.from({ length: 24 }, () => random.next())));
          change += ya.reduce((sum, y, j) => sum + Math.abs(y - yb[j]), 0) / ya.length / 20;
        }
        changes.push(change);
      }
      if (activation === 'relu') {
        // A ReLU output without a bias is 0 wherever its sum is negative: for some seeds both
        // outputs are 0 over the whole positive orthant of inputs (the layers below are alive), so
        // the claim is about the typical network: the median seed.
        changes.sort((a, b) => a - b);
        expect(changes[5]).toBeGreaterThan(1e-3);
      } else {
        for (const change of changes) expect(change).toBeGreaterThan(1e-3);
      }
    });
  }

  it('without the gain (plain Glorot) the centred sigmoid loses the signal, which is why the gain is there', () => {
    const net = new Network({ inputs: 24, layers: [...new Array(19).fill(10), 2], init: 'xavier', seed: 1 });
    const ya = Array.from(net.forward(new Float64Array(24).fill(1)));
    const yb = Array.from(net.forward(new Float64Array(24)));
    expect(Math.max(...ya.map((y, j) => Math.abs(y - yb[j])))).toBeLessThan(1e-6);
  });

  it('biases are off by default in the closed loop', () => {
    expect(parseRunConfig({}).network.bias).toBe(false);
    expect(parseRunConfig({ network: { bias: true } }).network.bias).toBe(true);
  });
});

describe('the success criterion (docs/closed-loop.md, "Success and the frozen evaluation")', () => {
  it('starts the |e| average at the baseline, so that success never comes at step 0', () => {
    const metrics = new RunMetrics({ threshold: 0.5, window: 20, decay: 0.01 }, 0.2);
    expect(metrics.ema).toBe(0.2);
    for (let t = 0; t < 400; t++) metrics.record(0);
    expect(metrics.success).toBe(true);
    // 0.2·0.99^k < 0.1 from the 69th step on, which is step 68 counting from 0.
    expect(metrics.stepsToSuccess).toBe(68);
  });

  it('restarts the streak when the line is lost', () => {
    const metrics = new RunMetrics({ threshold: 0.5, window: 50, decay: 0.5 }, 1);
    for (let t = 0; t < 40; t++) metrics.record(0);
    metrics.lineLost();
    for (let t = 0; t < 40; t++) metrics.record(0);
    expect(metrics.success).toBe(false);
    for (let t = 0; t < 10; t++) metrics.record(0);
    expect(metrics.success).toBe(true);
  });

  it('never reports success without a baseline', () => {
    const metrics = new RunMetrics({ threshold: 0.5, window: 5, decay: 0.5 }, null);
    for (let t = 0; t < 100; t++) metrics.record(0);
    expect(metrics.success).toBe(false);
  });
});

/** A texture from a function of the position in cm: true where the ground is dark. */
function textureOf(
  widthCm: number,
  heightCm: number,
  dark: (x: number, y: number) => boolean,
): GroundTexture {
  const s = 0.5;
  const w = Math.round(widthCm / s);
  const h = Math.round(heightCm / s);
  const data = new Float32Array(w * h);
  for (let v = 0; v < h; v++) {
    for (let u = 0; u < w; u++) data[v * w + u] = dark((u + 0.5) * s, heightCm - (v + 0.5) * s) ? 0 : 1;
  }
  return new GroundTexture(w, h, s, data);
}

/** A figure eight (a lemniscate of Gerono, 2.5 cm wide) crossing itself at the centre of the image. */
function figureEight(): Track {
  const cx = 100;
  const cy = 100;
  const s = 0.5;
  const size = 400;
  const data = new Float32Array(size * size).fill(1);
  // Stamp a 2.5-cm disc at points 0.1 cm apart along the curve.
  for (let k = 0; k < 6000; k++) {
    const t = (2 * Math.PI * k) / 6000;
    const px = cx + 80 * Math.cos(t);
    const py = cy + 80 * Math.sin(t) * Math.cos(t);
    for (let v = Math.floor((200 - py - 2) / s); v <= Math.ceil((200 - py + 2) / s); v++) {
      for (let u = Math.floor((px - 2) / s); u <= Math.ceil((px + 2) / s); u++) {
        const x = (u + 0.5) * s;
        const y = 200 - (v + 0.5) * s;
        if ((x - px) ** 2 + (y - py) ** 2 < 1.25 ** 2) data[v * size + u] = 0;
      }
    }
  }
  return trackFromTexture('figure-eight', new GroundTexture(size, size, s, data));
}

function countingLosses(sim: Simulation): { losses: number } {
  const counter = { losses: 0 };
  const environment = sim.parts.environment as Environment;
  const step = environment.step.bind(environment);
  environment.step = (action) => {
    const result = step(action);
    if (result.terminated) counter.losses++;
    return result;
  };
  return counter;
}

describe('losing the line (docs/closed-loop.md, "The world")', () => {
  it('holds e at its extreme, with the last sign, while neither reflex sensor sees the line', () => {
    const track = builtinTrack('default');
    const world = new LineFollowerEnvironment(track, {
      ...parseRunConfig({}).world,
      sensorNoise: 0,
      motorNoise: 0,
    });
    world.reset(1);
    // Turn left off the line: it passes under the right sensor last (e > 0), then neither sees it.
    let seen = 0;
    let t = 0;
    for (; t < 60 && world.seesLine; t++) {
      const e = world.step({ left: 15, right: 25 }).error;
      if (world.seesLine) seen = e;
    }
    expect(world.seesLine).toBe(false);
    expect(seen).toBeGreaterThan(0);
    for (let k = 0; k < 10; k++) {
      expect(world.step({ left: 20, right: 20 }).error).toBe(1);
      expect(world.seesLine).toBe(false);
    }
  });

  it('a robot on a single dark dot never succeeds, and every loss is counted', () => {
    const texture = textureOf(120, 120, (x, y) => (x - 60) ** 2 + (y - 60) ** 2 < 1.5 ** 2);
    const track = trackFromTexture('dot', texture);
    const sim = new Simulation(parseRunConfig({ steps: 6000, track: 'dot.png' }), track);
    const counter = countingLosses(sim);
    const summary = sim.runToEnd();
    expect(summary.success).toBe(false);
    expect(summary.lostLine).toBeGreaterThan(10);
    expect(summary.lostLine).toBe(counter.losses - (summary.evaluation?.lostLine ?? 0));
  });

  it('on a figure eight the robot starts on the line beside the crossing, heading along it', () => {
    const track = figureEight();
    const start = track.start;
    // Not at the crossing (100, 100), and on a dark pixel.
    expect(Math.hypot(start.x - 100, start.y - 100)).toBeGreaterThan(4);
    expect(track.texture.sample(start.x, start.y)).toBeLessThan(0.5);
    // Heading along the line: a point 3 cm ahead is dark too.
    expect(
      track.texture.sample(start.x + 3 * Math.cos(start.theta), start.y + 3 * Math.sin(start.theta)),
    ).toBeLessThan(0.5);
  });

  it('on a figure eight no success is reported during a streak broken by a loss', () => {
    const track = figureEight();
    // Seed 22 loses the line once (at step 344), then succeeds: the streak the loss broke is not
    // reported, the one after it is.
    const sim = new Simulation(
      parseRunConfig({ steps: 8000, track: 'eight.png', afterSuccess: -1, seed: 22 }),
      track,
    );
    const counter = countingLosses(sim);
    const lossSteps: number[] = [];
    let before = 0;
    while (!sim.done) {
      sim.advance();
      if (sim.lostLine > before) lossSteps.push(sim.metrics.steps);
      before = sim.lostLine;
    }
    const summary = sim.summary();
    expect(summary.lostLine).toBe(counter.losses - (summary.evaluation?.lostLine ?? 0));
    expect(summary.success).toBe(true);
    expect(lossSteps.length).toBeGreaterThan(0);
    const start = summary.stepsToSuccess as number;
    // A loss came before the streak that counted, and none during it.
    expect(lossSteps.some((t) => t <= start)).toBe(true);
    const window = Math.max(summary.config.success.window, summary.lapSteps);
    expect(lossSteps.some((t) => t > start && t <= start + window)).toBe(false);
  });
});

describe('noise and the baseline (docs/closed-loop.md, "The world" and "Success")', () => {
  it('two seeds of the reflex alone give different reflexMeanAbsError', () => {
    const a = new Simulation(parseRunConfig({ rule: 'reflex', steps: 100, seed: 1 })).summary();
    const b = new Simulation(parseRunConfig({ rule: 'reflex', steps: 100, seed: 2 })).summary();
    expect(a.reflexMeanAbsError).not.toBe(b.reflexMeanAbsError);
    expect(a.reflexMeanAbsError).toBeGreaterThan(0);
  });

  it('the baseline is the same whatever the predictors see (their noise is a stream of its own)', () => {
    const baseline = (predictors: string) =>
      new Simulation(parseRunConfig({ steps: 10, world: { predictors } })).reflexMeanAbsError;
    expect(baseline('blind')).toBe(baseline('ahead'));
    expect(baseline('at-reflex')).toBe(baseline('ahead'));
  });

  it('a lap of a built-in track is its centre line, and a texture estimate comes close to it', () => {
    const track = builtinTrack('default');
    const estimate = lapLength(trackFromTexture('copy', track.texture, track.start));
    expect(Math.abs(estimate / lapLength(track) - 1)).toBeLessThan(0.1);
  });
});

/**
 * The claims of docs/closed-loop.md, "The task and its controls", on the default task, measured (issue acceptance). The figures behind them, for more
 * seeds and gains, are in docs/closed-loop.md.
 */
describe('the default task needs anticipation, and SaR learns it', () => {
  it('the reflex alone at gains 1, 5, 15 (its best), 25 and 100 never succeeds, judged against the default reflex', () => {
    for (const reflexGain of [1, 5, 15, 25, 100]) {
      for (const seed of [1, 2, 3]) {
        const summary = new Simulation(
          parseRunConfig({
            rule: 'reflex',
            seed,
            steps: 20_000,
            agent: { reflexGain },
            success: { baselineGain: 5 },
          }),
        ).runToEnd();
        expect(summary.success).toBe(false);
        expect(summary.steps).toBe(20_000);
      }
    }
  });

  it('blind predictors: no success for 5 of 5 seeds', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const summary = new Simulation(parseRunConfig({ seed, world: { predictors: 'blind' } })).runToEnd();
      expect(summary.success).toBe(false);
    }
  });

  it('at-reflex predictors (no look-ahead): no success for 5 of 5 seeds, and none keeps a gain when frozen', () => {
    const results = [];
    for (let seed = 1; seed <= 5; seed++) {
      results.push(new Simulation(parseRunConfig({ seed, world: { predictors: 'at-reflex' } })).runToEnd());
    }
    console.log(
      `at-reflex: success ${results.map((s) => (s.success ? s.stepsToSuccess : '-')).join(' ')}; ` +
        `frozen relative error ${results.map((s) => s.evaluation?.relativeError?.toFixed(2)).join(' ')}`,
    );
    for (const summary of results) {
      expect(summary.success).toBe(false);
      expect(summary.evaluation?.relativeError).toBeGreaterThan(1);
    }
  });

  for (const inputs of ['rows', 'camera'] as const) {
    it(`SaR with ${inputs} looking ahead succeeds for at least 8 of 10 seeds and keeps the gain when frozen`, () => {
      const results = [];
      for (let seed = 1; seed <= 10; seed++) {
        results.push(new Simulation(parseRunConfig({ seed, world: { inputs } })).runToEnd());
      }
      console.log(
        `${inputs}: steps to success ${results.map((s) => s.stepsToSuccess ?? '-').join(' ')}; ` +
          `relative error ${results.map((s) => s.relativeError?.toFixed(2)).join(' ')}; ` +
          `frozen ${results.map((s) => s.evaluation?.relativeError?.toFixed(2)).join(' ')}`,
      );
      const successes = results.filter((s) => s.success);
      expect(successes.length).toBeGreaterThanOrEqual(8);
      for (const summary of results) {
        expect(summary.reflexMeanAbsError).toBeGreaterThan(0);
        if (summary.success) {
          expect(summary.stepsToSuccess).toBeGreaterThan(0);
          expect(summary.evaluation?.steps).toBeGreaterThanOrEqual(summary.lapSteps);
          expect(summary.evaluation?.relativeError).toBeLessThanOrEqual(0.5);
        }
      }
    });
  }
});
