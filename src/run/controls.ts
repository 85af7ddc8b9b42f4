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
}

/** The kinds of row a controls table can hold. */
export const CONTROL_KINDS = ['ahead', 'at-reflex', 'blind', 'reflex'] as const;
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
 * SPEC §6–7: the base run beside its controls, over the same seeds. The task needs anticipation
 * when the base run succeeds and none of the controls does: predictors `blind` and `at-reflex`
 * (no look-ahead), and the reflex alone at each gain, judged against the base run's own reflex
 * baseline (`success.baselineGain`), so that a better-tuned reflex is not mistaken for learning.
 */
export function runControls(base: RunConfig, options: ControlsOptions, track?: Track): ControlRow[] {
  const gain = base.agent.reflexGain;
  const only = options.only ?? CONTROL_KINDS;
  const predictorModes = (['ahead', 'at-reflex', 'blind'] as const).filter((m) => only.includes(m));
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
    };
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  return n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

/** The table as Markdown. */
export function controlsMarkdown(rows: ControlRow[]): string {
  const format = (v: number | null) => (v === null || Number.isNaN(v) ? '–' : v.toFixed(2));
  const lines = [
    '| run | success | steps to success | relative error (median) | frozen relative error (median) | line losses |',
    '|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const steps = r.stepsToSuccess.map((s) => (s === null ? '–' : String(s))).join(' ');
    lines.push(
      `| ${r.label} | ${r.successes}/${r.seeds} | ${steps} | ${format(r.medianRelativeError)} | ${format(r.medianFrozenRelativeError)} | ${r.lineLosses} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}
