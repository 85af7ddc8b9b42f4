// `npm start` and `npm test` install first when node_modules is missing or does not match the lock.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain-Node script with no type declarations
import { staleReason } from '../scripts/ensure-installed.mjs';
import { tempDir } from './cliHelpers.js';

function project(lock: object, installed?: object): string {
  const dir = tempDir('sarlab-ensure-');
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: lock }));
  if (installed) {
    mkdirSync(join(dir, 'node_modules'));
    writeFileSync(join(dir, 'node_modules', '.package-lock.json'), JSON.stringify({ packages: installed }));
  }
  return dir;
}

const lock = {
  '': { name: 'x' },
  'node_modules/zod': { version: '4.6.7' },
  'node_modules/@other/platform-binary': { version: '1.0.0', optional: true },
};

describe('ensure-installed', () => {
  it('asks for an install on a fresh clone', () => {
    expect(staleReason(project(lock))).toBe('node_modules is missing');
  });
  it('asks for an install when a package is missing or at another version', () => {
    expect(staleReason(project(lock, {}))).toMatch(/node_modules\/zod is not installed/);
    expect(staleReason(project(lock, { 'node_modules/zod': { version: '4.0.0' } }))).toMatch(
      /zod is 4\.0\.0, the lock file wants 4\.6\.7/,
    );
  });
  it('is content when every non-optional package matches (optional ones for other platforms may be absent)', () => {
    expect(staleReason(project(lock, { 'node_modules/zod': { version: '4.6.7' } }))).toBeNull();
  });
  it('finds this clone installed (the test suite itself runs after it)', () => {
    expect(staleReason(join(import.meta.dirname, '..'))).toBeNull();
  });
});
