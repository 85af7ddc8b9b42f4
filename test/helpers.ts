import { Network, type NetworkOptions, Random } from '../src/index.js';
import { GroundTexture } from '../src/world/texture.js';

/** Uniform random vector in [lo, hi) from a seeded generator. */
export function randomVector(random: Random, n: number, lo = -0.5, hi = 0.5): Float64Array {
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) v[i] = random.uniform(lo, hi);
  return v;
}

export function allWeights(net: Network): number[] {
  return net.snapshot().flatMap((a) => Array.from(a));
}

export function makeNet(options: Partial<NetworkOptions> = {}): Network {
  return new Network({ inputs: 5, layers: [4, 3, 2], activation: 'sigmoid', seed: 7, ...options });
}

/** Bit patterns, so that -0 and 0 (and NaN payloads) count as different. */
export function bits(a: Float64Array): string[] {
  return Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (b) => b.toString(16));
}

/** A texture large enough for the sensors to lie well inside it for most poses, with some −0 and values outside [0, 1]. */
export function bigTexture(random: Random, scale: number): GroundTexture {
  const width = 311;
  const height = 197;
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    const r = random.next();
    data[i] = r < 0.01 ? -0 : r < 0.02 ? random.uniform(-2, 3) : r;
  }
  return new GroundTexture(width, height, scale, data);
}

export { Random };

/**
/**
 * Summary fields added after the bit-identity fixtures were recorded, or that differ between two
 * runs of the same configuration (wall time, provenance): left out when hashing a summary to compare
 * it with a recorded hash. Each added field is worked out from what the run did (the learning curve
 * and the longest streak from the logged |e| average, lasting success from success and the frozen
 * evaluation; test/learningCurve.test.ts and test/outputsTruth.test.ts check them against the log),
 * so leaving them out hides no change of results.
 */
export const NOT_IN_FIXTURES = [
  'wallSeconds',
  'provenance',
  'longestStreakBelowThreshold',
  'longestStreakEnd',
  'lastingSuccess',
  'curve',
];

/** A summary without the fields of NOT_IN_FIXTURES, its other fields in their order. */
export function asInFixtures<T extends object>(summary: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(summary).filter(([key]) => !NOT_IN_FIXTURES.includes(key)),
  ) as Partial<T>;
}
