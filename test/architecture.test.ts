import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '..', 'src');

/** The core that the CLI, the worker threads and the browser page all run. */
const CORE = [
  'net',
  'learning',
  'filters',
  'world',
  'loop',
  'util',
  'experiments/config.ts',
  'experiments/presets.ts',
  'experiments/baseline.ts',
  'experiments/setup.ts',
  'experiments/simulation.ts',
  'robot/protocol.ts',
  'index.ts',
];

function files(path: string): string[] {
  const full = join(src, path);
  if (full.endsWith('.ts')) return [full];
  return readdirSync(full, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(full, f));
}

it('keeps the core free of Node-only imports (it runs in the browser too)', () => {
  const nodeOnly =
    /from '(node:[^']+|fs|path|os|child_process|worker_threads|piscina|pngjs|cli-progress|commander|serialport|@resvg\/resvg-js)'/;
  const offenders: string[] = [];
  for (const file of CORE.flatMap(files)) {
    const text = readFileSync(file, 'utf8');
    for (const line of text.split('\n')) {
      if (/^\s*(import|export)\b/.test(line) && nodeOnly.test(line))
        offenders.push(`${file}: ${line.trim()}`);
    }
    // The core may only import other core modules.
    for (const match of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = resolve(file, '..', match[1]).replace(/\.js$/, '.ts');
      const relative = target.slice(src.length + 1);
      const inCore = CORE.some((c) => relative === c || relative.startsWith(`${c}/`));
      if (!inCore) offenders.push(`${file}: imports ${relative}`);
    }
  }
  expect(offenders).toEqual([]);
});
