import type { BenchSection } from '../lib/types.js';
import { cBaselineSection } from './cBaseline.js';
import { closedLoopSection } from './closedLoop.js';
import { memorySection } from './memory.js';
import { referenceNetSection } from './referenceNet.js';
import { sweepThroughputSection } from './sweepThroughput.js';
import { tfjsBaselineSection } from './tfjsBaseline.js';

/**
 * The sections of `npm run bench`, run in this order; each returns a partial report that is
 * deep-merged into the JSON object. To add a section (e.g. sweep throughput with 1 and 2 workers),
 * write one module under bench/sections/ exporting a BenchSection and add it to this list; nothing
 * else needs to change (`--only name,...` selects sections by name).
 */
export const SECTIONS: BenchSection[] = [
  referenceNetSection,
  cBaselineSection,
  tfjsBaselineSection,
  closedLoopSection,
  memorySection,
  sweepThroughputSection,
];
