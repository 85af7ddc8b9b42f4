import { ValidationError } from '../util/errors.js';
import { Random } from '../util/random.js';
import { ENKI_ARENA, ENKI_CENTRE_LINE, ENKI_LINE_WIDTH, ENKI_UNITS_PER_PIXEL } from './enkiTrack.js';
import { GroundTexture } from './texture.js';

/** A robot pose: position in cm, heading in rad (0 along x, counter-clockwise). */
export interface Pose {
  x: number;
  y: number;
  /** Heading in radians, counter-clockwise from the world x axis. */
  theta: number;
}

/** A track: its ground texture, where the robot starts, and (for drawn tracks) the centre line. */
export interface Track {
  readonly name: string;
  readonly texture: GroundTexture;
  readonly start: Pose;
  /** The centre line as x,y pairs (cm), when known. */
  readonly centreLine?: Float64Array;
}

/** A smooth closed curve r(φ) = R·(1 + Σ a_k cos(kφ + p_k)), stretched to an ellipse. */
export interface CurveSpec {
  radiusX: number;
  radiusY: number;
  harmonics: { k: number; amplitude: number; phase: number }[];
}

/** How a built-in track is drawn. */
export interface RenderOptions {
  /** Line width in cm. Default 2.5. */
  lineWidth?: number;
  /** Resolution in cm per pixel. Default 0.5. */
  cmPerPixel?: number;
  /** Free floor around the curve, cm. Default 40. */
  margin?: number;
}

/** The built-in tracks: bends from gentle to hard. */
export const BUILTIN_TRACKS: Record<string, CurveSpec> = {
  gentle: {
    radiusX: 150,
    radiusY: 100,
    harmonics: [{ k: 3, amplitude: 0.06, phase: 0.3 }],
  },
  default: {
    radiusX: 140,
    radiusY: 105,
    harmonics: [
      { k: 2, amplitude: 0.08, phase: 0.5 },
      { k: 3, amplitude: 0.1, phase: 1.7 },
      { k: 5, amplitude: 0.04, phase: 0.9 },
    ],
  },
  hard: {
    radiusX: 140,
    radiusY: 110,
    harmonics: [
      { k: 3, amplitude: 0.14, phase: 0.2 },
      { k: 5, amplitude: 0.06, phase: 2.1 },
      { k: 7, amplitude: 0.025, phase: 0.4 },
    ],
  },
};

/** The names of the built-in tracks: the drawn curves, and `enki`, the authors' track. */
export const BUILTIN_TRACK_NAMES = [...Object.keys(BUILTIN_TRACKS), 'enki'];

/** A random smooth closed curve from a seed, with bends of varying sharpness. */
export function proceduralCurve(seed: number): CurveSpec {
  const random = new Random(seed);
  const harmonics: CurveSpec['harmonics'] = [];
  let budget = 0.26; // keeps r > 0 and the curve free of self-intersections
  for (const k of [2, 3, 4, 5, 6]) {
    const amplitude = random.uniform(0, Math.min(budget, 0.5 / k));
    budget -= amplitude;
    harmonics.push({ k, amplitude, phase: random.uniform(0, 2 * Math.PI) });
  }
  return { radiusX: random.uniform(120, 150), radiusY: random.uniform(90, 120), harmonics };
}

