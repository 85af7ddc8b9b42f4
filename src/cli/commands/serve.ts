import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Command } from 'commander';
import { MAX_TRACK_BYTES } from '../../node/pngTrack.js';
import type { TrackCheckResult } from '../../node/trackCheckWorker.js';
import { ValidationError } from '../../util/errors.js';
import { CliError, EXIT_FAILURE } from '../errors.js';
import { untilInterrupted } from '../interrupt.js';
import { numberFlag } from '../runOptions.js';

interface ServeFlags {
  port: string;
  host: string;
}

/** The built page inside the package (built by `npm run build`). */
export function webRoot(): string {
  return fileURLToPath(new URL('../../../../web-dist/', import.meta.url));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Everything the page needs comes from this server; nothing else may load. 'wasm-unsafe-eval' lets
 * the worker compile the network's WebAssembly kernel (embedded in the bundle; it allows no eval).
 */
const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; worker-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'; frame-ancestors 'none'",
};

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve the live lab (the page in your browser: watch SaR learn, side by side with backprop)')
    .option('--port <n>', 'port (0: any free port)', '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .action(async (flags: ServeFlags) => {
      process.exitCode = await serveCommand(flags);
    });
}

async function serveCommand(flags: ServeFlags): Promise<number> {
  const port = numberFlag('port', flags.port, { integer: true, min: 0 });
  if (port > 65535) throw new ValidationError('--port', flags.port, 'an integer from 0 to 65535');
  const host = flags.host.trim();
  if (host === '') throw new ValidationError('--host', flags.host, 'a host name or address');
  const root = webRoot();
  if (!existsSync(join(root, 'index.html'))) {
    throw new CliError(
      `the page is not built (no ${join(root, 'index.html')}); run npm run build`,
      EXIT_FAILURE,
    );
  }
  const server = createStaticServer(root, { host });
  await listen(server, port, host);
  const address = server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  process.stdout.write(`sarlab: the live lab is at http://${shownHost}:${actualPort}/ (Ctrl-C to stop)\n`);
  await untilInterrupted();
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
  return 0;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((done, fail) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') fail(new CliError(`port ${port} on ${host} is in use; try --port 0`));
      else if (error.code === 'EACCES') fail(new CliError(`no permission to listen on ${host}:${port}`));
      else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND')
        fail(new CliError(`cannot listen on ${host}: no such local address`));
      else fail(error);
    });
    server.listen(port, host, () => done());
  });
}

/**
 * A static file server for one folder: GET and HEAD only, files inside the folder only (no path
 * traversal, no symlinks out of it, no dot files), `/` is index.html.
 */
export function createStaticServer(root: string, options: { host?: string } = {}): Server {
  const base = realpathSync(root);
  return createServer((request, response) => {
    try {
      if ((request.url ?? '').split(/[?#]/, 1)[0] === TRACK_ENDPOINT)
        handleTrackUpload(request, response, options.host);
      else serveFile(base, request, response);
    } catch {
      send(response, 500, 'internal error');
    }
  });
}

/**
 * POST /api/track with a PNG body: checks a track image the way `sarlab run --track FILE.png` would
 * (a PNG, at most 10 MB and 4096×4096 pixels, with a line to follow) and answers its size and start
 * pose as JSON, or 4xx with the reason. The page decodes uploads itself; this is for scripts and
 * other front ends that want the server's verdict.
 */
const TRACK_ENDPOINT = '/api/track';

/** Uploads handled at once (more get 503), and the time one may take to arrive (then it is cut off). */
export const MAX_CONCURRENT_UPLOADS = 4;
export const UPLOAD_TIMEOUT_MS = 15_000;
let uploadsInFlight = 0;

/**
 * True when a request may come from a page of another origin. The server's own origins are the
 * address the client actually connected to (the socket's local address and port), plus, when that
 * is a loopback address, `localhost`, `127.0.0.1` and `[::1]` on that port, plus the `--host` name
 * given: `Host` and `Origin` must both name one of them. So a page of another site whose name was
 * made to resolve to 127.0.0.1 (DNS rebinding) fails: its requests carry its own name in both.
 */
function crossOrigin(request: IncomingMessage, configuredHost?: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const own = ownHosts(request, configuredHost);
  const host = request.headers.host;
  if (host === undefined || !own.has(host.toLowerCase())) return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  return !(
    origin.toLowerCase().startsWith('http://') && own.has(origin.slice('http://'.length).toLowerCase())
  );
}

/** `host:port` (and `host` alone on port 80) for every name under which this server is its own origin. */
function ownHosts(request: IncomingMessage, configuredHost?: string): Set<string> {
  const port = request.socket.localPort;
  const address = (request.socket.localAddress ?? '').toLowerCase().replace(/^::ffff:(?=\d+\.)/, '');
  const names = new Set<string>();
  const add = (name: string) => {
    const shown = name.includes(':') && !name.startsWith('[') ? `[${name}]` : name;
    names.add(`${shown}:${port}`);
    if (port === 80) names.add(shown);
  };
  if (address !== '') add(address);
  if (address === '::1' || /^127\./.test(address)) {
    for (const name of ['localhost', '127.0.0.1', '::1']) add(name);
  }
  const configured = configuredHost
    ?.trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (configured && configured !== '0.0.0.0' && configured !== '::') add(configured);
  return names;
}

function handleTrackUpload(
  request: IncomingMessage,
  response: ServerResponse,
  configuredHost?: string,
): void {
  if (request.method !== 'POST') {
    send(response, 405, 'method not allowed: POST a PNG', { Allow: 'POST' });
    return;
  }
  if (crossOrigin(request, configuredHost)) {
    send(response, 403, 'forbidden: uploads from another origin are refused', { Connection: 'close' });
    request.resume();
    return;
  }
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > MAX_TRACK_BYTES) {
    send(response, 413, `too large: at most ${MAX_TRACK_BYTES} bytes`, { Connection: 'close' });
    request.destroy();
    return;
  }
  if (uploadsInFlight >= MAX_CONCURRENT_UPLOADS) {
    send(response, 503, `busy: at most ${MAX_CONCURRENT_UPLOADS} uploads at a time; try again`, {
      Connection: 'close',
      'Retry-After': '1',
    });
    request.destroy();
    return;
  }
  uploadsInFlight++;
  let chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  // Every way an upload ends releases its slot and its buffered bytes exactly once.
  const finish = () => {
    if (finished) return false;
    finished = true;
    uploadsInFlight--;
    clearTimeout(timer);
    chunks = [];
    return true;
  };
  const timer = setTimeout(() => {
    if (finish()) {
      send(response, 408, `too slow: an upload must arrive within ${UPLOAD_TIMEOUT_MS / 1000} s`, {
        Connection: 'close',
      });
      request.destroy();
    }
  }, UPLOAD_TIMEOUT_MS);
  request.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > MAX_TRACK_BYTES) {
      finish();
      send(response, 413, `too large: at most ${MAX_TRACK_BYTES} bytes`, { Connection: 'close' });
      request.destroy();
      return;
    }
    chunks.push(chunk);
  });
  let ended = false;
  request.on('error', () => finish());
  request.on('close', () => {
    if (!ended) finish();
  });
  request.on('end', () => {
    const body = Buffer.concat(chunks);
    if (finished) return;
    ended = true;
    // The slot is held until the check is done: at most MAX_CONCURRENT_UPLOADS decodes at once.
    clearTimeout(timer);
    checkTrackOffThread(body).then(
      (result) => {
        finish();
        if (result.ok) {
          const json = JSON.stringify({ width: result.width, height: result.height, start: result.start });
          response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', ...SECURITY_HEADERS });
          response.end(`${json}\n`);
        } else {
          const message = result.validation ? result.message : 'unreadable upload';
          send(response, /not a PNG/.test(message) ? 415 : 400, message);
        }
      },
      () => {
        finish();
        send(response, 500, 'the upload could not be checked');
      },
    );
  });
}

