import type { Track } from '../world/track.js';
import { mergeConfig, parseRunConfig, type RunConfig } from './config.js';
import { Simulation } from './simulation.js';

/** One row of the controls table: a variant of the run and what it gave over the seeds. */
export interface ControlRow {
  /** What was run, e.g. `sar, predictors ahead` or `reflex alone, gain 15`. */
  label: string;
  /** The variant as a configuration override of the base run. */
  override: Record<string, unknown>;
  seeds: number;
  successes: number;
  /** Steps to success of each seed (null: no success). */
  stepsToSuccess: (number | null)[];
  /** Median over the seeds of mean |e| in the last window / reflex baseline. */
  medianRelativeError: number;
  /** Median over the seeds of the frozen evaluation's relative error (null when not evaluated). */
  medianFrozenRelativeError: number | null;
  lineLosses: number;
  /**
   * The authors' success criterion (`success.authors`), when the base run asks for it: successes,
   * and the steps to success of each seed. Null when not asked for.
   */
  authors: { successes: number; stepsToSuccess: (number | null)[] } | null;
}

/**
 * The kinds of row a controls table can hold: the base run (`ahead`); `rules`, the same run with
 * backprop and with SaR's global sign (does propagating a sign matter?); predictors `at-reflex`
 * and `blind`; the reflex alone.
 */
export const CONTROL_KINDS = ['ahead', 'rules', 'at-reflex', 'blind', 'reflex'] as const;
/** One of `CONTROL_KINDS`. */
export type ControlKind = (typeof CONTROL_KINDS)[number];

export interface ControlsOptions {
  seeds: number[];
  /** Reflex gains to try alone (judged against the base run's reflex). */
  reflexGains: number[];
  /** Which rows to run (default: all). */
  only?: readonly ControlKind[];
  onRun?: (done: number, total: number) => void;
}

/**
 * The base run beside its controls, over the same seeds (docs/closed-loop.md, "Controls"). The task
 * needs anticipation when the base run succeeds and none of the controls does: predictors `blind`
 * and `at-reflex` (no look-ahead), and the reflex alone at each gain, judged against the base run's
 * own reflex baseline (`success.baselineGain`), so that a better-tuned reflex is not mistaken for
 * learning. The `rules` rows put other rules in the base run's place: backprop, and for SaR its
 * global sign.
 */
export function runControls(base: RunConfig, options: ControlsOptions, track?: Track): ControlRow[] {
  const gain = base.agent.reflexGain;
  const only = options.only ?? CONTROL_KINDS;
  const predictorModes = (['ahead', 'at-reflex', 'blind'] as const).filter((m) => only.includes(m));
  const ahead = predictorModes.includes('ahead') ? 1 : 0;
  const variants: { label: string; override: Record<string, unknown> }[] = [
    ...predictorModes.map((mode) => ({
      label: `${base.rule}, predictors ${mode}`,
      override: { world: { predictors: mode } },
    })),
    ...(only.includes('reflex') ? options.reflexGains : []).map((g) => ({
      label: `reflex alone, gain ${g}`,
      override: { rule: 'reflex', agent: { reflexGain: g }, success: { baselineGain: gain } },
    })),
  ];
  if (only.includes('rules')) variants.splice(ahead, 0, ...ruleVariants(base));
  const total = variants.length * options.seeds.length;
  let done = 0;
  return variants.map(({ label, override }) => {
    const summaries = options.seeds.map((seed) => {
      const config = parseRunConfig(mergeConfig(mergeConfig(base, override), { seed }));
      const summary = new Simulation(config, track).runToEnd();
      options.onRun?.(++done, total);
      return summary;
    });
    const frozen = summaries.map((s) => s.evaluation?.relativeError ?? null).filter((v) => v !== null);
    return {
      label,
      override,
      seeds: summaries.length,
      successes: summaries.filter((s) => s.success).length,
      stepsToSuccess: summaries.map((s) => s.stepsToSuccess),
      medianRelativeError: median(summaries.map((s) => s.relativeError ?? Number.NaN)),
      medianFrozenRelativeError: frozen.length ? median(frozen as number[]) : null,
      lineLosses: summaries.reduce((sum, s) => sum + s.lostLine, 0),
      authors: base.success.authors
        ? {
            successes: summaries.filter((s) => s.authors?.success).length,
            stepsToSuccess: summaries.map((s) => s.authors?.stepsToSuccess ?? null),
          }
        : null,
    };
  });
}

/** The `rules` rows: backprop, and SaR with the global sign, in the base run's place. */
function ruleVariants(base: RunConfig): { label: string; override: Record<string, unknown> }[] {
  const out: { label: string; override: Record<string, unknown> }[] = [];
  const ahead = { world: { predictors: 'ahead' } };
  if (base.rule !== 'backprop')
    out.push({ label: 'backprop, predictors ahead', override: { ...ahead, rule: 'backprop' } });
  if (base.rule !== 'sar' || base.signMode !== 'global')
    out.push({
      label: 'sar (global sign), predictors ahead',
      override: { ...ahead, rule: 'sar', signMode: 'global' },
    });
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** The table as Markdown (with the authors' criterion's columns when the rows have it). */
export function controlsMarkdown(rows: ControlRow[]): string {
  const format = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(2));
  const list = (steps: (number | null)[]) => steps.map((s) => (s === null ? '–' : String(s))).join(' ');
  const authors = rows.some((r) => r.authors !== null);
  const lines = [
    `| run | success | steps to success |${authors ? " success (authors') | steps to success (authors') |" : ''} relative error (median) | frozen relative error (median) | line losses |`,
    `|---|---|---|${authors ? '---|---|' : ''}---|---|---|`,
  ];
  for (const r of rows) {
    const theirs = r.authors
      ? ` ${r.authors.successes}/${r.seeds} | ${list(r.authors.stepsToSuccess)} |`
      : ' – | – |';
    lines.push(
      `| ${r.label} | ${r.successes}/${r.seeds} | ${list(r.stepsToSuccess)} |${authors ? theirs : ''} ${format(r.medianRelativeError)} | ${format(r.medianFrozenRelativeError)} | ${r.lineLosses} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
