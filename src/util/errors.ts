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
    super(`${field}: got ${describeValue(value)}, expected ${expected}`);
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
  if (Array.isArray(value)) return value.length > 8 ? `an array of ${value.length}` : JSON.stringify(value);
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name} of ${(value as Float64Array).length}`;
  try {
    const text = JSON.stringify(value);
    return text.length > 80 ? `${text.slice(0, 77)}...` : text;
  } catch {
    return String(value);
  }
}
