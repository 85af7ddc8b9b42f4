import {
  closeSync,
  constants,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  linkSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { OutputError, ValidationError } from '../util/errors.js';

/**
 * The low-level calls the writers use, in one object so that fault tests can make them fail (a full
 * disk, a short write, a file system without hard links) without such a disk.
 */
export const fsOps = { writeSync, fsyncSync, linkSync };

/** Longest file name accepted for an output (most file systems allow 255 bytes). */
export const MAX_NAME_BYTES = 255;

function reasonOf(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  const known: Record<string, string> = {
    ENOSPC: 'no space left on the device',
    EDQUOT: 'disk quota exceeded',
    EACCES: 'permission denied',
    EPERM: 'operation not permitted',
    EROFS: 'read-only file system',
    ENOTDIR: 'a part of the path is a file, not a folder',
    EISDIR: 'it is a folder',
    ENAMETOOLONG: 'the name is too long',
    ENOENT: 'no such folder',
    EIO: 'input/output error',
  };
  if (e?.code && known[e.code]) return `${known[e.code]} (${e.code})`;
  return e?.code ?? (e instanceof Error ? e.message : String(error));
}

/** Writes all of `bytes` at the file's current position (writeSync may write fewer bytes than asked). */
function writeFully(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) {
    const n = fsOps.writeSync(fd, bytes, done, bytes.length - done);
    if (!(n > 0)) throw Object.assign(new Error('the write made no progress'), { code: 'ENOSPC' });
    done += n;
  }
}

/** Refuses a target that exists and is not a regular file (a device, a FIFO, a folder, a socket). */
function checkTarget(path: string): void {
  let stats: ReturnType<typeof statSync> | null = null;
  try {
    stats = statSync(path);
  } catch {
    stats = null;
  }
  if (stats && !stats.isFile()) {
    throw new OutputError(
      path,
      `it exists and is not a regular file (${stats.isDirectory() ? 'a folder' : 'a device, FIFO or socket'}); nothing was written`,
    );
  }
}

function temporaryPath(path: string): string {
  // Short enough that a temporary name never fails where the target name would not.
  const name = basename(path);
  const suffix = `.tmp-${process.pid}`;
  return join(
    dirname(path),
    name.length + suffix.length > MAX_NAME_BYTES ? `.sarlab${suffix}` : name + suffix,
  );
}

