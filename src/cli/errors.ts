import { clip, OutputError, ValidationError } from '../util/errors.js';
import { MissingPackageError } from '../util/optionalPackage.js';

/** Exit codes: 0 success, 1 a run that failed or diverged, 2 bad input, 130 interrupted. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_INTERRUPTED = 130;

/** An error to show the user as one line, with an exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: number = EXIT_USAGE,
  ) {
    super(message);
  }
}

/** One line for the user: no stack trace unless --debug. */
export function formatError(error: unknown, debug: boolean): { message: string; exitCode: number } {
  if (debug && error instanceof Error && error.stack)
    return { message: error.stack, exitCode: exitCodeOf(error) };
  if (
    error instanceof ValidationError ||
    error instanceof CliError ||
    error instanceof OutputError ||
    error instanceof MissingPackageError
  ) {
    return { message: `sarlab: ${oneLine(error.message)}`, exitCode: exitCodeOf(error) };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    message: `sarlab: internal error: ${oneLine(message)} (run with --debug for details)`,
    exitCode: 1,
  };
}

function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof ValidationError) return EXIT_USAGE;
  return EXIT_FAILURE;
}

/** One line of at most 1000 characters, whatever the input quoted in it. */
function oneLine(text: string): string {
  return clip(text.replace(/\s*\n\s*/g, ' ').trim(), 1000);
}
