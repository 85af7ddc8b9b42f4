import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { censoredQuantile } from '../src/report/sweepReport.js';
import { cliBuilt, runCli } from './sweepCli.js';

describe('censored quantiles (failures count as never)', () => {
  it('interpolates finite values and is Infinity once it reaches a failure', () => {
    const inf = Number.POSITIVE_INFINITY;
    expect(censoredQuantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(censoredQuantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(censoredQuantile([1, 2, inf, inf], 0.25)).toBe(1.75);
    expect(censoredQuantile([1, 2, inf, inf], 0.5)).toBe(inf);
    expect(censoredQuantile([1, 2, 3, inf, inf], 0.5)).toBe(3);
  });
});

const RULES = ['sar', 'backprop', 'global-error'];
const FIGURES = [
  'steps-vs-learning-rate',
  'success-vs-depth',
  'error-over-time',
  'weight-distance',
  'trajectories',
];

describe.skipIf(!cliBuilt())('sarlab report (the built CLI)', () => {
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sarlab-report-'));
    const sweep = await runCli([
      'sweep',
      '--rules',
      RULES.join(','),
      '--learning-rates',
      'log:0.01:1:3',
      '--depths',
      '2,3',
      '--seeds',
      '1..2',
      '--steps',
      '3000',
      '--out',
      join(dir, 'sweep'),
    ]);
    expect(sweep.code, sweep.stderr).toBe(0);
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes valid SVG and PNG figures and a Markdown summary naming every rule', async () => {
    const out = join(dir, 'report');
    const result = await runCli(['report', join(dir, 'sweep'), '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    for (const name of FIGURES) {
      const svg = readFileSync(join(out, `${name}.svg`), 'utf8');
      expect(svg.startsWith('<svg'), name).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>'), name).toBe(true);
      const png = readFileSync(join(out, `${name}.png`));
      expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      expect(png.length).toBeGreaterThan(1000);
    }
    // The legends of the per-rule figures name every rule.
    for (const rule of RULES) {
      expect(readFileSync(join(out, 'steps-vs-learning-rate.svg'), 'utf8')).toContain(rule);
      expect(readFileSync(join(out, 'error-over-time.svg'), 'utf8')).toContain(rule);
    }
    const markdown = readFileSync(join(out, 'report.md'), 'utf8');
    for (const rule of RULES) expect(markdown).toMatch(new RegExp(`\\| ${rule} \\|`));
    for (const name of FIGURES) expect(markdown).toContain(`${name}.svg`);
    // The typical runs re-ran to the recorded summaries.
    expect(markdown).not.toMatch(/\| NO \|/);
    expect(existsSync(join(out, 'stats.json'))).toBe(true);
  });

  it('refuses a folder that is not a sweep, in one line with exit code 2', async () => {
    const result = await runCli(['report', join(dir, 'nothing-here')]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
