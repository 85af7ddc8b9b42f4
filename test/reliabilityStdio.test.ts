import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';
import { join, resolve } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { serveStdio } from '../src/cli/commands/stdio.js';
import { STDIO_LIMITS, StdioSession } from '../src/cli/stdioSession.js';
import { boundedLines, type LineItem } from '../src/node/lineReader.js';
import { CLI, tempDir, useStaticServer } from './cliHelpers.js';

/**
 * Reliability of `sarlab stdio` (docs/reliability.md, "The stdio server"): hostile requests are
 * answered with one line naming the input, the server lives on with everything it held, and its
 * memory stays bounded; and the origin check of `sarlab serve`.
 */

type Answer = Record<string, unknown> & { ok: boolean; error?: string; id?: unknown };

/** A `sarlab stdio` child: requests in, answers out, one line each, waited on as events. */
class StdioChild {
  readonly child: ChildProcessWithoutNullStreams;
  readonly exited: Promise<{ code: number | null; stderr: string }>;
  private buffered = '';
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | null = null;
  private stderr = '';

  constructor() {
    this.child = spawn(process.execPath, [CLI, 'stdio'], { stdio: 'pipe' });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (text: string) => {
      this.buffered += text;
      let newline = this.buffered.indexOf('\n');
      while (newline >= 0) {
        const line = this.buffered.slice(0, newline);
        this.buffered = this.buffered.slice(newline + 1);
        if (this.waiting) {
          const resolve = this.waiting;
          this.waiting = null;
          resolve(line);
        } else this.lines.push(line);
        newline = this.buffered.indexOf('\n');
      }
    });
    this.child.stderr.on('data', (d) => {
      this.stderr += d;
    });
    this.child.stdin.on('error', () => {});
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code) => resolve({ code, stderr: this.stderr })),
    );
  }

  /** The next answer line (waits for it to arrive). */
  next(): Promise<Answer> {
    const line = this.lines.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as Answer);
    return new Promise((resolve) => {
      this.waiting = (text) => resolve(JSON.parse(text) as Answer);
    });
  }

  send(text: string): void {
    this.child.stdin.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  call(request: Record<string, unknown>): Promise<Answer> {
    this.send(JSON.stringify(request));
    return this.next();
  }

  /** Resident memory of the server now (Linux), bytes. */
  rss(): number {
    const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) * 1024;
  }

  async maxRss(): Promise<number> {
    const status = await this.call({ op: 'status' });
    return (status.memory as { maxRss: number }).maxRss;
  }

  async end(): Promise<void> {
    this.child.stdin.end();
    await this.exited;
  }
}

const children: StdioChild[] = [];
function server(): StdioChild {
  const child = new StdioChild();
  children.push(child);
  return child;
}
afterEach(() => {
  for (const child of children.splice(0)) if (child.child.exitCode === null) child.child.kill();
});

const MiB = 1024 * 1024;

/** The one-line error shape: no newline, says what it is about. */
function expectError(answer: Answer, pattern: RegExp): void {
  expect(answer.ok).toBe(false);
  expect(answer.error).toMatch(pattern);
  expect(answer.error).not.toMatch(/\n/);
}

/** A request padded (with a string field) to exactly `bytes` bytes. */
function padded(request: Record<string, unknown>, bytes: number): string {
  const base = JSON.stringify({ ...request, pad: '' });
  return JSON.stringify({ ...request, pad: 'x'.repeat(bytes - base.length) });
}

