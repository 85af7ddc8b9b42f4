import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultRunConfig } from '../../src/experiments/config.js';
import type { SweepGrid } from '../../src/experiments/sweepGrid.js';
import { runSweep } from '../../src/experiments/sweepRunner.js';
import type { BenchContext, BenchSection } from '../lib/types.js';

/**
 * Sweep throughput (issue 4, acceptance 3): the same small sweep with 1 and with 2 worker threads,
 * in runs/s; every run spends its whole step budget (no early stop on success), so all runs cost
 * the same. Samples alternate 1, 2, 1, 2, ... and the best of each is kept: on a shared machine the
 * best sample is the one least disturbed by other work.
 */
export const sweepThroughputSection: BenchSection = {
  name: 'sweepThroughput',
  async run(context: BenchContext) {
    const runs = context.quick ? 8 : 24;
    const steps = context.quick ? 4000 : 20_000;
    const rounds = context.quick ? 1 : 2;
    const base = { ...defaultRunConfig(), steps, afterSuccess: -1 };
    const grid: SweepGrid = {
      rules: ['sar', 'backprop'],
      learningRates: [0.05],
      depths: null,
      width: 10,
      relevance: ['abs-error'],
      inputs: ['rows'],
      tracks: ['default'],
      seeds: Array.from({ length: runs / 2 }, (_, i) => i + 1),
      base,
    };
    const samples: Record<'1' | '2', number[]> = { '1': [], '2': [] };
    for (let round = 0; round < rounds; round++) {
      for (const workers of [1, 2] as const) {
        const dir = mkdtempSync(join(tmpdir(), 'sarlab-bench-sweep-'));
        try {
          const started = performance.now();
          const result = await runSweep({ grid, out: dir, workers });
          const seconds = (performance.now() - started) / 1000;
          if (result.completed !== runs) throw new Error(`sweep bench: ${result.completed} of ${runs} runs`);
          samples[workers].push(runs / seconds);
          context.log(`  sweep, ${workers} worker(s): ${(runs / seconds).toFixed(2)} runs/s`);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    const best = (list: number[]) => Math.round(100 * Math.max(...list)) / 100;
    const one = best(samples['1']);
    const two = best(samples['2']);
    const ratio = Math.round((100 * two) / one) / 100;
    if (availableParallelism() < 2)
      context.note('sweep throughput: fewer than 2 cores, the 2-worker figure means little');
    return {
      sweepThroughput: {
        runs,
        stepsPerRun: steps,
        network: base.network.layers.join('-'),
        workers1: { runsPerSec: one, stepsPerSec: Math.round(one * steps), samples: samples['1'] },
        workers2: { runsPerSec: two, stepsPerSec: Math.round(two * steps), samples: samples['2'] },
        ratio2vs1: ratio,
        loadAverage1min: Math.round(100 * loadavg()[0]) / 100,
      },
    };
  },
};
