import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createStaticServer } from '../src/cli/commands/serve.js';

export const CLI = resolve(import.meta.dirname, '..', 'bin', 'sarlab.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI (dist/) in a child process. */
export function sarlab(args: string[], options: { cwd?: string; timeout?: number } = {}): CliResult {
  const result = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd,
    encoding: 'utf8',
    timeout: options.timeout ?? 120_000,
    env: { ...process.env, FORCE_COLOR: '0' },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function tempDir(prefix = 'sarlab-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * `sarlab serve`'s static server over `root` (made, with one index.html) on a free loopback port, for
 * the tests of the describe block that calls this: started before them, closed after them.
 */
export function useStaticServer(root: string): { readonly port: number } {
  const site = { port: 0 };
  let server: ReturnType<typeof createStaticServer> | undefined;
  beforeAll(async () => {
    mkdirSync(root, { recursive: true });
    writeFileSync(join(root, 'index.html'), '<html></html>');
    const started = createStaticServer(root);
    server = started;
    await new Promise<void>((r) => started.listen(0, '127.0.0.1', r));
    site.port = (started.address() as AddressInfo).port;
  });
  afterAll(() => {
    server?.closeAllConnections();
    server?.close();
  });
  return site;
}
