import type { Readable, Writable } from 'node:stream';
import type { Command } from 'commander';
import { boundedLines } from '../../node/lineReader.js';
import { EXIT_FAILURE, EXIT_OK } from '../errors.js';
import { STDIO_LIMITS, StdioSession } from '../stdioSession.js';

export { STDIO_LIMITS, STDIO_PROTOCOL } from '../stdioSession.js';

/**
 * `sarlab stdio`: a JSON-lines server on stdin/stdout, for other languages (the Python module in
 * python/sarlab uses it). One request per line, one answer per line, in order:
 *
 *   {"id": 1, "op": "make_env", "config": {...}}  -> {"id": 1, "ok": true, "env": 1, ...}
 *   {"id": 2, "op": "step", "env": 1, "action": [20.5, 19.5]}
 *   {"id": 3, "op": "bad"}                         -> {"id": 3, "ok": false, "error": "one line"}
 *
 * Numbers travel as JSON (shortest round-trip decimal), so doubles arrive bit-exact.
 * docs/python.md lists every operation; docs/reliability.md ("The stdio server") the limits and
 * what each bad input does.
 */
export function registerStdio(program: Command): void {
  program
    .command('stdio')
    .description(
      'a JSON-lines server on stdin/stdout: the simulated world and the learner for other languages (Python: docs/python.md)',
    )
    .action(async () => {
      // Driven by a program (stdin not a terminal), Ctrl-C in the program's terminal reaches this
      // process too: it is ignored, so the environments and learners survive an interrupted call.
      // The server ends when its input ends (the program closed it, or died), on quit or SIGTERM.
      const ignore = () => {};
      if (!process.stdin.isTTY) process.on('SIGINT', ignore);
      const code = await serveStdio(process.stdin, process.stdout);
      if (code !== EXIT_OK)
        process.stderr.write('sarlab: stdio: the client stopped reading (stdout closed); ending\n');
      process.exitCode = code;
    });
}

/**
 * Serves requests from `input` until it ends or a `quit`; resolves to the exit code: 0, or 1 when
 * `output` failed (closed by the client: EPIPE). One request is handled at a time, and the next line
 * is read only once the answer has been taken by `output` (backpressure: a client that does not
 * read its answers stops the server reading, so memory stays bounded).
 */
export async function serveStdio(input: Readable, output: Writable): Promise<number> {
  const session = new StdioSession();
  let failed = false;
  let wake: (() => void) | undefined;
  const onFailure = () => {
    failed = true;
    wake?.();
  };
  const onDrain = () => wake?.();
  output.on('error', onFailure);
  output.on('close', onFailure);
  output.on('drain', onDrain);
  try {
    for await (const item of boundedLines(input, STDIO_LIMITS.lineBytes)) {
      if (failed) break;
      const { line, quit } = session.answer(item);
      if (line !== null && !output.write(line) && !failed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = undefined;
      }
      if (failed || quit) break;
    }
  } catch (error) {
    // The input failed (a read error): end as if it had ended.
    if (!failed) output.write(`${JSON.stringify({ ok: false, error: `stdin: ${String(error)}` })}\n`);
  } finally {
    // The 'error' listener stays: a write still pending may fail after the end.
    output.off('close', onFailure);
    output.off('drain', onDrain);
    input.destroy();
  }
  return failed ? EXIT_FAILURE : EXIT_OK;
}
