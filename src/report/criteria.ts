import { isLastingSuccess } from '../run/summary.js';
import type { RunRecord } from '../sweep/store.js';

/*
 * The measures the report reads from a record besides sarlab's success criterion, each read so that
 * records of any version work: lasting success (worked out where a record predates it), the longest
 * streak below the threshold and the authors' success criterion (shown only where records carry them).
 */

/** Success that lasted (the frozen error below the threshold too): recorded, or worked out for older records. */
export function lastingSuccessOf(record: RunRecord): boolean {
  return typeof record.lastingSuccess === 'boolean' ? record.lastingSuccess : isLastingSuccess(record);
}

/** The longest streak of steps with the |e| average below the threshold, or null when the record has none. */
export function longestStreakOf(record: RunRecord): number | null {
  const value = (record as { longestStreakBelowThreshold?: unknown }).longestStreakBelowThreshold;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The authors' success criterion as a record carries it. */
export interface AuthorsCriterion {
  success: boolean;
  stepsToSuccess: number | null;
}

/**
 * The authors' success criterion of a run, or null when its record has none. Read from a summary
 * field whose name begins with `authors`: an object with a boolean `success` (and `stepsToSuccess`),
 * or a boolean `authors…Success` beside an optional `authors…StepsToSuccess`.
 */
export function authorsCriterionOf(record: RunRecord): AuthorsCriterion | null {
  const fields = record as unknown as Record<string, unknown>;
  let flag: boolean | null = null;
  let steps: number | null = null;
  for (const [name, value] of Object.entries(fields)) {
    if (!/^authors/i.test(name)) continue;
    if (value && typeof value === 'object' && typeof (value as { success?: unknown }).success === 'boolean') {
      const v = value as { success: boolean; stepsToSuccess?: unknown };
      return { success: v.success, stepsToSuccess: numberOrNull(v.stepsToSuccess) };
    }
    if (typeof value === 'boolean' && /success$/i.test(name)) flag = value;
    if (/stepsToSuccess$/i.test(name)) steps = numberOrNull(value);
  }
  return flag === null ? null : { success: flag, stepsToSuccess: steps };
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
