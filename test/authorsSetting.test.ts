import { describe, expect, it } from 'vitest';
import { AuthorsCriterion } from '../src/loop/authorsCriterion.js';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { ENKI_CENTRE_LINE, ENKI_LINE_WIDTH } from '../src/world/enkiTrack.js';
import { LineFollowerEnvironment } from '../src/world/lineFollower.js';
import { builtinTrack } from '../src/world/track.js';
import { enkiPredictor, enkiResponse } from '../src/world/worldConfig.js';

describe("the authors' track (`enki`)", () => {
  const track = builtinTrack('enki');

  it('is their 250 × 250 arena at 0.25 cm per pixel, the line dark along their centre line', () => {
    expect(track.texture.width).toBe(1000);
    expect(track.texture.widthCm).toBe(250);
    for (let k = 0; k < ENKI_CENTRE_LINE.length; k += 2) {
      expect(track.texture.sample(ENKI_CENTRE_LINE[k], ENKI_CENTRE_LINE[k + 1])).toBeLessThan(0.05);
    }
    // The robot starts on the line; the floor a line width away is white.
    expect(track.texture.sample(track.start.x, track.start.y)).toBe(0);
    expect(track.texture.sample(track.start.x + ENKI_LINE_WIDTH, track.start.y)).toBe(1);
    expect(track.texture.sample(125, 125)).toBe(1); // their start pose is off the line
  });

  it('the line is their width across (2.84 cm)', () => {
    // At the start the line runs along y: count the dark width across x.
    let dark = 0;
    for (let x = track.start.x - 5; x < track.start.x + 5; x += 0.01) {
      dark += (1 - track.texture.sample(x, track.start.y)) * 0.01;
    }
    expect(dark).toBeCloseTo(ENKI_LINE_WIDTH, 1);
  });

  it('`--track enki` works alone, with the default world', () => {
    const simulation = new Simulation(parseRunConfig({ track: 'enki', steps: 400, evaluation: { laps: 0 } }));
    const summary = simulation.runToEnd();
    expect(summary.track).toBe('enki');
    expect(summary.steps).toBe(400);
  });
});

describe("the authors' sensors", () => {
  const config = parseRunConfig({ preset: 'enki-2021' });

  it('predictors are max(0, 0.731059 − σ(grey)): [0, 0.231] from white to black', () => {
    expect(enkiPredictor(0)).toBeCloseTo(0.231059, 6);
    expect(enkiPredictor(1)).toBeGreaterThan(0);
    expect(enkiPredictor(1)).toBeLessThan(1e-6);
    expect(enkiResponse(0)).toBe(0.5);
    const world = new LineFollowerEnvironment(builtinTrack('enki'), config.world);
    const { observation } = world.reset(1);
    expect(world.predictorCount).toBe(144);
    expect(Math.max(...observation.predictors)).toBeCloseTo(0.231059, 2);
    expect(Math.min(...observation.predictors)).toBeGreaterThanOrEqual(0);
  });

  it('e = 50 · (σ(L) − σ(R)), exactly 0 on every step where neither error sensor sees the line', () => {
    // The reflex alone with the preset, every step logged: the dead zone (lostLineError 'zero').
    const run = (lostLineError: 'zero' | 'hold') => {
      const simulation = new Simulation(
        parseRunConfig({
          preset: 'enki-2021',
          rule: 'reflex',
          steps: 3000,
          logEvery: 1,
          world: { lostLineError },
        }),
      );
      const world = simulation.parts.environment as LineFollowerEnvironment;
      const unseen: number[] = [];
      let largest = 0;
      simulation.logSink = (row) => {
        largest = Math.max(largest, Math.abs(row[1]));
        if (!world.seesLine) unseen.push(row[1]);
      };
      simulation.runToEnd();
      return { unseen, largest };
    };
    const dead = run('zero');
    expect(dead.unseen.length).toBeGreaterThan(100);
    expect(dead.unseen.every((e) => e === 0)).toBe(true);
    expect(dead.largest).toBeGreaterThan(1);
    expect(dead.largest).toBeLessThanOrEqual(50 * (enkiResponse(1) - enkiResponse(0)));
    // The default world holds the last sign's extreme value instead.
    const held = run('hold');
    expect(held.unseen.length).toBeGreaterThan(0);
    expect(held.unseen.every((e) => Math.abs(e) === 50 * (enkiResponse(1) - enkiResponse(0)))).toBe(true);
  });
});