describe('H1: a request line is at most 16 MiB; a longer one is dropped unread and answered', () => {
  it('a line one byte over the cap gets one error line (naming the request and the limit), then the server goes on', async () => {
    const s = server();
    const env = await s.call({ id: 1, op: 'make_env' });
    expect(env.ok).toBe(true);
    const exact = padded({ id: 2, op: 'hello' }, STDIO_LIMITS.lineBytes);
    expect(Buffer.byteLength(exact)).toBe(STDIO_LIMITS.lineBytes);
    expect((await s.call(JSON.parse(exact))).ok).toBe(true);
    s.send(padded({ id: 3, op: 'hello' }, STDIO_LIMITS.lineBytes + 1));
    const over = await s.next();
    expectError(over, /^request: a line of 16777217 bytes, over the limit of 16777216 bytes/);
    expect(over.id).toBeUndefined();
    // Nothing lost: the environment made before still steps.
    const step = await s.call({ id: 4, op: 'step', env: env.env, action: [20, 20] });
    expect(step).toMatchObject({ id: 4, ok: true });
    await s.end();
  });

  it('a line of 4 × the cap (no newline for 64 MiB) costs the server at most about one cap of memory', async () => {
    const s = server();
    const before = await s.maxRss();
    const chunk = Buffer.alloc(MiB, 'x');
    for (let i = 0; i < 64; i++) s.child.stdin.write(chunk);
    s.send('');
    expectError(await s.next(), /a line of 67108864 bytes, over the limit/);
    const after = await s.maxRss();
    // Holding the line would take 64 MiB as bytes plus as much again as a string.
    expect(after - before).toBeLessThan(2 * STDIO_LIMITS.lineBytes + 8 * MiB);
    expect((await s.call({ op: 'hello' })).ok).toBe(true);
    await s.end();
  });

  it('boundedLines: CRLF, a last line without a newline, an over-long line split across chunks', async () => {
    const items: LineItem[] = [];
    const input = Readable.from([Buffer.from('ab\r\ncd'), Buffer.from('efgh'), Buffer.from('ij\n\nkl')]);
    for await (const item of boundedLines(input, 5)) items.push(item);
    expect(items).toEqual([{ line: 'ab' }, { tooLong: 8 }, { line: '' }, { line: 'kl' }]);
    const exact: LineItem[] = [];
    for await (const item of boundedLines(Readable.from([Buffer.from('abcde\r\nabcdef\n')]), 5))
      exact.push(item);
    expect(exact).toEqual([{ line: 'abcde' }, { tooLong: 6 }]);
  });
});

describe('H2: backpressure: a client that does not read stops the server reading', () => {
  it('the server writes no further answer until the output drains, then every answer arrives in order', async () => {
    const requests = 5000;
    let pulled = 0;
    // Input handed over one request at a time, counted as the server pulls it.
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < requests; i++) {
          pulled++;
          yield Buffer.from(`{"id":${i},"op":"hello"}\n`);
        }
      })(),
    );
    const written: string[] = [];
    const held: (() => void)[] = [];
    let blocked: () => void = () => {};
    const isBlocked = new Promise<void>((resolve) => {
      blocked = resolve;
    });
    // A client that reads nothing: every write stays pending until the test lets it through.
    const output = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, done) {
        written.push(chunk.toString());
        held.push(done);
        blocked();
      },
    });
    const served = serveStdio(input, output);
    await isBlocked;
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    // One answer taken by the client, the next ones queued up to the high-water mark: then the
    // server waits, and stops pulling input (the old server read and answered all 5000 by now).
    expect(written.length).toBe(1);
    expect(output.writableLength).toBeLessThan(1024 + 200);
    expect(pulled).toBeLessThan(100);
    // Let the client read: everything arrives, in order.
    while (written.length < requests || held.length > 0) {
      const done = held.shift();
      if (done) done();
      else await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await served).toBe(0);
    expect(pulled).toBe(requests);
    const ids = written
      .join('')
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as Answer).id);
    expect(ids).toEqual(Array.from({ length: requests }, (_, i) => i));
  });
});

