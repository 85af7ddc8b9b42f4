import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Network } from '../src/net/network.js';
import { loadModel } from '../src/node/modelFile.js';
import { decodePngTexture } from '../src/node/pngTrack.js';
import { csvField, runsCsv } from '../src/report/csv.js';
import type { ReportRun } from '../src/report/records.js';
import { parseRunConfig } from '../src/run/config.js';
import { boundedLogSink, LOG_COLUMNS, logFileStride, MAX_LOG_FILE_ROWS } from '../src/run/stepLog.js';
import { sarlab, tempDir } from './cliHelpers.js';

/**
 * Reliability of what `sarlab run` reads and writes (docs/reliability.md): a model that cannot be
 * saved, model files with non-finite weights and their messages, PNG image data, the size of
 * log.csv, configuration files, CSV fields a spreadsheet would run.
 */
const dir = tempDir('sarlab-inputs-');
const f = (name: string) => join(dir, name);

afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/**
 * Runs the built CLI (dist/, which finds its package.json) in this process, so that its fsOps can
 * be made to fail; returns its exit code and stderr.
 */
async function inProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  const { main } = await import('../dist/src/cli/main.js');
  const errors: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => {
    errors.push(parts.join(' '));
  });
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const code = await main(['node', 'sarlab', ...args]);
  return { code, stderr: errors.join('\n') };
}

describe('M9: a model that cannot be saved does not cost the other results', () => {
  it('--save-model on a full disk: summary.json and log.csv written, one line says what failed, exit 1', async () => {
    const out = f('m9-run');
    const model = f('m9-model.json');
    const { fsOps } = await import('../dist/src/node/files.js');
    const real = fsOps.writeSync;
    vi.spyOn(fsOps, 'writeSync').mockImplementation(((fd: number, ...rest: unknown[]) => {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes('m9-model.json'))
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      return (real as (...a: unknown[]) => number)(fd, ...rest);
    }) as typeof real);
    const { code, stderr } = await inProcess([
      'run',
      '--steps',
      '2000',
      '--no-plot',
      '--no-progress',
      '--save-model',
      model,
      '--out',
      out,
    ]);
    expect(code, stderr).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/cannot write ".*m9-model\.json": no space left on the device \(ENOSPC\)/);
    expect(stderr).toMatch(/the model was not saved, the other results are in .*m9-run/);
    expect(existsSync(model)).toBe(false);
    expect(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')).steps).toBe(2000);
    expect(readFileSync(join(out, 'log.csv'), 'utf8').trimEnd().split('\n')).toHaveLength(201);
  });
});

/** A model file as sarlab writes it, with its checksum recomputed after `edit` changes the network. */
function modelWith(edit: (network: Record<string, unknown>) => void): string {
  const network = new Network({ inputs: 4, layers: [3, 2], activation: 'tanh', seed: 1 }).toJSON();
  edit(network as unknown as Record<string, unknown>);
  const config = parseRunConfig({ network: { layers: [3, 2] } });
  const savedAtStep = 10;
  const checksum = `sha256:${createHash('sha256').update(JSON.stringify({ config, network, savedAtStep })).digest('hex')}`;
  return `${JSON.stringify({ format: 'sarlab-model', version: 1, savedAtStep, config, network, checksum })}\n`;
}

const layerOf = (network: Record<string, unknown>, l: number) =>
  (network.layers as Record<string, unknown>[])[l];

function floats(values: number[]): string {
  return Buffer.from(Float64Array.from(values).buffer).toString('base64');
}