describe("the authors' network", () => {
  it('all-positive weights, the first layer scaled by 1/1000 (weightBoost in effective form)', () => {
    const simulation = new Simulation(parseRunConfig({ preset: 'enki-2021', steps: 10 }));
    const layers = simulation.parts.network?.layers ?? [];
    expect(layers.map((l) => l.outputs)).toEqual([10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2]);
    expect(layers[0].inputs).toBe(144 * 5);
    const first = Array.from(layers[0].weights);
    expect(Math.min(...first)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...first)).toBeLessThan(0.001);
    expect(Math.max(...first)).toBeGreaterThan(0.0009);
    const second = Array.from(layers[1].weights);
    expect(Math.max(...second)).toBeGreaterThan(0.5);
    expect(layers.every((l) => !l.hasBias)).toBe(true);
  });

  it('the preset is their setting, value by value', () => {
    const c = parseRunConfig({ preset: 'enki-2021' });
    expect(c.track).toBe('enki');
    expect([c.rule, c.signMode, c.learningRate, c.relevance]).toEqual([
      'sar',
      'gradient',
      1e-5,
      'authors-cue',
    ]);
    expect(c.world.reflex).toMatchObject({ ahead: 10, offset: 5 });
    expect(c.world).toMatchObject({
      errorGain: 50,
      lostLineError: 'zero',
      sensorModel: 'enki',
      sensorNoise: 0,
    });
    expect(c.world.rows).toMatchObject({ distances: [11, 12, 13], count: 48, spread: 47 * 0.25 });
    expect(c.filters).toMatchObject({ count: 5, minPeriod: 3, maxPeriod: 10, damping: 0.51 });
    expect(c.agent).toMatchObject({ speed: 30, reflexGain: 1, netGain: 5, outputWeights: [1, 2] });
    expect(c.success.authors).toBe(true);
  });
});

describe("the authors' success criterion", () => {
  it('Σ|e| over the last 200 steps < 0.1 for 200 steps running, counted after step 200', () => {
    const a = new AuthorsCriterion();
    for (let t = 0; t < 399; t++) a.record(0);
    expect(a.success).toBe(false);
    a.record(0);
    expect(a.stepsToSuccess).toBe(200);
    // A single |e| of 0.1 in the window breaks the streak for 200 steps.
    const b = new AuthorsCriterion();
    for (let t = 0; t < 300; t++) b.record(t === 250 ? 0.1 : 0.0004);
    for (let t = 0; t < 349; t++) b.record(0);
    expect(b.success).toBe(false);
    b.record(0);
    // The windowed sum falls below 0.1 again at step 451 (the 0.1 leaves it); 200 steps later, success.
    expect(b.stepsToSuccess).toBe(450);
  });

  it('is in the summary only when asked for', () => {
    const plain = new Simulation(parseRunConfig({ steps: 50, evaluation: { laps: 0 } })).runToEnd();
    expect('authors' in plain).toBe(false);
    const asked = new Simulation(
      parseRunConfig({ steps: 50, evaluation: { laps: 0 }, success: { authors: true } }),
    ).runToEnd();
    expect(asked.authors).toEqual({ success: false, stepsToSuccess: null });
  });
});

describe("the authors' relevance in a learner of your own", () => {
  it('ClosedLoopLearner.doStep hands its inputs to the relevance as the predictors', async () => {
    const { ClosedLoopLearner, Network, relevance, sar } = await import('../src/index.js');
    const rule = sar({ learningRate: 0.1, relevance: relevance.authorsCue(4) });
    const learner = new ClosedLoopLearner(new Network({ inputs: 8, layers: [3, 1], seed: 1 }), null, rule);
    const inputs = [0, 0, 0.2, 0, 0.2, 0, 0, 0];
    learner.doStep(inputs, 0.1);
    learner.doStep(inputs, 0.1);
    expect(rule.lastRelevance).toBe(3);
  });
});