describe('H3: environments and learners are freed by close, and capped per process', () => {
  it(`at most ${STDIO_LIMITS.envs} environments at once; close frees one; closing again says closed: false`, async () => {
    const s = server();
    const ids: unknown[] = [];
    for (let i = 0; i < STDIO_LIMITS.envs; i++) {
      const made = await s.call({ op: 'make_env' });
      expect(made.ok, made.error).toBe(true);
      ids.push(made.env);
    }
    const refused = await s.call({ id: 'x', op: 'make_env' });
    expectError(refused, /^make_env: got "64 environments open", expected at most 64 at once in one process/);
    expect(refused.id).toBe('x');
    expect(await s.call({ op: 'close', env: ids[0] })).toMatchObject({ ok: true, closed: true });
    expect(await s.call({ op: 'close', env: ids[0] })).toMatchObject({ ok: true, closed: false });
    expectError(
      await s.call({ op: 'step', env: ids[0], action: [1, 1] }),
      /^env: got 1, expected the id of an open/,
    );
    expect((await s.call({ op: 'make_env' })).ok).toBe(true);
    const status = await s.call({ op: 'status' });
    expect(status).toMatchObject({ envs: 64, learners: 0, tracks: 1 });
    expectError(await s.call({ op: 'close' }), /^close: got "neither env nor learner"/);
    await s.end();
  });

  it('40 environments on 40 different tracks, each closed after use: memory stays bounded', async () => {
    const s = server();
    const before = await s.maxRss();
    let track = 0;
    for (let i = 0; i < 40; i++) {
      // A different line width is a different track (about 6 MB of texture each).
      const made = await s.call({ op: 'make_env', config: { world: { lineWidth: 2 + i / 100 } } });
      expect(made.ok, made.error).toBe(true);
      expect((await s.call({ op: 'reset', env: made.env, seed: i })).ok).toBe(true);
      expect((await s.call({ op: 'close', env: made.env })).closed).toBe(true);
      track++;
    }
    expect(track).toBe(40);
    // Kept, 40 tracks would be 240 MB.
    expect((await s.maxRss()) - before).toBeLessThan(100 * MiB);
    expect(await s.call({ op: 'status' })).toMatchObject({ envs: 0, tracks: 0 });
    await s.end();
  });

  it(`at most ${STDIO_LIMITS.tracks} different tracks at once: the next is refused naming config.track`, async () => {
    const s = server();
    for (let i = 0; i < STDIO_LIMITS.tracks; i++)
      expect((await s.call({ op: 'make_env', config: { world: { lineWidth: 2 + i } } })).ok).toBe(true);
    expect((await s.call({ op: 'make_env', config: { world: { lineWidth: 2 } } })).ok).toBe(true);
    expectError(
      await s.call({ op: 'make_env', config: { world: { lineWidth: 9 } } }),
      /^config\.track: got "default", expected one of the 4 tracks in use/,
    );
    await s.end();
  });

  it(`at most ${STDIO_LIMITS.learners} learners at once; close frees one`, async () => {
    const s = server();
    const ids: unknown[] = [];
    for (let i = 0; i < STDIO_LIMITS.learners; i++) {
      const made = await s.call({ op: 'make_learner', predictors: 4, config: { network: { layers: [2] } } });
      expect(made.ok, made.error).toBe(true);
      ids.push(made.learner);
    }
    expectError(
      await s.call({ op: 'make_learner', predictors: 4 }),
      /^make_learner: got "64 learners open", expected at most 64 at once/,
    );
    expect(await s.call({ op: 'close', learner: ids[5] })).toMatchObject({ ok: true, closed: true });
    expect((await s.call({ op: 'make_learner', predictors: 4 })).ok).toBe(true);
    expect(await s.call({ op: 'status' })).toMatchObject({ learners: 64 });
    await s.end();
  });
});

