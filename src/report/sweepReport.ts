import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { TopLevelSpec } from 'vega-lite';
import { writeFileAtomic } from '../node/files.js';
import { svgToPng, vegaLiteToSvg } from '../plot/render.js';
import { type Analysis, analyse, RULE_ORDER } from './analysis.js';
import {
  bestRateRows,
  controlRuns,
  mainRows,
  reflexGainRows,
  reflexReference,
  variationRows,
} from './chartData.js';
import { metricSpec, type References, variationSpec } from './charts.js';
import { conditionHash, runsCsv } from './csv.js';
import { type CurveRow, controlCurveRows, curvesSpec, mainCurveRows, presetCurveRows } from './curves.js';
import { learningRateMarkdown, reportMarkdown } from './markdown.js';
import { loadSweeps, type SweepFolder } from './records.js';
import { controlsSpec, depthSpec, reflexGainSpec } from './summaryCharts.js';

/** Settings of the sweep report. */
export interface SweepReportOptions {
  /** Write only the tables (report.md, learning-rates.md, stats.json, runs.csv), no figures. */
  figures?: boolean;
  /** Where to say what is being done. */
  notice?: (message: string) => void;
}

/** What `writeSweepReport` wrote and computed. */
export interface SweepReport {
  files: string[];
  markdown: string;
  analysis: Analysis;
  folders: SweepFolder[];
}

/** The files of a report besides the figures. */
export const REPORT_FILES = {
  markdown: 'report.md',
  learningRates: 'learning-rates.md',
  stats: 'stats.json',
  csv: 'runs.csv',
} as const;

async function writeFigure(out: string, name: string, spec: TopLevelSpec, files: string[]): Promise<void> {
  const svg = await vegaLiteToSvg(spec);
  writeFileAtomic(join(out, `${name}.svg`), svg);
  writeFileAtomic(join(out, `${name}.png`), svgToPng(svg));
  files.push(join(out, `${name}.svg`), join(out, `${name}.png`));
}

