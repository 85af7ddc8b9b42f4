import { loadPngTrack } from '../node/pngTrack.js';
import type { Track } from '../world/track.js';
import type { RunConfig } from './config.js';
import { type RunSummary, Simulation } from './simulation.js';

/** What the sweep sends to a worker thread: one run. */
export interface SweepTask {
  config: RunConfig;
}

/** Loads PNG tracks as `sarlab run` does (built-in and procedural tracks are built by the run itself). */
function resolveTrack(config: RunConfig): Track | undefined {
  return /\.png$/i.test(config.track) ? loadPngTrack(config.track, config.trackScale) : undefined;
}

/**
 * Runs one closed-loop run to its end on a worker thread. The stepping is the same as `sarlab run`,
 * so the summary is the same, bit for bit, apart from the wall time.
 */
export default function runSweepTask(task: SweepTask): RunSummary {
  const simulation = new Simulation(task.config, resolveTrack(task.config));
  return simulation.runToEnd(undefined, 2000);
}
