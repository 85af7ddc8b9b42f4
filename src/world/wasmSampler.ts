import { worldInstance } from '../backend/wasm.js';
import type { GroundTexture } from './texture.js';
import type { Pose } from './track.js';

/*
 * The world's sensing loops in WebAssembly (wasm/world.ts), used when the world is built with the
 * WebAssembly kernel (`network.kernel` `wasm`, or `auto` where the engine has WebAssembly SIMD).
 * They replace the fast in-bounds loops of pointSet.ts and sensors.ts (`sampleInside`,
 * `meansInside`) and the camera's patch means, with the same float64 operations in the same order,
 * so a run gives the same bits on either kernel; everything else (the tests that choose the fast
 * path, the cosine and sine of the heading, the general loop near the edges) stays in TypeScript.
 *
 * One WebAssembly memory per world, sized up front and never grown: a parameter block, a copy of the
 * texture (widened to float64, exactly), then for each point set its points (x and y apart, laid
 * out two points, or two sensors, per 16 bytes) and its results.
 */

/** What the loops need of a point set (PointSet, pointSet.ts): its points and 1/scale. */
export interface SampledPoints {
  /** x, y pairs in the robot frame. */
  readonly local: Float64Array;
  readonly count: number;
  /** 1/scale of the texture when exact (a power of two), else 0. */
  readonly inverse: number;
}

interface WorldExports {
  sampleInside(xs: number, ys: number, pairs: number, texture: number, w: number, out: number): void;
  meansInside(
    xs: number,
    ys: number,
    pairs: number,
    n: number,
    texture: number,
    w: number,
    out: number,
  ): void;
  patchDarkness(
    image: number,
    width: number,
    height: number,
    columns: number,
    rows: number,
    out: number,
  ): void;
}

/** Byte offset of the float64 parameters (wasm/world.ts: PARAMS). */
const PARAMS = 16;
/**
 * One point set in the world's WebAssembly memory: disc sensors (`perSensor` points each, two
 * sensors side by side) or plain points (`perSensor` 0, two points side by side, e.g. the camera).
 * The fields are fixed at construction; `fresh` says that the last sampling of a plain set ran here
 * (so `results` holds it, for the camera's patches).
 */
export class WasmPoints {
  /**
   * The texture this memory holds a copy of, made when the world was built (a texture's pixels are
   * not changed after it is made); any other texture is sampled in TypeScript.
   */
  readonly texture: GroundTexture;
  /** Values out: one per point (plain) or per sensor (discs), a view of the memory. */
  readonly results: Float64Array;
  /** The camera's patch darknesses (a view), when this set has a patch grid; else empty. */
  readonly patchResults: Float64Array;
  fresh = false;

  constructor(
    private readonly exports: WorldExports,
    private readonly params: Float64Array,
    texture: GroundTexture,
    private readonly texturePtr: number,
    private readonly xs: number,
    private readonly ys: number,
    private readonly pairs: number,
    readonly perSensor: number,
    private readonly out: number,
    count: number,
    private readonly patchOut: number,
    readonly patchColumns: number,
    readonly patchRows: number,
    private readonly imageWidth: number,
    private readonly imageHeight: number,
  ) {
    this.texture = texture;
    this.results = new Float64Array(params.buffer, out, count);
    this.patchResults = new Float64Array(params.buffer, patchOut, patchColumns * patchRows);
  }

  /** Writes the parameters of a call at `pose` (the cosine and sine are JavaScript's, as in pointSet.ts). */
  private prepare(points: SampledPoints, pose: Pose): void {
    const p = this.params;
    const texture = this.texture;
    p[0] = Math.cos(pose.theta);
    p[1] = Math.sin(pose.theta);
    p[2] = pose.x;
    p[3] = pose.y;
    p[4] = points.inverse;
    p[5] = texture.cmPerPixel;
    p[6] = texture.height;
  }

  /** `sampleInside` of pointSet.ts (plain sets): the grey at every point into `out` from `offset`. */
  sample(points: SampledPoints, pose: Pose, out: Float64Array, offset: number): void {
    this.prepare(points, pose);
    this.exports.sampleInside(this.xs, this.ys, this.pairs, this.texturePtr, this.texture.width, this.out);
    this.fresh = true;
    out.set(this.results, offset);
  }

