// The Python module (python/sarlab, standard library only) through `python3 -m unittest`: a
// Gymnasium-style environment and an FCL-style learner, each checked against the same run in Node.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');
const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
// In CI the Python tests must run; elsewhere they skip without python3.
const skip = python.status !== 0 && !process.env.CI;
if (skip) console.warn('python3 not found: skipping the Python module tests');

it.skipIf(skip)('passes the Python unittest suite (2,000-step runs, bit-identical to Node)', () => {
  const result = spawnSync(
    'python3',
    ['-m', 'unittest', 'discover', '-s', 'python/tests', '-t', 'python', '-v'],
    {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
      timeout: 300_000,
    },
  );
  expect(result.stderr).toMatch(/\nOK\n?$/);
  expect(result.stderr).toMatch(/Ran [5-9] tests/);
  expect(result.status).toBe(0);
});