/** Samples the curve as a closed polyline with about `spacing` cm between points. */
export function curvePoints(spec: CurveSpec, spacing = 0.25): Float64Array {
  const fine = 20000;
  const raw = new Float64Array(fine * 2);
  let length = 0;
  for (let i = 0; i < fine; i++) {
    const phi = (2 * Math.PI * i) / fine;
    let r = 1;
    for (const h of spec.harmonics) r += h.amplitude * Math.cos(h.k * phi + h.phase);
    raw[2 * i] = spec.radiusX * r * Math.cos(phi);
    raw[2 * i + 1] = spec.radiusY * r * Math.sin(phi);
    if (i > 0) length += Math.hypot(raw[2 * i] - raw[2 * i - 2], raw[2 * i + 1] - raw[2 * i - 1]);
  }
  const n = Math.max(16, Math.round(length / spacing));
  const out = new Float64Array(n * 2);
  // Resample at equal arc length.
  let acc = 0;
  let k = 0;
  for (let i = 0; i < fine && k < n; i++) {
    const j = (i + 1) % fine;
    const seg = Math.hypot(raw[2 * j] - raw[2 * i], raw[2 * j + 1] - raw[2 * i + 1]);
    while (k < n && (k * length) / n <= acc + seg) {
      const t = seg > 0 ? ((k * length) / n - acc) / seg : 0;
      out[2 * k] = raw[2 * i] + t * (raw[2 * j] - raw[2 * i]);
      out[2 * k + 1] = raw[2 * i + 1] + t * (raw[2 * j + 1] - raw[2 * i + 1]);
      k++;
    }
    acc += seg;
  }
  return out.subarray(0, k * 2);
}

/** Draws a curve as a black line of the given width on white floor, anti-aliased over one pixel. */
export function renderCurveTrack(name: string, spec: CurveSpec, options: RenderOptions = {}): Track {
  const lineWidth = options.lineWidth ?? 2.5;
  const s = options.cmPerPixel ?? 0.5;
  const margin = options.margin ?? 40;
  const points = curvePoints(spec);
  let minX = Number.POSITIVE_INFINITY;
  let minY = Number.POSITIVE_INFINITY;
  let maxX = Number.NEGATIVE_INFINITY;
  let maxY = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < points.length; i += 2) {
    minX = Math.min(minX, points[i]);
    maxX = Math.max(maxX, points[i]);
    minY = Math.min(minY, points[i + 1]);
    maxY = Math.max(maxY, points[i + 1]);
  }
  const width = Math.ceil((maxX - minX + 2 * margin) / s);
  const height = Math.ceil((maxY - minY + 2 * margin) / s);
  const centre = new Float64Array(points.length);
  for (let i = 0; i < points.length; i += 2) {
    centre[i] = points[i] - minX + margin;
    centre[i + 1] = points[i + 1] - minY + margin;
  }
  const texture = new GroundTexture(width, height, s, drawLine(centre, width, height, s, lineWidth));
  // Start on the line at the rightmost point (φ = 0), heading along it (counter-clockwise).
  const x0 = centre[0];
  const y0 = centre[1];
  const theta = Math.atan2(centre[3] - centre[1], centre[2] - centre[0]);
  return { name, texture, start: { x: x0, y: y0, theta }, centreLine: centre };
}

/**
 * A line of `lineWidth` cm along the closed polyline `centre` (points close together: the line is
 * the set of pixels near a point) on a white floor of width × height pixels of `s` cm: grey 0 inside
 * the line, 1 outside, a linear ramp over one pixel at the edge.
 */
function drawLine(
  centre: Float64Array,
  width: number,
  height: number,
  s: number,
  lineWidth: number,
): Float32Array {
  // Distance (in pixels) to the nearest centre-line point, stamped around each point.
  const distance = new Float32Array(width * height).fill(Number.POSITIVE_INFINITY);
  const half = lineWidth / 2 / s;
  const reach = Math.ceil(half + 2);
  for (let i = 0; i < centre.length; i += 2) {
    const cu = centre[i] / s - 0.5;
    const cv = height - centre[i + 1] / s - 0.5;
    for (let v = Math.max(0, Math.floor(cv) - reach); v <= Math.min(height - 1, Math.ceil(cv) + reach); v++) {
      for (
        let u = Math.max(0, Math.floor(cu) - reach);
        u <= Math.min(width - 1, Math.ceil(cu) + reach);
        u++
      ) {
        const d = Math.hypot(u - cu, v - cv);
        const idx = v * width + u;
        if (d < distance[idx]) distance[idx] = d;
      }
    }
  }
  const data = new Float32Array(width * height);
  for (let i = 0; i < data.length; i++) {
    // 0 inside the line, 1 outside, a linear ramp over one pixel at the edge.
    data[i] = Math.min(1, Math.max(0, distance[i] - half + 0.5));
  }
  return data;
}

