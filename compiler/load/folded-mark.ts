/**
 * Annotation values written as folded (`>`) block scalars. Kustomize rebuilds annotation
 * nodes before its final write, so such a value is printed as YAML defines it; but a
 * JSON 6902 patch on the resource first writes the resource with go-yaml v3 and reads it
 * back, and for a folded value that round trip is not faithful (a more-indented line, a
 * `>+` trailing blank line gain a line break: v3FoldedRoundTrip in yaml.ts). Once: the
 * value comes back from JSON as a plain string.
 *
 * The YAML reader records the keys (with the value read) on the annotations object under
 * a symbol, kept by spread copies and dropped by a structured clone, like bare-null.ts.
 */
import type { Json, JsonObject } from '../types.js';

const FOLDED: unique symbol = Symbol('kforge.foldedAnnotations');

type Marked = JsonObject & { [FOLDED]?: Record<string, string> };

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Records that annotation `key` of `annotations` was written folded and read as `value`. */
export function markFoldedAnnotation(annotations: JsonObject, key: string, value: string): void {
  const o = annotations as Marked;
  o[FOLDED] = { ...(o[FOLDED] ?? {}), [key]: value };
}

/**
 * The resource as Kustomize's JSON 6902 step reads it: each still-unchanged folded
 * annotation value passed through `roundTrip`. The same object when nothing applies;
 * otherwise a copy (metadata and annotations copied on write).
 */
export function withFoldedAnnotationsRoundTripped(obj: JsonObject, roundTrip: (v: string) => string): JsonObject {
  const meta = obj.metadata;
  if (!isObj(meta) || !isObj(meta.annotations)) return obj;
  const ann = meta.annotations as Marked;
  const marks = ann[FOLDED];
  if (!marks) return obj;
  let out: JsonObject | undefined;
  for (const [k, v] of Object.entries(marks)) {
    if (ann[k] !== v) continue; // set again since it was read
    const w = roundTrip(v);
    if (w === v) continue;
    out ??= { ...ann };
    out[k] = w;
  }
  if (!out) return obj;
  return { ...obj, metadata: { ...meta, annotations: out } };
}
