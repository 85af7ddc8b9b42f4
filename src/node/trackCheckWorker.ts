import { parentPort } from 'node:worker_threads';
import { ValidationError } from '../util/errors.js';
import { trackFromTexture } from '../world/track.js';
import { decodePngTexture } from './pngTrack.js';

/** What the upload check answers: the size and start pose of a track, or why it was refused. */
export type TrackCheckResult =
  | { ok: true; width: number; height: number; start: { x: number; y: number; theta: number } }
  | { ok: false; message: string; validation: boolean };

/**
 * Decodes and checks one uploaded PNG on a worker thread, so that the server's event loop keeps
 * answering while it runs (a 4096 × 4096 image takes about a second).
 */
parentPort?.once('message', (bytes: Uint8Array) => {
  let result: TrackCheckResult;
  try {
    const texture = decodePngTexture(bytes, 0.5, 'upload');
    const track = trackFromTexture('upload', texture);
    result = { ok: true, width: texture.width, height: texture.height, start: track.start };
  } catch (error) {
    result = {
      ok: false,
      message: error instanceof Error ? error.message : String(error),
      validation: error instanceof ValidationError,
    };
  }
  parentPort?.postMessage(result);
});
