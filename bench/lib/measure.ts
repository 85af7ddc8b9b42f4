import { Bench } from 'tinybench';
import type { BenchContext, Throughput } from './types.js';

/** Quantile of ascending samples, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Median and spread of per-sample rates (steps/s). */
export function summarise(rates: readonly number[], stepsPerSample: number): Throughput {
  const sorted = [...rates].sort((a, b) => a - b);
  const median = quantile(sorted, 0.5);
  const p25 = quantile(sorted, 0.25);
  const p75 = quantile(sorted, 0.75);
  return {
    stepsPerSec: round(median),
    p25: round(p25),
    p75: round(p75),
    spreadPercent: Math.round((1000 * (p75 - p25)) / median) / 10,
    samples: sorted.length,
    stepsPerSample,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Times `batch()`, which runs `stepsPerBatch` steps, with tinybench: each tinybench sample is one
 * batch, so the timer's own cost is negligible even for steps of a few microseconds.
 */
export async function measureSteps(
  context: BenchContext,
  name: string,
  batch: () => void,
  stepsPerBatch: number,
  time = context.taskTime,
): Promise<Throughput> {
  const bench = new Bench({
    name,
    time,
    iterations: context.quick ? 5 : 20,
    warmupTime: context.quick ? 50 : 300,
    warmupIterations: 3,
    retainSamples: true,
  });
  bench.add(name, batch);
  await bench.run();
  const result = bench.tasks[0].result;
  if (result.state !== 'completed') {
    const error = 'error' in result ? result.error : undefined;
    throw new Error(`bench task ${name} did not complete (${result.state}): ${String(error ?? '')}`);
  }
  const latencies = result.latency.samples ?? [];
  const rates = latencies.filter((ms) => ms > 0).map((ms) => (1000 * stepsPerBatch) / ms);
  const summary = summarise(rates, stepsPerBatch);
  context.log(
    `  ${name}: ${summary.stepsPerSec.toFixed(0)} steps/s (IQR ${summary.p25.toFixed(0)}–${summary.p75.toFixed(0)}, ${summary.samples} samples)`,
  );
  return summary;
}
