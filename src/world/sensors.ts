import { PointSet, wellInside } from './pointSet.js';
import type { GroundTexture } from './texture.js';
import type { Pose } from './track.js';
import type { WasmPoints } from './wasmSampler.js';

export { PointSet };

/** Sample offsets over a disc: the centre, 6 points at r/2 and 12 at r (19 in all), or one point for r = 0. */
export function discOffsets(radius: number): Float64Array {
  if (radius <= 0) return new Float64Array(2);
  const out: number[] = [0, 0];
  for (let k = 0; k < 6; k++) {
    const a = (2 * Math.PI * k) / 6;
    out.push((radius / 2) * Math.cos(a), (radius / 2) * Math.sin(a));
  }
  for (let k = 0; k < 12; k++) {
    const a = (2 * Math.PI * (k + 0.5)) / 12;
    out.push(radius * Math.cos(a), radius * Math.sin(a));
  }
  return Float64Array.from(out);
}

/**
 * Light sensors that each read the mean grey over a small disc. Sensor i averages the samples
 * `i * perSensor ... (i+1) * perSensor - 1` of the point set.
 */
export class DiscSensors {
  readonly points: PointSet;
  readonly perSensor: number;
  readonly count: number;
  private readonly raw: Float64Array;
  /**
   * The sensors' points in a world's WebAssembly memory, when the world was built with the
   * WebAssembly kernel: `read` then runs its fast loop there (wasmSampler.ts).
   * @internal
   */
  wasm: WasmPoints | null = null;

  /** `centres` are x, y pairs in the robot frame. */
  constructor(centres: ArrayLike<number>, radius: number) {
    const disc = discOffsets(radius);
    this.perSensor = disc.length / 2;
    this.count = centres.length / 2;
    const local = new Float64Array(this.count * disc.length);
    for (let i = 0; i < this.count; i++) {
      for (let k = 0; k < this.perSensor; k++) {
        local[i * disc.length + 2 * k] = centres[2 * i] + disc[2 * k];
        local[i * disc.length + 2 * k + 1] = centres[2 * i + 1] + disc[2 * k + 1];
      }
    }
    this.points = new PointSet(local);
    this.raw = new Float64Array(this.points.count);
  }

  /** Mean grey of each sensor into `out` (from `offset`). */
  read(texture: GroundTexture, pose: Pose, out: Float64Array, offset = 0): void {
    const points = this.points;
    if (points.inverseOf === texture && points.far === null && wellInside(texture, pose, points)) {
      const wasm = this.wasm;
      if (wasm !== null && wasm.texture === texture) wasm.means(points, pose, out, offset);
      else meansInside(this, texture, pose, out, offset);
      return;
    }
    this.readReference(texture, pose, out, offset);
  }

  /** The plain form of `read`: every sample into a buffer, then each sensor's mean (a test checks they agree bit for bit). */
  readReference(texture: GroundTexture, pose: Pose, out: Float64Array, offset = 0): void {
    this.points.sample(texture, pose, this.raw);
    const n = this.perSensor;
    for (let i = 0; i < this.count; i++) {
      let sum = 0;
      for (let k = 0; k < n; k++) sum += this.raw[i * n + k];
      out[offset + i] = sum / n;
    }
  }
}

/**
 * `DiscSensors.read` when every point is well inside the texture: `sampleInside`'s loop, with each
 * sample added to its sensor's sum as soon as it is made instead of going through a buffer. The sums
 * are the same additions in the same order (0 + s0 + s1 + ...), so the means are bit-identical to
 * `readReference`; interleaving the additions with the sampling hides their latency (each sum is
 * one chain of 19 dependent additions).
 */
function meansInside(
  sensors: DiscSensors,
  texture: GroundTexture,
  pose: Pose,
  out: Float64Array,
  offset: number,
): void {
  const points = sensors.points;
  const p = points.local;
  const n = sensors.perSensor;
  const count = sensors.count;
  const c = Math.cos(pose.theta);
  const s = Math.sin(pose.theta);
  const px = pose.x;
  const py = pose.y;
  const scale = texture.cmPerPixel;
  const inverse = points.inverse;
  const w = texture.width;
  const h = texture.height;
  const d = texture.data;
  let k = 0;
  for (let i = 0; i < count; i++) {
    let sum = 0;
    for (const end = k + n; k < end; k++) {
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
      const j = v0 * w + u0;
      sum += (d[j] * (1 - fu) + d[j + 1] * fu) * (1 - fv) + (d[j + w] * (1 - fu) + d[j + w + 1] * fu) * fv;
    }
    out[offset + i] = sum / n;
  }
}

