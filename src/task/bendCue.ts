/**
 * The environmental relevance cue: how sharp the bend ahead is, in [0, 1]. Predictors come in rows
 * (nearest first) of `columns` values, left to right; the cue is how far the line's lateral position
 * (the darkness centroid, in [-1, 1] across the row) in the farthest row lies from that in the
 * nearest row, relative to half a row. A blank row (no line) counts as far off. The simulator and the
 * robot bridge compute it alike.
 *
 * One function of plain loops (a helper returning each centroid boxed it): docs/performance.md, "The hot path".
 */
export function bendCue(p: Float64Array, rows: number, columns: number): number {
  if (rows < 2 || columns < 2) return 0;
  const farStart = (rows - 1) * columns;
  let nearSum = 0;
  let nearWeighted = 0;
  let farSum = 0;
  let farWeighted = 0;
  for (let c = 0; c < columns; c++) {
    const position = (2 * c) / (columns - 1) - 1;
    const near = p[c];
    const far = p[farStart + c];
    nearSum += near;
    nearWeighted += near * position;
    farSum += far;
    farWeighted += far * position;
  }
  const nearBlank = !(nearSum > 0.05);
  const farBlank = !(farSum > 0.05);
  if (nearBlank || farBlank) return nearBlank && farBlank ? 0 : 1;
  return Math.min(1, Math.abs(farWeighted / farSum - nearWeighted / nearSum));
}
