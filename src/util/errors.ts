/**
 * A user-facing error about bad input: it names the field, the value it got and what was expected,
 * so that the CLI can print it as one line (exit code 2) and library users can branch on `field`.
 */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly expected: string,
  ) {
    super(`${clip(field, 200)}: got ${describeValue(value)}, expected ${clip(expected, 400)}`);
  }
}

export function describeValue(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    return String(value);
  }
  if (typeof value === 'string')
    return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    if (value.length > 8) return `an array of ${value.length}`;
    const text = safeJson(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  }
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as Float64Array).length}`;
  const text = safeJson(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic, or nested too deeply to serialise.
    return typeof value === 'object' ? 'an object' : String(value);
  }
}

/** Cuts a text to at most `max` characters (a hostile input must not make an error line huge). */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

/**
 * A file could not be written (disk full, permissions, a target that is not a regular file): the CLI
 * prints it as one line and exits 1; the previous content of the target, if any, is left untouched.
 */
export class OutputError extends Error {
  override readonly name = 'OutputError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`cannot write ${describeValue(path)}: ${reason}`);
  }
}
