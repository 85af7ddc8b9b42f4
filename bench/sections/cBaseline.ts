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
 * the kernels compute, in the same (canonical) order; it is not bit-identical only because gcc fuses
 * multiply-adds and glibc's exp may differ from V8's in the last bit (the report gives the largest
 * weight difference after VERIFY_STEPS steps: about 1e-16). `cSequential` is the same C with each
 * forward sum strictly left to right, the order before the canonical one (the baseline of the
 * previous performance round). `cFastMath` lets gcc reorder the sums (and so vectorise the dot
 * products): not the same arithmetic, shown for scale.
 */
const VARIANTS: Variant[] = [
  { key: 'c', flags: ['-O3', '-march=native'], about: 'gcc -O3 -march=native, canonical order' },
  {
    key: 'cSequential',
    flags: ['-O3', '-march=native', '-DSEQUENTIAL_SUMS'],
    about: 'gcc -O3 -march=native, each forward sum strictly left to right (the order before)',
  },
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

interface PairedRatio {
  /** Per-round ratios of the medians of the round's samples. */
  rounds: number[];
  median: number;
  /** Fastest sample of the first over fastest sample of the second. */
  best: number;
}

/**
 * The SaR step of both kernels against the C programs, measured in alternating rounds (each C
 * variant, then the WebAssembly kernel, then the TypeScript kernel, each for the same number of
 * steps, three samples each), so that all see the same stretch of load on a shared machine. `best`
 * is the fastest sample of one over the fastest of the other: the samples least disturbed by other
 * work (`ratios.sarVsC` of the report). `median` is the median of the per-round ratios.
 */
function pairedRatios(context: BenchContext, exes: Record<string, string>, weightsFile: string) {
  const steps = context.quick ? 5000 : 20_000;
  const rounds = context.quick ? 3 : 9;
  const steppers = {
    wasm: referenceStepper('sar', referenceNetwork(1, 'wasm')),
    js: referenceStepper('sar', referenceNetwork(1, 'js')),
  };
  steppers.wasm.run(steps); // warm the JIT up
  steppers.js.run(steps);
  const perRound: Record<string, number[]> = {};
  const best: Record<string, number> = {};
  const record = (key: string, rates: number[]) => {
    best[key] = Math.max(best[key] ?? 0, ...rates);
    perRound[key] ??= [];
    perRound[key].push(summarise(rates, steps).stepsPerSec);
  };
  for (let r = 0; r < rounds; r++) {
    for (const [key, exe] of Object.entries(exes)) {
      const timed = spawnSync(exe, [weightsFile, String(steps), '3'], { encoding: 'utf8' });
      if (timed.status !== 0) throw new Error(`C baseline failed: ${timed.stderr}`);
      record(key, (JSON.parse(timed.stdout) as { stepsPerSec: number[] }).stepsPerSec);
    }
    for (const [key, stepper] of Object.entries(steppers)) {
      const rates: number[] = [];
      for (let k = 0; k < 3; k++) {
        const started = performance.now();
        stepper.run(steps);
        rates.push((1000 * steps) / (performance.now() - started));
      }
      record(key, rates);
    }
  }
  const round2 = (x: number) => Math.round(100 * x) / 100;
  const pair = (a: string, b: string): PairedRatio | null => {
    if (!perRound[a] || !perRound[b]) return null;
    const ratios = perRound[a].map((x, k) => round2(x / perRound[b][k]));
    const sorted = [...ratios].sort((x, y) => x - y);
    return { rounds: ratios, median: sorted[Math.floor(sorted.length / 2)], best: round2(best[a] / best[b]) };
  };
  return {
    stepsPerRound: steps,
    rounds,
    bestStepsPerSec: Object.fromEntries(Object.entries(best).map(([k, v]) => [k, Math.round(v)])),
    wasmVsC: pair('wasm', 'c'),
    jsVsC: pair('js', 'c'),
    wasmVsCFastMath: pair('wasm', 'cFastMath'),
    wasmVsCSequential: pair('wasm', 'cSequential'),
    wasmVsJs: pair('wasm', 'js'),
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
    const exes: Record<string, string> = {};
    for (const variant of VARIANTS) {
      const exe = compile(context, variant);
      if (!exe) {
        baselines[variant.key] = null;
        continue;
      }
      exes[variant.key] = exe;
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
    }
    if (exes.c) {
      const paired = pairedRatios(context, exes, weightsFile);
      baselines.paired = paired;
      context.log(
        `  SaR / C, paired rounds (best, median): wasm ${paired.wasmVsC?.best}, ${paired.wasmVsC?.median}; js ${paired.jsVsC?.best}, ${paired.jsVsC?.median}; wasm / C fast-math ${paired.wasmVsCFastMath?.best}, ${paired.wasmVsCFastMath?.median}`,
      );
    }
    return { baselines };
  },
};
