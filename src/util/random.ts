import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

type Generator = ReturnType<typeof xoroshiro128plus>;

/**
 * Seeded pseudo-random numbers (xoroshiro128+ from pure-rand). Everything random in sarlab draws
 * from one of these, so the same seed gives bit-identical runs on every platform.
 */
export class Random {
  private readonly generator: Generator;

  constructor(seed: number) {
    if (!Number.isInteger(seed)) throw new Error(`seed must be an integer, got ${seed}`);
    // pure-rand takes a 32-bit seed; fold larger integers so that distinct seeds stay distinct.
    this.generator = xoroshiro128plus((seed ^ Math.floor(seed / 4294967296)) | 0);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return uniformFloat64(this.generator);
  }

  /** Uniform in [min, max). */
  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box-Muller). */
  normal(): number {
    let u = this.next();
    while (u === 0) u = this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /**
   * Writes `count` standard normal values (Box-Muller, the same draws as `normal()`) into `out`.
   * The world's noise uses this form every step: no boxed numbers (docs/performance.md, "The hot path").
   */
  fillNormal(out: Float64Array, count: number): void {
    const g = this.generator;
    for (let i = 0; i < count; i++) {
      let u = (g.next() & 67108863) * 1.4901161193847656e-8 + (g.next() & 134217727) * 1.1102230246251565e-16;
      while (u === 0) {
        u = (g.next() & 67108863) * 1.4901161193847656e-8 + (g.next() & 134217727) * 1.1102230246251565e-16;
      }
      const v =
        (g.next() & 67108863) * 1.4901161193847656e-8 + (g.next() & 134217727) * 1.1102230246251565e-16;
      out[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
  }

  /** Writes `count` values uniform in [−1, 1) into `out` (allocation-free, like `fillNormal`). */
  fillSigned(out: Float64Array, count: number): void {
    const g = this.generator;
    for (let i = 0; i < count; i++) {
      out[i] =
        2 *
          ((g.next() & 67108863) * 1.4901161193847656e-8 + (g.next() & 134217727) * 1.1102230246251565e-16) -
        1;
    }
  }

  /** A fresh, independent generator derived from this one (for sub-systems that need their own stream). */
  fork(): Random {
    return new Random(Math.floor(this.next() * 2147483647));
  }
}
