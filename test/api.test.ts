import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it("import('sarlab') resolves from inside the repository to the built package with the public API", () => {
  const script = `
    const m = await import('sarlab');
    const net = new m.Network({ inputs: 5, layers: [4, 3, 2], activation: 'sigmoid', seed: 7 });
    const y = net.forward([0.1, -0.2, 0.3, 0.0, 0.5]);
    const rule = m.sar({ learningRate: 0.01, relevance: m.relevance.absError() });
    rule.learn(net, 0.3);
    const copy = m.Network.fromJSON(JSON.parse(JSON.stringify(net.toJSON())));
    const names = ['backprop', 'feedbackAlignment', 'signSymmetry', 'globalError', 'Simulation', 'parseRunConfig', 'Agent', 'LineFollowerEnvironment'];
    console.log(JSON.stringify({ y: y instanceof Float64Array, outputs: y.length, layers: copy.layers.length, missing: names.filter((n) => !(n in m)) }));
  `;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: resolve(import.meta.dirname, '..'),
    encoding: 'utf8',
  });
  expect(result.stderr).toBe('');
  expect(JSON.parse(result.stdout)).toEqual({ y: true, outputs: 2, layers: 3, missing: [] });
});

it("names in the library's messages are exported functions (a user can call what a message names)", async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const src = resolve(import.meta.dirname, '..', 'src');
  const files = readdirSync(src, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && !f.startsWith('cli'))
    .map((f) => join(src, f));
  const declared = new Set<string>();
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:function|class)\s+([A-Za-z_]\w*)/g))
      declared.add(m[1]);
  }
  const exported = new Set<string>();
  const entries = await Promise.all([
    import('../src/index.js'),
    import('../src/kernels.js'),
    import('../src/node/index.js'),
    import('../src/sweep/index.js'),
    import('../src/report/index.js'),
    import('../src/robot/index.js'),
    import('../src/robotProtocol.js'),
  ]);
  for (const entry of entries) for (const name of Object.keys(entry)) exported.add(name);
  const offenders: string[] = [];
  for (const file of files) {
    for (const m of readFileSync(file, 'utf8').matchAll(/'([^'\n]*)'|`([^`]*)`|"([^"\n]*)"/g)) {
      // Only text a user reads: the literal without its ${...} expressions, and with a space in it.
      const text = (m[1] ?? m[2] ?? m[3]).replace(/\$\{[^}]*\}/g, ' ');
      if (!text.includes(' ')) continue;
      for (const w of text.matchAll(/\b([A-Za-z_]\w*)\b/g)) {
        if (declared.has(w[1]) && /[A-Z]/.test(w[1]) && !exported.has(w[1]))
          offenders.push(`${file}: ${w[1]}`);
      }
    }
  }
  expect(offenders).toEqual([]);
});

it('the core API is exported by name and by intent; kernels and their references are in sarlab/kernels', async () => {
  const core = await import('../src/index.js');
  const kernels = await import('../src/kernels.js');
  for (const internal of [
    'SIGMOID',
    'denseForward',
    'denseForwardReference',
    'outerProductUpdate',
    'activateArray',
  ])
    expect(internal in core, internal).toBe(false);
  for (const name of [
    'Simulation',
    'parseRunConfig',
    'checkEnvironment',
    'LOG_COLUMN',
    'Network',
    'sar',
    'Agent',
  ])
    expect(name in core, name).toBe(true);
  // Each kernel beside its reference, with the same signature (output first).
  for (const [fast, reference] of [
    [kernels.dense, kernels.denseReference],
    [kernels.outerProductUpdate, kernels.outerProductUpdateReference],
  ])
    expect(fast.length).toBe(reference.length);
  const out = new Float64Array(2);
  expect(
    kernels.dense(out, Float64Array.of(1, 2, 3, 4), Float64Array.of(0.5, -1), Float64Array.of(1, 1), 2, 2),
  ).toBe(out);
  expect(Array.from(out)).toEqual([3.5, 6]);
  // The log's columns by name.
  expect(core.LOG_COLUMNS.map((name) => core.LOG_COLUMN[name])).toEqual(core.LOG_COLUMNS.map((_, i) => i));
  expect(core.LOG_COLUMN.weightDistance).toBe(core.LOG_COLUMNS.length);
});

it('every entry lists its exports by hand, and no helper is public', async () => {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const src = resolve(import.meta.dirname, '..', 'src');
  const starred = readdirSync(src, { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.ts') && /export \*/.test(readFileSync(join(src, f), 'utf8')));
  expect(starred).toEqual([]);
  const report = await import('../src/report/index.js');
  const sweep = await import('../src/sweep/index.js');
  const robot = await import('../src/robot/index.js');
  const protocol = await import('../src/robotProtocol.js');
  for (const helper of [
    'fmt',
    'fmtRate',
    'flatten',
    'csvField',
    'toCsv',
    'seedOf',
    'canonicalJson',
    'identityWithout',
  ])
    expect(helper in report, `sarlab/report exports ${helper}`).toBe(false);
  for (const helper of [
    'canonicalJson',
    'parseNumberList',
    'parseStringList',
    'truncateRuns',
    'withoutWallTime',
  ])
    expect(helper in sweep, `sarlab/sweep exports ${helper}`).toBe(false);
  for (const name of ['writeSweepReport', 'loadSweeps', 'analyse', 'vegaLiteToSvg'])
    expect(name in report).toBe(true);
  for (const name of ['runSweep', 'expandGrid', 'mergeSweeps', 'readRuns']) expect(name in sweep).toBe(true);
  // RobotLink from sarlab/robot itself; the wire protocol there and, on its own, in sarlab/robot-protocol.
  expect(robot.RobotLink.name).toBe('RobotLink');
  expect(Object.keys(protocol).filter((name) => !(name in robot))).toEqual([]);
  expect('keepTrying' in robot).toBe(false);
  // The root exports neither the rules' working memory nor the network's (sarlab/kernels has the latter).
  const root = readFileSync(join(src, 'index.ts'), 'utf8');
  for (const internal of ['Scratch', 'LayerArrays', 'LearningWork'])
    expect(root).not.toMatch(new RegExp(`\\b${internal}\\b`));
  expect(readFileSync(join(src, 'kernels.ts'), 'utf8')).toMatch(/\bLearningWork\b/);
});
