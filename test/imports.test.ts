import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

it('has no import cycles in src/ and web/src (madge, type-only imports included)', () => {
  const result = spawnSync(
    process.execPath,
    [
      '--require',
      resolve(root, 'test/support/typescript5.cjs'),
      resolve(root, 'tools/typedoc/node_modules/madge/bin/cli.js'),
      '--circular',
      '--json',
      '--no-spinner',
      '--extensions',
      'ts',
      '--ts-config',
      'tsconfig.json',
      'src',
      'web/src',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  expect(result.stderr).toBe('');
  const cycles = JSON.parse(result.stdout) as string[][];
  expect(cycles.map((cycle) => cycle.join(' > '))).toEqual([]);
});

it('madge reads every module (a parse failure would hide cycles)', () => {
  const result = spawnSync(
    process.execPath,
    [
      '--require',
      resolve(root, 'test/support/typescript5.cjs'),
      resolve(root, 'tools/typedoc/node_modules/madge/bin/cli.js'),
      '--json',
      '--no-spinner',
      '--extensions',
      'ts',
      '--ts-config',
      'tsconfig.json',
      'src',
      'web/src',
    ],
    { cwd: root, encoding: 'utf8' },
  );
  const graph = JSON.parse(result.stdout) as Record<string, string[]>;
  expect(Object.keys(graph).length).toBeGreaterThan(60);
  // The engine's own entry imports the commands, which import the core: the graph is connected.
  expect(graph['src/cli/main.ts']).toContain('src/cli/commands/index.ts');
});
