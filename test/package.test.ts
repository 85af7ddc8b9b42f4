// The package as a user installs it: pack the tarball, install it into an empty project, import every
// subpath, bundle the core for the browser. The install prefers the npm cache but may ask the registry:
// `npm ci` caches tarballs, not the package metadata a fresh install resolves names with, so an
// offline-only install would pass or fail with whatever the machine's cache happens to hold.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './cliHelpers.js';

const root = resolve(import.meta.dirname, '..');
const SUBPATHS = [
  'sarlab',
  'sarlab/kernels',
  'sarlab/node',
  'sarlab/sweep',
  'sarlab/report',
  'sarlab/robot',
  'sarlab/robot-protocol',
];
const BUNDLE_BUDGET = 50 * 1024;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The README's first library example (the block after "## Use it as a library"). */
function readmeLibraryExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Use it as a library'));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error('README.md: no ```ts block after "## Use it as a library"');
  return match[1];
}

let work = '';
let app = '';
let tarball = '';

beforeAll(() => {
  work = tempDir('sarlab-pack-');
  const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
  });
  tarball = join(work, (JSON.parse(packed) as { filename: string }[])[0].filename);
  app = join(work, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const install = spawnSync(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball],
    { cwd: app, encoding: 'utf8' },
  );
  if (install.status !== 0) {
    throw new Error(`install of the packed tarball failed:\n${install.stderr}`);
  }
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships no source maps, no sources it does not need, and every file the README names', () => {
    const listed = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, ''));
    expect(listed.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(listed.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([]);
    for (const file of ['LICENSE', 'README.md', 'CITATION.cff', 'bin/sarlab.js', 'dist/src/index.js']) {
      expect(listed).toContain(file);
    }
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const named = [...readme.matchAll(/\b(examples\/[\w./-]+\.(?:yaml|png|json))/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(0);
    for (const file of named) expect(listed, `README names ${file}`).toContain(file);
    // The Python package, installable from the npm package's folder (pip install node_modules/sarlab/python).
    for (const file of ['python/pyproject.toml', 'python/sarlab/__init__.py', 'python/sarlab/py.typed']) {
      expect(listed).toContain(file);
    }
    expect(
      listed.filter(
        (f) =>
          f.startsWith('python/') &&
          !/^python\/(pyproject\.toml|README\.md|sarlab\/\w+\.(py|typed))$/.test(f),
      ),
    ).toEqual([]);
    expect(listed).toContain('examples/notebooks/quick-start.ipynb');
  });

  it('installs with at most 8 packages (optional ones counted), no native code, no plotting or serial packages', () => {
    const ls = spawnSync(npm, ['ls', '--omit=dev', '--all', '--parseable'], {
      cwd: app,
      encoding: 'utf8',
    });
    const packages = ls.stdout
      .split('\n')
      .filter((line) => line.includes('node_modules'))
      .map((line) => line.slice(line.lastIndexOf('node_modules') + 'node_modules/'.length));
    expect(packages).toContain('sarlab');
    expect(packages.length).toBeLessThanOrEqual(8);
    for (const heavy of ['vega', 'vega-lite', '@resvg/resvg-js', 'serialport', 'cli-progress']) {
      expect(existsSync(join(app, 'node_modules', heavy)), heavy).toBe(false);
    }
    const native = readdirSync(join(app, 'node_modules'), { recursive: true })
      .map(String)
      .filter((f) => f.endsWith('.node') || f.endsWith('binding.gyp'));
    expect(native).toEqual([]);
  });

  it('imports every subpath with import and with require', () => {
    const script = `
      import { createRequire } from 'node:module';
      const require = createRequire(import.meta.url);
      const out = {};
      for (const name of ${JSON.stringify(SUBPATHS)}) {
        const esm = await import(name);
        const cjs = require(name);
        out[name] = { esm: Object.keys(esm).length, same: Object.keys(cjs).length === Object.keys(esm).length };
      }
      const { loadPngTrack } = await import('sarlab/node');
      const { runSweep } = await import('sarlab/sweep');
      const { writeSweepReport } = await import('sarlab/report');
      const { RobotEmulator } = await import('sarlab/robot');
      out.named = [loadPngTrack, runSweep, writeSweepReport, RobotEmulator].map((f) => typeof f);
      console.log(JSON.stringify(out));
    `;
    const result = spawnSync(process.execPath, ['--no-warnings', '--input-type=module', '-e', script], {
      cwd: app,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    const out = JSON.parse(result.stdout) as Record<string, { esm: number; same: boolean }> & {
      named: string[];
    };
    for (const name of SUBPATHS) {
      expect(out[name].esm, name).toBeGreaterThan(0);
      expect(out[name].same, name).toBe(true);
    }
    expect(out.named).toEqual(['function', 'function', 'function', 'function']);
  });

  it('is typed: a strict TypeScript consumer type-checks against every subpath', () => {
    writeFileSync(
      join(app, 'check.ts'),
      [
        "import { Network, parseRunConfig, Simulation, type RunSummary } from 'sarlab';",
        "import { loadPngTrack, type SavedModel } from 'sarlab/node';",
        "import { runSweep, type SweepOptions } from 'sarlab/sweep';",
        "import { writeSweepReport } from 'sarlab/report';",
        "import { RobotEmulator, RobotLink, type Transport } from 'sarlab/robot';",
        "import { encodeFrame, type Frame } from 'sarlab/robot-protocol';",
        "import { dense } from 'sarlab/kernels';",
        'const net: Network = new Network({ inputs: 2, layers: [2], seed: 1 });',
        'const summary: RunSummary = new Simulation(parseRunConfig({ steps: 10 })).summary();',
        'export const used = [net, summary, loadPngTrack, runSweep, writeSweepReport, RobotEmulator, RobotLink, encodeFrame, dense];',
        'export type Used = [SavedModel, SweepOptions, Transport, Frame];',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          skipLibCheck: true,
          types: [],
        },
        files: ['check.ts'],
      }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', app],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('runs the CLI without the plot packages: the run goes on, one line says what to install', () => {
    const result = spawnSync(
      process.execPath,
      [join(app, 'node_modules', 'sarlab', 'bin', 'sarlab.js'), 'run', '--steps', '1000', '--out', 'r'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(result.status).toBe(0);
    expect(result.stderr.trim()).toBe(
      'sarlab: no plot: it needs vega, vega-lite, @resvg/resvg-js (npm install vega vega-lite @resvg/resvg-js)',
    );
    expect(existsSync(join(app, 'r', 'summary.json'))).toBe(true);
    expect(existsSync(join(app, 'r', 'plot.svg'))).toBe(false);
    const cli = join(app, 'node_modules', 'sarlab', 'bin', 'sarlab.js');
    const sweep = spawnSync(
      process.execPath,
      [cli, 'sweep', '--steps', '300', '--seeds', '1', '--workers', '1', '--out', 's', '--no-progress'],
      { cwd: app, encoding: 'utf8' },
    );
    expect(sweep.status).toBe(0);
    const report = spawnSync(process.execPath, [cli, 'report', 's'], { cwd: app, encoding: 'utf8' });
    expect(report.status).toBe(1);
    expect(report.stderr.trim()).toBe(
      'sarlab: drawing plots needs vega, vega-lite and @resvg/resvg-js (not installed): npm install vega vega-lite @resvg/resvg-js',
    );
    const serial = spawnSync(
      process.execPath,
      [cli, 'run', '--no-plot', '--robot', 'serial:/dev/null@9600'],
      {
        cwd: app,
        encoding: 'utf8',
      },
    );
    expect(serial.status).toBe(1);
    expect(serial.stderr.trim()).toBe(
      'sarlab: a serial robot link needs serialport (not installed): npm install serialport',
    );
  });

  it('bundles sarlab/robot-protocol for the browser: no node: module pulled in', async () => {
    const entry = join(app, 'protocol.js');
    writeFileSync(
      entry,
      "import { encodeFrame, FrameDecoder, MessageType, invalidSensorValue } from 'sarlab/robot-protocol';\n" +
        'const frames = [];\n' +
        'new FrameDecoder(() => 0, (f) => frames.push(f)).push(encodeFrame(MessageType.reset, 1));\n' +
        'export const used = [frames, invalidSensorValue];\n',
    );
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: app,
      bundle: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.endsWith('robot/protocol.js'))).toBe(true);
    expect(inputs.filter((i) => i.startsWith('node:') || /transport|emulator|link\.js/.test(i))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith('node:'))).toEqual([]);
    expect(Buffer.from(result.outputFiles[0].contents).toString('utf8')).not.toMatch(/["']node:/);
  });

  it('bundles the README example for the browser: no node: import, within the size budget', async () => {
    const entry = join(app, 'example.js');
    writeFileSync(entry, readmeLibraryExample());
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: app,
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'browser',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((i) => i.startsWith('node:'))).toEqual([]);
    const imports = Object.values(result.metafile.inputs).flatMap((i) => i.imports.map((x) => x.path));
    expect(imports.filter((p) => p.startsWith('node:'))).toEqual([]);
    const code = result.outputFiles[0].contents;
    expect(Buffer.from(code).toString('utf8')).not.toMatch(/["']node:/);
    const gzip = gzipSync(code).length;
    expect(gzip, `core bundle ${gzip} bytes gzip`).toBeLessThanOrEqual(BUNDLE_BUDGET);
  });
});
