// Canvas drawing: the track (once per run, on its own canvas), and per frame the robots, their
// sensors and trails on an overlay.

import { OKABE_ITO } from '../../src/util/palette.js';
import type { RunLayout } from './protocol.js';

export interface View {
  /** Canvas pixels per cm. */
  scale: number;
  /** Canvas height in pixels (y is flipped: world y grows upwards). */
  height: number;
  heightCm: number;
}

export interface Pose {
  x: number;
  y: number;
  theta: number;
}

/** Sizes both canvases to the track's aspect within `maxWidth`×`maxHeight` and draws the track. */
export function drawTrack(
  background: HTMLCanvasElement,
  overlay: HTMLCanvasElement,
  track: RunLayout['track'],
  maxWidth: number,
  maxHeight: number,
): View {
  const fit = Math.min(maxWidth / track.width, maxHeight / track.height);
  const width = Math.max(1, Math.round(track.width * fit));
  const height = Math.max(1, Math.round(track.height * fit));
  for (const canvas of [background, overlay]) {
    canvas.width = width;
    canvas.height = height;
  }
  const image = new ImageData(track.width, track.height);
  const px = image.data;
  for (let i = 0; i < track.grey.length; i++) {
    const g = track.grey[i];
    px[4 * i] = g;
    px[4 * i + 1] = g;
    px[4 * i + 2] = g;
    px[4 * i + 3] = 255;
  }
  const source = document.createElement('canvas');
  source.width = track.width;
  source.height = track.height;
  source.getContext('2d')!.putImageData(image, 0, 0);
  const ctx = background.getContext('2d')!;
  ctx.imageSmoothingEnabled = true;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(source, 0, 0, width, height);
  const scale = width / (track.width * track.cmPerPixel);
  return { scale, height, heightCm: track.height * track.cmPerPixel };
}

function toCanvas(view: View, x: number, y: number): [number, number] {
  return [x * view.scale, (view.heightCm - y) * view.scale];
}

/** A trail from logged positions; breaks where the robot was put back at the start. */
export function drawTrail(
  ctx: CanvasRenderingContext2D,
  view: View,
  xs: Float64Array,
  ys: Float64Array,
  from: number,
  to: number,
  pose: Pose,
  colour: string,
): void {
  ctx.save();
  ctx.strokeStyle = colour;
  ctx.globalAlpha = 0.55;
  ctx.lineWidth = 2;
  ctx.lineJoin = 'round';
  ctx.beginPath();
  let px = Number.NaN;
  let py = Number.NaN;
  for (let i = from; i <= to; i++) {
    const x = i < to ? xs[i] : pose.x;
    const y = i < to ? ys[i] : pose.y;
    const [cx, cy] = toCanvas(view, x, y);
    if (Number.isNaN(px) || Math.hypot(x - px, y - py) > 25) ctx.moveTo(cx, cy);
    else ctx.lineTo(cx, cy);
    px = x;
    py = y;
  }
  ctx.stroke();
  ctx.restore();
}

/** The robot: body, wheels, heading, reflex sensors, and its predictor rows or camera footprint. */
export function drawRobot(
  ctx: CanvasRenderingContext2D,
  view: View,
  layout: RunLayout,
  pose: Pose,
  colour: string,
): void {
  const [cx, cy] = toCanvas(view, pose.x, pose.y);
  const s = view.scale;
  ctx.save();
  ctx.translate(cx, cy);
  // Robot frame: x forward, y left; the canvas y axis points down, so flip it.
  ctx.rotate(-pose.theta);
  ctx.scale(s, -s);
  if (layout.footprint) {
    const f = layout.footprint;
    ctx.beginPath();
    ctx.moveTo(f[0], f[1]);
    for (let i = 2; i < f.length; i += 2) ctx.lineTo(f[i], f[i + 1]);
    ctx.closePath();
    ctx.fillStyle = colour;
    ctx.globalAlpha = 0.12;
    ctx.fill();
    ctx.globalAlpha = 0.7;
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1 / s;
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  if (layout.rows) {
    const r = layout.rows;
    ctx.fillStyle = colour;
    ctx.globalAlpha = 0.6;
    for (let i = 0; i < r.length; i += 2) {
      ctx.beginPath();
      ctx.arc(r[i], r[i + 1], 0.8, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
  }
  // Body and wheels.
  const half = layout.config.world.wheelBase / 2;
  ctx.fillStyle = colour;
  ctx.globalAlpha = 0.85;
  ctx.fillRect(-5, -half + 1, 15, 2 * half - 2);
  ctx.globalAlpha = 1;
  ctx.fillStyle = '#222';
  ctx.fillRect(-3, half - 1, 6, 2);
  ctx.fillRect(-3, -half - 1, 6, 2);
  // Heading.
  ctx.strokeStyle = '#fff';
  ctx.lineWidth = 1.2 / s;
  ctx.beginPath();
  ctx.moveTo(0, 0);
  ctx.lineTo(8, 0);
  ctx.stroke();
  // Reflex sensors: left bluish green, right vermillion (the one palette; told apart in colour blindness).
  const radius = Math.max(layout.config.world.reflex.radius, 1);
  const f = layout.reflex;
  for (let i = 0; i < f.length; i += 2) {
    ctx.beginPath();
    ctx.arc(f[i], f[i + 1], radius, 0, 2 * Math.PI);
    ctx.fillStyle = f[i + 1] > 0 ? OKABE_ITO.bluishGreen : OKABE_ITO.vermillion;
    ctx.fill();
  }
  ctx.restore();
}

/** The camera's grey image, scaled up with square pixels. */
export function drawCamera(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
  image: Float32Array,
): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  const data = new ImageData(width, height);
  for (let i = 0; i < image.length; i++) {
    const g = Math.round(Math.min(1, Math.max(0, image[i])) * 255);
    data.data[4 * i] = g;
    data.data[4 * i + 1] = g;
    data.data[4 * i + 2] = g;
    data.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(data, 0, 0);
}
