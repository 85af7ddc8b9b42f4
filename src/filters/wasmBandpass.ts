import { worldInstance } from '../backend/wasm.js';

interface BandpassExports {
  bandpass(
    input: number,
    predictors: number,
    k: number,
    d1: number,
    d2: number,
    norm: number,
    w1: number,
    w2: number,
    out: number,
  ): void;
}

/**
 * A bandpass array's arrays in a WebAssembly memory of their own, and its loop there (wasm/world.ts:
 * `bandpass`, the expressions of `BandpassBank.filter`).
 */
export class WasmBandpass {
  readonly input: Float64Array;
  readonly d1: Float64Array;
  readonly d2: Float64Array;
  readonly norm: Float64Array;
  readonly w1: Float64Array;
  readonly w2: Float64Array;
  readonly output: Float64Array;

  private constructor(
    private readonly exports: BandpassExports,
    buffer: ArrayBuffer,
    private readonly predictors: number,
    private readonly k: number,
    private readonly at: Int32Array,
  ) {
    const outputs = predictors * k;
    this.input = new Float64Array(buffer, at[0], predictors);
    this.d1 = new Float64Array(buffer, at[1], k);
    this.d2 = new Float64Array(buffer, at[2], k);
    this.norm = new Float64Array(buffer, at[3], k);
    this.w1 = new Float64Array(buffer, at[4], outputs);
    this.w2 = new Float64Array(buffer, at[5], outputs);
    this.output = new Float64Array(buffer, at[6], outputs);
  }

  /** Null where the engine will not give the memory (the bank then stays in TypeScript, same bits). */
  static create(predictors: number, k: number): WasmBandpass | null {
    const sizes = [predictors, k, k, k, predictors * k, predictors * k, predictors * k];
    const at = new Int32Array(sizes.length);
    let offset = 16;
    sizes.forEach((count, j) => {
      at[j] = offset;
      offset += Math.ceil((count * 8) / 16) * 16;
    });
    const instance = worldInstance(offset);
    if (!instance) return null;
    return new WasmBandpass(
      instance.exports as unknown as BandpassExports,
      instance.memory.buffer,
      predictors,
      k,
      at,
    );
  }

  filter(input: ArrayLike<number>): void {
    const x = this.input;
    for (let p = 0; p < this.predictors; p++) x[p] = input[p];
    const at = this.at;
    this.exports.bandpass(at[0], this.predictors, this.k, at[1], at[2], at[3], at[4], at[5], at[6]);
  }
}