describe('H3 (budgets): the memory of environments and the weights of learners are capped together', () => {
  /** One request through a session, answered as an object. */
  function ask(session: StdioSession, request: Record<string, unknown>): Answer {
    const { line } = session.answer({ line: JSON.stringify(request) });
    return JSON.parse(line ?? 'null') as Answer;
  }

  it('environments: each counts its texture copy (3.5 MB on the default track); over the budget is refused', () => {
    const session = new StdioSession({ ...STDIO_LIMITS, envBytes: 10 * MiB });
    expect(ask(session, { op: 'make_env' }).ok).toBe(true);
    expect(ask(session, { op: 'make_env' }).ok).toBe(true);
    const third = ask(session, { op: 'make_env' });
    expectError(
      third,
      /^make_env: got "an environment of about 5 MB on this track with 9 MB in open environments", expected at most 10 MB in all open environments/,
    );
    expect(ask(session, { op: 'close', env: 1 }).closed).toBe(true);
    expect(ask(session, { op: 'make_env' }).ok).toBe(true);
    expect(session.counts()).toMatchObject({ envs: 2, tracks: 1 });
  });

  it('learners: their weights together are capped; closing one makes room', () => {
    const session = new StdioSession({ ...STDIO_LIMITS, parameters: 1000 });
    const config = { network: { layers: [10, 2] } };
    // 8 predictors × 5 filters in: (40 + 1) × 10 + 11 × 2 = 432 weights.
    const first = ask(session, { op: 'make_learner', predictors: 8, config });
    expect(session.counts().parameters).toBe(432);
    expect(ask(session, { op: 'make_learner', predictors: 8, config }).ok).toBe(true);
    expectError(
      ask(session, { op: 'make_learner', predictors: 8, config }),
      /^make_learner: got "a network of 432 weights with 864 in open learners", expected at most 1000 weights in all open learners/,
    );
    expect(ask(session, { op: 'close', learner: first.learner }).closed).toBe(true);
    expect(ask(session, { op: 'make_learner', predictors: 8, config }).ok).toBe(true);
  });
});

describe('H4: a deeply nested or non-scalar id is refused; the server and its environments live on', () => {
  it('an id nested 100 000 levels, an object id, a list id, true, a 300-character id, 1e999', async () => {
    const s = server();
    const env = await s.call({ id: 1, op: 'make_env' });
    await s.call({ op: 'reset', env: env.env, seed: 3 });
    const first = await s.call({ op: 'step', env: env.env, action: [20, 19] });
    const deep = `{"id":${'['.repeat(100_000)}${']'.repeat(100_000)},"op":"hello"}`;
    s.send(deep);
    const answer = await s.next();
    expectError(answer, /^request: nested deeper than 64 levels$/);
    expect(answer.id).toBeUndefined();
    for (const id of ['{"a":1}', '[1]', 'true', JSON.stringify('x'.repeat(300)), '1e999']) {
      s.send(`{"id":${id},"op":"hello"}`);
      const bad = await s.next();
      expectError(bad, /^id: got .*, expected a number, a string of at most 256 characters, or null$/);
      expect(bad.id).toBeUndefined();
    }
    // Nothing lost: the environment steps on from where it was.
    const second = await s.call({ id: 2, op: 'step', env: env.env, action: [20, 19] });
    expect(second.ok).toBe(true);
    expect((second.info as { x: number }).x).not.toBe((first.info as { x: number }).x);
    expect(await s.call({ id: 'str', op: 'hello' })).toMatchObject({ id: 'str', ok: true });
    await s.end();
  });
});

