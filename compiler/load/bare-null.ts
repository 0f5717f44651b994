/**
 * Which null map values were written bare (`key:` with nothing after it) rather than as
 * `null` or `~`. JSON cannot tell them apart, Kustomize can: its strategic-merge walk
 * (kyaml merge2) drops a bare null from every map it visits and keeps a written `null`,
 * so after any strategic-merge patch a resource's bare `key:` entries are gone (a map
 * emptied that way prints `{}`), while an untouched resource prints them as `null`.
 *
 * The YAML reader records the keys on the owning object under a symbol. The mark is an
 * enumerable own symbol property, so it survives an object spread (`{...o}`, the
 * copy-on-write of the transformers) and is invisible to JSON, `Object.keys` and deep
 * equality; a structured clone drops it, which is what Kustomize's JSON 6902 patch does
 * too (it rewrites the resource through JSON, so every bare null becomes `null`).
 */
import type { JsonObject } from '../types.js';

const BARE: unique symbol = Symbol('kforge.bareNulls');

type Marked = JsonObject & { [BARE]?: string[] };

/** Records that `key` of `obj` was written as a bare null. */
export function markBareNull(obj: JsonObject, key: string): void {
  const o = obj as Marked;
  const list = o[BARE];
  // A fresh array per object: a spread copy shares it until someone marks again.
  o[BARE] = list ? [...list, key] : [key];
}

/** True if `obj[key]` is null and was written bare (`key:`) in the file it came from. */
export function isBareNull(obj: JsonObject, key: string): boolean {
  const list = (obj as Marked)[BARE];
  return list !== undefined && obj[key] === null && list.includes(key);
}

/** Copies the marks of `from` onto `to` (a clone of the same map). */
export function copyBareNulls(from: JsonObject, to: JsonObject): void {
  const list = (from as Marked)[BARE];
  if (list) (to as Marked)[BARE] = list;
}
