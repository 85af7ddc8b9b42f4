import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig } from '../../src/run/config.js';
import type { SweepGrid } from '../../src/sweep/grid.js';
import { runSweep } from '../../src/sweep/runner.js';
import type { BenchContext, BenchSection } from '../lib/types.js';

/**
 * Sweep throughput (issue 4, acceptance 3): the same small sweep with 1 and with 2 worker threads,
 * in runs/s, with the WebAssembly kernel (`workers1`, `workers2`: what `auto` picks) and with the
 * TypeScript kernel (`js`); every run spends its whole step budget (no early stop on success), so
 * all runs cost the same. Samples alternate (wasm 1, wasm 2, js 1, js 2, ...) and the best of each
 * is kept: on a shared machine the best sample is the one least disturbed by other work.
 */
export const sweepThroughputSection: BenchSection = {
  name: 'sweepThroughput',
  async run(context: BenchContext) {
    const runs = context.quick ? 8 : 24;
    const steps = context.quick ? 4000 : 20_000;
    const rounds = context.quick ? 1 : 2;
    const defaults = defaultRunConfig();
    const baseOf = (kernel: 'wasm' | 'js') => ({
      ...defaults,
      steps,
      afterSuccess: -1,
      network: { ...defaults.network, kernel },
    });
    const base = baseOf('wasm');
    const gridOf = (kernel: 'wasm' | 'js'): SweepGrid => ({
      rules: ['sar', 'backprop'],
      learningRates: [0.05],
      depths: null,
      width: 10,
      relevance: ['abs-error'],
      inputs: ['rows'],
      tracks: ['default'],
      seeds: Array.from({ length: runs / 2 }, (_, i) => i + 1),
      base: baseOf(kernel),
    });
    const samples: Record<string, number[]> = { wasm1: [], wasm2: [], js1: [], js2: [] };
    for (let round = 0; round < rounds; round++) {
      for (const kernel of ['wasm', 'js'] as const) {
        for (const workers of [1, 2] as const) {
          const dir = mkdtempSync(join(tmpdir(), 'sarlab-bench-sweep-'));
          try {
            const started = performance.now();
            const result = await runSweep({ grid: gridOf(kernel), out: dir, workers });
            const seconds = (performance.now() - started) / 1000;
            if (result.completed !== runs)
              throw new Error(`sweep bench: ${result.completed} of ${runs} runs`);
            samples[`${kernel}${workers}`].push(runs / seconds);
            context.log(`  sweep, ${kernel}, ${workers} worker(s): ${(runs / seconds).toFixed(2)} runs/s`);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }
      }
    }
    const best = (list: number[]) => Math.round(100 * Math.max(...list)) / 100;
    const one = best(samples.wasm1);
    const two = best(samples.wasm2);
    const ratio = Math.round((100 * two) / one) / 100;
    const jsOne = best(samples.js1);
    const jsTwo = best(samples.js2);
    if (availableParallelism() < 2)
      context.note('sweep throughput: fewer than 2 cores, the 2-worker figure means little');
    return {
      sweepThroughput: {
        runs,
        stepsPerRun: steps,
        network: base.network.layers.join('-'),
        kernel: 'wasm',
        workers1: { runsPerSec: one, stepsPerSec: Math.round(one * steps), samples: samples.wasm1 },
        workers2: { runsPerSec: two, stepsPerSec: Math.round(two * steps), samples: samples.wasm2 },
        ratio2vs1: ratio,
        js: {
          workers1: { runsPerSec: jsOne, stepsPerSec: Math.round(jsOne * steps), samples: samples.js1 },
          workers2: { runsPerSec: jsTwo, stepsPerSec: Math.round(jsTwo * steps), samples: samples.js2 },
          ratio2vs1: Math.round((100 * jsTwo) / jsOne) / 100,
        },
        wasmVsJs2Workers: Math.round((100 * two) / jsTwo) / 100,
        loadAverage1min: Math.round(100 * loadavg()[0]) / 100,
      },
    };
  },
};