describe('M1: make_learner is under the weight limit of run configurations', () => {
  it('predictors: 1e6 is refused; so is a network over 20 000 000 weights; neither is built', async () => {
    const s = server();
    expectError(
      await s.call({ op: 'make_learner', predictors: 1e6 }),
      /^predictors: got 1000000, expected an integer from 1 to 100000$/,
    );
    expectError(
      await s.call({ op: 'make_learner', predictors: 50_000, config: { network: { layers: [1000, 2] } } }),
      /^config\.network\.layers: got \[1000,2\], expected a network of at most 20000000 weights \(this one has 250003002/,
    );
    expect(await s.call({ op: 'status' })).toMatchObject({ learners: 0, parameters: 0 });
    expect((await s.call({ op: 'make_learner', predictors: 8 })).ok).toBe(true);
    await s.end();
  });
});

describe('M2: a closed stdout ends the server promptly', () => {
  it('the client closes its end of stdout and keeps stdin open: the server ends (exit 1, one line on stderr)', async () => {
    const s = server();
    const env = await s.call({ op: 'make_env' });
    s.child.stdout.destroy();
    // The old server worked on at full CPU for as long as its input lasted; stdin stays open here.
    for (let i = 0; i < 10; i++) s.send(JSON.stringify({ op: 'step', env: env.env, action: [20, 20] }));
    const { code, stderr } = await s.exited;
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('sarlab: stdio: the client stopped reading (stdout closed); ending');
  });
});

describe("an interrupt: Ctrl-C in the client's terminal does not end a server driven through pipes", () => {
  it('SIGINT: the server answers the next request with its environment intact; SIGTERM ends it', async () => {
    const s = server();
    const env = await s.call({ op: 'make_env' });
    await s.call({ op: 'reset', env: env.env, seed: 1 });
    s.child.kill('SIGINT');
    s.send(JSON.stringify({ id: 5, op: 'step', env: env.env, action: [20, 20] }));
    const after = await Promise.race([
      s.next(),
      s.exited.then(() => ({ ok: false, error: 'ended' }) as Answer),
    ]);
    expect(after).toMatchObject({ id: 5, ok: true });
    s.child.kill('SIGTERM');
    expect((await s.exited).code).toBeNull();
  });
});

describe('M3: wheel speeds are finite and in range on every step, the first included', () => {
  it('[1e308, -1e308] and 1e999 are refused naming action; the pose stays finite; the next step works', async () => {
    const s = server();
    const env = await s.call({ op: 'make_env' });
    expectError(
      await s.call({ op: 'step', env: env.env, action: [1e308, -1e308] }),
      /^action: got \[1e\+308,-1e\+308\], expected wheel speeds from -1000000 to 1000000 cm\/s$/,
    );
    s.send(`{"op":"step","env":${env.env},"action":[1e999,1]}`);
    expectError(await s.next(), /^action\.0: got Infinity, expected a finite number/);
    expectError(await s.call({ op: 'step', env: env.env, action: [1_000_001, 0] }), /^action: /);
    const step = await s.call({ op: 'step', env: env.env, action: [1_000_000, -1_000_000] });
    expect(step.ok).toBe(true);
    const info = step.info as { x: number; y: number; theta: number };
    for (const v of [info.x, info.y, info.theta]) expect(Number.isFinite(v)).toBe(true);
    await s.end();
  });

  it('a first do_step with error 1e999 is refused naming error; the next, finite one works', async () => {
    const s = server();
    const made = await s.call({ op: 'make_learner', predictors: 2, config: { network: { layers: [2] } } });
    s.send(`{"op":"do_step","learner":${made.learner},"inputs":[0.1,0.2],"error":1e999}`);
    expectError(await s.next(), /^error: got Infinity, expected a finite number/);
    const step = await s.call({ op: 'do_step', learner: made.learner, inputs: [0.1, 0.2], error: 0.5 });
    expect(step.ok).toBe(true);
    for (const v of step.outputs as number[]) expect(Number.isFinite(v)).toBe(true);
    await s.end();
  });
});

describe('L4: non-finite numbers and repeated keys are refused, naming the field', () => {
  it('learning_rate: 1e999, config.learningRate: -1e999, a key given twice', async () => {
    const s = server();
    const made = await s.call({ op: 'make_learner', predictors: 2 });
    s.send(`{"id":7,"op":"set_learning_rate","learner":${made.learner},"learning_rate":1e999}`);
    const rate = await s.next();
    expectError(
      rate,
      /^learning_rate: got Infinity, expected a finite number \(this one is too large for a double\)$/,
    );
    expect(rate.id).toBe(7);
    s.send('{"op":"make_env","config":{"learningRate":-1e999}}');
    expectError(await s.next(), /^config\.learningRate: got -Infinity, expected a finite number/);
    s.send(`{"op":"step","env":1,"env":2,"action":[1,1]}`);
    expectError(await s.next(), /^request: duplicate key "env"$/);
    expect(await s.call({ op: 'status' })).toMatchObject({ envs: 0, learners: 1 });
    await s.end();
  });
});

describe('L1: the upload origin check of serve does not trust Host (DNS rebinding)', () => {
  const dir = tempDir('sarlab-stdio-rel-');
  const root = join(dir, 'web');
  const site = useStaticServer(root);

  /** POSTs a body that is not a PNG: 415 means the origin check passed, 403 that it refused. */
  function post(headers: IncomingHttpHeaders): Promise<number> {
    return new Promise((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: site.port, method: 'POST', path: '/api/track', headers, setHost: false },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', () => resolve(0));
      req.end('not a png');
    });
  }

  it('a page of another name resolving to 127.0.0.1 (Host and Origin agree) is refused', async () => {
    const evil = `evil.example:${site.port}`;
    expect(await post({ host: evil, origin: `http://${evil}` })).toBe(403);
    expect(await post({ host: evil, origin: `http://${evil}`, 'sec-fetch-site': 'same-origin' })).toBe(403);
    expect(await post({ host: evil })).toBe(403);
  });

  it('the loopback names on the bound port pass; another port or scheme does not', async () => {
    for (const name of ['127.0.0.1', 'localhost', 'LOCALHOST', '[::1]']) {
      expect(await post({ host: `${name}:${site.port}`, origin: `http://${name}:${site.port}` })).toBe(415);
    }
    expect(await post({ host: `127.0.0.1:${site.port}` })).toBe(415);
    expect(await post({ host: `127.0.0.1:${site.port}`, origin: `http://127.0.0.1:${site.port + 1}` })).toBe(
      403,
    );
    expect(await post({ host: `127.0.0.1:${site.port + 1}` })).toBe(403);
    expect(await post({ host: `127.0.0.1:${site.port}`, origin: `https://evil.example` })).toBe(403);
    expect(await post({ host: `127.0.0.1:${site.port}`, origin: 'null' })).toBe(403);
  });
});