describe('M12, L5: model files', () => {
  it('NaN and Infinity weights with a valid checksum are refused before the run, exit 2', () => {
    const weights = Array.from({ length: 12 }, (_, i) => i / 100);
    for (const [name, bad] of [
      ['nan', Number.NaN],
      ['inf', Number.POSITIVE_INFINITY],
    ] as const) {
      const path = f(`m12-${name}.json`);
      writeFileSync(
        path,
        modelWith((n) => {
          layerOf(n, 0).weights = floats(weights.map((w, i) => (i === 5 ? bad : w)));
        }),
      );
      expect(() => loadModel(path)).toThrow(
        new RegExp(
          `--load-model network\\.layers\\.0\\.weights: got ${bad}, expected 12 weights \\(4 inputs × 3 outputs\\), every one finite \\(value 6 is not`,
        ),
      );
      const r = sarlab([
        'run',
        '--load-model',
        path,
        '--steps',
        '100',
        '--no-plot',
        '--out',
        f(`m12-${name}`),
      ]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(path);
      expect(existsSync(f(`m12-${name}`))).toBe(false);
    }
  });

  it('messages read as plain words: the wrong count, text that is not base64, an unknown activation', () => {
    const cases: [string, (n: Record<string, unknown>) => void, RegExp][] = [
      [
        'count',
        (n) => {
          layerOf(n, 0).weights = floats([1, 2, 3]);
        },
        /network\.layers\.0\.weights: got 3, expected 12 weights \(4 inputs × 3 outputs\) \(in /,
      ],
      [
        'base64',
        (n) => {
          layerOf(n, 1).biases = '***';
        },
        /network\.layers\.1\.biases: got "text that is not base64", expected 2 biases \(one per output\) as base64/,
      ],
      [
        'activation',
        (n) => {
          layerOf(n, 0).activation = 'swish';
        },
        /network\.layers\.0\.activation: got "swish", expected one of "sigmoid"\|"tanh"\|/,
      ],
    ];
    for (const [name, edit, message] of cases) {
      const path = f(`l5-${name}.json`);
      writeFileSync(path, modelWith(edit));
      let text = '';
      try {
        loadModel(path);
      } catch (error) {
        text = (error as Error).message;
      }
      expect(text, name).toMatch(message);
      expect(text, name).not.toMatch(/expected (holds|not valid|Invalid)/);
    }
  });
});

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  Buffer.from(data).copy(out, 8);
  let c = 0xffffffff;
  for (const b of out.subarray(4, 8 + data.length)) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8);
  out.writeUInt32BE((c ^ 0xffffffff) >>> 0, 8 + data.length);
  return out;
}
/** A grey 8-bit PNG of the given size whose IDAT holds `idat` (compressed image data). */
function png(width: number, height: number, idat: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const rows = (width: number, height: number, value = 255) => {
  const raw = Buffer.alloc((width + 1) * height, value);
  for (let y = 0; y < height; y++) raw[y * (width + 1)] = 0;
  return raw;
};

describe('M11, L9: PNG image data is checked before decoding', () => {
  it('a whole image decodes; the same image with its data cut short is refused as truncated', () => {
    const whole = rows(64, 64);
    expect(decodePngTexture(png(64, 64, deflateSync(whole)), 1).width).toBe(64);
    // 69 bytes claiming 4096 x 4096: refused, no all-black 4096² track.
    const tiny = png(4096, 4096, deflateSync(Buffer.alloc(0)));
    expect(tiny.length).toBeLessThan(80);
    expect(() => decodePngTexture(tiny, 1)).toThrow(
      /the image data is truncated: 0 of the 16781312 bytes a 4096x4096 image needs/,
    );
    // Complete zlib stream, but half the rows.
    expect(() => decodePngTexture(png(64, 64, deflateSync(whole.subarray(0, 65 * 32))), 1)).toThrow(
      /the image data is truncated: 2080 of the 4160 bytes/,
    );
    // A zlib stream cut off in the middle.
    const cut = deflateSync(rows(64, 64, 7).map((_, i) => (i * 7919) & 0xff));
    expect(() => decodePngTexture(png(64, 64, cut.subarray(0, cut.length >> 1)), 1)).toThrow(
      /the image data is truncated \(its compressed stream ends early\)/,
    );
  });

  it('the same truncated PNG is refused every time (no decoding of memory that was never written)', () => {
    const bytes = png(256, 256, deflateSync(rows(256, 100)));
    const messages = new Set<string>();
    for (let i = 0; i < 5; i++) {
      try {
        decodePngTexture(bytes, 1);
        messages.add('decoded');
      } catch (error) {
        messages.add((error as Error).message);
      }
    }
    expect([...messages]).toHaveLength(1);
    expect([...messages][0]).toMatch(/truncated/);
  });

  it('L9: a zlib bomb in the image data is refused as too large, not as truncated', () => {
    // 16 x 16 pixels need 272 bytes; this stream expands to 64 MB (from about 64 KB).
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThan(100_000);
    let message = '';
    try {
      decodePngTexture(png(16, 16, bomb), 1);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/its image data expands to more than the 272 bytes a 16x16 image needs/);
    expect(message).not.toMatch(/truncated/);
  });

  it('a truncated PNG track given to sarlab run: one line, exit 2', () => {
    writeFileSync(f('cut.png'), png(4096, 4096, deflateSync(Buffer.alloc(0))));
    const r = sarlab(['run', '--track', f('cut.png'), '--steps', '100', '--no-plot', '--out', f('cut-run')]);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(
      /track: got "a damaged PNG", expected a complete, readable PNG \(the image data is truncated/,
    );
  });
});

describe('M13: log.csv has a bounded size however long the run', () => {
  it('the log writer, offered the rows of 5 000 000 steps logged every step, writes at most the bound, evenly', () => {
    const steps = 5_000_000;
    expect(logFileStride(steps, 1)).toBe(8);
    expect(logFileStride(steps, 10)).toBe(1);
    expect(logFileStride(1e9, 10)).toBe(128);
    let written = 0;
    let last = -1;
    let gapsEven = true;
    const sink = boundedLogSink(steps, 1, (row) => {
      if (last >= 0 && row[0] - last !== 8) gapsEven = false;
      last = row[0];
      written++;
    });
    const row = new Float64Array(LOG_COLUMNS.length);
    for (let t = 0; t < steps; t++) {
      row[0] = t;
      sink(row);
    }
    expect(written).toBe(625_000);
    expect(written).toBeLessThanOrEqual(MAX_LOG_FILE_ROWS);
    expect(gapsEven).toBe(true);
    expect(last).toBe(steps - 8);
    // The bound holds at every budget, and a budget that fits is logged in full.
    for (const budget of [1, 999_999, 1_000_000, 1_000_001, 3e8, 1e9])
      for (const every of [1, 3, 10]) {
        const stride = logFileStride(budget, every);
        const logged = Math.floor((budget - 1) / every) + 1;
        expect(Math.ceil(logged / stride)).toBeLessThanOrEqual(MAX_LOG_FILE_ROWS);
        if (logged <= MAX_LOG_FILE_ROWS) expect(stride).toBe(1);
        else expect(Math.ceil(logged / (stride / 2))).toBeGreaterThan(MAX_LOG_FILE_ROWS);
      }
  });

  it('sarlab run --log-every 100 writes a row every 100 steps; a bad value is refused', () => {
    const r = sarlab([
      'run',
      '--rule',
      'reflex',
      '--steps',
      '5000',
      '--log-every',
      '100',
      '--no-plot',
      '--out',
      f('every100'),
    ]);
    expect(r.status, r.stderr).toBe(0);
    const lines = readFileSync(f('every100/log.csv'), 'utf8').trimEnd().split('\n');
    expect(lines.slice(1).map((l) => Number(l.split(',')[0]))).toEqual(
      Array.from({ length: 50 }, (_, i) => i * 100),
    );
    expect(JSON.parse(readFileSync(f('every100/summary.json'), 'utf8')).config.logEvery).toBe(100);
    const bad = sarlab(['run', '--log-every', '0', '--out', f('every0')]);
    expect(bad.status).toBe(2);
    expect(bad.stderr.trim()).toBe('sarlab: --log-every: got "0", expected an integer >= 1');
    const help = sarlab(['run', '--help']);
    expect(help.stdout.replace(/\s+/g, ' ')).toContain(
      '--log-every <n> log every n-th step into log.csv; it keeps at most 1000000 rows',
    );
  });
});

describe('L6: configuration files', () => {
  it('a UTF-8 byte order mark is accepted (JSON and YAML)', () => {
    writeFileSync(f('bom.json'), `\uFEFF${JSON.stringify({ steps: 300, rule: 'reflex' })}`);
    writeFileSync(f('bom.yaml'), '\uFEFFsteps: 300\nrule: reflex\n');
    for (const name of ['bom.json', 'bom.yaml']) {
      const r = sarlab(['run', '--config', f(name), '--no-plot', '--json', '--out', f(`${name}-out`)]);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).steps).toBe(300);
    }
  });

  it('YAML 0x10, 0o17 and .inf are refused with the line (decimal only); quoted they are text', () => {
    for (const [value, shown] of [
      ['0x10', '"0x10"'],
      ['0o17', '"0o17"'],
      ['.inf', '".inf"'],
    ]) {
      writeFileSync(f('hex.yaml'), `rule: sar\nlearningRate: ${value}\n`);
      const r = sarlab(['run', '--config', f('hex.yaml'), '--out', f('hex-out')]);
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`valid YAML (line 2: ${shown} is not a decimal number`);
    }
    writeFileSync(f('quoted.yaml'), `learningRate: "0x10"\n`);
    const quoted = sarlab(['run', '--config', f('quoted.yaml'), '--out', f('quoted-out')]);
    expect(quoted.status).toBe(2);
    expect(quoted.stderr).toMatch(/learningRate: got "0x10", expected a number/);
  });
});

