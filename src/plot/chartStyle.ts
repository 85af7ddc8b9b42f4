import type { TopLevelSpec } from 'vega-lite';
import { OTHER_COLOURS, RULE_COLOURS } from '../util/palette.js';

/** Colours per rule, the same in every figure (and in the lab): the one palette of `util/palette.ts`. */
export { RULE_COLOURS } from '../util/palette.js';

/** A layer of a layered specification (a mark, or layers of their own). */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>['layer'][number];

/** The vega-lite schema of every figure. */
export const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';
/** Font, legend and title settings shared by every figure. */
export const CONFIG = {
  font: 'DejaVu Sans',
  legend: { labelLimit: 300, orient: 'top' as const },
  title: { fontSize: 15, subtitleFontSize: 11, anchor: 'start' as const },
};

/** Splits subtitle text into lines of at most `width` characters, so that a title never widens a figure. */
export function wrap(lines: (string | undefined)[], width = 84): string[] {
  const out: string[] = [];
  for (const text of lines) {
    if (!text) continue;
    let line = '';
    for (const word of text.split(' ')) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    if (line) out.push(line);
  }
  return out;
}
/** Figures are drawn about 800 px wide, so that the PNG (×1.5) is 1200 px. */
export const FIGURE_WIDTH = 720;

/** A colour per series: the rule colours where a series is a rule, others in turn. */
export function colourScale(series: string[]) {
  let other = 0;
  return {
    domain: series,
    range: series.map((s) => RULE_COLOURS[s] ?? OTHER_COLOURS[other++ % OTHER_COLOURS.length]),
  };
}

/** Width of one panel when `columns` panels share a figure's width. */
export function panelWidth(columns: number): number {
  return Math.max(150, Math.floor(FIGURE_WIDTH / Math.max(1, columns)) - 40);
}

/** The facet of panels laid out by the data's `column` field, in the given order, headers bold. */
export function columnFacet(columnLabels: string[]) {
  return {
    field: 'column',
    type: 'nominal',
    title: null,
    sort: columnLabels,
    header: { labelFontWeight: 'bold' },
  } as const;
}

/** The facet of a grid of panels by the data's `row` and `column` fields, in the given orders. */
export function gridFacet(rowLabels: string[], columnLabels: string[]) {
  return {
    row: { field: 'row', type: 'ordinal', title: null, sort: rowLabels, header: { labelFontWeight: 'bold' } },
    column: columnFacet(columnLabels),
  } as const;
}
