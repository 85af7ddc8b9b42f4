// The live lab's pure parts, in Node: its settings, its plain-language checks, and the core's
// "freeze and evaluate now" that its button uses.
import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { RULE_COLOURS } from '../src/util/palette.js';
import {
  checkInputs,
  DEFAULT_SETTINGS,
  FAILING_CONTROL,
  FAILING_CONTROL_NOTE,
  plainMessage,
  type RawInputs,
  runConfig,
  settingsFromQuery,
  settingsToQuery,
} from '../web/src/settings.js';
import { agentColours, sinceText, VERDICT_COLOURS, verdictLabel, verdictOf } from '../web/src/verdict.js';

const GOOD: RawInputs = {
  layers: '10,10,10,10,2',
  seed: '1',
  trackSeed: '7',
  steps: '100000',
  trackScale: '0.5',
  reflexGain: '5',
};

describe('the lab settings', () => {
  it('hold the predictors and the reflex gain, in the link too', () => {
    const s = { ...DEFAULT_SETTINGS, predictors: 'blind' as const, reflexGain: 15, rule: 'reflex' as const };
    const back = settingsFromQuery(settingsToQuery(s));
    expect(back.predictors).toBe('blind');
    expect(back.reflexGain).toBe(15);
    expect(back.rule).toBe('reflex');
    expect(settingsFromQuery('predictors=sideways&reflexGain=-3')).toMatchObject({
      predictors: 'ahead',
      reflexGain: 5,
    });
  });

  it('judge every run against the reflex alone at the default gain', () => {
    const config = runConfig({ ...DEFAULT_SETTINGS, rule: 'reflex', reflexGain: 15 }, 'a', 'default');
    expect(config.agent.reflexGain).toBe(15);
    expect(config.success.baselineGain).toBe(5);
    const controls = runConfig({ ...DEFAULT_SETTINGS, predictors: 'at-reflex' }, 'a', 'default');
    expect(controls.world.predictors).toBe('at-reflex');
  });

  it('explain bad input in plain words', () => {
    expect(checkInputs(GOOD)).toEqual([]);
    const messages = (raw: Partial<RawInputs>) => checkInputs({ ...GOOD, ...raw }).map((p) => p.message);
    expect(messages({ layers: '10,abc,2' })).toEqual([
      'Layer 2 width must be a whole number ≥ 1 (got “abc”).',
    ]);
    expect(messages({ layers: '10,0' })).toEqual([
      'Layer 2 (the outputs) width must be a whole number ≥ 1 (got “0”).',
    ]);
    expect(messages({ layers: '10,,2' })[0]).toBe('Layer 2 width must be a whole number ≥ 1 (got nothing).');
    expect(messages({ layers: '' })[0]).toMatch(/at least one layer width/);
    expect(messages({ layers: '5000' })[0]).toMatch(/at most 1000/);
    expect(messages({ seed: '1.5' })[0]).toMatch(/^Seed must be a whole number/);
    expect(messages({ steps: '0' })[0]).toMatch(/^Step budget must be a whole number from 1 to 2,000,000/);
    expect(messages({ trackScale: '-1' })[0]).toMatch(/^cm per pixel must be a number above 0/);
    expect(messages({ reflexGain: 'x' })[0]).toMatch(/^Reflex gain must be a number from 0/);
    // No message repeats the configuration's field paths.
    for (const m of messages({ layers: 'a,b', seed: 'x', steps: '', trackScale: '', reflexGain: '' }))
      expect(m).not.toMatch(/settings\.|NaN|expected/);
  });

  it('rewrite configuration errors without field paths', () => {
    let error: unknown;
    try {
      runConfig({ ...DEFAULT_SETTINGS, layers: '10,x,2' }, 'a', 'default');
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/settings\.network\.layers\.1/);
    expect(plainMessage(error)).toBe('Layer 2 width is not valid: expected a number.');
  });
});

