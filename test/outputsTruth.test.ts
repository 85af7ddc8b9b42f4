// What a run's outputs say is what happened: the longest streak under the threshold (the evidence of
// a verdict), the run plot's title and marks, provenance in every summary and sweep record, run
// folder names that say what differs from the defaults, every written file listed, and help text
// without "default: undefined".
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RunMetrics } from '../src/loop/metrics.js';
import { runPlotSpec, runVerdict } from '../src/plot/runPlot.js';
import { parseRunConfig } from '../src/run/config.js';
import { type RunSummary, Simulation } from '../src/run/simulation.js';
import { RULE_COLOURS } from '../src/util/palette.js';
import { sarlab, tempDir } from './cliHelpers.js';

const ROOT = resolve(import.meta.dirname, '..');

describe('the longest streak under the threshold', () => {
  it('counts consecutive steps of the average under the threshold, broken by a line loss', () => {
    // Decay 1: the average is the last |e|, so each step's side of the threshold is known.
    const metrics = new RunMetrics({ threshold: 0.5, window: 5, decay: 1 }, 1);
    const feed = (errors: number[]) => {
      for (const e of errors) metrics.record(e);
    };
    feed([0.1, 0.1, 0.1, 0.9, 0.1, 0.1, 0.1, 0.1]);
    expect(metrics.longestStreak).toBe(4);
    expect(metrics.longestStreakEnd).toBe(8);
    metrics.lineLost();
    feed([0.1, 0.1, 0.1]);
    expect(metrics.longestStreak).toBe(4);
    expect(metrics.success).toBe(false);
    feed([0.1, 0.1]);
    expect(metrics.success).toBe(true);
    expect(metrics.longestStreak).toBe(5);
    expect(metrics.streakSummary()).toEqual({ longestStreakBelowThreshold: 5, longestStreakEnd: 13 });
  });

  it('in a run, matches the streak recounted from the full log, and is below the window without success', () => {
    const config = parseRunConfig({
      seed: 1,
      steps: 6000,
      logEvery: 1,
      afterSuccess: -1,
      evaluation: { laps: 0 },
    });
    const simulation = new Simulation(config);
    const summary = simulation.runToEnd();
    const ema = simulation.log.column('errorEma');
    const lost = simulation.log.column('lostLine');
    const threshold = config.success.threshold * (summary.reflexMeanAbsError as number);
    let run = 0;
    let longest = 0;
    let end = 0;
    for (let r = 0; r < simulation.log.rows; r++) {
      if (r > 0 && lost[r] > lost[r - 1]) run = 0;
      run = ema[r] < threshold ? run + 1 : 0;
      if (run > longest) {
        longest = run;
        end = r + 1;
      }
    }
    expect(longest).toBeGreaterThan(0);
    expect(summary.longestStreakBelowThreshold).toBe(longest);
    expect(summary.longestStreakEnd).toBe(end);
    const window = Math.max(config.success.window, summary.lapSteps);
    expect(summary.longestStreakBelowThreshold >= window).toBe(summary.success);
  });
});

describe('the run plot', () => {
  const config = parseRunConfig({ seed: 1, steps: 3000, afterSuccess: -1, success: { window: 5000 } });
  const simulation = new Simulation(config);
  const summary = simulation.runToEnd();
  const spec = runPlotSpec(simulation.parts.track, simulation.log, summary);
  const text = JSON.stringify(spec);

  it('says the verdict with its evidence in the title, and what happened since', () => {
    expect(summary.success).toBe(false);
    const verdict = `no success: longest streak ${summary.longestStreakBelowThreshold} of 5000 steps under the threshold`;
    expect(runVerdict(summary)).toBe(verdict);
    const title = (spec as { title: { text: string; subtitle: string } }).title;
    expect(title.text).toContain(verdict);
    expect(title.subtitle).toContain('frozen lap');
    const succeeded: RunSummary = { ...summary, success: true, stepsToSuccess: 1234 };
    expect(runVerdict(succeeded)).toBe('success at step 1234');
  });

  it('shades the longest streak, marks the frozen lap, colours the path by |e| and compares laps', () => {
    expect(summary.longestStreakBelowThreshold).toBeGreaterThan(0);
    const from = summary.longestStreakEnd - summary.longestStreakBelowThreshold;
    expect(text).toContain(`"from":${from},"to":${summary.longestStreakEnd}`);
    expect(text).toContain('"type":"rect"');
    expect(text).toMatch(/"label":"frozen lap \d+ %"/);
    expect(text).toContain('"field":"abs","type":"quantitative","title":"|e|"');
    expect(text).toContain('"first lap"');
    expect(text).toContain('"last lap"');
  });
});

