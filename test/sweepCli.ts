import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultRunConfig, parseRunConfig } from '../src/run/config.js';
import type { SweepGrid } from '../src/sweep/grid.js';

/** Helpers for the sweep tests: the CLI as a child process (the built package in dist). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'bin', 'sarlab.js');

export function cliBuilt(): boolean {
  return existsSync(join(ROOT, 'dist', 'src', 'sweep', 'worker.js'));
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function startCli(args: string[]): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  const done = new Promise<CliResult>((resolveDone) => {
    child.on('close', (code, signal) => resolveDone({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[]): Promise<CliResult> {
  return startCli(args).done;
}

/** Complete lines of a file (0 when it does not exist). */
export function countLines(path: string): number {
  if (!existsSync(path)) return 0;
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '').length;
}

/** Waits until `check` holds, polling every few milliseconds. */
export async function waitFor(check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Records of a runs.jsonl by key, without the wall time and provenance. */
export function recordsByKey(path: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    const { wallSeconds: _w, provenance: _p, ...rest } = JSON.parse(line) as Record<string, unknown>;
    out.set(rest.key as string, rest);
  }
  return out;
}

/** A small grid: SaR on the default track, seed 1, the given learning rates, `steps` steps a run, every run to its budget. */
export function sarSweepGrid(steps: number, rates = [0.01, 0.1]): SweepGrid {
  return {
    rules: ['sar'],
    learningRates: rates,
    depths: null,
    width: 10,
    relevance: ['abs-error'],
    inputs: ['rows'],
    tracks: ['default'],
    seeds: [1],
    base: parseRunConfig({ ...defaultRunConfig(), steps, afterSuccess: -1 }),
  };
}
