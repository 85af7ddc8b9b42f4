import type { GroundTexture } from './texture.js';
import type { Pose } from './track.js';
import type { WasmPoints } from './wasmSampler.js';

/*
 * Sensor points and the sampling of the ground texture under them: the hot loops of the world
 * (about half of a closed-loop step), kept apart from the sensors that use them.
 */

/**
 * Points whose coordinates exceed this (cm) are "far": the camera parks the pixels above the horizon
 * at 1e7 cm, where the ground reads white. They are left out of a point set's bounding box (below)
 * and always sampled with every edge test.
 */
const FAR = 1e6;

/**
 * Sensor points are fixed in the robot frame (x forward, y left, cm). Each step transforms them to
 * the world with the pose and samples the ground; precomputed offsets keep this allocation-free.
 */
export class PointSet {
  /** x, y pairs in the robot frame. */
  readonly local: Float64Array;
  readonly count: number;
  /** The bounding box of the points that are not far, robot frame: min x, max x, min y, max y. */
  readonly box: Float64Array;
  /** 1 for each far point, or null when there are none (the usual case). */
  readonly far: Uint8Array | null;

  constructor(local: ArrayLike<number>) {
    this.local = Float64Array.from(local);
    this.count = this.local.length / 2;
    const box = Float64Array.of(0, 0, 0, 0);
    let far: Uint8Array | null = null;
    let first = true;
    for (let k = 0; k < this.count; k++) {
      const x = this.local[2 * k];
      const y = this.local[2 * k + 1];
      if (!(Math.abs(x) <= FAR && Math.abs(y) <= FAR)) {
        far ??= new Uint8Array(this.count);
        far[k] = 1;
        continue;
      }
      box[0] = first ? x : Math.min(box[0], x);
      box[1] = first ? x : Math.max(box[1], x);
      box[2] = first ? y : Math.min(box[2], y);
      box[3] = first ? y : Math.max(box[3], y);
      first = false;
    }
    this.box = box;
    this.far = far;
  }

  /**
   * The texture last sampled and 1/its scale when that is exact (a power of two), else 0: worked out
   * once per texture rather than per call (and read from here, not passed as a number argument,
   * which could box it).
   */
  inverseOf: GroundTexture | null = null;
  inverse = 0;

  /**
   * This set's points in a world's WebAssembly memory (plain points only), when the world was built
   * with the WebAssembly kernel: `sample` then runs its fast loop there (wasmSampler.ts).
   * @internal
   */
  wasm: WasmPoints | null = null;

  /** Writes the grey value at every point into `out` (from `offset`). */
  sample(texture: GroundTexture, pose: Pose, out: Float64Array, offset = 0): void {
    if (this.inverseOf !== texture) {
      this.inverse = powerOfTwo(texture.cmPerPixel) ? 1 / texture.cmPerPixel : 0;
      this.inverseOf = texture;
    }
    if (this.far === null && wellInside(texture, pose, this)) {
      const wasm = this.wasm;
      if (wasm !== null && wasm.texture === texture) wasm.sample(this, pose, out, offset);
      else sampleInside(this, texture, pose, out, offset);
    } else sampleInto(this, texture, pose, out, offset);
  }

  /** The plain reference of `sample`: one `texture.sample` call per point (a test checks they agree bit for bit). */
  sampleReference(texture: GroundTexture, pose: Pose, out: Float64Array, offset = 0): void {
    const c = Math.cos(pose.theta);
    const s = Math.sin(pose.theta);
    const p = this.local;
    for (let k = 0; k < this.count; k++) {
      const lx = p[2 * k];
      const ly = p[2 * k + 1];
      out[offset + k] = texture.sample(pose.x + lx * c - ly * s, pose.y + lx * s + ly * c);
    }
  }
}

/*
 * The sensing hot loops: GroundTexture.sample inlined by hand, with the texture's fields read once per
 * call instead of once per point. The arithmetic is the same expression for expression, so the
 * result is bit-identical to `sampleReference`.
 */
/** True when `x` is an exact power of two (so that 1/x is exact). */
function powerOfTwo(x: number): boolean {
  if (!(x > 0) || !Number.isFinite(x)) return false;
  const e = Math.round(Math.log2(x));
  return 2 ** e === x && 1 / x === 2 ** -e;
}

/**
 * True when the point set's bounding box, placed at the pose, lies at least a pixel inside the
 * texture's border: then every sample has its four neighbours on the texture and none needs an
 * edge test. The transform x cos θ − y sin θ is linear, so over the box it is extreme at a corner;
 * the margin of a whole pixel is far larger than the rounding of the transform. False for a
 * non-finite pose.
 */
