/**
 * Float64Array <-> base64 (little-endian IEEE 754). Used to store weights bit-exactly in JSON,
 * including -0 and every last bit, which a decimal number array cannot promise. Works in Node and
 * in the browser (atob/btoa are global in both).
 */
export function float64ToBase64(values: Float64Array): string {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i], true);
  let binary = '';
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) {
    binary += String.fromCharCode(...bytes.subarray(i, i + chunk));
  }
  return btoa(binary);
}

/** Base64 to bytes (throws on text that is not base64): weights, and the embedded WebAssembly modules. */
export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function base64ToFloat64(text: string, expectedLength: number): Float64Array {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    throw new Error('not valid base64');
  }
  if (bytes.length !== expectedLength * 8) {
    throw new Error(`holds ${bytes.length / 8} numbers, expected ${expectedLength}`);
  }
  const view = new DataView(bytes.buffer);
  const out = new Float64Array(expectedLength);
  for (let i = 0; i < expectedLength; i++) out[i] = view.getFloat64(i * 8, true);
  return out;
}
