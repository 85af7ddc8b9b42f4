import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarise } from '../lib/measure.js';
import { flatWeights, referenceNetwork, referenceStepper } from '../lib/reference.js';
import type { BenchContext, BenchSection } from '../lib/types.js';

const VERIFY_STEPS = 2000;

interface Variant {
  key: string;
  flags: string[];
  about: string;
}

/**
 * `c` is the baseline of the acceptance ratio: plain loops, gcc -O3 -march=native. It computes what
 * the TypeScript step computes, in the same order; it is not bit-identical only because gcc fuses
 * multiply-adds and glibc's exp may differ from V8's in the last bit (the report gives the largest
 * weight difference after VERIFY_STEPS steps: about 1e-16). `cFastMath` lets gcc reorder the sums
 * (and so vectorise the dot products): not the same arithmetic, shown for scale only.
 */
const VARIANTS: Variant[] = [
  { key: 'c', flags: ['-O3', '-march=native'], about: 'gcc -O3 -march=native' },
  {
    key: 'cFastMath',
    flags: ['-O3', '-march=native', '-ffast-math'],
    about: 'gcc -O3 -march=native -ffast-math (sums reordered: not the same arithmetic)',
  },
];

function compile(context: BenchContext, variant: Variant): string | null {
  const exe = join(context.outDir, `sar-${variant.key}`);
  const source = join(context.root, 'bench', 'c', 'sar.c');
  const result = spawnSync('gcc', [...variant.flags, '-o', exe, source, '-lm'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) {
    context.note(`C baseline ${variant.key} skipped: ${result.error?.message ?? result.stderr.trim()}`);
    return null;
  }
  return exe;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): { maxAbsDiff: number; bitIdentical: boolean } {
  let max = 0;
  let same = a.length === b.length;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    if (!Object.is(a[i], b[i])) same = false;
  }
  return { maxAbsDiff: max, bitIdentical: same };
}

/**
 * The SaR step in TypeScript against C, measured in alternating rounds (C, then TypeScript, each
 * for the same number of steps), so that both see the same stretch of load on a shared machine.
 * `best` is the fastest TypeScript sample over the fastest C sample: the samples least disturbed by
 * other work, the `sarVsC` of the report. `median` is the median of the per-round ratios.
 */
function pairedRatio(context: BenchContext, exe: string, weightsFile: string) {
  const steps = context.quick ? 5000 : 20_000;
  const rounds = context.quick ? 3 : 9;
  const ts = referenceStepper('sar');
  ts.run(steps); // warm the JIT up
  const ratios: number[] = [];
  let bestC = 0;
  let bestTs = 0;
  for (let r = 0; r < rounds; r++) {
    const timed = spawnSync(exe, [weightsFile, String(steps), '3'], { encoding: 'utf8' });
    if (timed.status !== 0) throw new Error(`C baseline failed: ${timed.stderr}`);
    const cRates = (JSON.parse(timed.stdout) as { stepsPerSec: number[] }).stepsPerSec;
    const tsRates: number[] = [];
    for (let k = 0; k < 3; k++) {
      const started = performance.now();
      ts.run(steps);
      tsRates.push((1000 * steps) / (performance.now() - started));
    }
    bestC = Math.max(bestC, ...cRates);
    bestTs = Math.max(bestTs, ...tsRates);
    const c = summarise(cRates, steps).stepsPerSec;
    const t = summarise(tsRates, steps).stepsPerSec;
    ratios.push(Math.round((100 * t) / c) / 100);
  }
  const sorted = [...ratios].sort((a, b) => a - b);
  return {
    stepsPerRound: steps,
    rounds: ratios,
    median: sorted[Math.floor(sorted.length / 2)],
    bestTypeScript: Math.round(bestTs),
    bestC: Math.round(bestC),
    best: Math.round((100 * bestTs) / bestC) / 100,
  };
}

export const cBaselineSection: BenchSection = {
  name: 'cBaseline',
  async run(context) {
    mkdirSync(context.outDir, { recursive: true });
    const weightsFile = join(context.outDir, 'reference-weights.bin');
    writeFileSync(weightsFile, flatWeights(referenceNetwork()));
    // What the TypeScript step computes after VERIFY_STEPS steps, to check the C program against.
    const ts = referenceStepper('sar');
    ts.run(VERIFY_STEPS);
    const expected = flatWeights(ts.net);
    const baselines: Record<string, unknown> = {};
    for (const variant of VARIANTS) {
      const exe = compile(context, variant);
      if (!exe) {
        baselines[variant.key] = null;
        continue;
      }
      const finalFile = join(context.outDir, `final-${variant.key}.bin`);
      const verify = spawnSync(exe, [weightsFile, String(VERIFY_STEPS), '0', finalFile], {
        encoding: 'utf8',
      });
      if (verify.status !== 0) throw new Error(`C baseline failed: ${verify.stderr}`);
      const bytes = readFileSync(finalFile);
      const final = new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8);
      const check = maxAbsDiff(final, expected);
      const stepsPerSample = context.quick ? 5000 : 20_000;
      const samples = context.quick ? 5 : variant.key === 'c' ? 21 : 9;
      const timed = spawnSync(exe, [weightsFile, String(stepsPerSample), String(samples)], {
        encoding: 'utf8',
      });
      if (timed.status !== 0) throw new Error(`C baseline failed: ${timed.stderr}`);
      const rates = (JSON.parse(timed.stdout) as { stepsPerSec: number[] }).stepsPerSec;
      const summary = summarise(rates, stepsPerSample);
      context.log(
        `  baselines.${variant.key}: ${summary.stepsPerSec.toFixed(0)} steps/s (IQR ${summary.p25.toFixed(0)}–${summary.p75.toFixed(0)}); vs TypeScript after ${VERIFY_STEPS} steps: max |Δw| ${check.maxAbsDiff}, bit-identical ${check.bitIdentical}`,
      );
      baselines[variant.key] = {
        compiler: variant.about,
        ...summary,
        checkAgainstTypeScript: { steps: VERIFY_STEPS, ...check },
      };
      if (variant.key === 'c') {
        const paired = pairedRatio(context, exe, weightsFile);
        (baselines.c as Record<string, unknown>).pairedWithTypeScript = paired;
        context.log(
          `  SaR TypeScript / C, paired rounds: best ${paired.best}, median ${paired.median} (${paired.rounds.join(', ')})`,
        );
      }
    }
    return { baselines };
  },
};
