import { ValidationError } from '../util/errors.js';

/**
 * A grey-scale ground: 1 is white floor, 0 is black line. World coordinates are in cm with x to the
 * right and y up; pixel row 0 is the top of the image (y = height · cmPerPixel).
 */
export class GroundTexture {
  readonly widthCm: number;
  readonly heightCm: number;

  constructor(
    readonly width: number,
    readonly height: number,
    readonly cmPerPixel: number,
    /** Row-major grey values in [0, 1], row 0 at the top. */
    readonly data: Float32Array,
  ) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 2 || height < 2) {
      throw new ValidationError('track size', `${width}x${height}`, 'at least 2x2 pixels');
    }
    if (data.length !== width * height)
      throw new ValidationError('track data', data.length, `${width * height} values`);
    if (!(cmPerPixel > 0) || !Number.isFinite(cmPerPixel)) {
      throw new ValidationError('track scale', cmPerPixel, 'a finite number of cm per pixel > 0');
    }
    this.widthCm = width * cmPerPixel;
    this.heightCm = height * cmPerPixel;
  }

  /** True when the point lies on the texture. */
  contains(x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x <= this.widthCm && y <= this.heightCm;
  }

  /** Bilinear grey at a world point; white (1) outside the texture. */
  sample(x: number, y: number): number {
    const u = x / this.cmPerPixel - 0.5;
    const v = this.height - y / this.cmPerPixel - 0.5;
    const w = this.width;
    const h = this.height;
    if (!(u > -1 && v > -1 && u < w && v < h)) return 1;
    const u0 = Math.floor(u);
    const v0 = Math.floor(v);
    const fu = u - u0;
    const fv = v - v0;
    const d = this.data;
    const c00 = u0 >= 0 && v0 >= 0 ? d[v0 * w + u0] : 1;
    const c10 = u0 + 1 < w && v0 >= 0 ? d[v0 * w + u0 + 1] : 1;
    const c01 = u0 >= 0 && v0 + 1 < h ? d[(v0 + 1) * w + u0] : 1;
    const c11 = u0 + 1 < w && v0 + 1 < h ? d[(v0 + 1) * w + u0 + 1] : 1;
    return (c00 * (1 - fu) + c10 * fu) * (1 - fv) + (c01 * (1 - fu) + c11 * fu) * fv;
  }

  /** Builds a texture from 8-bit pixels (grey, grey+alpha, RGB or RGBA), as decoded from a PNG. */
  static fromPixels(
    width: number,
    height: number,
    pixels: ArrayLike<number>,
    channels: 1 | 2 | 3 | 4,
    cmPerPixel: number,
  ): GroundTexture {
    const data = new Float32Array(width * height);
    for (let i = 0; i < width * height; i++) {
      const o = i * channels;
      let grey: number;
      if (channels >= 3) grey = (0.299 * pixels[o] + 0.587 * pixels[o + 1] + 0.114 * pixels[o + 2]) / 255;
      else grey = pixels[o] / 255;
      // Transparent pixels are floor: composite over white.
      const alpha = channels === 4 ? pixels[o + 3] / 255 : channels === 2 ? pixels[o + 1] / 255 : 1;
      data[i] = grey * alpha + (1 - alpha);
    }
    return new GroundTexture(width, height, cmPerPixel, data);
  }

  /** A coarser copy, averaged over square blocks, at most about `side` pixels across (for plots). */
  downsample(side: number): GroundTexture {
    const factor = Math.max(1, Math.floor(Math.max(this.width, this.height) / side));
    if (factor === 1) return this;
    const width = Math.floor(this.width / factor);
    const height = Math.floor(this.height / factor);
    const data = new Float32Array(width * height);
    for (let v = 0; v < height; v++) {
      for (let u = 0; u < width; u++) {
        let s = 0;
        for (let dv = 0; dv < factor; dv++) {
          for (let du = 0; du < factor; du++)
            s += this.data[(v * factor + dv) * this.width + u * factor + du];
        }
        data[v * width + u] = s / (factor * factor);
      }
    }
    return new GroundTexture(width, height, this.cmPerPixel * factor, data);
  }

  /** 8-bit grey pixels (for PNG export and drawing). */
  toGreyBytes(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, this.data[i])) * 255);
    return out;
  }
}
