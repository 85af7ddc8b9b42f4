/**
 * The closed-loop error e of the reflex sensors' grey values g (1 = white floor): the first pair's
 * difference, e = g[0] − g[1], plus twice the difference of each further, wider pair, left to right.
 * The simulator and the robot link both compute e here, so a robot's e is the simulator's.
 */
export function reflexError(g: Float64Array): number {
  let e = g[0] - g[1];
  for (let k = 2; k + 1 < g.length; k += 2) e += 2 * (g[k] - g[k + 1]);
  return e;
}
