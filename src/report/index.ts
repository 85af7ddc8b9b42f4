/**
 * Plots (Vega-Lite specifications, rendered to SVG and PNG) and the sweep report. Rendering needs the optional packages vega, vega-lite and @resvg/resvg-js.
 *
 * @module sarlab/report
 */

export { MissingPackageError } from '../util/optionalPackage.js';
export * from './render.js';
export * from './runPlot.js';
export * from './sweepReport.js';
