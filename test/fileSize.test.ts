import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** Most lines a source file has before it must say, at its top, why it is longer. */
const MAX_LINES = 400;
/** The reason's marker, in a comment within the first lines: `// Over 400 lines because ...`. */
const REASON = /^\s*(\/\/|\/\*|\*)\s*Over 400 lines because \S/m;
/** How many lines at the top may hold the reason. */
const HEAD_LINES = 15;

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true })
    .map(String)
    .filter((f) => /\.(ts|css|html)$/.test(f))
    .map((f) => `${folder}/${f}`.replaceAll('\\', '/'));
}

it(`no file in src/ and web/src is over ${MAX_LINES} lines without a reason at its top`, () => {
  const offenders: string[] = [];
  for (const file of [...sourceFiles('src'), ...sourceFiles('web/src')]) {
    if (file.endsWith('.generated.ts')) continue; // written by the build (the WebAssembly kernel)
    const text = readFileSync(join(root, file), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines <= MAX_LINES) continue;
    const head = text.split('\n').slice(0, HEAD_LINES).join('\n');
    if (!REASON.test(head)) offenders.push(`${file}: ${lines} lines`);
  }
  expect(offenders).toEqual([]);
});
