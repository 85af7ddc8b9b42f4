import { resolveConfiguredTrack } from '../node/pngTrack.js';
import { provenance } from '../node/provenance.js';
import type { RunConfig } from '../run/config.js';
import { type RunSummary, Simulation } from '../run/simulation.js';
import type { Track } from '../world/track.js';

/** What the sweep sends to a worker thread: one run. */
export interface SweepTask {
  config: RunConfig;
}

/** Tracks built by this worker thread, reused by its later runs (a sweep runs many on the same tracks). */
const tracks = new Map<string, Track>();

/**
 * Runs one closed-loop run to its end on a worker thread. The stepping is the same as `sarlab run`,
 * so the summary is the same, bit for bit, apart from the wall time and the provenance.
 */
export default function runSweepTask(task: SweepTask): RunSummary {
  const startedAt = Date.now();
  const simulation = new Simulation(task.config, resolveConfiguredTrack(task.config, tracks));
  const summary = simulation.runToEnd(undefined, 2000);
  return { ...summary, provenance: provenance(task.config, startedAt) };
}
