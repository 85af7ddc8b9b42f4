import { execFileSync } from 'node:child_process';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_CONCURRENT_UPLOADS, uploadsNow } from '../src/cli/commands/serve.js';
import { formatError } from '../src/cli/errors.js';
import { AtomicFileStream, appendLineDurable, fsOps, writeFileAtomic } from '../src/node/files.js';
import { decodePngTexture, MAX_TRACK_SIDE } from '../src/node/pngTrack.js';
import { OutputError } from '../src/util/errors.js';
import { sarlab, tempDir, useStaticServer } from './cliHelpers.js';

/**
 * Reliability, files and inputs (docs/reliability.md): PNG chunks, atomic writes on a full disk,
 * device targets, special input files, deep and duplicate configs, the upload server.
 */
const dir = tempDir('sarlab-files-');
const f = (name: string) => join(dir, name);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function ihdr(width: number, height: number, depth = 8, colour = 0): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = depth;
  data[9] = colour;
  return chunk('IHDR', data);
}
/** A grey PNG whose IDAT holds `width`×`height` pixels, with the given IHDR chunks in front. */
function greyPng(headers: Buffer[], width: number, height: number): Buffer {
  const raw = Buffer.alloc((width + 1) * height, 255);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0; // filter type 0
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    ...headers,
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

beforeAll(() => {
  // The CLI cases run the built CLI.
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'src', 'cli', 'main.js')))
    execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: join(import.meta.dirname, '..') });
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('item 2: the PNG size is limited before decoding, whatever the chunks say', () => {
  it('refuses a second IHDR chunk (the decoder would believe the second one)', () => {
    const width = MAX_TRACK_SIDE + 904;
    const bytes = greyPng([ihdr(16, 16), ihdr(width, 16)], width, 16);
    expect(() => decodePngTexture(bytes, 0.5)).toThrow(/more than one IHDR/);
  });

  it('refuses a bad bit depth as a bad bit depth, not as a truncated file (item 18)', () => {
    const bytes = greyPng([ihdr(16, 16, 3, 0)], 16, 16);
    expect(() => decodePngTexture(bytes, 0.5)).toThrow(/bit depth 3 is not allowed with colour type 0/);
  });

  it('refuses a chunk that runs past the end of the file as truncated', () => {
    const bytes = greyPng([ihdr(16, 16)], 16, 16);
    expect(() => decodePngTexture(bytes.subarray(0, bytes.length - 20), 0.5)).toThrow(/truncated/);
  });

  it('still reads a well-formed PNG', () => {
    const bytes = greyPng([ihdr(32, 20)], 32, 20);
    const texture = decodePngTexture(bytes, 0.5);
    expect([texture.width, texture.height]).toEqual([32, 20]);
  });

  it('sarlab run refuses a track with a second IHDR (exit 2, one line)', () => {
    writeFileSync(f('two-headers.png'), greyPng([ihdr(16, 16), ihdr(12000, 16)], 16, 16));
    const r = sarlab(['run', '--track', f('two-headers.png'), '--steps', '10', '--out', f('o2')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/more than one IHDR/);
  });
});

describe('item 3: atomic writes stay atomic on a full disk', () => {
  it('writes every byte when the system writes fewer bytes than asked (short writes)', () => {
    const real = fsOps.writeSync;
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((
      fd: number,
      buffer: Uint8Array,
      offset: number | null = 0,
      length?: number,
    ) =>
      real(fd, buffer, offset ?? 0, Math.min(length ?? buffer.length - (offset ?? 0), 1000))) as typeof real);
    const content = 'x'.repeat(10_000);
    writeFileAtomic(f('short.txt'), content);
    expect(readFileSync(f('short.txt'), 'utf8')).toBe(content);
  });

  it('on ENOSPC leaves the old file untouched, removes the temporary file and says why', () => {
    writeFileAtomic(f('model.json'), 'the old model\n');
    const real = fsOps.writeSync;
    let calls = 0;
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((
      fd: number,
      buffer: Uint8Array,
      offset: number | null = 0,
      length?: number,
    ) => {
      if (calls++ > 0) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return real(fd, buffer, offset ?? 0, Math.min(length ?? buffer.length - (offset ?? 0), 8192));
    }) as typeof real);
    expect(() => writeFileAtomic(f('model.json'), 'y'.repeat(100_000))).toThrow(OutputError);
    expect(readFileSync(f('model.json'), 'utf8')).toBe('the old model\n');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
    const shown = formatError(
      new OutputError(f('model.json'), 'no space left on the device (ENOSPC)'),
      false,
    );
    expect(shown.exitCode).toBe(1);
    expect(shown.message).toMatch(/^sarlab: cannot write .*model\.json.*ENOSPC/);
  });

  it('a write that makes no progress is an error, not an endless loop', () => {
    vi.spyOn(fsOps, 'writeSync').mockImplementation((() => 0) as typeof fsOps.writeSync);
    expect(() => writeFileAtomic(f('stuck.txt'), 'abc')).toThrow(/ENOSPC/);
    expect(existsSync(f('stuck.txt'))).toBe(false);
  });

  it('a failed fsync leaves the old file', () => {
    writeFileAtomic(f('synced.txt'), 'old');
    vi.spyOn(fsOps, 'fsyncSync').mockImplementation(() => {
      throw Object.assign(new Error('EIO'), { code: 'EIO' });
    });
    expect(() => writeFileAtomic(f('synced.txt'), 'new')).toThrow(/input\/output error/);
    expect(readFileSync(f('synced.txt'), 'utf8')).toBe('old');
  });

  it('a streamed file on a full disk: the old file stays, nothing partial appears', () => {
    writeFileAtomic(f('log.csv'), 'old log\n');
    const stream = new AtomicFileStream(f('log.csv'), 10);
    vi.spyOn(fsOps, 'writeSync').mockImplementation(() => {
      throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
    });
    expect(() => {
      for (let i = 0; i < 100; i++) stream.write('1,2,3,4\n');
      stream.commit();
    }).toThrow(/no space left/);
    expect(readFileSync(f('log.csv'), 'utf8')).toBe('old log\n');
    expect(readdirSync(dir).filter((n) => n.includes('.tmp-'))).toEqual([]);
  });

  it('an append that fails leaves no partial line', () => {
    appendLineDurable(f('runs.jsonl'), '{"a":1}');
    const real = fsOps.writeSync;
    let calls = 0;
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((
      fd: number,
      buffer: Uint8Array,
      offset: number | null = 0,
      length?: number,
    ) => {
      if (calls++ > 0) throw Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' });
      return real(fd, buffer, offset ?? 0, Math.min(length ?? buffer.length - (offset ?? 0), 3));
    }) as typeof real);
    expect(() => appendLineDurable(f('runs.jsonl'), '{"b":2}')).toThrow(OutputError);
    expect(readFileSync(f('runs.jsonl'), 'utf8')).toBe('{"a":1}\n');
  });
});