/** Flushes a folder so that a rename inside it survives a power cut (best effort: not every system can). */
function syncFolder(dir: string): void {
  let fd = -1;
  try {
    fd = openSync(dir, constants.O_RDONLY);
    fsOps.fsyncSync(fd);
  } catch {
    // Some file systems refuse fsync on a folder; the rename is still atomic.
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Writes a file so that readers see either the old or the whole new content, never a part: write
 * every byte to a temporary file beside it, flush it to disk, check its size, then rename over the
 * target. On any error (a full disk, a short write, permissions) the temporary file is removed, the
 * target is left as it was, and an OutputError says why. A target that exists and is not a regular
 * file (a device such as /dev/full, a FIFO, a folder) is refused before anything is written.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array): void {
  checkTarget(path);
  const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  const temporary = temporaryPath(path);
  try {
    mkdirSync(dirname(path), { recursive: true });
    const fd = openSync(temporary, 'w');
    try {
      writeFully(fd, bytes);
      fsOps.fsyncSync(fd);
      const size = fstatSync(fd).size;
      if (size !== bytes.length)
        throw Object.assign(new Error(`wrote ${size} of ${bytes.length} bytes`), { code: 'EIO' });
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    if (error instanceof OutputError) throw error;
    throw new OutputError(path, `${reasonOf(error)}; the previous file, if any, is unchanged`);
  }
  syncFolder(dirname(path));
}

/**
 * A file written in pieces (a log that is too long to hold in memory), committed atomically at the
 * end: the pieces go to a temporary file beside the target, buffered and written fully; `commit`
 * flushes, checks the size and renames; `abort` removes the temporary file. Errors are OutputErrors.
 */
export class AtomicFileStream {
  private fd: number;
  private readonly temporary: string;
  private chunks: string[] = [];
  private pending = 0;
  private written = 0;
  private closed = false;

  constructor(
    readonly path: string,
    /** Characters kept before they are written out. */
    private readonly bufferChars = 1 << 20,
  ) {
    checkTarget(path);
    this.temporary = temporaryPath(path);
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.fd = openSync(this.temporary, 'w');
    } catch (error) {
      throw new OutputError(path, reasonOf(error));
    }
  }

  /** Appends text to the temporary file (every byte written, or an OutputError). */
  write(text: string): void {
    if (this.closed) throw new Error(`${this.path} is already closed`);
    this.chunks.push(text);
    this.pending += text.length;
    if (this.pending >= this.bufferChars) this.flush();
  }

  private flush(): void {
    if (this.chunks.length === 0) return;
    const bytes = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.pending = 0;
    try {
      writeFully(this.fd, bytes);
    } catch (error) {
      this.abort();
      throw new OutputError(this.path, `${reasonOf(error)}; the previous file, if any, is unchanged`);
    }
    this.written += bytes.length;
  }

  /** Bytes handed to the file so far (not counting the buffer). */
  get bytesWritten(): number {
    return this.written;
  }

  /** Flushes, checks the size and renames the temporary file to its name. */
  commit(): void {
    this.flush();
    try {
      fsOps.fsyncSync(this.fd);
      const size = fstatSync(this.fd).size;
      if (size !== this.written)
        throw Object.assign(new Error(`wrote ${size} of ${this.written} bytes`), { code: 'EIO' });
      closeSync(this.fd);
      this.closed = true;
      checkTarget(this.path);
      renameSync(this.temporary, this.path);
    } catch (error) {
      this.abort();
      if (error instanceof OutputError) throw error;
      throw new OutputError(this.path, `${reasonOf(error)}; the previous file, if any, is unchanged`);
    }
    syncFolder(dirname(this.path));
  }

  /** Removes the temporary file (nothing happens after a commit). */
  abort(): void {
    if (!this.closed) {
      this.closed = true;
      try {
        closeSync(this.fd);
      } catch {
        // already closed
      }
    }
    this.chunks = [];
    rmSync(this.temporary, { force: true });
  }
}

/** Appends one whole line and flushes it to disk before returning (an OutputError if it cannot). */
export function appendLineDurable(path: string, line: string): void {
  const bytes = Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'utf8');
  let fd = -1;
  let sizeBefore = 0;
  try {
    mkdirSync(dirname(path), { recursive: true });
    fd = openSync(path, 'a');
    sizeBefore = fstatSync(fd).size;
    writeFully(fd, bytes);
    fsOps.fsyncSync(fd);
  } catch (error) {
    // Leave no partial line behind: cut the file back to where it was.
    if (fd >= 0) {
      try {
        ftruncateSync(fd, sizeBefore);
      } catch {
        // The next reader treats a partial last line as torn anyway.
      }
    }
    throw new OutputError(path, reasonOf(error));
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}

/**
 * Checks, before a run starts, that an output folder can be written: it is a folder (or does not
 * exist yet and its nearest existing ancestor is a folder), and a file can be created there. Creates
 * nothing. Throws a ValidationError naming the flag.
 */
export function checkOutputFolder(flag: string, dir: string): void {
  for (const part of dir.split(/[\\/]/)) {
    if (Buffer.byteLength(part) > MAX_NAME_BYTES)
      throw new ValidationError(flag, dir, `a folder whose names are at most ${MAX_NAME_BYTES} bytes long`);
  }
  try {
    const stats = statSync(dir);
    if (!stats.isDirectory()) throw new ValidationError(flag, dir, 'a folder (it exists and is not one)');
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new ValidationError(flag, dir, `a folder that can be written (${reasonOf(error)})`);
  }
  probeFolder(flag, dir, dir);
}

/**
 * Checks, before a run starts, that an output file can be written: not a folder or a device, and
 * its folder exists (or can be made) and takes a new file. Throws a ValidationError naming the flag.
 */
export function checkOutputFile(flag: string, path: string): void {
  if (Buffer.byteLength(basename(path)) > MAX_NAME_BYTES)
    throw new ValidationError(flag, path, `a file name of at most ${MAX_NAME_BYTES} bytes`);
  try {
    checkTarget(path);
  } catch {
    throw new ValidationError(
      flag,
      path,
      'a regular file or a new file (it exists and is not a regular file)',
    );
  }
  probeFolder(flag, path, dirname(path));
}

/** Checks that a file can be created in `dir` (or, when it does not exist yet, in its nearest existing ancestor). */
function probeFolder(flag: string, shown: string, dir: string): void {
  let existing = dir;
  for (;;) {
    let stats: ReturnType<typeof statSync> | null = null;
    try {
      stats = statSync(existing);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT')
        throw new ValidationError(flag, shown, `a place where files can be written (${reasonOf(error)})`);
    }
    if (stats) {
      if (!stats.isDirectory())
        throw new ValidationError(
          flag,
          shown,
          `a place where files can be written (${existing} is not a folder)`,
        );
      break;
    }
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  const probe = join(existing, `.sarlab-probe-${process.pid}`);
  try {
    const fd = openSync(probe, 'wx');
    closeSync(fd);
    rmSync(probe, { force: true });
  } catch (error) {
    rmSync(probe, { force: true });
    throw new ValidationError(flag, shown, `a place where files can be written (${reasonOf(error)})`);
  }
}

/**
 * Reads an input file with the loaders' rules: a regular file (not a device, FIFO or folder), at most
 * `maxBytes` long, read with a bound so that a file that grows while it is read cannot exhaust memory.
 */
export function readInputFile(flag: string, path: string, maxBytes: number, what = 'file'): Buffer {
  let fd = -1;
  try {
    const stats = statSync(path);
    if (!stats.isFile())
      throw new ValidationError(
        flag,
        path,
        `a regular ${what} (${stats.isDirectory() ? 'EISDIR: this is a folder' : 'this is a device, FIFO or socket'})`,
      );
    if (stats.size > maxBytes)
      throw new ValidationError(flag, path, `a ${what} of at most ${maxBytes} bytes (it has ${stats.size})`);
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    const buffer = Buffer.alloc(stats.size + 1);
    let size = 0;
    for (;;) {
      const n = readSync(fd, buffer, size, buffer.length - size, null);
      if (n === 0) break;
      size += n;
      if (size > stats.size)
        throw new ValidationError(flag, path, `a ${what} that does not change while it is read`);
    }
    return buffer.subarray(0, size);
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new ValidationError(
      flag,
      path,
      code === 'ENOENT' ? `an existing ${what} (ENOENT)` : `a readable ${what} (${reasonOf(error)})`,
    );
  } finally {
    if (fd >= 0) closeSync(fd);
  }
}