describe('freeze and evaluate now', () => {
  it('drives one frozen lap from the start, the same as a run whose budget ended there', () => {
    const config = parseRunConfig({ seed: 2, steps: 20_000, afterSuccess: -1 });
    const live = new Simulation(config);
    live.advanceMany(1500);
    live.evaluateNow();
    expect(live.phase).toBe('evaluation');
    expect(live.parts.agent.rule).toBeNull();
    const weights = live.parts.network!.snapshot();
    live.runToEnd();
    const summary = live.summary();
    expect(summary.evaluation?.steps).toBe(live.lapSteps);
    expect(live.evaluationProgress).toEqual({ steps: live.lapSteps, of: live.lapSteps });
    // The weights did not move during the lap.
    expect(live.parts.network!.snapshot()).toEqual(weights);
    // A run with a budget of 1,500 steps ends with the same evaluation lap.
    const budget = new Simulation(parseRunConfig({ seed: 2, steps: 1500, afterSuccess: -1 })).runToEnd();
    expect(summary.evaluation).toEqual(budget.evaluation);
    expect(summary.evaluation!.relativeError).toBeCloseTo(
      summary.evaluation!.meanAbsError / summary.reflexMeanAbsError!,
      12,
    );
  });

  it('does nothing once the run is evaluating or done, and works for the reflex alone', () => {
    const reflex = new Simulation(parseRunConfig({ rule: 'reflex', steps: 5000 }));
    reflex.advanceMany(100);
    reflex.evaluateNow();
    reflex.runToEnd();
    expect(reflex.summary().evaluation?.steps).toBe(reflex.lapSteps);
    const before = reflex.summary().evaluation;
    reflex.evaluateNow();
    expect(reflex.phase).toBe('done');
    expect(reflex.summary().evaluation).toEqual(before);
    expect(() => new Simulation(parseRunConfig({ steps: 10 })).evaluateNow(0)).toThrow(/laps/);
  });
});

describe('the lab opens on a run worth watching', () => {
  // One step is 50 ms of simulated time: at speed × real time the page runs 20 × speed steps a second.
  const seconds = (steps: number, speed: number) => steps / (20 * speed);

  it('the default seed succeeds and holds it, and learning to success, the budget and its frozen lap take under a minute', () => {
    const config = runConfig(DEFAULT_SETTINGS, 'a', 'default');
    const simulation = new Simulation(config);
    const summary = simulation.runToEnd();
    expect(summary.success).toBe(true);
    const confirmed = (summary.stepsToSuccess as number) + Math.max(config.success.window, summary.lapSteps);
    expect(seconds(confirmed, DEFAULT_SETTINGS.speed)).toBeLessThan(60);
    expect(seconds(config.steps + summary.lapSteps, DEFAULT_SETTINGS.speed)).toBeLessThan(60);
    // Still held at the end of the budget, learning and frozen: the page shows a green success.
    const verdict = verdictOf({
      success: summary.success,
      relativeError: summary.relativeError,
      frozenRelativeError: summary.evaluation?.relativeError ?? null,
      threshold: config.success.threshold,
    });
    expect(verdict).toBe('holding');
  });

  it('the failing control one click away does not succeed in the budget the button gives it', () => {
    const config = runConfig({ ...DEFAULT_SETTINGS, ...FAILING_CONTROL }, 'a', 'default');
    const summary = new Simulation({ ...config, evaluation: { ...config.evaluation, laps: 0 } }).runToEnd();
    expect(summary.success).toBe(false);
    expect(FAILING_CONTROL_NOTE).toMatch(/^Blind predictors/);
    // The note's figure: a relative error about that of the reflex alone.
    expect(Math.abs((summary.relativeError ?? 0) - 1)).toBeLessThan(0.1);
  });
});

describe('the verdict', () => {
  const base = { success: true, relativeError: 0.3, frozenRelativeError: null, threshold: 0.5 };

  it('is green only while a success holds: amber above the threshold, red no better than the reflex', () => {
    expect(verdictOf({ ...base, success: false })).toBe('none');
    expect(verdictOf(base)).toBe('holding');
    expect(verdictOf({ ...base, relativeError: 0.7 })).toBe('slipping');
    expect(verdictOf({ ...base, relativeError: 1.32 })).toBe('lost');
    expect(verdictOf({ ...base, frozenRelativeError: 1.13 })).toBe('lost');
    expect(verdictOf({ ...base, frozenRelativeError: 0.6 })).toBe('slipping');
    expect(verdictLabel('lost')).toBe('yes, since lost');
    expect(VERDICT_COLOURS.holding).not.toBe(VERDICT_COLOURS.slipping);
    expect(VERDICT_COLOURS.slipping).not.toBe(VERDICT_COLOURS.lost);
  });

  it('says when success came and what happened since', () => {
    expect(sinceText({ ...base, relativeError: 1.32, frozenRelativeError: 1.13 }, 846)).toBe(
      "success at step 846; since then the error has run away: now 1.32 × the reflex alone's, no better than the reflex; frozen lap 1.13 × the reflex alone's",
    );
    expect(sinceText({ ...base, success: false }, null)).toBeNull();
  });

  it('gives each racing agent its rule colour, and another when both race the same rule', () => {
    const race = agentColours('sar', 'backprop');
    expect(race.a).toBe(RULE_COLOURS.sar);
    expect(race.b).toBe(RULE_COLOURS.backprop);
    const same = agentColours('sar', 'sar');
    expect(same.b).not.toBe(same.a);
  });
});
