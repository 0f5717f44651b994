import { pairOf, plus, storePreviousId } from '../types.js';
import { createHash } from 'node:crypto';
import type { Json, JsonObject } from '../types.js';
import type { ResourceMap } from '../resource-map.js';

/**
 * Kustomize's content hash for generated ConfigMaps and Secrets (the `-xxxxxxxxxx` name
 * suffix), reproduced from observed behaviour (kustomize-notes.md, verified with v5.5.0):
 *
 *  - the hashed document is the Go JSON encoding (keys sorted byte-wise, `&<>` and
 *    U+2028/U+2029 escaped) of
 *      ConfigMap: {"data": D, "kind": "ConfigMap", "name": ""} plus "binaryData" when it is a map;
 *      Secret:    {"data": D, "kind": "Secret", "name": "", "type": <type or "">} plus
 *                 "stringData" when it is a map;
 *    where D is the data map as it is (an empty map stays `{}`) and "" when the field is
 *    missing or null. (An empty configMapGenerator writes no `data`, an empty
 *    secretGenerator writes `data: {}`: hence their different hashes.) Names, labels and
 *    annotations do not enter the hash: Kustomize looks up the field "metadata/name" as one
 *    key, which never exists (observed: two generators with different names and labels but
 *    the same data get the same suffix).
 *  - sha256, hex; the first 10 characters; then 0→g 1→h 3→k a→m e→t.
 *
 * Other kinds (never generated here) hash their whole object, as Kustomize does.
 */
export function kustomizeHash(obj: JsonObject): string {
  const hex = createHash('sha256').update(goJson(hashInput(obj)), 'utf8').digest('hex');
  return encodeHex(hex.slice(0, 10));
}

function hashInput(obj: JsonObject): Json {
  const kind = obj.kind;
  if (kind === 'ConfigMap') {
    const m: JsonObject = { kind: 'ConfigMap', name: '', data: fieldValue(obj.data) };
    if (isObject(obj.binaryData)) m.binaryData = obj.binaryData;
    return m;
  }
  if (kind === 'Secret') {
    const m: JsonObject = { kind: 'Secret', type: typeof obj.type === 'string' ? obj.type : '', name: '', data: fieldValue(obj.data) };
    if (isObject(obj.stringData)) m.stringData = obj.stringData;
    return m;
  }
  return obj;
}

/** A field as Kustomize's hasher reads it: "" when missing or null, the value otherwise. */
function fieldValue(v: Json | undefined): Json {
  return v === undefined || v === null ? '' : v;
}

function encodeHex(hex: string): string {
  let out = '';
  for (const ch of hex) {
    out += ch === '0' ? 'g' : ch === '1' ? 'h' : ch === '3' ? 'k' : ch === 'a' ? 'm' : ch === 'e' ? 't' : ch;
  }
  return out;
}

/** Byte-wise (UTF-8) comparison, as Go sorts map keys. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Go's `encoding/json` Marshal output for a JSON value (compact, map keys sorted, HTML-safe). */
export function goJson(v: Json): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return JSON.stringify(v);
  if (typeof v === 'string') return goString(v);
  if (Array.isArray(v)) return `[${v.map(goJson).join(',')}]`;
  const keys = Object.keys(v).sort(compareBytes);
  return `{${keys.map((k) => `${goString(k)}:${goJson(v[k])}`).join(',')}}`;
}

function goString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i];
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdfff) {
      // A well-formed surrogate pair passes through; a lone surrogate is invalid
      // UTF-8 for Go and becomes U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += ch + s[i + 1];
        i++;
      } else out += '\ufffd';
    } else out += ch;
  }
  return out + '"';
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Root-only step: every generated resource still marked `hashed` gets `-<hash>` appended
 * to its current name, computed over its content at this point (after all patches and
 * merges, as Kustomize does).
 */
export function applyHashSuffixes(resources: ResourceMap): void {
  let changed = false;
  for (const r of resources.all()) {
    if (!r.origin.generated?.hashed) continue;
    const newName = `${r.id.name}-${kustomizeHash(r.object)}`;
    storePreviousId(r);
    r.previousNames = plus(r.previousNames, r.id.name);
    r.previousIds = plus(r.previousIds, pairOf(r.id));
    r.id = { ...r.id, name: newName };
    if (!isObject(r.object.metadata)) r.object.metadata = {};
    (r.object.metadata as JsonObject).name = newName;
    changed = true;
  }
  if (changed) resources.reindex();
}
