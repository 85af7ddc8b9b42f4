import { createRequire } from 'node:module';
import type { TopLevelSpec } from 'vega-lite';
import { isMissingPackage, loadOptional, MissingPackageError } from '../util/optionalPackage.js';

/** The optional packages the plots need (peer dependencies: install them to draw). */
export const PLOT_PACKAGES = ['vega', 'vega-lite', '@resvg/resvg-js'] as const;
const FEATURE = 'drawing plots';

/**
 * Renders a Vega-Lite specification to SVG (headless, no browser, no network).
 * @example
 * const svg = await vegaLiteToSvg(runPlotSpec(simulation.parts.track, simulation.log, simulation.summary()));
 * writeFileSync('plot.png', svgToPng(svg));
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const [vega, vegaLite] = await loadOptional(
    () => Promise.all([import('vega'), import('vega-lite')]),
    PLOT_PACKAGES,
    FEATURE,
  );
  const compiled = vegaLite.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG with resvg (system fonts, white background). */
export function svgToPng(svg: string, scale = 1.5): Uint8Array {
  const { Resvg } = loadResvg();
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return resvg.render().asPng();
}

/**
 * Whether the plot packages are installed (checked without loading them). The CLI asks before a
 * run, to skip its plot with a one-line notice rather than fail after the run.
 */
export function plotPackagesMissing(): string[] {
  return PLOT_PACKAGES.filter((name) => {
    try {
      import.meta.resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

function loadResvg(): typeof import('@resvg/resvg-js') {
  try {
    // resvg is a CommonJS native addon: loaded synchronously, and only when a PNG is drawn.
    return createRequire(import.meta.url)('@resvg/resvg-js');
  } catch (error) {
    if (isMissingPackage(error, PLOT_PACKAGES)) throw new MissingPackageError(PLOT_PACKAGES, FEATURE);
    throw error;
  }
}
