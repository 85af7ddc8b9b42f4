import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { createFilterBank, DelayLineBank, ResonatorBank } from '../src/filters/filterBank.js';
import { decodePngTexture, encodeTexturePng } from '../src/node/pngTrack.js';
import { driveStep } from '../src/world/drive.js';
import { DEFAULT_WORLD, LineFollowerEnvironment } from '../src/world/lineFollower.js';
import { DiscSensors, GroundCamera } from '../src/world/sensors.js';
import { GroundTexture } from '../src/world/texture.js';
import { BUILTIN_TRACK_NAMES, builtinTrack, trackFromTexture } from '../src/world/track.js';

/** A white floor with a black vertical band from x = x0 to x1 (cm), 0.5 cm per pixel. */
function bandTexture(x0: number, x1: number, size = 200): GroundTexture {
  const data = new Float32Array(size * size).fill(1);
  for (let v = 0; v < size; v++) {
    for (let u = 0; u < size; u++) {
      const x = (u + 0.5) * 0.5;
      if (x >= x0 && x <= x1) data[v * size + u] = 0;
    }
  }
  return new GroundTexture(size, size, 0.5, data);
}

describe('kinematics', () => {
  it('drives straight at v·t with equal wheel speeds', () => {
    const pose = { x: 10, y: 20, theta: Math.PI / 6 };
    for (let k = 0; k < 100; k++) driveStep(pose, { left: 15, right: 15 }, { wheelBase: 10, dt: 0.05 });
    expect(pose.x).toBeCloseTo(10 + 75 * Math.cos(Math.PI / 6), 9);
    expect(pose.y).toBeCloseTo(20 + 75 * Math.sin(Math.PI / 6), 9);
    expect(pose.theta).toBeCloseTo(Math.PI / 6, 12);
  });

  it('turns on a circle of radius v/ω, to the left when the right wheel is faster', () => {
    // vL = 10, vR = 20, b = 10: v = 15, ω = 1 rad/s, radius 15 cm, centre to the left of the robot.
    const pose = { x: 0, y: 0, theta: 0 };
    const centre = { x: 0, y: 15 };
    for (let k = 0; k < 400; k++) {
      driveStep(pose, { left: 10, right: 20 }, { wheelBase: 10, dt: 0.01 });
      expect(Math.hypot(pose.x - centre.x, pose.y - centre.y)).toBeCloseTo(15, 9);
    }
    // After 4 s at 1 rad/s the heading has turned by 4 rad (wrapped into (-π, π]).
    expect(pose.theta).toBeCloseTo(4 - 2 * Math.PI, 9);
  });
});

describe('sensors on a known texture', () => {
  it('reads the mean grey over a disc', () => {
    const texture = bandTexture(50, 60);
    const sensors = new DiscSensors([0, 0, 0, 0], 1.5);
    const out = new Float64Array(2);
    // Pose heading +y (theta = π/2): the robot's y (left) axis points to -x.
    sensors.read(texture, { x: 55, y: 50, theta: Math.PI / 2 }, out);
    expect(out[0]).toBeCloseTo(0, 6);
    sensors.read(texture, { x: 30, y: 50, theta: Math.PI / 2 }, out);
    expect(out[0]).toBeCloseTo(1, 6);
    sensors.read(texture, { x: 50, y: 50, theta: Math.PI / 2 }, out); // centred on the edge: half dark
    expect(out[0]).toBeGreaterThan(0.3);
    expect(out[0]).toBeLessThan(0.7);
  });

  it('gives e > 0 when the line is to the right of the robot', () => {
    const texture = bandTexture(95, 100);
    const track = trackFromTexture('band', texture, { x: 94, y: 20, theta: Math.PI / 2 });
    const env = new LineFollowerEnvironment(track, DEFAULT_WORLD);
    // Heading +y with the line at larger x: the line is on the robot's right.
    expect(env.reset().observation.error).toBeGreaterThan(0.1);
    const mirrored = new LineFollowerEnvironment(
      trackFromTexture('band', texture, { x: 101, y: 20, theta: Math.PI / 2 }),
    );
    expect(mirrored.reset().observation.error).toBeLessThan(-0.1);
  });

  it('sees the line in the camera patches ahead, in the right column', () => {
    const texture = bandTexture(95, 100);
    const camera = new GroundCamera({
      height: 12,
      ahead: 5,
      tilt: 35,
      fieldOfView: 70,
      width: 32,
      height_px: 16,
    });
    camera.capture(texture, { x: 97.5, y: 20, theta: Math.PI / 2 });
    const patches = new Float64Array(8 * 4);
    camera.patchDarkness(8, 4, patches);
    for (let row = 0; row < 4; row++) {
      const values = Array.from(patches.subarray(row * 8, row * 8 + 8));
      // centred line: the middle columns are the darkest, the outer ones white
      expect(Math.max(values[3], values[4])).toBeGreaterThan(0.2);
      expect(values[0]).toBeLessThan(0.05);
      expect(values[7]).toBeLessThan(0.05);
    }
  });
});

