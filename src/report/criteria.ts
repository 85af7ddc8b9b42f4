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

/** The authors' success criterion as a summary records it (`RunSummary.authors`). */
export type AuthorsCriterion = NonNullable<RunRecord['authors']>;

/** The authors' success criterion of a run, or null when its record has none (the run did not ask for it). */
export function authorsCriterionOf(record: RunRecord): AuthorsCriterion | null {
  return record.authors ?? null;
}
