import { inflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { ValidationError } from '../util/errors.js';
import { GroundTexture } from '../world/texture.js';
import { builtinTrack, type Pose, type Track, trackFromTexture } from '../world/track.js';
import { readInputFile } from './files.js';

/** Largest track image accepted, in pixels per side, and in bytes. */
export const MAX_TRACK_SIDE = 4096;
/** Largest PNG file accepted, in bytes. */
export const MAX_TRACK_BYTES = 10 * 1024 * 1024;

/** Decodes PNG bytes (grey, RGB or RGBA, any bit depth) into a ground texture, with limits checked first. */
export function decodePngTexture(bytes: Uint8Array, cmPerPixel: number, field = 'track'): GroundTexture {
  if (bytes.length > MAX_TRACK_BYTES) {
    throw new ValidationError(field, `${bytes.length} bytes`, `a PNG of at most ${MAX_TRACK_BYTES} bytes`);
  }
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  if (bytes.length < 24 || signature.some((b, i) => bytes[i] !== b)) {
    throw new ValidationError(field, 'a file that is not a PNG', 'a PNG image');
  }
  // Walk every chunk before decoding, so that no header (a second IHDR, say) can make the decoder
  // allocate more than the limits allow, whatever the chunks say.
  const header = scanPngChunks(bytes, field);
  const { width, height } = header;
  if (width < 16 || height < 16 || width > MAX_TRACK_SIDE || height > MAX_TRACK_SIDE) {
    throw new ValidationError(
      field,
      `a ${width}x${height} image`,
      `between 16x16 and ${MAX_TRACK_SIDE}x${MAX_TRACK_SIDE} pixels`,
    );
  }
  checkImageData(bytes, header, field);
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    const reason = /stream|end|eof|truncat/i.test((error as Error).message)
      ? 'the file is truncated'
      : (error as Error).message;
    throw new ValidationError(field, 'a damaged PNG', `a complete, readable PNG (${reason})`);
  }
  // pngjs always decodes to 8-bit RGBA.
  return GroundTexture.fromPixels(png.width, png.height, png.data, 4, cmPerPixel);
}

/** What the chunks of a PNG say, read before decoding it. */
export interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colour: number;
  interlaced: boolean;
  /** Byte ranges [start, end) of the IDAT chunks' data, in order. */
  data: [number, number][];
}

/** Channels of each PNG colour type. */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The Adam7 passes: x start, y start, x step, y step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Bytes the decompressed image data of a PNG must have (filter bytes included). */
export function pngDataBytes(header: PngHeader): number {
  const bits = CHANNELS[header.colour] * header.depth;
  const rows = (width: number, height: number) =>
    width > 0 && height > 0 ? height * (1 + Math.ceil((width * bits) / 8)) : 0;
  if (!header.interlaced) return rows(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7)
    total += rows(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy));
  return total;
}

/**
 * Inflates the image data (at most one byte more than the image needs) and checks it is exactly the
 * size the header gives: less is a truncated image (which the decoder would fill with whatever
 * memory held), more is not this image (a zlib bomb stops one byte past the size).
 */
function checkImageData(bytes: Uint8Array, header: PngHeader, field: string): void {
  const damaged = (reason: string) =>
    new ValidationError(field, 'a damaged PNG', `a complete, readable PNG (${reason})`);
  const expected = pngDataBytes(header);
  if (header.data.length === 0) throw damaged('it has no image data (IDAT chunk)');
  const compressed = Buffer.concat(header.data.map(([a, b]) => bytes.subarray(a, b)));
  let size: number;
  try {
    size = inflateSync(compressed, { maxOutputLength: expected + 1 }).length;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError)
      throw damaged(
        `its image data expands to more than the ${expected} bytes a ${header.width}x${header.height} image needs`,
      );
    throw damaged(
      /unexpected end/i.test(e.message)
        ? `the image data is truncated (its compressed stream ends early)`
        : `the image data cannot be decompressed: ${e.message}`,
    );
  }
  if (size < expected)
    throw damaged(
      `the image data is truncated: ${size} of the ${expected} bytes a ${header.width}x${header.height} image needs`,
    );
  if (size > expected)
    throw damaged(
      `its image data expands to more than the ${expected} bytes a ${header.width}x${header.height} image needs`,
    );
}

