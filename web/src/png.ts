// Reads a PNG track chosen in the page: checked first (size, signature, dimensions), then decoded
// by the browser. Nothing leaves the page.

export const MAX_PNG_BYTES = 10 * 1024 * 1024;
export const MAX_PNG_SIDE = 4096;
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height from the IHDR chunk, or an error in words. */
export function pngDimensions(head: Uint8Array): { width: number; height: number } {
  if (head.length < 24 || SIGNATURE.some((b, i) => head[i] !== b)) throw new Error('This is not a PNG file.');
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const chunk = String.fromCharCode(head[12], head[13], head[14], head[15]);
  if (chunk !== 'IHDR') throw new Error('This PNG file has no header chunk.');
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export async function readPngFile(
  file: Blob,
): Promise<{ width: number; height: number; rgba: Uint8ClampedArray }> {
  if (file.size > MAX_PNG_BYTES) throw new Error('The PNG track is larger than 10 MB.');
  const { width, height } = pngDimensions(new Uint8Array(await file.slice(0, 24).arrayBuffer()));
  if (width < 2 || height < 2 || width > MAX_PNG_SIDE || height > MAX_PNG_SIDE)
    throw new Error(`The PNG track is ${width}×${height} pixels; it must be between 2×2 and 4096×4096.`);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch {
    throw new Error('The PNG file could not be decoded.');
  }
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return { width, height, rgba: ctx.getImageData(0, 0, width, height).data };
}
