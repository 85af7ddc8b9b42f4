import { Network, type NetworkOptions, Random } from '../src/index.js';

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

export { Random };
