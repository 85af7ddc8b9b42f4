import { LIMITS } from '../run/config.js';
import type { Observation, StepInfo } from '../task/environment.js';
import { clip, ValidationError } from '../util/errors.js';
import { MAX_NESTING, parseJsonStrict } from '../util/json.js';

/**
 * The wire format of `sarlab stdio`: its limits, how a request line is read and checked, and the
 * shape of answers (docs/reliability.md, "The stdio server").
 */

/** The protocol's version (`hello` answers it); additions that old clients can ignore keep it. */
export const STDIO_PROTOCOL = 1;

export const MiB = 1024 * 1024;

/** What one `sarlab stdio` process accepts (docs/reliability.md, "The stdio server"). */
export const STDIO_LIMITS = {
  /** Bytes of one request line (a longer line is dropped unread and answered with an error). */
  lineBytes: 16 * MiB,
  /** Bytes of one answer line (the largest, `network` of the largest learner, is about 214 MB). */
  answerBytes: 256 * MiB,
  /** Environments open at once. */
  envs: 64,
  /**
   * Estimated bytes of all open environments together: each holds a float64 copy of its track's
   * texture for its WebAssembly kernel (3.5 MB on the default track, 134 MB on a 4096² PNG).
   */
  envBytes: 1024 * MiB,
  /** Different tracks held at once (environments on the same track share it). */
  tracks: 4,
  /** Learners open at once. */
  learners: 64,
  /** Weights and biases of all open learners together (one learner may have as many as a run). */
  parameters: LIMITS.parameters,
  /** Inputs of a learner (`predictors`): as many as an environment can have (1 000 rows × 100). */
  predictors: LIMITS.rowsCount * LIMITS.rowsDistances,
  /** Wheel speeds of `step`, cm/s (either sign). */
  wheelSpeed: 1_000_000,
  /** Characters of a string `id`. */
  idChars: 256,
} as const;

/** The caps a session enforces (STDIO_LIMITS, or lower ones in tests). */
export type StdioLimits = Record<keyof typeof STDIO_LIMITS, number>;

export type Request = Record<string, unknown>;

/**
 * One request line as an object: JSON, no key twice in one object, nested at most MAX_NESTING
 * levels (so nothing that walks it can exhaust the stack). Throws with a message naming `request`.
 */
export function parseRequest(line: string): Request {
  let parsed: unknown;
  try {
    parsed = parseJsonStrict(line, MAX_NESTING);
  } catch (error) {
    const reason = messageOf(error).replace(/ at line \d+$/, '');
    if (/^(duplicate key|nested deeper)/.test(reason)) throw new Error(`request: ${reason}`);
    throw new Error(`request: not JSON (${clip(reason, 200)}); a request is one JSON object on one line`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new Error('request: a request must be one JSON object on one line');
  return parsed as Request;
}

export function validId(id: unknown): boolean {
  if (id === undefined || id === null) return true;
  if (typeof id === 'number') return Number.isFinite(id);
  return typeof id === 'string' && id.length <= STDIO_LIMITS.idChars;
}

/** Refuses a number JSON could not hold as a double (1e999 parses as Infinity), naming its field. */
export function checkFinite(request: Request): void {
  const work: { value: unknown; path: string }[] = [{ value: request, path: '' }];
  while (work.length > 0) {
    const { value, path } = work.pop() as { value: unknown; path: string };
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new ValidationError(path, value, 'a finite number (this one is too large for a double)');
    if (value && typeof value === 'object') {
      for (const [key, child] of Object.entries(value))
        work.push({ value: child, path: path === '' ? key : `${path}.${key}` });
    }
  }
}

export function withId(id: unknown, answer: Record<string, unknown>): Record<string, unknown> {
  return id === undefined ? answer : { id, ...answer };
}

export function mb(bytes: number): number {
  return Math.round(bytes / 1e6);
}

export function errorLine(id: unknown, message: string): string {
  return `${JSON.stringify(withId(id, { ok: false, error: clip(message.replace(/\s*\n\s*/g, ' '), 1000) }))}\n`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function integer(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new ValidationError(field, value, 'an integer');
  return value;
}

export function numbers(value: unknown, field: string, length: number): number[] {
  if (
    !Array.isArray(value) ||
    value.length !== length ||
    value.some((v) => typeof v !== 'number' || !Number.isFinite(v))
  ) {
    throw new ValidationError(field, value, `a list of ${length} finite numbers`);
  }
  return value as number[];
}

/** The two wheel speeds of a `step`: finite, and within ±wheelSpeed (beyond, the pose overflows). */
export function wheelSpeeds(value: unknown): [number, number] {
  const [left, right] = numbers(value, 'action', 2);
  const max = STDIO_LIMITS.wheelSpeed;
  if (Math.abs(left) > max || Math.abs(right) > max)
    throw new ValidationError('action', value, `wheel speeds from -${max} to ${max} cm/s`);
  return [left, right];
}

export function observationJson(o: Observation): Record<string, unknown> {
  return { predictors: Array.from(o.predictors), reflex: Array.from(o.reflex), error: o.error, cue: o.cue };
}

export function infoJson(info: StepInfo): Record<string, unknown> {
  return { x: info.x, y: info.y, theta: info.theta, reason: info.reason };
}
