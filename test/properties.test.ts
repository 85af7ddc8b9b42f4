import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS, createRule, Network, RULE_NAMES, ValidationError } from '../src/index.js';
import { loadModel, saveModel } from '../src/node/modelFile.js';
import { parseRunConfig } from '../src/run/config.js';
import { Simulation } from '../src/run/simulation.js';
import { tempDir } from './cliHelpers.js';

const SEED = 20261128; // fixed, so that failures reproduce

describe('the config parser (property-based)', () => {
  it('either accepts a config (and then is idempotent) or throws a ValidationError', () => {
    const value = fc.oneof(
      fc.integer(),
      fc.double(),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.integer(), { maxLength: 3 }),
    );
    const config = fc.record(
      {
        seed: value,
        steps: value,
        rule: fc.oneof(fc.constantFrom('sar', 'backprop', 'reflex', 'hebb'), value),
        learningRate: value,
        network: fc.oneof(
          fc.record(
            { layers: fc.oneof(fc.array(fc.integer({ min: -2, max: 20 }), { maxLength: 4 }), value) },
            { requiredKeys: [] },
          ),
          value,
        ),
        relevance: fc.oneof(
          fc.constantFrom('abs-error', 'cue', 'constant', 'joy'),
          fc.array(fc.constantFrom('abs-error', 'cue', 'x')),
        ),
        bogus: value,
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(config, (input) => {
        try {
          const parsed = parseRunConfig(input);
          expect(parseRunConfig(JSON.parse(JSON.stringify(parsed)))).toEqual(parsed);
          expect(Number.isInteger(parsed.steps) && parsed.steps >= 1).toBe(true);
          expect(parsed.network.layers.length).toBeGreaterThan(0);
        } catch (error) {
          expect(error).toBeInstanceOf(ValidationError);
          expect((error as ValidationError).message).toMatch(/^config\.[\w.]+: got .*, expected /);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('keeps every valid value it is given', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1000, max: 1000 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...RULE_NAMES),
        (seed, learningRate, layers, rule) => {
          const parsed = parseRunConfig({ seed, learningRate, rule, network: { layers } });
          expect(parsed.seed).toBe(seed);
          expect(parsed.learningRate).toBe(learningRate);
          expect(parsed.network.layers).toEqual(layers);
          expect(parsed.rule).toBe(rule);
        },
      ),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('the model loader (property-based)', () => {
  it('never loads a model with any byte changed', () => {
    const dir = tempDir('sarlab-model-');
    const path = join(dir, 'model.json');
    const config = parseRunConfig({ network: { layers: [6, 4, 2] } });
    const net = new Network({ inputs: 120, layers: [6, 4, 2], seed: 3 });
    saveModel(path, net, config, 42);
    const original = readFileSync(path);
    expect(loadModel(path).savedAtStep).toBe(42);
    const damaged = join(dir, 'damaged.json');
    fc.assert(
      fc.property(
        fc.nat({ max: original.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (position, delta) => {
          const bytes = Buffer.from(original);
          bytes[position] = (bytes[position] + delta) % 256;
          writeFileSync(damaged, bytes);
          expect(() => loadModel(damaged)).toThrow(ValidationError);
        },
      ),
      { seed: SEED, numRuns: 400 },
    );
    fc.assert(
      fc.property(fc.nat({ max: original.length - 1 }), (length) => {
        writeFileSync(damaged, original.subarray(0, length));
        expect(() => loadModel(damaged)).toThrow(ValidationError);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('the network and the divergence guard (property-based)', () => {
  // Bounded activations keep every value finite for bounded inputs, errors and learning rates; with
  // relu or linear units the weights can grow without bound, which the closed-loop guard below covers.
  it('random shapes with bounded activations stay finite for finite inputs', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: 1, maxLength: 4 }),
        fc.constantFrom('sigmoid' as const, 'tanh' as const),
        fc.constantFrom(...RULE_NAMES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 1000 }),
        (layers, activation, rule, learningRate, seed) => {
          const net = new Network({ inputs: 5, layers, activation, seed });
          const learner = createRule(rule, { learningRate });
          let state = seed;
          const next = () => {
            state = (state * 1103515245 + 12345) % 2147483648;
            return state / 2147483648 - 0.5;
          };
          for (let t = 0; t < 100; t++) {
            const y = net.forward([next(), next(), next(), next(), next()]);
            const bad = !y.every(Number.isFinite) || net.findNonFinite() !== null;
            // With bounded inputs, errors and learning rates nothing may become non-finite here.
            expect(bad).toBe(false);
            learner.learn(
              net,
              Array.from(y, () => next()),
            );
          }
        },
      ),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('in the closed loop, a run either stays finite or reports the divergence with step and layer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.constantFrom(...ACTIVATIONS),
        fc.constantFrom(...RULE_NAMES),
        fc.double({ min: -3, max: 200, noNaN: true }),
        fc.integer({ min: 1, max: 100 }),
        (hidden, activation, rule, logRate, seed) => {
          const config = parseRunConfig({
            seed,
            rule,
            steps: 300,
            learningRate: 10 ** logRate,
            network: { layers: [...hidden, 2], activation },
          });
          const simulation = new Simulation(config);
          const summary = simulation.runToEnd();
          const net = simulation.parts.network!;
          const logFinite = simulation.log.data.every((column) =>
            column.subarray(0, simulation.log.rows).every(Number.isFinite),
          );
          const netFinite = net.findNonFinite() === null && net.output.every(Number.isFinite);
          if (summary.diverged) {
            expect(summary.divergence!.layer).toBeGreaterThanOrEqual(0);
            expect(summary.divergence!.layer).toBeLessThanOrEqual(hidden.length + 1);
            expect(summary.stopReason).toBe('diverged');
          } else {
            expect(netFinite && logFinite).toBe(true);
          }
        },
      ),
      { seed: SEED, numRuns: 60 },
    );
  });
});