describe('the documented limits are the enforced ones', () => {
  it('docs/reliability.md, "The stdio server", names every value of STDIO_LIMITS', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '..', 'docs', 'reliability.md'), 'utf8');
    const section = doc.slice(doc.indexOf('## The stdio server'), doc.indexOf('## The fault tests'));
    const spaced = (n: number) => n.toLocaleString('en-US').replace(/,/g, ' ');
    expect(section).toContain(`| one request line | 16 MiB (${spaced(STDIO_LIMITS.lineBytes)} bytes`);
    expect(section).toContain(`| open environments | ${STDIO_LIMITS.envs} |`);
    expect(section).toContain(`| ${STDIO_LIMITS.envBytes / MiB / 1024} GiB together`);
    expect(section).toContain(`| different tracks held | ${STDIO_LIMITS.tracks} (`);
    expect(section).toContain(`| open learners | ${STDIO_LIMITS.learners} |`);
    expect(section).toContain(`| ${spaced(STDIO_LIMITS.parameters)} together |`);
    expect(section).toContain(`| 1 to ${spaced(STDIO_LIMITS.predictors)} (`);
    expect(section).toContain(
      `−${spaced(STDIO_LIMITS.wheelSpeed)} to ${spaced(STDIO_LIMITS.wheelSpeed)} cm/s`,
    );
    expect(section).toContain(`| one answer line | ${STDIO_LIMITS.answerBytes / MiB} MiB`);
    expect(section).toContain(`at most ${STDIO_LIMITS.idChars} characters`);
  });
});
