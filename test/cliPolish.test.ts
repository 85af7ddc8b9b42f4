import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, it } from 'vitest';

import { formatSeconds, SingleBar } from '../src/cli/progressBar.js';
import { SweepEta } from '../src/cli/sweepEta.js';
import type { GridPoint } from '../src/sweep/grid.js';
import { sarlab, tempDir } from './cliHelpers.js';

const root = resolve(import.meta.dirname, '..');

it("shows every option's default and examples in each command's help", async () => {
  // The built CLI (its version comes from package.json beside dist/).
  const { buildProgram } = await import('../dist/src/cli/main.js');
  const program = await buildProgram();
  const missing: string[] = [];
  for (const command of [program, ...program.commands]) {
    const help = command.createHelp();
    for (const option of command.options) {
      if (!/\bdefault\b/.test(help.optionDescription(option)))
        missing.push(`${command.name()} ${option.flags}`);
    }
  }
  expect(missing).toEqual([]);
  for (const name of ['run', 'sweep', 'merge', 'report', 'export', 'serve', 'robot-emulator']) {
    const result = sarlab([name, '--help']);
    expect(result.status).toBe(0);
    expect(result.stdout, name).toMatch(/\nExamples:\n {2}\$ sarlab /);
  }
});

it('suggests the closest option and points at the subcommand help', () => {
  const result = sarlab(['run', '--sed', '3']);
  expect(result.status).toBe(2);
  expect(result.stderr.trim()).toBe(
    "sarlab: unknown option '--sed' (Did you mean --seed?) (see sarlab run --help)",
  );
  const sweep = sarlab(['sweep', '--wrkers', '2']);
  expect(sweep.stderr).toContain('Did you mean --workers?');
  expect(sweep.stderr).toContain('sarlab sweep --help');
});

it('never overwrites an earlier run folder unless --force', () => {
  const cwd = tempDir();
  const args = ['run', '--steps', '300', '--after-success', '0', '--no-plot', '--json'];
  const first = sarlab(args, { cwd });
  expect(first.status).toBe(0);
  const second = sarlab(args, { cwd });
  expect(second.status).toBe(0);
  expect(second.stderr).toContain(
    'holds an earlier run: writing to runs/default-sar-seed1-steps300-after-success0-2 (--force overwrites)',
  );
  expect(existsSync(join(cwd, 'runs', 'default-sar-seed1-steps300-after-success0-2', 'summary.json'))).toBe(
    true,
  );
  const forced = sarlab([...args, '--force'], { cwd });
  expect(forced.status).toBe(0);
  expect(forced.stderr).toBe('');
  expect(existsSync(join(cwd, 'runs', 'default-sar-seed1-steps300-after-success0-3'))).toBe(false);
  const explicit = sarlab([...args, '--out', 'runs/default-sar-seed1-steps300-after-success0'], { cwd });
  expect(explicit.stderr).toContain('writing to runs/default-sar-seed1-steps300-after-success0-3');
});

function point(key: string, rule: string, learningRate: number, depth = 5): GridPoint {
  return {
    index: 0,
    key,
    rule: rule as GridPoint['rule'],
    learningRate,
    depth,
    relevance: 'abs-error',
    inputs: 'rows',
    track: 'default',
    seed: 1,
  };
}

it("estimates a sweep's time left from the measured times of the runs most like those left", () => {
  // Fast learners first, then the reflex, which never succeeds and runs the whole budget (1000 steps).
  const points = [
    point('a1', 'sar', 0.1),
    point('a2', 'sar', 0.1),
    point('r1', 'reflex', 0.1),
    point('r2', 'reflex', 0.1),
    point('r3', 'reflex', 0.1),
  ];
  const eta = new SweepEta(points, 1, 1000);
  expect(eta.seconds()).toBeNull();
  eta.record('a1', 1, 100);
  // a2 like a1 (1 s); nothing like the reflex yet: its whole budget at 0.01 s per step, 10 s each.
  expect(eta.seconds()).toBeCloseTo(31);
  eta.record('r1', 30, 1000);
  // a2 like a1 (1 s), r2 and r3 like r1 (30 s each).
  expect(eta.seconds()).toBeCloseTo(61);
  const shared = new SweepEta(points, 2, 1000);
  shared.record('a1', 1, 100);
  shared.record('r1', 30, 1000);
  expect(shared.seconds()).toBeCloseTo(30.5);
  eta.record('a2', 1, 100);
  eta.record('r2', 30, 1000);
  eta.record('r3', 30, 1000);
  expect(eta.seconds()).toBe(0);
});

it('draws a progress line with payload and an ETA', () => {
  const written: string[] = [];
  const stream = { write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
  const bar = new SingleBar({ format: '{bar} {percentage}% {value}/{total} {note}', stream, barSize: 10 });
  bar.start(4, 0, { note: 'x' });
  bar.update(2, { note: 'half' });
  expect(bar.render()).toBe('█████░░░░░ 50% 2/4 half');
  bar.stop();
  expect(written.join('')).toContain('\n');
  expect(formatSeconds(257)).toBe('4m17s');
  expect(formatSeconds(3900)).toBe('1h05m');
});

it('runs the README commands that use the files in examples/', () => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const commands = readme
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter((line) => line.startsWith('npx sarlab run') && line.includes('examples/'));
  expect(commands.length).toBeGreaterThanOrEqual(2);
  const cwd = tempDir();
  for (const [i, line] of commands.entries()) {
    const args = line.replace(/^npx sarlab /, '').split(/\s+/);
    const withPaths = args.map((a) => (a.startsWith('examples/') ? join(root, a) : a));
    const result = sarlab([...withPaths, '--steps', '3000', '--no-plot', '--json', '--out', `r${i}`], {
      cwd,
    });
    expect(result.stderr, line).toBe('');
    expect(result.status, line).toBe(0);
    expect(JSON.parse(result.stdout).steps).toBeGreaterThan(0);
  }
});
