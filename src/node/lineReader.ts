/** One line of input, or the length of a line that was over the limit (its bytes were dropped). */
export type LineItem = { line: string } | { tooLong: number };

/**
 * Splits a byte stream into lines (LF, or CRLF) of at most `maxBytes` bytes each, decoded as UTF-8.
 * A longer line is not kept: its bytes are counted and dropped as they arrive, and it comes out as
 * `{ tooLong: bytes }`, so memory stays at about `maxBytes` plus one chunk whatever the input. A
 * last line without a newline counts as a line. Input is pulled one chunk at a time, only when
 * the consumer asks for the next line, so a consumer that waits (for its output to drain) stops the
 * reading, and the writer of the input is held back by the pipe.
 */
export async function* boundedLines(
  input: AsyncIterable<Buffer | string>,
  maxBytes: number,
): AsyncGenerator<LineItem> {
  let parts: Buffer[] = [];
  let size = 0;
  let dropped = -1; // bytes of an over-long line seen so far; -1 while the line is within the limit
  const take = (): LineItem => {
    let item: LineItem;
    if (dropped >= 0) item = { tooLong: dropped };
    else {
      let bytes = Buffer.concat(parts, size);
      if (bytes[bytes.length - 1] === 13) bytes = bytes.subarray(0, -1);
      item = bytes.length > maxBytes ? { tooLong: bytes.length } : { line: bytes.toString('utf8') };
    }
    parts = [];
    size = 0;
    dropped = -1;
    return item;
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(10, start);
      const end = newline === -1 ? chunk.length : newline;
      const length = end - start;
      if (dropped >= 0) dropped += length;
      else if (size + length > maxBytes + 1) {
        // (+1: a CR before the LF is not part of the line)
        dropped = size + length;
        parts = [];
        size = 0;
      } else if (length > 0) {
        parts.push(chunk.subarray(start, end));
        size += length;
      }
      if (newline === -1) break;
      start = newline + 1;
      yield take();
    }
  }
  if (size > 0 || dropped >= 0) yield take();
}