  /** `meansInside` of sensors.ts (disc sets): each sensor's mean grey into `out` from `offset`. */
  means(points: SampledPoints, pose: Pose, out: Float64Array, offset: number): void {
    this.prepare(points, pose);
    this.exports.meansInside(
      this.xs,
      this.ys,
      this.pairs,
      this.perSensor,
      this.texturePtr,
      this.texture.width,
      this.out,
    );
    out.set(this.results, offset);
  }

  /** `GroundCamera.patchDarkness` over `results` (the grid given at construction) into `out` from `offset`. */
  patches(out: Float64Array, offset: number): void {
    this.exports.patchDarkness(
      this.out,
      this.imageWidth,
      this.imageHeight,
      this.patchColumns,
      this.patchRows,
      this.patchOut,
    );
    out.set(this.patchResults, offset);
  }
}

/** A point set to place in a world's WebAssembly memory. */
export interface WasmPointsSpec {
  points: SampledPoints;
  /** Points per disc sensor, or 0 for plain points. */
  perSensor: number;
  /** For a camera: image size and patch grid (plain points only). */
  camera?: { width: number; height: number; columns: number; rows: number };
}

const align = (n: number) => Math.ceil(n / 16) * 16;

/**
 * Lays out one WebAssembly memory for a world on `texture` with these point sets and returns their
 * handles (in the same order), or null when this engine will not give one (the caller then stays in
 * TypeScript, with the same results).
 */
export function wasmPointSets(texture: GroundTexture, specs: readonly WasmPointsSpec[]): WasmPoints[] | null {
  let offset = 128;
  const texturePtr = offset;
  // One pixel row of slack after the texture: loads of two pixels never leave the copy.
  offset = align(offset + 8 * texture.width * (texture.height + 1));
  const plans = specs.map((spec) => {
    const count = spec.points.count;
    const n = spec.perSensor;
    const values = n > 0 ? count / n : count;
    const pairs = Math.ceil(values / 2);
    const slots = n > 0 ? pairs * n : pairs;
    const xs = offset;
    const ys = xs + slots * 16;
    const out = ys + slots * 16;
    offset = out + pairs * 16;
    const cells = spec.camera ? spec.camera.columns * spec.camera.rows : 0;
    const patchOut = offset;
    offset = align(offset + 8 * cells);
    return { spec, n, values, pairs, xs, ys, out, patchOut };
  });
  const instance = worldInstance(offset);
  if (!instance) return null;
  const buffer = instance.memory.buffer;
  // float64 here (two neighbours in one load): the float32 values widened, exactly.
  new Float64Array(buffer, texturePtr, texture.width * texture.height).set(texture.data);
  const exports = instance.exports as unknown as WorldExports;
  const params = new Float64Array(buffer, PARAMS, 8);
  return plans.map((plan) => {
    const { spec, n, values, pairs } = plan;
    const local = spec.points.local;
    const xs = new Float64Array(buffer, plan.xs, (plan.ys - plan.xs) / 8);
    const ys = new Float64Array(buffer, plan.ys, (plan.ys - plan.xs) / 8);
    if (n > 0) {
      // Sensors 2q and 2q + 1 side by side: the k-th point of each at slot (q·n + k), lanes 0 and 1.
      // An odd last sensor is repeated in lane 1 (computed and not used).
      for (let q = 0; q < pairs; q++) {
        for (let lane = 0; lane < 2; lane++) {
          const sensor = Math.min(2 * q + lane, values - 1);
          for (let k = 0; k < n; k++) {
            const point = sensor * n + k;
            xs[2 * (q * n + k) + lane] = local[2 * point];
            ys[2 * (q * n + k) + lane] = local[2 * point + 1];
          }
        }
      }
    } else {
      // Points 2j and 2j + 1 side by side; an odd last point is repeated.
      for (let k = 0; k < 2 * pairs; k++) {
        const point = Math.min(k, values - 1);
        xs[k] = local[2 * point];
        ys[k] = local[2 * point + 1];
      }
    }
    const camera = spec.camera;
    return new WasmPoints(
      exports,
      params,
      texture,
      texturePtr,
      plan.xs,
      plan.ys,
      pairs,
      n,
      plan.out,
      values,
      plan.patchOut,
      camera ? camera.columns : 0,
      camera ? camera.rows : 0,
      camera ? camera.width : 0,
      camera ? camera.height : 0,
    );
  });
}
