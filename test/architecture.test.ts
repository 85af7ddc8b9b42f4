import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = resolve(import.meta.dirname, '..', 'src');

/**
 * The layer map: each folder of src/ (and each entry file at its top) with its floor and the folders
 * it may import. An import goes only to a lower floor; within a folder anything goes. A new folder
 * gets a row here (and in docs/architecture.md, which must show the same table).
 */
const LAYERS: Record<string, { floor: number; imports: readonly string[] }> = {
  util: { floor: 0, imports: [] },
  task: { floor: 1, imports: ['util'] },
  backend: { floor: 1, imports: ['util'] },
  net: { floor: 2, imports: ['backend', 'util'] },
  world: { floor: 2, imports: ['task', 'backend', 'util'] },
  filters: { floor: 2, imports: ['backend', 'util'] },
  learning: { floor: 3, imports: ['net', 'util'] },
  loop: { floor: 4, imports: ['task', 'net', 'filters', 'learning', 'util'] },
  run: { floor: 5, imports: ['task', 'backend', 'net', 'world', 'filters', 'learning', 'loop', 'util'] },
  'kernels.ts': { floor: 3, imports: ['backend', 'net'] },
  'index.ts': {
    floor: 6,
    imports: ['task', 'backend', 'net', 'world', 'filters', 'learning', 'loop', 'run', 'util'],
  },
  plot: { floor: 6, imports: ['world', 'run', 'util'] },
  robot: { floor: 6, imports: ['task', 'net', 'world', 'run', 'util'] },
  'robotProtocol.ts': { floor: 7, imports: ['robot'] },
  node: { floor: 7, imports: ['net', 'world', 'run', 'plot', 'util'] },
  sweep: { floor: 8, imports: ['world', 'run', 'node', 'util'] },
  report: { floor: 9, imports: ['learning', 'run', 'plot', 'node', 'sweep', 'util'] },
  cli: {
    floor: 10,
    imports: [
      'task',
      'backend',
      'net',
      'world',
      'filters',
      'learning',
      'loop',
      'run',
      'plot',
      'robot',
      'node',
      'sweep',
      'report',
      'util',
    ],
  },
};

/** A source text without its comments (strings kept: an import's path is one). */
function withoutComments(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '/' && next === '/') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * The relative paths a module imports: static imports and re-exports (type-only ones too), dynamic
 * `import()` and `import('…').Type` in type positions.
 */
function importsOf(text: string): string[] {
  const code = withoutComments(text);
  return [...code.matchAll(/\b(?:from|import)\s*\(?\s*(['"])(\.{1,2}\/[^'"\n]+)\1/g)].map((m) => m[2]);
}

/** The folder of src/ a file (given relative to src/, with /) belongs to, or the file itself at the top. */
function folderOf(file: string): string {
  return file.includes('/') ? file.slice(0, file.indexOf('/')) : file;
}

/** Every import of `sources` (paths relative to src/ → text) that the layer map does not allow. */
function layerViolations(sources: ReadonlyMap<string, string>): string[] {
  const offenders: string[] = [];
  for (const [file, text] of sources) {
    const from = folderOf(file);
    const layer = LAYERS[from];
    for (const spec of importsOf(text)) {
      const target = posix.normalize(posix.join(posix.dirname(file), spec));
      if (target.startsWith('../')) {
        offenders.push(`src/${file} imports ${spec}, outside src/`);
        continue;
      }
      const to = folderOf(target);
      if (to === from) continue;
      if (!layer) offenders.push(`src/${file} imports ${spec}, but ${from} is not in the layer map`);
      else if (!layer.imports.includes(to))
        offenders.push(`src/${file} imports ${spec}: ${from} may not import ${to}`);
    }
  }
  return offenders;
}

function allSources(): Map<string, string> {
  const sources = new Map<string, string>();
  for (const f of readdirSync(src, { recursive: true }).map(String)) {
    if (!f.endsWith('.ts')) continue;
    sources.set(f.replaceAll('\\', '/'), readFileSync(join(src, f), 'utf8'));
  }
  return sources;
}

describe('the layer map', () => {
  it('points only down: every folder a row imports is on a lower floor', () => {
    const upward: string[] = [];
    for (const [folder, { floor, imports }] of Object.entries(LAYERS)) {
      for (const target of imports) {
        const lower = LAYERS[target];
        if (!lower || lower.floor >= floor) upward.push(`${folder} (floor ${floor}) → ${target}`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('places every folder and entry file of src/', () => {
    const tops = new Set([...allSources().keys()].map(folderOf));
    expect([...tops].filter((t) => !(t in LAYERS))).toEqual([]);
    expect(Object.keys(LAYERS).filter((t) => !tops.has(t))).toEqual([]);
  });

  it('holds for every import in src/ (static and dynamic, type-only included)', () => {
    expect(layerViolations(allSources())).toEqual([]);
  });

  it('catches an upward import, a type-only one, a dynamic one and one in a type position', () => {
    const sources = new Map([
      ['world/a.ts', "import { x } from '../loop/agent.js';\nimport type { Y } from '../run/config.js';"],
      ['filters/b.ts', "const m = await import('../world/c.js');\nlet t: import('../net/d.js').T;"],
      ['util/e.ts', "// import { z } from '../cli/main.js';\nconst s = 'from here';"],
      ['task/f.ts', "export * from '../../outside.js';"],
    ]);
    expect(layerViolations(sources)).toEqual([
      'src/world/a.ts imports ../loop/agent.js: world may not import loop',
      'src/world/a.ts imports ../run/config.js: world may not import run',
      'src/filters/b.ts imports ../world/c.js: filters may not import world',
      'src/filters/b.ts imports ../net/d.js: filters may not import net',
      'src/task/f.ts imports ../../outside.js, outside src/',
    ]);
  });
});

it("docs/architecture.md's layer map is the test's", () => {
  const doc = readFileSync(resolve(src, '..', 'docs', 'architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## The layer map'), doc.indexOf('## The data path'));
  const rows: Record<string, { floor: number; imports: string[] }> = {};
  for (const m of section.matchAll(/^\| (\d+) \| `([^`]+)` \| (.*) \|$/gm))
    rows[m[2]] = { floor: Number(m[1]), imports: [...m[3].matchAll(/`([^`]+)`/g)].map((i) => i[1]) };
  expect(Object.keys(rows).length).toBeGreaterThan(10);
  const sorted = (table: Record<string, { floor: number; imports: readonly string[] }>) =>
    Object.fromEntries(
      Object.entries(table)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([folder, { floor, imports }]) => [folder, { floor, imports: [...imports].sort() }]),
    );
  expect(sorted(rows)).toEqual(sorted(LAYERS));
});

/** Most lines of any source file, and of the robot link's state machine. */
const MAX_FILE_LINES = 500;
const MAX_LINK_LINES = 400;

it(`no source file is over ${MAX_FILE_LINES} lines, src/robot/link.ts under ${MAX_LINK_LINES}`, () => {
  const lines = (text: string) => text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  const sources = allSources();
  const long = [...sources]
    .filter(([file, text]) => !file.endsWith('.generated.ts') && lines(text) > MAX_FILE_LINES)
    .map(([file, text]) => `src/${file}: ${lines(text)} lines`);
  expect(long).toEqual([]);
  expect(lines(sources.get('robot/link.ts') ?? '')).toBeGreaterThan(0);
  expect(lines(sources.get('robot/link.ts') ?? '')).toBeLessThan(MAX_LINK_LINES);
});

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