describe('item 4: the writer never renames over something that is not a regular file', () => {
  it('refuses a FIFO and a folder as targets and leaves them as they were', () => {
    execFileSync('mkfifo', [f('fifo')]);
    expect(() => writeFileAtomic(f('fifo'), '{}')).toThrow(/not a regular file/);
    expect(lstatSync(f('fifo')).isFIFO()).toBe(true);
    mkdirSync(f('folder'));
    expect(() => writeFileAtomic(f('folder'), '{}')).toThrow(/not a regular file/);
    expect(statSync(f('folder')).isDirectory()).toBe(true);
  });

  it('refuses a device node such as /dev/null', () => {
    expect(() => writeFileAtomic('/dev/null', '{}')).toThrow(/not a regular file/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  it('sarlab run --save-model /dev/full is refused before the run (exit 2)', () => {
    const r = sarlab(['run', '--steps', '50', '--save-model', '/dev/full', '--out', f('o4')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--save-model: got "\/dev\/full".*not a regular file/);
    expect(statSync('/dev/full').isCharacterDevice()).toBe(true);
    expect(existsSync(f('o4'))).toBe(false);
  });
});

describe('item 5: input files must be regular files of bounded size', () => {
  it('--config /dev/zero is refused at once (exit 2)', () => {
    const r = sarlab(['run', '--config', '/dev/zero', '--out', f('o5')], { timeout: 20_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--config: got "\/dev\/zero", expected a regular file/);
  });

  it('--grid FIFO is refused at once (exit 2), not read forever', () => {
    execFileSync('mkfifo', [f('grid.fifo')]);
    const r = sarlab(['sweep', '--grid', f('grid.fifo'), '--dry-run'], { timeout: 20_000 });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--grid: .*device, FIFO or socket/);
  });

  it('a config file over 1 MB is refused', () => {
    writeFileSync(f('big.json'), `{"seed": 1${' '.repeat(2 * 1024 * 1024)}}`);
    const r = sarlab(['run', '--config', f('big.json'), '--out', f('o5b')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/at most 1048576 bytes/);
  });

  it('--load-model and --track refuse a FIFO', () => {
    const m = sarlab(['run', '--load-model', f('fifo'), '--out', f('o5c')], { timeout: 20_000 });
    expect(m.status, m.stderr).toBe(2);
    expect(m.stderr).toMatch(/--load-model: .*FIFO/);
    execFileSync('mkfifo', [f('track.png')]);
    const t = sarlab(['run', '--track', f('track.png'), '--out', f('o5d')], { timeout: 20_000 });
    expect(t.status, t.stderr).toBe(2);
    expect(t.stderr).toMatch(/track: .*FIFO/);
  });
});

describe('items 15 and 16: deep, long and duplicate configs', () => {
  it('a config nested 5000 levels is refused in one line (JSON and YAML)', () => {
    writeFileSync(f('deep.json'), `{"agent": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    writeFileSync(f('deep.yaml'), `agent: ${'['.repeat(5000)}${']'.repeat(5000)}\n`);
    for (const file of ['deep.json', 'deep.yaml']) {
      const r = sarlab(['run', '--config', f(file), '--out', f('o15')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/nested deeper than 64 levels/);
    }
  });

  it('an error line stays short whatever the input quotes', () => {
    writeFileSync(f('long-key.json'), JSON.stringify({ ['k'.repeat(6000)]: 1 }));
    writeFileSync(f('long-value.json'), JSON.stringify({ relevance: ['x'.repeat(6000)] }));
    for (const file of ['long-key.json', 'long-value.json']) {
      const r = sarlab(['run', '--config', f(file), '--out', f('o15b')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr.length).toBeLessThan(600);
    }
  });

  it('a key given twice is refused in JSON as in YAML', () => {
    writeFileSync(f('twice.json'), '{"seed": 1, "steps": 100, "seed": 2}');
    writeFileSync(f('twice.yaml'), 'seed: 1\nsteps: 100\nseed: 2\n');
    const json = sarlab(['run', '--config', f('twice.json'), '--out', f('o16')]);
    expect(json.status, json.stderr).toBe(2);
    expect(json.stderr).toMatch(/duplicate key "seed" at line 1/);
    const yaml = sarlab(['run', '--config', f('twice.yaml'), '--out', f('o16')]);
    expect(yaml.status, yaml.stderr).toBe(2);
    expect(yaml.stderr).toMatch(/unique/);
    expect(yaml.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('item 20: the upload endpoint caps concurrent uploads and refuses other origins', () => {
  const root = join(dir, 'web');
  const site = useStaticServer(root);

  function post(body: Buffer | null, headers: Record<string, string> = {}, end = true) {
    const req = request({ host: '127.0.0.1', port: site.port, method: 'POST', path: '/api/track', headers });
    const answer = new Promise<{ status: number; text: string }>((resolve) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', () => resolve({ status: 0, text: 'closed' }));
    });
    if (body) req.write(body);
    if (end) req.end();
    return { req, answer };
  }

  function ringPng(): Buffer {
    const image = new PNG({ width: 64, height: 64 });
    for (let i = 0; i < 64 * 64; i++) {
      const r = Math.hypot((i % 64) - 32, Math.floor(i / 64) - 32);
      image.data.fill(Math.abs(r - 21) < 2 ? 0 : 255, 4 * i, 4 * i + 3);
      image.data[4 * i + 3] = 255;
    }
    return PNG.sync.write(image);
  }

  it('refuses an upload from another origin (403)', async () => {
    const { answer } = await post(ringPng(), { Origin: 'http://evil.example' });
    expect((await answer).status).toBe(403);
    const crossSite = await post(ringPng(), { 'Sec-Fetch-Site': 'cross-site' }).answer;
    expect(crossSite.status).toBe(403);
    const same = await post(ringPng(), { Origin: `http://127.0.0.1:${site.port}` }).answer;
    expect(same.status).toBe(200);
  });

  it(`answers 503 beyond ${MAX_CONCURRENT_UPLOADS} uploads at once, and frees the slots when they end`, async () => {
    const slow = Array.from({ length: MAX_CONCURRENT_UPLOADS }, () =>
      post(Buffer.alloc(1000, 1), { 'Content-Length': String(5_000_000) }, false),
    );
    while (uploadsNow() < MAX_CONCURRENT_UPLOADS) await new Promise((r) => setTimeout(r, 10));
    const refused = await post(ringPng()).answer;
    expect(refused.status).toBe(503);
    for (const s of slow) s.req.destroy();
    while (uploadsNow() > 0) await new Promise((r) => setTimeout(r, 10));
    expect((await post(ringPng()).answer).status).toBe(200);
  });
});

describe('item 18: no library text leaks into error lines', () => {
  const cases: [unknown, RegExp][] = [
    [{ agent: { outputWeights: 'x' } }, /outputWeights: got "x", expected a list$/],
    [{ seed: 1.5 }, /seed: got 1\.5, expected an integer$/],
    [{ track: '' }, /track: got "", expected a text of at least 1 character\(s\)$/],
    [{ world: null }, /world: got null, expected an object of settings$/],
    [{ network: { bias: 'yes' } }, /bias: got "yes", expected true or false$/],
    [{ afterSuccess: 1e300 }, /afterSuccess: got 1e\+300, expected an integer <= 9007199254740991$/],
  ];
  for (const [config, message] of cases) {
    it(`explains ${JSON.stringify(config)} in plain words`, () => {
      const file = f(`zod-${Object.keys(config as object)[0]}.json`);
      writeFileSync(file, JSON.stringify(config));
      const r = sarlab(['run', '--config', file, '--out', f('o18')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr).not.toMatch(/Invalid input|Too small|Too big|received/);
    });
  }

  it('a YAML file with a warning (an unknown directive) is read without the warning text', () => {
    writeFileSync(f('directive.yaml'), '%FOO bar\n---\nsteps: 0\n');
    const r = sarlab(['run', '--config', f('directive.yaml'), '--out', f('o18b')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/steps: got 0/);
  });
});

describe('item 2: an upload is decoded off the event loop', () => {
  const root = join(dir, 'web2');
  const site = useStaticServer(root);

  function call(method: string, path: string, body?: Buffer) {
    return new Promise<{ status: number; text: string; at: number }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: site.port, method, path }, (res) => {
        let text = '';
        res.on('data', (d) => {
          text += d;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, at: performance.now() }));
      });
      req.on('error', reject);
      if (body) req.write(body);
      req.end();
    });
  }

  it('GET / is answered while the largest image allowed is being decoded', async () => {
    // A 4096 × 4096 grey image with a dark ring: small on the wire, large to decode.
    const side = MAX_TRACK_SIDE;
    const raw = Buffer.alloc((side + 1) * side, 255);
    for (let y = 0; y < side; y++) {
      raw[y * (side + 1)] = 0;
      for (let x = 0; x < side; x++)
        if (Math.abs(Math.hypot(x - side / 2, y - side / 2) - side / 3) < 3) raw[y * (side + 1) + 1 + x] = 0;
    }
    const bytes = Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      ihdr(side, side),
      chunk('IDAT', deflateSync(raw)),
      chunk('IEND', new Uint8Array(0)),
    ]);
    const upload = call('POST', '/api/track', bytes);
    await new Promise((r) => setTimeout(r, 50));
    const page = await call('GET', '/');
    const checked = await upload;
    expect(page.status).toBe(200);
    expect(checked.status, checked.text).toBe(200);
    expect(JSON.parse(checked.text)).toMatchObject({ width: side, height: side });
    expect(page.at).toBeLessThan(checked.at);
    expect(uploadsNow()).toBe(0);
  });
});