export function wellInside(texture: GroundTexture, pose: Pose, points: PointSet): boolean {
  const c = Math.cos(pose.theta);
  const s = Math.sin(pose.theta);
  const b = points.box;
  // The four corners' offsets from the robot, world axes.
  const x0 = b[0] * c - b[2] * s;
  const x1 = b[1] * c - b[2] * s;
  const x2 = b[0] * c - b[3] * s;
  const x3 = b[1] * c - b[3] * s;
  const y0 = b[0] * s + b[2] * c;
  const y1 = b[1] * s + b[2] * c;
  const y2 = b[0] * s + b[3] * c;
  const y3 = b[1] * s + b[3] * c;
  const scale = texture.cmPerPixel;
  const uMin = (pose.x + Math.min(x0, x1, x2, x3)) / scale - 0.5;
  const uMax = (pose.x + Math.max(x0, x1, x2, x3)) / scale - 0.5;
  const vMin = texture.height - (pose.y + Math.max(y0, y1, y2, y3)) / scale - 0.5;
  const vMax = texture.height - (pose.y + Math.min(y0, y1, y2, y3)) / scale - 0.5;
  return uMin >= 1 && vMin >= 1 && uMax < texture.width - 2 && vMax < texture.height - 2;
}

/**
 * The sampling loop when every point is well inside the texture (`wellInside`): no edge tests, and
 * integer pixel indices. For u ≥ 0, `u | 0` (truncation) is the same integer as Math.floor(u), and
 * u − u0 the same number, so the bits are those of `sampleInto`.
 */
function sampleInside(
  points: PointSet,
  texture: GroundTexture,
  pose: Pose,
  out: Float64Array,
  offset: number,
): void {
  const p = points.local;
  const count = points.count;
  const c = Math.cos(pose.theta);
  const s = Math.sin(pose.theta);
  const px = pose.x;
  const py = pose.y;
  const scale = texture.cmPerPixel;
  // Dividing by a power of two and multiplying by its inverse round the same exact number, so they
  // give the same bits; the multiplication is several times cheaper.
  const inverse = points.inverse;
  const w = texture.width;
  const h = texture.height;
  const d = texture.data;
  for (let k = 0; k < count; k++) {
    const lx = p[2 * k];
    const ly = p[2 * k + 1];
    const wx = px + lx * c - ly * s;
    const wy = py + lx * s + ly * c;
    const u = (inverse !== 0 ? wx * inverse : wx / scale) - 0.5;
    const v = h - (inverse !== 0 ? wy * inverse : wy / scale) - 0.5;
    const u0 = u | 0;
    const v0 = v | 0;
    const fu = u - u0;
    const fv = v - v0;
    const i = v0 * w + u0;
    out[offset + k] =
      (d[i] * (1 - fu) + d[i + 1] * fu) * (1 - fv) + (d[i + w] * (1 - fu) + d[i + w + 1] * fu) * fv;
  }
}

/**
 * The general sampling loop: any pose, points at or beyond the edges (white outside), and the
 * camera's far points. A sample whose four neighbours are on the texture skips the edge tests.
 */
function sampleInto(
  points: PointSet,
  texture: GroundTexture,
  pose: Pose,
  out: Float64Array,
  offset: number,
): void {
  const p = points.local;
  const count = points.count;
  const c = Math.cos(pose.theta);
  const s = Math.sin(pose.theta);
  const px = pose.x;
  const py = pose.y;
  const scale = texture.cmPerPixel;
  const inverse = points.inverse;
  const w = texture.width;
  const h = texture.height;
  const d = texture.data;
  for (let k = 0; k < count; k++) {
    const lx = p[2 * k];
    const ly = p[2 * k + 1];
    const wx = px + lx * c - ly * s;
    const wy = py + lx * s + ly * c;
    const u = (inverse !== 0 ? wx * inverse : wx / scale) - 0.5;
    const v = h - (inverse !== 0 ? wy * inverse : wy / scale) - 0.5;
    if (!(u > -1 && v > -1 && u < w && v < h)) {
      out[offset + k] = 1;
      continue;
    }
    const u0 = Math.floor(u);
    const v0 = Math.floor(v);
    const fu = u - u0;
    const fv = v - v0;
    if (u0 >= 0 && v0 >= 0 && u0 + 1 < w && v0 + 1 < h) {
      // Inside the texture (nearly always): the four neighbours without the edge tests.
      const i = v0 * w + u0;
      out[offset + k] =
        (d[i] * (1 - fu) + d[i + 1] * fu) * (1 - fv) + (d[i + w] * (1 - fu) + d[i + w + 1] * fu) * fv;
      continue;
    }
    const c00 = u0 >= 0 && v0 >= 0 ? d[v0 * w + u0] : 1;
    const c10 = u0 + 1 < w && v0 >= 0 ? d[v0 * w + u0 + 1] : 1;
    const c01 = u0 >= 0 && v0 + 1 < h ? d[(v0 + 1) * w + u0] : 1;
    const c11 = u0 + 1 < w && v0 + 1 < h ? d[(v0 + 1) * w + u0 + 1] : 1;
    out[offset + k] = (c00 * (1 - fu) + c10 * fu) * (1 - fv) + (c01 * (1 - fu) + c11 * fu) * fv;
  }
}
