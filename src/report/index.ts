/**
 * Plots (Vega-Lite specifications, rendered to SVG and PNG) and the sweep report. Rendering needs the optional packages vega, vega-lite and @resvg/resvg-js.
 *
 * @module sarlab/report
 */

export { MissingPackageError } from '../util/optionalPackage.js';
export * from './analysis.js';
export * from './chartData.js';
export * from './charts.js';
export * from './conditions.js';
export * from './csv.js';
export * from './markdown.js';
export * from './records.js';
export * from './render.js';
export * from './runPlot.js';
export * from './stats.js';
export * from './summaryCharts.js';
export * from './sweepReport.js';
