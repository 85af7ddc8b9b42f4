// The lab's verdict on a run: success, and whether it has held since.
import { MARK_COLOURS, OTHER_COLOURS, ruleColour } from '../../src/util/palette.js';

/**
 * none: no success (yet). holding: success, and the error is still under the threshold. slipping:
 * success, but the error has since risen above the threshold (amber). lost: success, but the error
 * is now no better than the reflex alone's, or the frozen lap is not (red).
 */
export type Verdict = 'none' | 'holding' | 'slipping' | 'lost';

/** What the verdict is judged from (the worker's last frame). */
export interface VerdictInput {
  success: boolean;
  /** Mean |e| of the last 2,000 learning steps over the reflex alone's (null without a baseline). */
  relativeError: number | null;
  /** The frozen lap's mean |e| over the reflex alone's, once a lap was driven. */
  frozenRelativeError: number | null;
  /** The success threshold (× the reflex alone), 0.5 by default. */
  threshold: number;
}

/** The verdict: a success counts as holding only while the error since stays under the threshold. */
export function verdictOf(v: VerdictInput): Verdict {
  if (!v.success) return 'none';
  const worst = Math.max(v.relativeError ?? 0, v.frozenRelativeError ?? 0);
  if (worst >= 1) return 'lost';
  if (worst > v.threshold) return 'slipping';
  return 'holding';
}

/** The verdict's colour (the one palette): green holding, amber slipping, red lost. */
export const VERDICT_COLOURS: Record<Verdict, string> = {
  none: 'inherit',
  holding: MARK_COLOURS.success,
  slipping: MARK_COLOURS.warning,
  lost: MARK_COLOURS.failure,
};

/** The success field's text: "no", "yes", or "yes, since lost". */
export function verdictLabel(verdict: Verdict): string {
  return verdict === 'none' ? 'no' : verdict === 'holding' ? 'yes' : 'yes, since lost';
}

/** What happened since success, in words (null before success). */
export function sinceText(v: VerdictInput, at: number | null): string | null {
  const verdict = verdictOf(v);
  if (verdict === 'none') return null;
  const parts = [`success at step ${(at ?? 0).toLocaleString('en')}`];
  if (v.relativeError !== null) {
    const now = v.relativeError.toFixed(2);
    parts.push(
      v.relativeError >= 1
        ? `since then the error has run away: now ${now} × the reflex alone's, no better than the reflex`
        : v.relativeError > v.threshold
          ? `since then the error has risen: now ${now} × the reflex alone's, above the threshold ${v.threshold}`
          : `held since: the error now ${now} × the reflex alone's`,
    );
  }
  if (v.frozenRelativeError !== null)
    parts.push(`frozen lap ${v.frozenRelativeError.toFixed(2)} × the reflex alone's`);
  return parts.join('; ');
}

/** Each agent's colour: its rule's (the one palette); B takes another when both race the same rule. */
export function agentColours(ruleA: string, ruleB: string | null): { a: string; b: string } {
  const a = ruleColour(ruleA);
  const b = ruleB === null ? OTHER_COLOURS[0] : ruleColour(ruleB);
  return { a, b: b === a ? OTHER_COLOURS[0] : b };
}
