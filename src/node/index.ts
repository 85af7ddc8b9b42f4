/**
 * The Node-only parts of the library: PNG tracks, model files, a run's output files, reading a
 * sweep's runs files with bounds.
 *
 * @module sarlab/node
 */
export { AtomicFileStream, appendLineDurable, writeFileAtomic } from './files.js';
export { loadModel, MODEL_FORMAT, MODEL_VERSION, type SavedModel, saveModel } from './modelFile.js';
export {
  decodePngTexture,
  encodeTexturePng,
  loadPngTrack,
  MAX_TRACK_BYTES,
  MAX_TRACK_SIDE,
  resolveConfiguredTrack,
} from './pngTrack.js';
export { configHash, type Provenance, provenance } from './provenance.js';
export { type RunOutputFiles, writeRunOutputs } from './runOutputs.js';
export {
  forEachRunsLine,
  MAX_RUNS_FILE_BYTES,
  MAX_RUNS_GZ_EXPANDED_BYTES,
  MAX_RUNS_LINE_BYTES,
  MAX_RUNS_LINES,
  RUNS_FILE_LIMITS,
  RunsFileError,
  type RunsFileLimits,
  type RunsLine,
} from './runsFileReader.js';