/** Settings of a ground camera. */
export interface CameraOptions {
  /** Height of the lens above the ground, cm. */
  height: number;
  /** How far ahead of the axle the camera sits, cm. */
  ahead: number;
  /** Downward tilt of the optical axis, degrees. */
  tilt: number;
  /** Horizontal field of view, degrees. */
  fieldOfView: number;
  /** Image size in pixels. */
  width: number;
  height_px: number;
}

/**
 * A forward pinhole camera on a flat ground. Each pixel's ray is intersected with the ground once,
 * up front, giving a fixed point in the robot frame; pixels above the horizon see white.
 */
export class GroundCamera {
  readonly width: number;
  readonly height: number;
  /** Ground point of each pixel (robot frame), row-major, row 0 at the top of the image. */
  readonly points: PointSet;
  /** Which pixels see the ground at all. */
  readonly valid: Uint8Array;
  /** The last image, grey, row-major. */
  readonly image: Float64Array;
  /** Footprint corners on the ground (robot frame, x,y pairs), for drawing. */
  readonly footprint: Float64Array;

  constructor(options: CameraOptions) {
    const { width, height_px: height } = options;
    this.width = width;
    this.height = height;
    const tilt = (options.tilt * Math.PI) / 180;
    const tanX = Math.tan((options.fieldOfView * Math.PI) / 360);
    const tanY = (tanX * height) / width;
    const local = new Float64Array(width * height * 2);
    this.valid = new Uint8Array(width * height);
    const cos = Math.cos(tilt);
    const sin = Math.sin(tilt);
    for (let r = 0; r < height; r++) {
      for (let c = 0; c < width; c++) {
        const px = (2 * (c + 0.5)) / width - 1;
        const py = 1 - (2 * (r + 0.5)) / height;
        const right = px * tanX;
        const up = py * tanY;
        // Ray = forward axis + right·(0,-1,0) + up·up axis, with forward (cos, 0, -sin) and up (sin, 0, cos).
        const dx = cos + up * sin;
        const dy = -right;
        const dz = -sin + up * cos;
        const k = r * width + c;
        if (dz < -1e-6) {
          const s = options.height / -dz;
          local[2 * k] = options.ahead + s * dx;
          local[2 * k + 1] = s * dy;
          this.valid[k] = 1;
        } else {
          // Above the horizon: park the sample far outside any arena, where the ground reads white.
          local[2 * k] = 1e7;
          local[2 * k + 1] = 0;
        }
      }
    }
    this.points = new PointSet(local);
    this.image = new Float64Array(width * height);
    const corner = (k: number) => [local[2 * k], local[2 * k + 1]];
    this.footprint = Float64Array.from([
      ...corner((height - 1) * width),
      ...corner(height * width - 1),
      ...corner(width - 1),
      ...corner(0),
    ]);
  }

  /** Renders the image from this pose and returns the patch darknesses (a view, overwritten next time). */
  capture(texture: GroundTexture, pose: Pose): Float64Array {
    const wasm = this.points.wasm;
    if (wasm !== null) wasm.fresh = false;
    this.points.sample(texture, pose, this.image);
    return this.image;
  }

  /**
   * Mean darkness (1 − grey) of a grid of patches, written near-to-far (image bottom first), each
   * row left to right.
   */
  patchDarkness(columns: number, rows: number, out: Float64Array, offset = 0): void {
    const wasm = this.points.wasm;
    if (wasm?.fresh && wasm.patchColumns === columns && wasm.patchRows === rows) {
      // The image was sampled in WebAssembly memory: the same sums there.
      wasm.patches(out, offset);
      return;
    }
    const w = this.width;
    const h = this.height;
    for (let gr = 0; gr < rows; gr++) {
      // grid row 0 is the bottom band of the image (nearest ground)
      const r1 = h - Math.floor((gr * h) / rows);
      const r0 = h - Math.floor(((gr + 1) * h) / rows);
      for (let gc = 0; gc < columns; gc++) {
        const c0 = Math.floor((gc * w) / columns);
        const c1 = Math.floor(((gc + 1) * w) / columns);
        let sum = 0;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) sum += this.image[r * w + c];
        out[offset + gr * columns + gc] = 1 - sum / ((r1 - r0) * (c1 - c0));
      }
    }
  }
}
