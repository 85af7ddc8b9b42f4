import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI } from './cliHelpers.js';

/** Raw HTTP, so that paths such as /../x reach the server exactly as written (fetch would normalise them). */
function raw(
  port: number,
  method: string,
  path: string,
  body?: Buffer,
  headers: Record<string, string> = {},
) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        text += d;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may close the connection on an oversized upload before reading all of it.
      if (error.code === 'EPIPE' || error.code === 'ECONNRESET') resolve({ status: 413, text: 'closed' });
      else reject(error);
    });
    if (body) req.write(body);
    req.end();
  });
}

function png(width: number, height: number, ring = true): Buffer {
  const image = new PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const u = i % width;
    const v = Math.floor(i / width);
    const r = Math.hypot(u - width / 2, v - height / 2);
    const dark = ring && Math.abs(r - width / 3) < 2;
    image.data.fill(dark ? 0 : 255, 4 * i, 4 * i + 3);
    image.data[4 * i + 3] = 255;
  }
  return PNG.sync.write(image);
}

let server: ChildProcess;
let port = 0;

beforeAll(async () => {
  server = spawn(process.execPath, [CLI, 'serve', '--port', '0']);
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    server.stdout!.on('data', (d) => {
      out += d;
      const match = /http:\/\/127\.0\.0\.1:(\d+)\//.exec(out);
      if (match) resolve(Number(match[1]));
    });
    server.on('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
});

afterAll(() => {
  server?.kill('SIGTERM');
});

async function stillServing() {
  const page = await raw(port, 'GET', '/');
  expect(page.status).toBe(200);
  expect(page.text).toMatch(/<html/i);
}

describe('sarlab serve refuses what it must', () => {
  const traversals = [
    '/../package.json',
    '/../../etc/passwd',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/..%2fpackage.json',
    '/assets/..%2f..%2fpackage.json',
    '/%252e%252e/package.json',
    '/..%5cpackage.json',
    '/index.html%00.png',
    '/.git/config',
  ];
  for (const path of traversals) {
    it(`answers ${path} with 4xx and keeps serving`, async () => {
      const response = await raw(port, 'GET', path);
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
      expect(response.text).not.toMatch(/"name": "sarlab"|root:/);
      await stillServing();
    });
  }

  it('accepts a PNG track upload and answers its size and start', async () => {
    const response = await raw(port, 'POST', '/api/track', png(64, 64), { 'Content-Type': 'image/png' });
    expect(response.status).toBe(200);
    const body = JSON.parse(response.text);
    expect(body).toMatchObject({ width: 64, height: 64 });
    expect(body.start).toHaveProperty('theta');
  });

  const uploads: [string, () => Buffer, number][] = [
    ['a text file', () => Buffer.from('not a png at all, just text'), 415],
    ['a truncated PNG', () => png(64, 64).subarray(0, 50), 400],
    ['a 1x1 PNG', () => png(1, 1, false), 400],
    [
      'a huge PNG header',
      () => {
        const b = Buffer.from(png(16, 16));
        b.writeUInt32BE(100_000, 16);
        b.writeUInt32BE(100_000, 20);
        return b;
      },
      400,
    ],
    ['an image with no line', () => png(64, 64, false), 400],
    ['an upload over 10 MB', () => Buffer.alloc(10 * 1024 * 1024 + 1, 7), 413],
  ];
  for (const [name, body, status] of uploads) {
    it(`refuses ${name} with ${status} and keeps serving`, async () => {
      const response = await raw(port, 'POST', '/api/track', body());
      expect(response.status).toBe(status);
      await stillServing();
    });
  }

  it('refuses other methods', async () => {
    expect((await raw(port, 'GET', '/api/track')).status).toBe(405);
    expect((await raw(port, 'DELETE', '/index.html')).status).toBe(405);
    await stillServing();
  });
});
