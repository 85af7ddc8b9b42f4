// The API reference (`npm run docs` → docs/api/) opens on an overview: what each import is for, the
// three-line example, links to the main classes; the main classes and functions have examples, and
// configuration types are named, not expanded. Built here into a temporary folder when docs/api/ is
// missing (npm test builds it first).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');

/** An HTML fragment's text: line breaks kept, tags dropped, quotes decoded. */
function textOf(html: string): string {
  return html
    .replace(/<br\s*\/?>/g, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&#39;|&#x27;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function apiDir(): string {
  const built = join(ROOT, 'docs', 'api');
  if (existsSync(join(built, 'index.html'))) return built;
  const out = mkdtempSync(join(tmpdir(), 'sarlab-api-'));
  execFileSync(
    process.execPath,
    [join(ROOT, 'tools/typedoc/node_modules/typedoc/bin/typedoc'), '--options', 'typedoc.json', '--out', out],
    { cwd: ROOT, stdio: 'pipe', timeout: 300_000 },
  );
  return out;
}

it('docs/api/index.html is an overview with the three-line example, the subpaths and links to the main classes', () => {
  const dir = apiDir();
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const text = textOf(html);
  expect(text).toContain('A run in three lines');
  // The example is a code block (highlighted, so the words are split into spans).
  const code = /<pre><code[^>]*>([\s\S]*?)<\/code>/.exec(html);
  expect(code, 'a code block').not.toBeNull();
  const example = textOf(code![1]);
  expect(example).toContain("import { Simulation, parseRunConfig } from 'sarlab';");
  expect(example).toContain('new Simulation(parseRunConfig(');
  for (const subpath of ['sarlab/kernels', 'sarlab/node', 'sarlab/sweep', 'sarlab/report', 'sarlab/robot'])
    expect(text).toContain(subpath);
  // Links to the main classes and modules, each to a page that exists.
  const links = [...html.matchAll(/href="((?:classes|functions|modules|interfaces)\/[^"#]+)"/g)].map(
    (m) => m[1],
  );
  for (const page of [
    'classes/sarlab.Simulation.html',
    'classes/sarlab.Network.html',
    'modules/sarlab_node.html',
  ])
    expect(links).toContain(page);
  for (const link of links) expect(existsSync(join(dir, link)), link).toBe(true);
  // Readable without JavaScript: the overview is in the HTML itself, not loaded by a script.
  expect(text).toContain('What each import is for');
});

it('the main classes and functions have examples, and a run configuration is the named RunConfig', () => {
  const dir = apiDir();
  const pages = [
    'classes/sarlab.Simulation.html',
    'classes/sarlab.RunMetrics.html',
    'functions/sarlab.parseRunConfig.html',
    'functions/sarlab_node.writeRunOutputs.html',
    'functions/sarlab_node.saveModel.html',
    'functions/sarlab_node.loadModel.html',
    'functions/sarlab_sweep.runSweep.html',
    'functions/sarlab_report.writeSweepReport.html',
    'functions/sarlab_report.runPlotSpec.html',
  ];
  for (const page of pages) {
    const html = readFileSync(join(dir, page), 'utf8');
    expect(html, page).toMatch(/>Example<\/h4>|id="example"/);
    expect(html, page).toMatch(/<pre><code/);
  }
  const simulation = readFileSync(join(dir, 'classes/sarlab.Simulation.html'), 'utf8');
  expect(simulation).toMatch(
    /config<\/span>: <a href="\.\.\/interfaces\/sarlab\.RunConfig\.html"[^>]*>RunConfig<\/a>/,
  );
});
