import { describe, expect, it } from 'vitest';
import { wasmSimdAvailable } from '../src/backend/wasm.js';
import { BandpassBank, createFilterBank } from '../src/filters/filterBank.js';
import { DEFAULT_WORLD, LineFollowerEnvironment } from '../src/world/lineFollower.js';
import { wellInside } from '../src/world/pointSet.js';
import { DiscSensors, GroundCamera } from '../src/world/sensors.js';
import { builtinTrack } from '../src/world/track.js';
import { wasmPointSets } from '../src/world/wasmSampler.js';
import { bigTexture, bits, Random, randomVector } from './helpers.js';

/*
 * The world's loops in WebAssembly (wasm/world.ts, used with the WebAssembly kernel) against the
 * TypeScript loops, bit for bit: disc sensors (pairs of sensors side by side, an odd last one),
 * plain point sets (the camera, an odd number of pixels), the camera's patch means and the bandpass
 * array. Whole runs on both kernels are compared in closedLoopBits.test.ts.
 */

const simd = wasmSimdAvailable();

describe.skipIf(!simd)('the world sampled in WebAssembly gives the bits of the TypeScript loops', () => {
  const rowCentres: number[] = [];
  for (const d of [16, 26]) for (let c = 0; c < 12; c++) rowCentres.push(d, 18 - (36 * c) / 11);
  const discSpecs: [number[], number][] = [
    [[8, 2, 8, -2], 1.5],
    [rowCentres, 0.8],
    [[5, 1], 0],
    [[10, 3, 12, 0, 10, -3], 1],
  ];
  const cameraSpecs = [
    { tilt: 35, width: 32, height: 16, columns: 8, rows: 4 },
    { tilt: 40, width: 7, height: 3, columns: 3, rows: 2 },
  ];
  const camera = (spec: (typeof cameraSpecs)[number]) =>
    new GroundCamera({
      height: 12,
      ahead: 5,
      tilt: spec.tilt,
      fieldOfView: 70,
      width: spec.width,
      height_px: spec.height,
    });

  it('disc sensors, camera images and patches, for several scales, inside the texture and at its edges', () => {
    const random = new Random(53);
    let inWasm = 0;
    let total = 0;
    for (const scale of [0.5, 0.25, 1, 0.3, 0.7]) {
      const texture = bigTexture(random, scale);
      const plainDiscs = discSpecs.map(([centres, radius]) => new DiscSensors(centres, radius));
      const wasmDiscs = discSpecs.map(([centres, radius]) => new DiscSensors(centres, radius));
      const plainCameras = cameraSpecs.map(camera);
      const wasmCameras = cameraSpecs.map(camera);
      const placed = wasmPointSets(texture, [
        ...wasmDiscs.map((d) => ({ points: d.points, perSensor: d.perSensor })),
        ...wasmCameras.map((c, j) => ({
          points: c.points,
          perSensor: 0,
          camera: {
            width: c.width,
            height: c.height,
            columns: cameraSpecs[j].columns,
            rows: cameraSpecs[j].rows,
          },
        })),
      ]);
      expect(placed).not.toBeNull();
      if (!placed) return;
      wasmDiscs.forEach((d, j) => {
        d.wasm = placed[j];
      });
      wasmCameras.forEach((c, j) => {
        c.points.wasm = placed[wasmDiscs.length + j];
      });
      for (let trial = 0; trial < 300; trial++) {
        const pose = {
          x: random.uniform(-20, texture.widthCm + 20),
          y: random.uniform(-20, texture.heightCm + 20),
          theta: random.uniform(-4, 4),
        };
        for (let j = 0; j < discSpecs.length; j++) {
          const fast = new Float64Array(plainDiscs[j].count + 2);
          const plain = new Float64Array(plainDiscs[j].count + 2);
          // Twice: the first call of a set works out 1/scale and takes the general path.
          for (let twice = 0; twice < 2; twice++) {
            wasmDiscs[j].read(texture, pose, fast, 2);
            plainDiscs[j].read(texture, pose, plain, 2);
          }
          expect(bits(fast)).toEqual(bits(plain));
          total++;
          if (wellInside(texture, pose, wasmDiscs[j].points)) inWasm++;
        }
        for (let j = 0; j < cameraSpecs.length; j++) {
          const { columns, rows } = cameraSpecs[j];
          expect(bits(wasmCameras[j].capture(texture, pose))).toEqual(
            bits(plainCameras[j].capture(texture, pose)),
          );
          if (wasmCameras[j].points.wasm?.fresh) inWasm++;
          total++;
          const fast = new Float64Array(columns * rows + 1);
          const plain = new Float64Array(columns * rows + 1);
          wasmCameras[j].patchDarkness(columns, rows, fast, 1);
          plainCameras[j].patchDarkness(columns, rows, plain, 1);
          expect(bits(fast)).toEqual(bits(plain));
          // Another grid than the one laid out: the TypeScript sums, the same bits.
          wasmCameras[j].patchDarkness(1, 1, fast, 0);
          plainCameras[j].patchDarkness(1, 1, plain, 0);
          expect(bits(fast)).toEqual(bits(plain));
        }
      }
    }
    // Both paths were exercised.
    expect(inWasm).toBeGreaterThan(total / 10);
    expect(inWasm).toBeLessThan(total);
  });

  it('a texture other than the one copied is sampled in TypeScript', () => {
    const random = new Random(59);
    const copied = bigTexture(random, 0.5);
    const other = bigTexture(random, 0.5);
    const wasm = new DiscSensors([8, 2, 8, -2], 1.5);
    const plain = new DiscSensors([8, 2, 8, -2], 1.5);
    const placed = wasmPointSets(copied, [{ points: wasm.points, perSensor: wasm.perSensor }]);
    if (!placed) throw new Error('no WebAssembly memory');
    wasm.wasm = placed[0];
    const pose = { x: 70, y: 50, theta: 0.3 };
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    for (let twice = 0; twice < 2; twice++) {
      wasm.read(other, pose, a);
      plain.read(other, pose, b);
    }
    expect(bits(a)).toEqual(bits(b));
  });

  it('the bandpass array', () => {
    const random = new Random(61);
    for (const K of [1, 2, 5, 7]) {
      const P = 13;
      const wasm = new BandpassBank(P, K, 3, 10, 0.51, 'wasm');
      const js = new BandpassBank(P, K, 3, 10, 0.51, 'js');
      for (let t = 0; t < 300; t++) {
        const x = randomVector(random, P, -1, 1);
        if (t % 17 === 0) x[0] = -0;
        if (t === 150) {
          wasm.reset();
          js.reset();
        }
        wasm.filter(x);
        js.filter(x);
        expect(bits(wasm.output)).toEqual(bits(js.output));
      }
    }
  });

  it('the world and the filter array follow the kernel', () => {
    const track = builtinTrack('default');
    expect(new LineFollowerEnvironment(track, DEFAULT_WORLD, { kernel: 'js' }).kernel).toBe('js');
    expect(new LineFollowerEnvironment(track, DEFAULT_WORLD, { kernel: 'wasm' }).kernel).toBe('wasm');
    expect(new LineFollowerEnvironment(track, DEFAULT_WORLD).kernel).toBe('wasm');
    const camera = { ...DEFAULT_WORLD, inputs: 'camera' as const };
    expect(new LineFollowerEnvironment(track, camera, { kernel: 'wasm' }).camera?.points.wasm).not.toBeNull();
    expect(new LineFollowerEnvironment(track, camera, { kernel: 'js' }).camera?.points.wasm).toBeNull();
    const bank = (kernel: 'wasm' | 'js') =>
      createFilterBank({ kind: 'bandpass', predictors: 3, count: 5, kernel }) as BandpassBank;
    // The wasm bank's output is a view of its WebAssembly memory (whole 64 KiB pages).
    expect(bank('wasm').output.buffer.byteLength % 65536).toBe(0);
    expect(bank('js').output.buffer.byteLength).toBe(15 * 8);
  });
});
