import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliBuilt, runCli } from './sweepCli.js';

const RULES = ['sar', 'backprop', 'global-error'];
const FIGURES = [
  'success-vs-learning-rate',
  'steps-vs-learning-rate',
  'error-vs-learning-rate',
  'success-vs-depth',
  'learning-curves',
  'learning-curves-controls',
  'controls',
  'reflex-gain',
];
const COMMON = ['--seeds', '1..2', '--steps', '3000', '--workers', '1', '--no-progress'];

describe.skipIf(!cliBuilt())('sarlab report and sarlab export (the built CLI)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sarlab-report-'));
    const sweeps: [string, string[]][] = [
      [
        'rules',
        [
          '--rules',
          RULES.join(','),
          '--learning-rates',
          '0.003,0.03',
          '--depths',
          '2,3',
          '--tracks',
          'default,hard',
        ],
      ],
      [
        'blind',
        ['--rules', 'sar', '--learning-rates', '0.003,0.03', '--depths', '3', '--predictors', 'blind'],
      ],
      ['reflex-5', ['--rules', 'reflex']],
      ['reflex-15', ['--rules', 'reflex', '--reflex-gain', '15']],
    ];
    for (const [name, args] of sweeps) {
      const sweep = await runCli(['sweep', ...args, ...COMMON, '--out', join(dir, name)]);
      expect(sweep.code, sweep.stderr).toBe(0);
    }
    // The committed form: gzip-compressed runs.
    const runs = join(dir, 'rules', 'runs.jsonl');
    writeFileSync(`${runs}.gz`, gzipSync(readFileSync(runs)));
    rmSync(runs);
  }, 120_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes figures (SVG and PNG, at most 1200 px wide), report.md with the controls and comparisons, stats.json and runs.csv', async () => {
    const out = join(dir, 'report');
    const folders = ['rules', 'blind', 'reflex-5', 'reflex-15'].map((f) => join(dir, f));
    const result = await runCli(['report', ...folders, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    for (const name of FIGURES) {
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>'), name).toBe(true);
      const width = Number(/width="([\d.]+)"/.exec(svg)?.[1]);
      expect(width * 1.5, name).toBeLessThanOrEqual(1200);
      const png = readFileSync(join(out, `${name}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.readUInt32BE(16), name).toBeLessThanOrEqual(1200);
    }
    for (const rule of RULES)
      expect(readFileSync(join(out, 'success-vs-learning-rate.svg'), 'utf8')).toContain(rule);
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    for (const rule of RULES) expect(markdown).toMatch(new RegExp(`\\| ${rule} · depth 2 · default \\|`));
    for (const name of FIGURES) expect(markdown).toContain(`${name}.svg`);
    expect(markdown).toContain('## The controls');
    // Lasting success beside success in every table of cells.
    expect(markdown).toMatch(/\| condition \| best η \| success \| lasting success \|/);
    expect(markdown).toContain('**Lasting success**');
    // The median learning curves: a line per rule in the main figure.
    for (const rule of RULES) expect(readFileSync(join(out, 'learning-curves.svg'), 'utf8')).toContain(rule);
    expect(markdown).toContain('| sar · depth 3 · default · predictors blind |');
    expect(markdown).toContain('| reflex · gain 15 · default |');
    expect(markdown).toContain('## SaR against the other rules');
    expect(markdown).toContain('permutation test');
    // The threshold and windows come from the configuration.
    expect(markdown).toContain('below 0.5 × the reflex');
    expect(markdown).toContain('the step budget is 3000');
    const stats = JSON.parse(readFileSync(join(out, 'stats.json'), 'utf8')) as {
      conditions: unknown[];
      comparisons: { kind: string }[];
    };
    expect(stats.conditions.length).toBe(3 * 2 * 2 + 1 + 2);
    expect(stats.comparisons.some((c) => c.kind === 'rule')).toBe(true);
    expect(stats.comparisons.some((c) => c.kind === 'predictors')).toBe(true);
    const csv = readFileSync(join(out, 'runs.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(1 + 3 * 2 * 2 * 2 * 2 + 2 * 2 + 2 + 2);
    expect(existsSync(join(out, 'learning-rates.md'))).toBe(true);
    // The same report twice: the same bytes (the permutation tests are seeded).
    const again = await runCli(['report', ...folders, '--out', join(dir, 'again'), '--no-figures']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(dir, 'again', 'stats.json'), 'utf8')).toBe(
      readFileSync(join(out, 'stats.json'), 'utf8'),
    );
    expect(existsSync(join(dir, 'again', 'controls.svg'))).toBe(false);
  });

  it('exports one CSV row per run, to a file or to stdout', async () => {
    const file = join(dir, 'all.csv');
    const result = await runCli(['export', join(dir, 'rules'), join(dir, 'blind'), '--out', file]);
    expect(result.code, result.stderr).toBe(0);
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 48 + 4);
    const header = lines[0].split(',');
    expect(header.slice(0, 3)).toEqual(['sweep', 'key', 'condition']);
    expect(header).toContain('config.world.predictors');
    expect(lines.filter((l) => l.startsWith('blind,'))).toHaveLength(4);
    const stdout = await runCli(['export', join(dir, 'blind')]);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout.trimEnd().split('\n')).toHaveLength(5);
  });

  it('exports the learning curves of a 4-run sweep in long format (curves export)', async () => {
    const file = join(dir, 'curves.csv');
    const result = await runCli(['export', join(dir, 'blind'), '--curves', '--out', file]);
    expect(result.code, result.stderr).toBe(0);
    const records = readFileSync(join(dir, 'blind', 'runs.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { key: string; curve: { step: number[]; errorEma: number[] } });
    expect(records).toHaveLength(4);
    const text = readFileSync(file, 'utf8');
    expect(text).not.toContain('"');
    const [header, ...rows] = text
      .trimEnd()
      .split('\n')
      .map((line) => line.split(','));
    // The two settings that vary between the four runs (learning rate and seed), no others.
    expect(header).toEqual([
      'sweep',
      'key',
      'condition',
      'config.seed',
      'config.learningRate',
      'step',
      'errorEma',
      'relativeErrorEma',
      'weightDistance',
      'lostLine',
    ]);
    const points = records.reduce((sum, r) => sum + r.curve.step.length, 0);
    expect(points).toBeGreaterThan(4 * 100);
    expect(rows).toHaveLength(points);
    for (const row of rows) expect(row).toHaveLength(header.length);
    const column = (name: string) => header.indexOf(name);
    for (const record of records) {
      const mine = rows.filter((row) => row[column('key')] === record.key);
      expect(mine.map((row) => Number(row[column('step')]))).toEqual(record.curve.step);
      expect(mine.map((row) => Number(row[column('errorEma')]))).toEqual(record.curve.errorEma);
      expect(new Set(mine.map((row) => row[column('sweep')]))).toEqual(new Set(['blind']));
    }
    expect(new Set(rows.map((row) => row[column('config.seed')]))).toEqual(new Set(['1', '2']));
    // To standard output, the same text.
    const stdout = await runCli(['export', join(dir, 'blind'), '--curves']);
    expect(stdout.code).toBe(0);
    expect(stdout.stdout).toBe(text);
  });

  it('exports no curves from records written before runs kept them: one line, exit code 2', async () => {
    const old = join(dir, 'old-records');
    mkdirSync(old);
    const lines = readFileSync(join(dir, 'blind', 'runs.jsonl'), 'utf8')
      .trimEnd()
      .split('\n');
    const stripped = lines.map((line) => {
      const {
        curve: _curve,
        lastingSuccess: _lasting,
        ...rest
      } = JSON.parse(line) as Record<string, unknown>;
      return JSON.stringify(rest);
    });
    writeFileSync(join(old, 'runs.jsonl'), `${stripped.join('\n')}\n`);
    const result = await runCli(['export', old, '--curves', '--out', join(dir, 'none.csv')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('no run has a learning curve');
    expect(existsSync(join(dir, 'none.csv'))).toBe(false);
    // Beside runs that have one, they are left out and counted.
    const mixed = await runCli([
      'export',
      old,
      join(dir, 'rules'),
      '--curves',
      '--out',
      join(dir, 'mixed.csv'),
    ]);
    expect(mixed.code, mixed.stderr).toBe(0);
    expect(mixed.stderr).toContain('4 run(s) without a learning curve');
  });

  it('refuses a folder that is not a sweep, in one line with exit code 2', async () => {
    for (const command of ['report', 'export']) {
      const result = await runCli([command, join(dir, 'nothing-here')]);
      expect(result.code).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});