/** Longest an upload check may take on its worker thread. */
const CHECK_TIMEOUT_MS = 30_000;

/** The compiled worker (plain JS in dist, also when this module runs from TypeScript source). */
function trackCheckWorkerFile(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return join(dirname(here), '..', '..', 'node', 'trackCheckWorker.js');
  return resolve(dirname(here), '../../../dist/src/node/trackCheckWorker.js');
}

/**
 * Decodes and checks an uploaded PNG on its own worker thread (sizes are checked before decoding,
 * so memory is bounded; the event loop keeps serving meanwhile). The worker ends with the check.
 */
function checkTrackOffThread(bytes: Buffer): Promise<TrackCheckResult> {
  return new Promise((resolveCheck, reject) => {
    const worker = new Worker(trackCheckWorkerFile(), { resourceLimits: { maxOldGenerationSizeMb: 256 } });
    const timeout = setTimeout(() => {
      void worker.terminate();
      reject(new Error('timed out'));
    }, CHECK_TIMEOUT_MS);
    worker.once('message', (result: TrackCheckResult) => {
      clearTimeout(timeout);
      void worker.terminate();
      resolveCheck(result);
    });
    worker.once('error', (error) => {
      clearTimeout(timeout);
      reject(error);
    });
    worker.once('exit', () => {
      clearTimeout(timeout);
      reject(new Error('the check ended without an answer'));
    });
    worker.postMessage(bytes);
  });
}

/** How many uploads are being received now (for tests). */
export function uploadsNow(): number {
  return uploadsInFlight;
}

function send(
  response: ServerResponse,
  status: number,
  text: string,
  extra: Record<string, string> = {},
): void {
  response.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Cache-Control': 'no-store',
    ...SECURITY_HEADERS,
    ...extra,
  });
  response.end(`${text}\n`);
}

function serveFile(base: string, request: IncomingMessage, response: ServerResponse): void {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, 405, 'method not allowed', { Allow: 'GET, HEAD' });
    return;
  }
  const target = resolveRequest(base, request.url ?? '/');
  if (target === null) {
    send(response, 400, 'bad request');
    return;
  }
  let file = target;
  let stats = statOrNull(file);
  if (stats?.isDirectory()) {
    file = join(file, 'index.html');
    stats = statOrNull(file);
  }
  if (!stats?.isFile()) {
    send(response, 404, 'not found');
    return;
  }
  // Symlinks must not lead out of the folder.
  const real = realpathSync(file);
  if (real !== base && !real.startsWith(base + sep)) {
    send(response, 404, 'not found');
    return;
  }
  const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const body = readFileSync(real);
  response.writeHead(200, {
    'Content-Type': type,
    'Content-Length': String(body.length),
    'Cache-Control': file.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
    ...SECURITY_HEADERS,
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

/** The file a request path names inside `base`, or null for a path that is malformed or leaves it. */
export function resolveRequest(base: string, url: string): string | null {
  const path = url.split(/[?#]/, 1)[0];
  if (!path.startsWith('/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..' || p.startsWith('.'))) return null;
  const target = resolve(base, ...parts);
  if (target !== base && !target.startsWith(base + sep)) return null;
  return target;
}

function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
