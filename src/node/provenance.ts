import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunConfig } from '../run/config.js';
import type { Provenance } from '../run/summary.js';

export type { Provenance } from '../run/summary.js';

let cached: { root: string; version: string; commit: string | null } | null = null;

/** The folder of sarlab's package.json, found upwards from this file (source or built). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file) && (JSON.parse(readFileSync(file, 'utf8')) as { name?: string }).name === 'sarlab')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error("sarlab's package.json not found");
    dir = up;
  }
}

function gitCommit(root: string): string | null {
  if (!existsSync(join(root, '.git'))) return null;
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      encoding: 'utf8',
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

function packageInfo(): { root: string; version: string; commit: string | null } {
  if (!cached) {
    const root = packageRoot();
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    cached = { root, version, commit: gitCommit(root) };
  }
  return cached;
}

/** JSON with every object's keys sorted, so that equal configurations hash equally. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : v,
  );
}

/** The configuration's hash (SHA-256 of its canonical JSON, hex). */
export function configHash(config: RunConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/**
 * The provenance of a run of `config` started at `startedAt` (a `Date.now()` value) and ending now.
 * @example
 * const started = Date.now();
 * const summary = new Simulation(config).runToEnd();
 * const record = { ...summary, provenance: provenance(config, started) };
 */
export function provenance(config: RunConfig, startedAt: number): Provenance {
  const { version, commit } = packageInfo();
  return {
    sarlab: version,
    commit,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    startedAt: new Date(startedAt).toISOString(),
    wallSeconds: (Date.now() - startedAt) / 1000,
    configHash: configHash(config),
  };
}