describe('L8: CSV fields a spreadsheet would run as formulas', () => {
  it('text starting with = + - @ tab or CR gets a leading apostrophe; numbers are untouched', () => {
    expect(csvField('=cmd|"/c calc"!A1')).toBe(`"'=cmd|""/c calc""!A1"`);
    for (const text of ['+1+1', '-2+3', '@SUM(A1)', '\tx', '\rx'])
      expect(csvField(text).replace(/^"/, '')).toMatch(/^'/);
    expect(csvField(-0.5)).toBe('-0.5');
    expect(csvField('abs-error')).toBe('abs-error');
    const run = sarlab([
      'run',
      '--rule',
      'reflex',
      '--steps',
      '300',
      '--json',
      '--no-plot',
      '--out',
      f('l8'),
    ]);
    const record = JSON.parse(run.stdout) as ReportRun['record'];
    const csv = runsCsv([{ record: { ...record, key: 'k', track: '=HYPERLINK("x")' }, sweep: '@sweep' }]);
    const [header, row] = csv.trimEnd().split('\n');
    const cells = header.split(',');
    expect(row.startsWith("'@sweep,")).toBe(true);
    expect(row).toContain(`"'=HYPERLINK(""x"")"`);
    expect(cells[0]).toBe('sweep');
  });
});
