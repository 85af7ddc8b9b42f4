import { closeSync, constants, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ValidationError } from '../util/errors.js';

/**
 * Bounded reading of a sweep's runs file (runs.jsonl, or runs.jsonl.gz as committed with results),
 * line by line, so that no file (a device, a FIFO, 200 MB of newlines, a gzip bomb) can exhaust
 * memory or crash the reader: the file is read in pieces and never turned into one string.
 */

/** Largest runs.jsonl read, bytes (about 500 000 runs). */
export const MAX_RUNS_FILE_BYTES = 1024 * 1024 * 1024;
/**
 * Largest runs.jsonl.gz, and largest content it may expand to, bytes (about 140 000 runs):
 * decompressing holds it in memory, so a gzip bomb stops here. A larger sweep is read from
 * runs.jsonl (gunzip it first).
 */
export const MAX_RUNS_GZ_EXPANDED_BYTES = 256 * 1024 * 1024;
/** Longest line of a runs file, bytes (a record takes a few KB). */
export const MAX_RUNS_LINE_BYTES = 1024 * 1024;
/** Most lines (blank ones included) of a runs file. */
export const MAX_RUNS_LINES = 10_000_000;

/** Bounds of a runs-file read (tests pass smaller ones). */
export interface RunsFileLimits {
  fileBytes: number;
  gzExpandedBytes: number;
  lineBytes: number;
  lines: number;
}

/** The bounds every runs-file read uses (the limits above). */
export const RUNS_FILE_LIMITS: RunsFileLimits = {
  fileBytes: MAX_RUNS_FILE_BYTES,
  gzExpandedBytes: MAX_RUNS_GZ_EXPANDED_BYTES,
  lineBytes: MAX_RUNS_LINE_BYTES,
  lines: MAX_RUNS_LINES,
};

/**
 * A runs file that cannot be read as one: not a regular file, too large, a damaged gzip stream, a
 * line too long. Bad input (exit 2); the message is one line that names the file.
 */
export class RunsFileError extends ValidationError {
  constructor(path: string, reason: string) {
    super(path, undefined, reason);
    this.message = `${path}: ${reason}`;
  }
}

/** One line of a runs file, without its newline; `complete` is false for a last line without one. */
export type RunsLine = (line: Buffer, end: number, complete: boolean) => void;

const CHUNK_BYTES = 4 * 1024 * 1024;

/**
 * Calls `onLine` for every line of a runs file, in order; `end` is the byte offset just after the
 * line (and its newline) in the file's content (decompressed for .gz). Files ending in `.gz` are
 * gunzipped. Throws a RunsFileError naming the file for anything that is not a readable runs file.
 */
export function forEachRunsLine(
  path: string,
  onLine: RunsLine,
  limits: RunsFileLimits = RUNS_FILE_LIMITS,
): void {
  const splitter = new LineSplitter(path, onLine, limits);
  if (path.endsWith('.gz')) {
    // Compressed, it is no larger than what it may expand to (gzip never makes text much larger).
    const compressed = readWhole(path, Math.min(limits.fileBytes, limits.gzExpandedBytes));
    let content: Buffer;
    try {
      content = gunzipSync(compressed, { maxOutputLength: limits.gzExpandedBytes });
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
        throw new RunsFileError(
          path,
          `expands to more than ${limits.gzExpandedBytes} bytes (the limit for a .gz runs file; gunzip it and read runs.jsonl)`,
        );
      throw new RunsFileError(
        path,
        `not a whole gzip file (${e.message.replace(/\.$/, '')}): truncated, damaged or not compressed`,
      );
    }
    splitter.push(content);
  } else {
    withRegularFile(path, limits.fileBytes, (fd) => {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        splitter.push(chunk.subarray(0, n));
        if (splitter.bytes > limits.fileBytes)
          throw new RunsFileError(path, 'a file that does not grow while it is read');
      }
    });
  }
  splitter.end();
}

/** Splits pieces of content into lines, keeping at most one partial line (bounded) between pieces. */
class LineSplitter {
  bytes = 0;
  private lines = 0;
  private partial: Buffer[] = [];
  private partialBytes = 0;

  constructor(
    private readonly path: string,
    private readonly onLine: RunsLine,
    private readonly limits: RunsFileLimits,
  ) {}

  push(piece: Buffer): void {
    let start = 0;
    for (;;) {
      const newline = piece.indexOf(0x0a, start);
      if (newline < 0) break;
      const part = piece.subarray(start, newline);
      this.checkLength(part.length);
      const line = this.partialBytes > 0 ? Buffer.concat([...this.partial, part]) : part;
      this.partial = [];
      this.partialBytes = 0;
      this.bytes += newline + 1 - start;
      this.count();
      this.onLine(line, this.bytes, true);
      start = newline + 1;
    }
    if (start < piece.length) {
      const rest = piece.subarray(start);
      this.checkLength(rest.length);
      // Copied: the piece's buffer is reused for the next read.
      this.partial.push(Buffer.from(rest));
      this.partialBytes += rest.length;
      this.bytes += rest.length;
    }
  }

  end(): void {
    if (this.partialBytes === 0) return;
    this.count();
    this.onLine(Buffer.concat(this.partial), this.bytes, false);
    this.partial = [];
    this.partialBytes = 0;
  }

  private checkLength(more: number): void {
    if (this.partialBytes + more > this.limits.lineBytes)
      throw new RunsFileError(
        this.path,
        `has a line longer than ${this.limits.lineBytes} bytes: not a runs file (one JSON record per line)`,
      );
  }

  private count(): void {
    if (++this.lines > this.limits.lines)
      throw new RunsFileError(
        this.path,
        `has more than ${this.limits.lines} lines: not a runs file (one JSON record per line)`,
      );
  }
}

/** Opens a regular file of at most `maxBytes` (a device, FIFO, folder or socket is refused at once). */
function withRegularFile(path: string, maxBytes: number, use: (fd: number, size: number) => void): void {
  let fd = -1;
  try {
    let stats: ReturnType<typeof statSync>;
    try {
      // stat follows a symbolic link: a link to /dev/zero is a device.
      stats = statSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new RunsFileError(path, code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`);
    }
    if (!stats.isFile())
      throw new RunsFileError(
        path,
        `not a regular file (${stats.isDirectory() ? 'a folder' : 'a device, FIFO or socket'}): a runs file must be one`,
      );
    if (stats.size > maxBytes)
      throw new RunsFileError(path, `larger than ${maxBytes} bytes (it has ${stats.size})`);
    try {
      // O_NONBLOCK: a FIFO swapped in after the check cannot block the open.
      fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (error) {
      throw new RunsFileError(path, `cannot be read (${(error as NodeJS.ErrnoException).code})`);
    }
    if (!fstatSync(fd).isFile()) throw new RunsFileError(path, 'not a regular file: a runs file must be one');
    use(fd, stats.size);
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

function readWhole(path: string, maxBytes: number): Buffer {
  let result = Buffer.alloc(0);
  withRegularFile(path, maxBytes, (fd, size) => {
    const buffer = Buffer.alloc(size + 1);
    let done = 0;
    for (;;) {
      const n = readSync(fd, buffer, done, buffer.length - done, null);
      if (n === 0) break;
      done += n;
      if (done > size) throw new RunsFileError(path, 'a file that does not grow while it is read');
    }
    result = buffer.subarray(0, done);
  });
  return result;
}
