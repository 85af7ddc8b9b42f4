/**
 * The Node-only parts of the library: PNG tracks, model files, a run's output files.
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