describe('the command line', () => {
  it('writes provenance, names the folder by what differs, and lists every file it wrote', () => {
    const cwd = tempDir();
    const started = Date.now();
    const args = [
      'run',
      '--steps',
      '1500',
      '--layers',
      '10,10,2',
      '--learning-rate',
      '0.02',
      '--no-progress',
    ];
    const result = sarlab(args, { cwd });
    expect(result.status, result.stderr).toBe(0);
    const out = join('runs', 'default-sar-seed1-steps1500-lr0.02-layers10.10.2');
    const summary = JSON.parse(readFileSync(join(cwd, out, 'summary.json'), 'utf8'));
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    const p = summary.provenance;
    expect(p.sarlab).toBe(version);
    expect(p.node).toBe(process.version);
    expect(p.platform).toBe(`${process.platform}-${process.arch}`);
    expect(p.commit === null || /^[0-9a-f]{40}$/.test(p.commit)).toBe(true);
    expect(Date.parse(p.startedAt)).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(p.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(p.wallSeconds).toBeGreaterThanOrEqual(summary.wallSeconds);
    expect(p.configHash).toMatch(/^[0-9a-f]{64}$/);
    expect(typeof summary.longestStreakBelowThreshold).toBe('number');
    // Every file in the folder is listed, with its path.
    for (const file of ['summary.json', 'log.csv', 'plot.svg', 'plot.png']) {
      expect(existsSync(join(cwd, out, file)), file).toBe(true);
      expect(result.stdout).toContain(join(out, file));
    }
    expect(result.stdout).toMatch(/longest streak {2}\d+ of the 2000 steps needed/);
    // A saved model is listed too.
    const saved = sarlab(['run', '--steps', '500', '--no-plot', '--no-progress', '--save-model', 'm.json'], {
      cwd,
    });
    expect(saved.status, saved.stderr).toBe(0);
    expect(existsSync(join(cwd, 'm.json'))).toBe(true);
    expect(saved.stdout).toMatch(/\n {2}model {11}m\.json\n/);
    // The same configuration hashes the same; another one does not.
    const again = sarlab([...args.slice(0, -1), '--no-plot', '--json'], { cwd });
    const other = sarlab(['run', '--steps', '1500', '--no-plot', '--json'], { cwd });
    expect(JSON.parse(again.stdout).provenance.configHash).toBe(p.configHash);
    expect(JSON.parse(other.stdout).provenance.configHash).not.toBe(p.configHash);
  });

  it('records provenance in every sweep record', () => {
    const dir = tempDir();
    const result = sarlab([
      'sweep',
      '--out',
      dir,
      '--steps',
      '500',
      '--seeds',
      '1,2',
      '--workers',
      '1',
      '--no-progress',
    ]);
    expect(result.status, result.stderr).toBe(0);
    const records = readFileSync(join(dir, 'runs.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.length).toBe(2);
    for (const record of records) {
      expect(record.provenance.node).toBe(process.version);
      expect(record.provenance.configHash).toMatch(/^[0-9a-f]{64}$/);
      expect(Number.isNaN(Date.parse(record.provenance.startedAt))).toBe(false);
    }
    expect(records[0].provenance.configHash).not.toBe(records[1].provenance.configHash);
  });

  it('never prints "default: undefined" in any help', () => {
    const commands = [
      '',
      'run',
      'controls',
      'serve',
      'sweep',
      'merge',
      'report',
      'export',
      'robot-emulator',
      'stdio',
    ];
    for (const name of commands) {
      const result = sarlab(name ? [name, '--help'] : ['--help']);
      expect(result.status, name).toBe(0);
      expect(result.stdout, name).not.toMatch(/undefined/);
    }
  });
});

it('the palette gives each rule its own colour', () => {
  const colours = Object.values(RULE_COLOURS);
  expect(new Set(colours).size).toBe(colours.length);
  expect(RULE_COLOURS.sar).not.toBe(RULE_COLOURS.backprop);
});