/**
 * The authors' track (`enki`): their centre line (./enkiTrack.ts) drawn at their line width on their
 * 250 × 250 arena, at their image's 0.25 cm per pixel, whatever the render options. Their robot starts
 * at the arena's centre, which is not on the line (it drives straight until it meets the line, if it
 * does); here it starts on the line at its leftmost point, heading along it (docs/authors-setting.md).
 */
export function enkiTrack(): Track {
  const raw = ENKI_CENTRE_LINE;
  const n = raw.length / 2;
  // Points every 0.25 cm along the traced line (traced every 1.25), so that the stamped line is even.
  const dense: number[] = [];
  for (let k = 0; k < n; k++) {
    const j = (k + 1) % n;
    const dx = raw[2 * j] - raw[2 * k];
    const dy = raw[2 * j + 1] - raw[2 * k + 1];
    const steps = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 0.25));
    for (let t = 0; t < steps; t++)
      dense.push(raw[2 * k] + (dx * t) / steps, raw[2 * k + 1] + (dy * t) / steps);
  }
  const centre = Float64Array.from(dense);
  const s = ENKI_UNITS_PER_PIXEL;
  const size = Math.round(ENKI_ARENA / s);
  const texture = new GroundTexture(size, size, s, drawLine(centre, size, size, s, ENKI_LINE_WIDTH));
  const theta = Math.atan2(raw[3] - raw[1], raw[2] - raw[0]);
  return { name: 'enki', texture, start: { x: raw[0], y: raw[1], theta }, centreLine: centre };
}

/** Resolves `NAME` (built-in) or `procedural:SEED` into a track. PNG files are loaded elsewhere. */
export function builtinTrack(spec: string, options: RenderOptions = {}): Track {
  if (spec in BUILTIN_TRACKS) return renderCurveTrack(spec, BUILTIN_TRACKS[spec], options);
  if (spec === 'enki') return enkiTrack();
  const match = /^procedural:(-?\d+)$/.exec(spec);
  if (match) return renderCurveTrack(spec, proceduralCurve(Number(match[1])), options);
  throw new ValidationError(
    'track',
    spec,
    `a built-in track (${BUILTIN_TRACK_NAMES.join(', ')}), procedural:SEED or a .png file`,
  );
}

/**
 * A track from any ground texture (e.g. a PNG). Without a start pose, the robot starts on the dark
 * pixel nearest the centre, heading along the line there.
 */
export function trackFromTexture(name: string, texture: GroundTexture, start?: Pose): Track {
  return { name, texture, start: start ?? findStart(texture) };
}

/**
 * The length of one lap, cm: the centre line's length when it is known, otherwise estimated from
 * the texture as half the perimeter of the dark region (a thin strip of length L has a perimeter
 * of about 2L, whatever its width).
 */
export function lapLength(track: Track): number {
  const c = track.centreLine;
  if (c && c.length >= 4) {
    let length = 0;
    const n = c.length / 2;
    for (let k = 0; k < n; k++) {
      const j = (k + 1) % n;
      length += Math.hypot(c[2 * j] - c[2 * k], c[2 * j + 1] - c[2 * k + 1]);
    }
    return length;
  }
  const { width, height, data, cmPerPixel } = track.texture;
  const dark = (u: number, v: number) =>
    u >= 0 && v >= 0 && u < width && v < height && data[v * width + u] < 0.5;
  let edges = 0;
  for (let v = 0; v < height; v++) {
    for (let u = 0; u < width; u++) {
      if (!dark(u, v)) continue;
      if (!dark(u - 1, v)) edges++;
      if (!dark(u + 1, v)) edges++;
      if (!dark(u, v - 1)) edges++;
      if (!dark(u, v + 1)) edges++;
    }
  }
  // Pixel edges overcount a slanted boundary by up to √2 on average (4/π); take the middle.
  return (edges * cmPerPixel * (Math.PI / 4)) / 2;
}

