import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '..', 'src');

/**
 * The core that the CLI, the worker threads and the browser page all run: what tsconfig.core.json
 * compiles without Node's types (`npm run typecheck` and `npm test` compile it). This test adds
 * what a compile cannot see: the core imports no Node-only package (whose types may bring Node's
 * along) and no module outside the core.
 */
const CORE = (
  JSON.parse(readFileSync(resolve(src, '..', 'tsconfig.core.json'), 'utf8')) as { include: string[] }
).include.map((path) => path.replace(/^src\//, ''));

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
    /from '(node:[^']+|fs|path|os|child_process|worker_threads|tinypool|pngjs|cli-progress|commander|serialport|@resvg\/resvg-js)'/;
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

it('the core list compiles on its own (tsconfig.core.json has no Node types)', () => {
  const config = JSON.parse(readFileSync(resolve(src, '..', 'tsconfig.core.json'), 'utf8'));
  expect(config.compilerOptions.types).toEqual([]);
  expect(CORE).toContain('run');
  expect(CORE).toContain('robot/protocol.ts');
});