describe('filters', () => {
  it('FIR taps delay by 1..K steps', () => {
    const bank = new DelayLineBank(2, 3);
    const outputs: number[][] = [];
    for (let t = 0; t < 5; t++) {
      bank.filter(t === 0 ? [1, 2] : [0, 0]);
      outputs.push(Array.from(bank.output));
    }
    // predictor 0 = impulse 1 at t = 0: tap k (delay k+1) fires at t = k+1
    expect(outputs.map((o) => o.slice(0, 3))).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [0, 0, 0],
    ]);
    expect(outputs[2].slice(3)).toEqual([0, 2, 0]);
  });

  it('resonators ring at their periods and peak at exactly 1', () => {
    const bank = createFilterBank({
      kind: 'resonator',
      predictors: 1,
      count: 3,
      minPeriod: 5,
      maxPeriod: 40,
      damping: 0.51,
    });
    expect(bank).toBeInstanceOf(ResonatorBank);
    const responses: number[][] = [[], [], []];
    for (let t = 0; t < 400; t++) {
      bank.filter([t === 0 ? 1 : 0]);
      for (let k = 0; k < 3; k++) responses[k].push(bank.output[k]);
    }
    const peaks = responses.map((r) => Math.max(...r.map(Math.abs)));
    for (const p of peaks) expect(p).toBeCloseTo(1, 12);
    // Longer periods peak later and decay later.
    const peakTimes = responses.map((r) => r.indexOf(Math.max(...r)));
    expect(peakTimes[0]).toBeLessThan(peakTimes[1]);
    expect(peakTimes[1]).toBeLessThan(peakTimes[2]);
    // Every response decays to nothing.
    for (const r of responses) expect(Math.abs(r[399])).toBeLessThan(1e-3);
  });
});

describe('tracks', () => {
  it('has built-in tracks from gentle to hard and procedural ones', () => {
    expect(BUILTIN_TRACK_NAMES).toEqual(expect.arrayContaining(['gentle', 'default', 'hard']));
    const curvature = (name: string) => {
      const c = builtinTrack(name).centreLine!;
      let max = 0;
      const n = c.length / 2;
      for (let i = 0; i < n; i += 4) {
        const a = (i + n - 8) % n;
        const b = (i + 8) % n;
        const h1 = Math.atan2(c[2 * i + 1] - c[2 * a + 1], c[2 * i] - c[2 * a]);
        const h2 = Math.atan2(c[2 * b + 1] - c[2 * i + 1], c[2 * b] - c[2 * i]);
        let d = Math.abs(h2 - h1);
        if (d > Math.PI) d = 2 * Math.PI - d;
        max = Math.max(max, d / Math.hypot(c[2 * b] - c[2 * a], c[2 * b + 1] - c[2 * a + 1]));
      }
      return max;
    };
    expect(curvature('gentle')).toBeLessThan(curvature('default'));
    expect(curvature('default')).toBeLessThan(curvature('hard'));
    const a = builtinTrack('procedural:5');
    const b = builtinTrack('procedural:5');
    const c = builtinTrack('procedural:6');
    expect(Array.from(a.texture.data.subarray(0, 5000))).toEqual(
      Array.from(b.texture.data.subarray(0, 5000)),
    );
    expect(a.texture.width * 1000 + a.texture.height).not.toBe(c.texture.width * 1000 + c.texture.height);
    expect(() => builtinTrack('nowhere')).toThrow(/track/);
  });

  it('loads PNG tracks in grey, RGB and RGBA, and finds a start on the line', () => {
    const size = 64;
    for (const colorType of [0, 2, 6] as const) {
      const png = new PNG({ width: size, height: size, colorType, inputColorType: 6 });
      for (let i = 0; i < size * size; i++) {
        const u = i % size;
        const dark = u >= 30 && u <= 33;
        png.data[4 * i] = dark ? 0 : 255;
        png.data[4 * i + 1] = dark ? 0 : 255;
        png.data[4 * i + 2] = dark ? 0 : 255;
        png.data[4 * i + 3] = 255;
      }
      const bytes = PNG.sync.write(png, { colorType, inputColorType: 6 });
      const texture = decodePngTexture(bytes, 0.5);
      expect(texture.width).toBe(size);
      expect(texture.data[31]).toBe(0);
      expect(texture.data[5]).toBe(1);
      const track = trackFromTexture('test', texture);
      expect(track.start.x).toBeGreaterThan(15);
      expect(track.start.x).toBeLessThan(17);
      expect(Math.abs(Math.cos(track.start.theta))).toBeLessThan(0.1); // along the vertical line
    }
  });

  it('round-trips a texture through PNG', () => {
    const track = builtinTrack('gentle');
    const back = decodePngTexture(encodeTexturePng(track.texture), track.texture.cmPerPixel);
    expect(back.width).toBe(track.texture.width);
    let maxDiff = 0;
    for (let i = 0; i < back.data.length; i += 97)
      maxDiff = Math.max(maxDiff, Math.abs(back.data[i] - track.texture.data[i]));
    expect(maxDiff).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
  });
});
