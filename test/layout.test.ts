import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

/** The backticked paths in the first column of README's layout table. */
function layoutPaths(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## Documents'));
  const paths: string[] = [];
  for (const line of section.split('\n')) {
    const cell = /^\| ([^|]+) \|/.exec(line)?.[1];
    if (!cell) continue;
    for (const m of cell.matchAll(/`([^`]+)`/g)) paths.push(m[1].replace(/\/$/, ''));
  }
  return paths;
}

/** Folders generated or installed, not part of the layout. */
const NOT_LAYOUT = new Set(['node_modules', 'dist', 'web-dist', 'test-artifacts', 'runs', 'out']);

it("README's layout table names every folder of src/ and of the repository, and only folders that exist", () => {
  const named = layoutPaths();
  expect(named.length).toBeGreaterThan(10);
  expect(named.filter((path) => !existsSync(join(root, path)))).toEqual([]);
  const folders = (dir: string) =>
    readdirSync(join(root, dir), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !d.name.startsWith('.') && !NOT_LAYOUT.has(d.name))
      .map((d) => (dir === '.' ? d.name : `${dir}/${d.name}`));
  const missing = [...folders('.').filter((f) => f !== 'src'), ...folders('src')].filter(
    (folder) => !named.some((path) => path === folder || path.startsWith(`${folder}/`)),
  );
  expect(missing).toEqual([]);
});