/**
 * The start pose on a texture: on the line, heading along it. Candidates are the dark pixels in
 * order of their distance from the image centre; the first whose neighbourhood (6 cm) is a single
 * line (its dark pixels lie along one direction) wins, so a robot never starts at a crossing, a
 * blob or an end where the heading would be ambiguous. With no such pixel, the nearest dark one.
 */
function findStart(texture: GroundTexture): Pose {
  const { width, height, data, cmPerPixel: s } = texture;
  const candidates: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] < 0.5) candidates.push(i);
  if (candidates.length === 0)
    throw new ValidationError('track', 'an image with no dark pixel', 'a dark line (grey < 0.5) to follow');
  const centreDistance = (i: number) =>
    ((i % width) - width / 2) ** 2 + (Math.floor(i / width) - height / 2) ** 2;
  candidates.sort((a, b) => centreDistance(a) - centreDistance(b) || a - b);
  const r = Math.ceil(6 / s);
  // Pixels further than r from the centre of the image are tried only in a thinned-out sample.
  const tries = Math.min(candidates.length, 4000);
  const step = Math.max(1, Math.floor(candidates.length / tries));
  for (let k = 0; k < candidates.length; k += k < 400 ? 1 : step) {
    const pose = lineAt(texture, candidates[k], r);
    if (pose) return pose;
  }
  const best = candidates[0];
  return lineAt(texture, best, r, true) as Pose;
}

/**
 * The pose on the line through dark pixel `index`, heading along its principal axis, or null when
 * the dark pixels around it are not one straight-ish strip passing through (a crossing, a blob, an
 * end). `force` returns the pose whatever the shape.
 */
function lineAt(texture: GroundTexture, index: number, r: number, force = false): Pose | null {
  const { width, height, data, cmPerPixel: s } = texture;
  const bu = index % width;
  const bv = Math.floor(index / width);
  let sxx = 0;
  let syy = 0;
  let sxy = 0;
  let cx = 0;
  let cy = 0;
  let n = 0;
  for (let v = Math.max(0, bv - r); v <= Math.min(height - 1, bv + r); v++) {
    for (let u = Math.max(0, bu - r); u <= Math.min(width - 1, bu + r); u++) {
      if (data[v * width + u] < 0.5 && (u - bu) ** 2 + (v - bv) ** 2 <= r * r) {
        cx += u;
        cy += -v;
        sxx += u * u;
        syy += v * v;
        sxy += -u * v;
        n++;
      }
    }
  }
  cx /= n;
  cy /= n;
  const covXX = sxx / n - cx * cx;
  const covYY = syy / n - cy * cy;
  const covXY = sxy / n - cx * cy;
  const theta = 0.5 * Math.atan2(2 * covXY, covXX - covYY);
  if (!force) {
    // Eigenvalues of the covariance: a strip through the pixel is long one way and thin the other.
    const mean = (covXX + covYY) / 2;
    const spread = Math.sqrt(((covXX - covYY) / 2) ** 2 + covXY ** 2);
    const major = mean + spread;
    const minor = Math.max(0, mean - spread);
    const centred = (cx - bu) ** 2 + (cy + bv) ** 2 <= (r / 3) ** 2;
    // A strip across the whole disc has a major variance of about r²/3 (a uniform segment of length 2r).
    if (!(major > 0.2 * r * r && minor < 0.15 * major && centred)) return null;
  }
  return { x: (cx + 0.5) * s, y: texture.heightCm + (cy - 0.5) * s, theta };
}
