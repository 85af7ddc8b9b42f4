/**
 * JSON with the keys of every object sorted, so that equal values give equal text: what
 * `JSON.stringify` writes (`toJSON` applied, so a Date is its ISO text; `undefined`, functions and
 * symbols left out of objects and written `null` in arrays; non-finite numbers `null`), with each
 * object's keys in code-unit order. Grid ids, condition ids and configuration comparisons use it.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const sorted: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) sorted[k] = (v as Record<string, unknown>)[k];
      return sorted;
    }
    return v;
  });
}
