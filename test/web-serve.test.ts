// `sarlab serve`: the static server of the live lab serves its own folder and nothing else.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticServer, resolveRequest } from '../src/cli/commands/serve.js';

const ROOT = join(import.meta.dirname, '..');

/** A GET with the path sent exactly as written (fetch would normalise `..` away). */
function rawGet(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += String(chunk);
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('sarlab serve', () => {
  let server: Server;
  let base = '';
  let site = '';

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sarlab-serve-'));
    site = join(dir, 'site');
    mkdirSync(join(site, 'assets'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<!doctype html><title>lab</title>');
    writeFileSync(join(site, 'assets', 'app.js'), 'console.log(1);');
    writeFileSync(join(site, '.secret'), 'hidden');
    writeFileSync(join(dir, 'outside.txt'), 'outside');
    symlinkSync(join(dir, 'outside.txt'), join(site, 'link.txt'));
    server = createStaticServer(site);
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((done) => server.close(done));
  });

  it('serves index.html at / and files with their types', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await index.text()).toMatch(/<title>lab/);
    const script = await fetch(`${base}/assets/app.js?v=1`);
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(script.headers.get('x-content-type-options')).toBe('nosniff');
    const head = await fetch(`${base}/assets/app.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    expect((await fetch(`${base}/nothing.js`)).status).toBe(404);
  });

  it('refuses paths that leave the folder, dot files, symlinks out and other methods', async () => {
    const port = (server.address() as AddressInfo).port;
    for (const path of [
      '/../outside.txt',
      '/assets/../../outside.txt',
      '/%2e%2e/outside.txt',
      '/assets/%2e%2e/%2e%2e/outside.txt',
      '/..%2foutside.txt',
      '/..%5coutside.txt',
      '/.secret',
      '/%00',
      '/%zz',
    ]) {
      const response = await rawGet(port, path);
      expect(response.status, path).toBeGreaterThanOrEqual(400);
      expect(response.status, path).toBeLessThan(500);
      expect(response.body, path).not.toMatch(/outside|hidden/);
    }
    expect((await fetch(`${base}/link.txt`)).status).toBe(404);
    const post = await fetch(`${base}/`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('resolves request paths only inside the folder', () => {
    expect(resolveRequest(site, '/')).toBe(site);
    expect(resolveRequest(site, '/assets/app.js')).toBe(join(site, 'assets', 'app.js'));
    expect(resolveRequest(site, '/../x')).toBeNull();
    expect(resolveRequest(site, '/%2E%2E/x')).toBeNull();
    expect(resolveRequest(site, '/%E0%A4%A')).toBeNull();
    expect(resolveRequest(site, 'http://elsewhere/')).toBeNull();
  });

  it('rejects a bad --port or --host with one line and exit code 2', () => {
    for (const args of [
      ['--port', '70000'],
      ['--port', 'abc'],
      ['--host', ' '],
    ]) {
      const result = spawnSync(process.execPath, [join(ROOT, 'bin/sarlab.js'), 'serve', ...args], {
        encoding: 'utf8',
        timeout: 20_000,
      });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/^sarlab: /);
    }
  });
});