function ordered(values: string[]): string[] {
  const unique = [...new Set(values)];
  const rank = (v: string) => (RULE_ORDER.includes(v) ? RULE_ORDER.indexOf(v) : RULE_ORDER.length);
  return unique.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/** The figures: vega-lite specifications with their names and captions. */
export function reportFigures(analysis: Analysis): { name: string; caption: string; spec: TopLevelSpec }[] {
  const out: { name: string; caption: string; spec: TopLevelSpec }[] = [];
  const threshold = analysis.thresholds[0] ?? 0.5;
  const budget = Math.max(...analysis.budget);
  const rows = mainRows(analysis);
  if (rows.length > 0) {
    const rules = ordered(rows.map((r) => r.series));
    const refs: References = { threshold, budget, reflex: reflexReference(analysis, analysis.main, rows) };
    out.push(
      {
        name: 'success-vs-learning-rate',
        caption: 'Success rate against learning rate.',
        spec: metricSpec('success', rows, rules, refs),
      },
      {
        name: 'steps-vs-learning-rate',
        caption: 'Steps to success against learning rate.',
        spec: metricSpec('steps', rows, rules, refs),
      },
      {
        name: 'error-vs-learning-rate',
        caption: 'Frozen evaluation error relative to the reflex, against learning rate.',
        spec: metricSpec('error', rows, rules, refs),
      },
      {
        name: 'success-vs-depth',
        caption: 'Success at the best learning rate against depth.',
        spec: depthSpec(bestRateRows(analysis), rules),
      },
    );
  }
  const controls = controlRuns(analysis.controls);
  if (controls.length > 0)
    out.push({
      name: 'controls',
      caption: 'The predictors ahead against the controls.',
      spec: controlsSpec(controls, threshold),
    });
  if (analysis.reflex.length > 1)
    out.push({
      name: 'reflex-gain',
      caption: 'The reflex alone against its gain.',
      spec: reflexGainSpec(reflexGainRows(analysis), threshold),
    });
  const curveFigures: [string, string, string, CurveRow[], string][] = [
    [
      'learning-curves',
      'Learning curves: the rules over depth',
      'Median learning curves of the rules over depth, each at its best learning rate.',
      mainCurveRows(analysis),
      'rule',
    ],
    [
      'learning-curves-controls',
      'Learning curves: the controls',
      'Median learning curves of the predictors ahead against the controls, at the learning rate of the predictors ahead.',
      controlCurveRows(analysis),
      'predictors',
    ],
    [
      'learning-curves-presets',
      'Learning curves: the presets',
      "Median learning curves in the presets (the authors' setting), each rule at its best learning rate.",
      presetCurveRows(analysis),
      'rule',
    ],
  ];
  for (const [name, title, caption, curveRows, seriesTitle] of curveFigures)
    if (curveRows.length > 0)
      out.push({
        name,
        caption,
        spec: curvesSpec(title, curveRows, ordered(curveRows.map((r) => r.series)), threshold, seriesTitle),
      });
  const names = {
    relevance: 'relevance',
    signMode: 'sign-mode',
    inputs: 'inputs',
    preset: 'presets',
  } as const;
  for (const v of analysis.variations) {
    const vrows = variationRows(v);
    const series = ordered(vrows.map((r) => r.series));
    const seriesTitle = v.field === 'inputs' || v.field === 'preset' ? 'rule' : v.field;
    out.push({
      name: names[v.field],
      caption: `${v.title}.`,
      spec: variationSpec(v.title, vrows, series, { threshold, budget, reflex: [] }, seriesTitle),
    });
  }
  return out;
}

/** The numbers of the report as JSON (Infinity and NaN as null). */
export function statsJson(analysis: Analysis): string {
  const condition = (c: Analysis['conditions'][number]) => {
    const { config: _config, id, ...fields } = c.condition;
    return {
      ...fields,
      condition: conditionHash(id),
      best: c.best.learningRate,
      workingRates: c.workingRates,
      cells: c.cells,
    };
  };
  const value = {
    budget: analysis.budget,
    thresholds: analysis.thresholds,
    conditions: analysis.conditions.map(condition),
    controls: analysis.controls.map((row) => ({
      ahead: row.ahead.condition.label,
      learningRate: row.ahead.best.learningRate,
      cells: [
        { condition: row.ahead.condition.label, ...row.ahead.best },
        ...row.controls.map((c) => ({ condition: c.condition.condition.label, ...c.cell })),
      ],
      reflex: row.reflex ? { condition: row.reflex.condition.condition.label, ...row.reflex.cell } : null,
    })),
    comparisons: analysis.comparisons,
  };
  return `${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`;
}

/**
 * Reads sweep folders (runs.jsonl or runs.jsonl.gz) and writes into `out`: report.md,
 * learning-rates.md, stats.json, runs.csv and the figures (SVG and PNG).
 * @example
 * await writeSweepReport(['sweeps/first', 'sweeps/second'], 'sweeps/report');
 */
export async function writeSweepReport(
  dirs: string | string[],
  out: string,
  options: SweepReportOptions = {},
): Promise<SweepReport> {
  const notice = options.notice ?? (() => {});
  const loaded = loadSweeps(Array.isArray(dirs) ? dirs : [dirs], notice);
  const analysis = analyse(loaded.runs);
  const files: string[] = [];
  mkdirSync(out, { recursive: true });
  const write = (name: string, text: string) => {
    writeFileAtomic(join(out, name), text);
    files.push(join(out, name));
  };
  const figures = options.figures === false ? [] : reportFigures(analysis);
  // The tables first: they need no plot packages.
  const markdown = reportMarkdown(analysis, loaded.folders, loaded.runs.length, figures, REPORT_FILES);
  write(REPORT_FILES.markdown, markdown);
  write(REPORT_FILES.learningRates, learningRateMarkdown(analysis));
  write(REPORT_FILES.stats, statsJson(analysis));
  write(REPORT_FILES.csv, runsCsv(loaded.runs));
  for (const f of figures) await writeFigure(out, f.name, f.spec, files);
  return { files, markdown, analysis, folders: loaded.folders };
}

/** Reads sweep folders and writes one CSV row per run to `file` (see `runsCsv`). Returns the number of runs. */
export function exportRunsCsv(dirs: string[], file: string, notice?: (message: string) => void): number {
  const loaded = loadSweeps(dirs, notice);
  writeFileAtomic(file, runsCsv(loaded.runs));
  return loaded.runs.length;
}
