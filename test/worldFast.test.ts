import { describe, expect, it } from 'vitest';
import { BandpassBank, ResonatorBank } from '../src/filters/filterBank.js';
import { wellInside } from '../src/world/pointSet.js';
import { DiscSensors, GroundCamera, type PointSet } from '../src/world/sensors.js';
import { bigTexture, bits, Random, randomVector } from './helpers.js';

/*
 * The fast forms of the world's hot loops against their plain references, bit for bit: the
 * sampling without edge tests (taken when a point set lies well inside the texture), the disc means
 * summed while sampling, and the filter banks run one filter at a time.
 */

describe('fast sensing is bit-identical to the references', () => {
  const camera = (tilt: number) =>
    new GroundCamera({ height: 12, ahead: 5, tilt, fieldOfView: 70, width: 32, height_px: 16 });

  it('sampling and disc means, for several scales, inside the texture and at its edges', () => {
    const random = new Random(41);
    let inside = 0;
    let total = 0;
    for (const scale of [0.5, 0.25, 1, 0.3, 0.7]) {
      const texture = bigTexture(random, scale);
      const rowCentres: number[] = [];
      for (const d of [16, 26]) for (let c = 0; c < 12; c++) rowCentres.push(d, 18 - (36 * c) / 11);
      const discs = [
        new DiscSensors([8, 2, 8, -2], 1.5),
        new DiscSensors(rowCentres, 0.8),
        new DiscSensors([5, 1], 0),
      ];
      // The flat camera (tilt 10) has pixels above the horizon: far points, always the general path.
      const cameras = [camera(35), camera(10)];
      expect(cameras[0].points.far).toBeNull();
      expect(cameras[1].points.far).not.toBeNull();
      const sets: PointSet[] = [...discs.map((d) => d.points), ...cameras.map((c) => c.points)];
      for (let trial = 0; trial < 300; trial++) {
        const pose = {
          x: random.uniform(-20, texture.widthCm + 20),
          y: random.uniform(-20, texture.heightCm + 20),
          theta: random.uniform(-4, 4),
        };
        for (const set of sets) {
          const fast = new Float64Array(set.count + 3);
          const plain = new Float64Array(set.count + 3);
          set.sample(texture, pose, fast, 3);
          set.sampleReference(texture, pose, plain, 3);
          expect(bits(fast)).toEqual(bits(plain));
          total++;
          if (set.far === null && wellInside(texture, pose, set)) inside++;
        }
        for (const sensors of discs) {
          const fast = new Float64Array(sensors.count + 2);
          const plain = new Float64Array(sensors.count + 2);
          sensors.read(texture, pose, fast, 2);
          sensors.readReference(texture, pose, plain, 2);
          expect(bits(fast)).toEqual(bits(plain));
        }
      }
    }
    // Both paths were exercised.
    expect(inside).toBeGreaterThan(total / 10);
    expect(inside).toBeLessThan(total);
  });

  it('the fast path is never taken where a sample would need an edge test', () => {
    const random = new Random(43);
    const texture = bigTexture(random, 0.5);
    const sensors = new DiscSensors([30, 20, 30, -20, 2, 0], 1);
    const p = sensors.points.local;
    for (let trial = 0; trial < 2000; trial++) {
      const pose = {
        x: random.uniform(-5, texture.widthCm + 5),
        y: random.uniform(-5, texture.heightCm + 5),
        theta: random.uniform(-Math.PI, Math.PI),
      };
      if (!wellInside(texture, pose, sensors.points)) continue;
      const c = Math.cos(pose.theta);
      const s = Math.sin(pose.theta);
      for (let k = 0; k < sensors.points.count; k++) {
        const u = (pose.x + p[2 * k] * c - p[2 * k + 1] * s) / 0.5 - 0.5;
        const v = texture.height - (pose.y + p[2 * k] * s + p[2 * k + 1] * c) / 0.5 - 0.5;
        expect(
          u >= 0 && v >= 0 && Math.floor(u) + 1 < texture.width && Math.floor(v) + 1 < texture.height,
        ).toBe(true);
      }
    }
    expect(wellInside(texture, { x: Number.NaN, y: 10, theta: 0 }, sensors.points)).toBe(false);
  });
});

describe('filter banks run filter by filter give the bits of the plain per-predictor loop', () => {
  it('bandpass and resonators', () => {
    const random = new Random(47);
    for (const K of [1, 2, 5, 7]) {
      const P = 13;
      const bandpass = new BandpassBank(P, K, 3, 10, 0.51);
      const resonator = new ResonatorBank(P, K, 2, 20, 0.51);
      // The plain loops (predictor by predictor), on copies of the state.
      const bw1 = new Float64Array(P * K);
      const bw2 = new Float64Array(P * K);
      const by = new Float64Array(P * K);
      const ry = new Float64Array(P * K);
      const ry1 = new Float64Array(P * K);
      for (let t = 0; t < 200; t++) {
        const x = randomVector(random, P, -1, 1);
        if (t % 17 === 0) x[0] = -0;
        bandpass.filter(x);
        resonator.filter(x);
        for (let p = 0; p < P; p++) {
          for (let k = 0; k < K; k++) {
            const i = p * K + k;
            const previous = bw1[i];
            const w = x[p] - bandpass.d1[k] * previous - bandpass.d2[k] * bw2[i];
            bw2[i] = previous;
            bw1[i] = w;
            by[i] = w / bandpass.norm[k];
            const current = ry[i];
            ry[i] = resonator.gain[k] * x[p] + resonator.a1[k] * current - resonator.a2[k] * ry1[i];
            ry1[i] = current;
          }
        }
        expect(bits(bandpass.output)).toEqual(bits(by));
        expect(bits(resonator.output)).toEqual(bits(ry));
      }
    }
  });
});
