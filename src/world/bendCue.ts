/**
 * The environmental relevance cue: how sharp the bend ahead is, in [0, 1]. Predictors come in rows
 * (nearest first) of `columns` values, left to right; the cue is how far the line's lateral position
 * (the darkness centroid) in the farthest row lies from that in the nearest row, relative to half a
 * row. The simulator and the robot bridge compute it alike.
 */
export function bendCue(p: Float64Array, rows: number, columns: number): number {
  if (rows < 2 || columns < 2) return 0;
  const near = centroid(p, 0, columns);
  const far = centroid(p, (rows - 1) * columns, columns);
  if (Number.isNaN(near) || Number.isNaN(far)) return Number.isNaN(near) && Number.isNaN(far) ? 0 : 1;
  return Math.min(1, Math.abs(far - near));
}

/** Darkness-weighted mean position across a row, in [-1, 1] (left to right), or NaN if the row is blank. */
function centroid(p: Float64Array, start: number, n: number): number {
  let sum = 0;
  let weighted = 0;
  for (let c = 0; c < n; c++) {
    const w = p[start + c];
    sum += w;
    weighted += w * ((2 * c) / (n - 1) - 1);
  }
  return sum > 0.05 ? weighted / sum : Number.NaN;
}
