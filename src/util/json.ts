/** Deepest nesting of objects and arrays accepted in a configuration or sweep file. */
export const MAX_NESTING = 64;

/**
 * JSON.parse with two more rules for files people write: a key repeated in one object is refused
 * (JSON.parse keeps the last silently; the YAML reader refuses it too), and so is nesting deeper than
 * `maxDepth` (which no setting needs and which would exhaust the stack of whatever walks the value).
 * Throws an Error whose message says what and where (line).
 */
export function parseJsonStrict(text: string, maxDepth = MAX_NESTING): unknown {
  checkJsonStructure(text, maxDepth);
  return JSON.parse(text);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Scans JSON text for repeated keys and deep nesting (without building anything). */
function checkJsonStructure(text: string, maxDepth: number): void {
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      i++;
      while (i < n && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i++;
      const top = stack[stack.length - 1];
      if (top) {
        let j = i;
        while (j < n && (text[j] === ' ' || text[j] === '\t' || text[j] === '\n' || text[j] === '\r')) j++;
        if (text[j] === ':') {
          let key: string;
          try {
            key = JSON.parse(text.slice(start, i)) as string;
          } catch {
            return; // malformed: JSON.parse reports it
          }
          if (top.has(key))
            throw new Error(
              `duplicate key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 37)}...` : key)} at line ${lineAt(text, start)}`,
            );
          top.add(key);
        }
      }
      continue;
    }
    if (c === '{' || c === '[') {
      stack.push(c === '{' ? new Set() : null);
      if (stack.length > maxDepth)
        throw new Error(`nested deeper than ${maxDepth} levels at line ${lineAt(text, i)}`);
    } else if (c === '}' || c === ']') stack.pop();
    i++;
  }
}

/** Throws when a parsed value (from YAML, say) nests deeper than `maxDepth`; iterative, so never overflows. */
export function checkNesting(value: unknown, maxDepth = MAX_NESTING): void {
  const work: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  const seen = new Set<unknown>();
  while (work.length > 0) {
    const { value: v, depth } = work.pop() as { value: unknown; depth: number };
    if (!v || typeof v !== 'object' || seen.has(v)) continue;
    seen.add(v);
    if (depth + 1 > maxDepth) throw new Error(`nested deeper than ${maxDepth} levels`);
    for (const child of Object.values(v as Record<string, unknown>))
      work.push({ value: child, depth: depth + 1 });
  }
}

/**
 * JSON text for people: objects and arrays of objects indented by two spaces, one field a line, but an
 * array of numbers, strings, booleans or nulls on one line (a learning curve stays 5 lines, not 800).
 * The same value as `JSON.stringify(value)` when parsed.
 */
export function prettyJson(value: unknown, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return JSON.stringify(value);
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + prettyJson(v ?? null, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (entries.length === 0) return '{}';
    const inner = `${indent}  `;
    const lines = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${prettyJson(v, inner)}`);
    return `{\n${lines.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