/** Bit depths each PNG colour type allows. */
const BIT_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * Checks the chunk structure of a PNG without decoding it: the first chunk is the one IHDR (13
 * bytes) and no other IHDR follows, its colour type, bit depth, compression, filter and interlace
 * are valid, and no chunk runs past the end of the file. Returns the image size.
 */
export function scanPngChunks(bytes: Uint8Array, field = 'track'): PngHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const damaged = (reason: string) =>
    new ValidationError(field, 'a damaged PNG', `a complete, readable PNG (${reason})`);
  const typeAt = (o: number) => String.fromCharCode(bytes[o], bytes[o + 1], bytes[o + 2], bytes[o + 3]);
  if (bytes.length < 8 + 8 + 13 + 4 || typeAt(12) !== 'IHDR' || view.getUint32(8) !== 13)
    throw damaged('it does not start with an IHDR chunk of 13 bytes');
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const colour = bytes[25];
  if (!BIT_DEPTHS[colour]) throw damaged(`colour type ${colour} does not exist`);
  if (!BIT_DEPTHS[colour].includes(depth))
    throw damaged(`bit depth ${depth} is not allowed with colour type ${colour}`);
  if (bytes[26] !== 0 || bytes[27] !== 0 || bytes[28] > 1)
    throw damaged('unknown compression, filter or interlace method');
  let offset = 8;
  let first = true;
  const data: [number, number][] = [];
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = typeAt(offset + 4);
    if (offset + 12 + length > bytes.length) throw damaged(`the file is truncated (in a ${type} chunk)`);
    if (type === 'IHDR' && !first) throw damaged('it has more than one IHDR chunk');
    if (type === 'IDAT') data.push([offset + 8, offset + 8 + length]);
    first = false;
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  return { width, height, depth, colour, interlaced: bytes[28] === 1, data };
}

/**
 * Loads a PNG file as a track (1 white floor, 0 black line).
 * @example
 * const track = loadPngTrack('my-track.png', 0.5); // 0.5 cm per pixel
 * const simulation = new Simulation(parseRunConfig({ track: 'my-track.png' }), track);
 */
export function loadPngTrack(path: string, cmPerPixel: number, start?: Pose): Track {
  const bytes = readInputFile('track', path, MAX_TRACK_BYTES, 'PNG file');
  return trackFromTexture(path, decodePngTexture(bytes, cmPerPixel), start);
}

/** Encodes a texture as an 8-bit grey PNG. */
export function encodeTexturePng(texture: GroundTexture): Buffer {
  const png = new PNG({
    width: texture.width,
    height: texture.height,
    colorType: 0,
    inputColorType: 0,
    bitDepth: 8,
  });
  const grey = texture.toGreyBytes();
  png.data = Buffer.from(grey);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0 });
}

/** What makes two configurations' tracks the same track (the key of resolveConfiguredTrack's cache). */
export function trackKey(config: {
  track: string;
  trackScale: number;
  world: { lineWidth: number };
}): string {
  return `${config.track}\u0000${config.trackScale}\u0000${config.world.lineWidth}`;
}

/**
 * The track a configuration names: a PNG file (read here) or a built-in/procedural track. With a
 * cache, each track is built once and shared by later runs (tracks are never modified by a run),
 * which a sweep worker uses to skip re-rendering the same track for every run.
 */
export function resolveConfiguredTrack(
  config: { track: string; trackScale: number; world: { lineWidth: number } },
  cache?: Map<string, Track>,
): Track {
  const key = trackKey(config);
  const cached = cache?.get(key);
  if (cached) return cached;
  const track = /\.png$/i.test(config.track)
    ? loadPngTrack(config.track, config.trackScale)
    : builtinTrack(config.track, { lineWidth: config.world.lineWidth });
  cache?.set(key, track);
  return track;
}
