import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dense, denseReference, outerProductUpdate, outerProductUpdateReference } from '../src/kernels.js';
import { DiscSensors, GroundCamera, type PointSet } from '../src/world/sensors.js';
import { GroundTexture } from '../src/world/texture.js';
import { bits, Random, randomVector } from './helpers.js';

const root = join(import.meta.dirname, '..');

describe('unrolled kernels are bit-identical to the plain loops', () => {
  it('forward sums, for every remainder of the four-row unrolling', () => {
    const random = new Random(17);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random.next() * 40);
      const m = 1 + Math.floor(random.next() * 11);
      const w = randomVector(random, n * m, -2, 2);
      const b = randomVector(random, m, -1, 1);
      const x = randomVector(random, n, -3, 3);
      const fast = new Float64Array(m);
      const plain = new Float64Array(m);
      dense(fast, w, b, x, n, m);
      denseReference(plain, w, b, x, n, m);
      expect(bits(fast)).toEqual(bits(plain));
    }
  });

  it('outer-product updates, with zero signals, negative zeros and no bias', () => {
    const random = new Random(23);
    for (let trial = 0; trial < 200; trial++) {
      const n = 1 + Math.floor(random.next() * 30);
      const m = 1 + Math.floor(random.next() * 11);
      const w = randomVector(random, n * m, -1, 1);
      // Signals as SaR makes them (-1, 0, 1, and -0), or arbitrary values as backprop does.
      const t = new Float64Array(m);
      for (let j = 0; j < m; j++) {
        const r = random.next();
        t[j] = trial % 2 ? [-1, 0, 1, -0][Math.floor(r * 4)] : random.uniform(-1, 1);
      }
      if (trial % 5 === 0) w[0] = -0;
      const x = randomVector(random, n, -1, 1);
      const bias = trial % 3 === 0 ? null : randomVector(random, m, -1, 1);
      const rate = trial % 7 === 0 ? 0 : random.uniform(0, 0.1);
      const wFast = w.slice();
      const bFast = bias?.slice() ?? null;
      outerProductUpdate(wFast, bFast, x, t, rate, n, m);
      outerProductUpdateReference(w, bias, x, t, rate, n, m);
      expect(bits(wFast)).toEqual(bits(w));
      if (bias && bFast) expect(bits(bFast)).toEqual(bits(bias));
    }
  });
});

describe('hand-inlined texture sampling is bit-identical to GroundTexture.sample', () => {
  it('for power-of-two and other scales, inside, at the edges and outside the texture', () => {
    const random = new Random(31);
    for (const scale of [0.5, 0.25, 1, 0.3, 0.7]) {
      const width = 37;
      const height = 23;
      const data = new Float32Array(width * height);
      for (let i = 0; i < data.length; i++) data[i] = random.next();
      const texture = new GroundTexture(width, height, scale, data);
      const sensors = new DiscSensors([2, 1, 5, -3, 9, 0], 1.5);
      const camera = new GroundCamera({
        height: 12,
        ahead: 5,
        tilt: 35,
        fieldOfView: 70,
        width: 16,
        height_px: 8,
      });
      const sets: PointSet[] = [sensors.points, camera.points];
      for (let trial = 0; trial < 100; trial++) {
        // Poses spread over the texture and a margin around it, so that edges and the outside are hit.
        const pose = {
          x: random.uniform(-10, texture.widthCm + 10),
          y: random.uniform(-10, texture.heightCm + 10),
          theta: random.uniform(-Math.PI, Math.PI),
        };
        for (const set of sets) {
          const fast = new Float64Array(set.count + 3);
          const plain = new Float64Array(set.count + 3);
          set.sample(texture, pose, fast, 3);
          set.sampleReference(texture, pose, plain, 3);
          expect(Array.from(fast)).toEqual(Array.from(plain));
        }
      }
    }
  });
});

describe('steady-state closed loop (acceptance 3 of the performance issue)', () => {
  it('does not grow the heap with the number of steps; the learning step allocates nothing', () => {
    // The probe needs --expose-gc, so it runs in a child process on a fresh build of the sources.
    const out = join(root, 'test-artifacts', 'perf-build');
    rmSync(out, { recursive: true, force: true });
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const build = spawnSync(
      process.execPath,
      [tsc, '-p', join(root, 'bench', 'tsconfig.json'), '--outDir', out],
      {
        encoding: 'utf8',
      },
    );
    const probe = join(out, 'bench', 'heapProbe.js');
    expect(existsSync(probe), build.stdout + build.stderr).toBe(true);
    for (const inputs of ['rows', 'camera']) {
      const child = spawnSync(
        process.execPath,
        ['--expose-gc', '--min-semi-space-size=64', '--max-semi-space-size=64', probe, inputs, '100000'],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.status, child.stderr).toBe(0);
      const report = JSON.parse(child.stdout) as {
        steps: number;
        retainedGrowthBytes: number;
        heapGrowthAfterChunk: number[];
        collectionsDuringRun: number;
        allocatedBytesPerStep: number | null;
      };
      expect(report.steps).toBe(100_000);
      // Retained after a full collection: less than a byte per step (a leak of one number per step
      // would be 1.6 MB here).
      expect(report.retainedGrowthBytes).toBeLessThan(100_000);
      // Allocated, with no collection in between: nothing per step. Not a typed array (about 250
      // bytes), not a closure, and not even one boxed number (16 bytes, which the JIT makes when it
      // calls rather than inlines a function taking a number argument): less than a byte per step.
      expect(report.collectionsDuringRun).toBe(0);
      expect(report.allocatedBytesPerStep).not.toBeNull();
      expect(report.allocatedBytesPerStep as number).toBeLessThan(1);
    }
    // The learning step and forward pass on their own allocate nothing at all, on either kernel
    // (the closed loop above runs the default one, WebAssembly).
    for (const kernel of ['wasm', 'js']) {
      const child = spawnSync(
        process.execPath,
        [
          '--expose-gc',
          '--min-semi-space-size=64',
          '--max-semi-space-size=64',
          probe,
          'network',
          '100000',
          kernel,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(child.status, child.stderr).toBe(0);
      const report = JSON.parse(child.stdout) as {
        collectionsDuringRun: number;
        allocatedBytesPerStep: number;
      };
      expect(report.collectionsDuringRun, kernel).toBe(0);
      expect(report.allocatedBytesPerStep, kernel).toBeLessThan(1);
    }
  });
});
