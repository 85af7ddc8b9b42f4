/**
 * Plots (Vega-Lite specifications, rendered to SVG and PNG) and the sweep report. Rendering needs the optional packages vega, vega-lite and @resvg/resvg-js.
 *
 * @module sarlab/report
 */

export { PLOT_PACKAGES, plotPackagesMissing, svgToPng, vegaLiteToSvg } from '../plot/render.js';
export { runPlotSpec } from '../plot/runPlot.js';
export { MissingPackageError } from '../util/optionalPackage.js';
export { type Analysis, analyse, type ConditionStats, type ControlsRow, type Variation } from './analysis.js';
export {
  type Condition,
  type ConditionGroup,
  conditionId,
  conditionLabel,
  groupByCondition,
} from './conditions.js';
export { runsCsv } from './csv.js';
export {
  type LoadedSweeps,
  loadSweeps,
  type ReportRun,
  RUNS_FILE_GZ,
  SweepDataError,
  type SweepFolder,
} from './records.js';
export {
  type CellStats,
  type Comparison,
  cellStats,
  compareRuns,
  compareSamples,
  type Difference,
  type Spread,
  spread,
} from './stats.js';
export {
  exportRunsCsv,
  REPORT_FILES,
  reportFigures,
  type SweepReport,
  type SweepReportOptions,
  writeSweepReport,
} from './sweepReport.js';
