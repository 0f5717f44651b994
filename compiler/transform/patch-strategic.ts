/**
 * Strategic-merge patches with `kustomize build` 5.5 semantics. Kustomize does not use the
 * API server's strategic merge: it walks the resource and the patch together (kyaml's
 * merge walker, schema of Kubernetes 1.21) and its list merge has rules of its own. We
 * follow that walk step by step, because users get what it prints (verified with kubectl
 * kustomize; goldens under test/fixtures/patch/ and conformance cases 350-399).
 *
 * Pure: inputs are never mutated. The patch is copied once per application (directives are
 * removed from the copy as they are read); the resource is copied on write, so untouched
 * subtrees are shared with the input.
 *
 * The walk, for a resource value R and a patch value P at the same place:
 * - any value with a non-null value of another node kind beside it (map / list / scalar):
 *   error (KF3005), as Kustomize ("wrong node kind");
 * - P null: the field is removed. R null and P absent: kept as null, unless R was written
 *   bare (`key:`, load/bare-null.ts): kyaml drops those from every map it walks.
 * - scalars: P if present, else R. Lists without merge strategy (every list of an unknown
 *   kind, tolerations, args, envFrom, RBAC rules…): P replaces R verbatim (!) including a
 *   `{$patch: replace}` element, which is then printed.
 * - maps: `$patch: delete` removes the map, `$patch: replace` gives P (without the
 *   directive; `{}` when nothing else), `$patch: merge` or nothing merges field by field.
 *   An unknown directive is an error where R exists (!) and is printed where it does not.
 *   (!) Every field of R is walked even when P does not mention it (see lists below);
 *   such a field is skipped only where `untouched` proves the walk gives it back as is.
 * - lists with a merge key (schema/merge-keys.ts): see `walkMergeList`. (!) Where R has no
 *   such list, P is merged with itself: list directives are not read and printed as they
 *   are, element directives are applied.
 * - top level: `$patch: delete` deletes the resource; (!) `$patch: replace` is a no-op.
 * - `$setElementOrder/…`, `$deleteFromPrimitiveList/…` and `$retainKeys` are not
 *   implemented by Kustomize 5.5: they stay in the output as ordinary fields (!).
 */
import type { Diagnostic, Json, JsonObject } from '../types.js';
import { diag } from '../diagnostics.js';
import { modelForKind, shapeOf, fieldsOf, escapeSegment } from '../schema/models.js';
import { kustomizeMerges, type MergeInfo } from '../schema/merge-keys.js';
import { splitApiVersion } from '../types.js';
import { isBareNull } from '../load/bare-null.js';
import { buildSchema, oaElementType, oaFieldType, oaListInfo, oaTypeForResource } from '../schema/openapi-custom.js';
import { cloneJson } from './clone.js';

const DIRECTIVE = '$patch';
const hasOwn = Object.prototype.hasOwnProperty;
/** The walk's "remove this field / element". */
const CLEAR = Symbol('clear');
type Out = Json | typeof CLEAR;

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Ctx {
  diagnostics: Diagnostic[];
}

export function applyStrategicMerge(
  target: JsonObject,
  patch: JsonObject,
  kind: { group: string; version: string; kind: string },
): { value: JsonObject | null; diagnostics: Diagnostic[] } {
  const ctx: Ctx = { diagnostics: [] };
  const directive = patch[DIRECTIVE];
  if (directive === 'delete') return { value: null, diagnostics: [] };
  // Kustomize 5.5 merges into the patch itself and keeps the resource: a no-op.
  if (directive === 'replace') return { value: target, diagnostics: [] };
  if (directive !== undefined && directive !== 'merge') {
    ctx.diagnostics.push(unknownDirective(directive, '/$patch'));
    return { value: target, diagnostics: ctx.diagnostics };
  }
  const own = cloneJson(patch);
  delete own[DIRECTIVE];
  const model = typeForKind(kind.group, kind.version, kind.kind);
  const out = walk(target, own, model, undefined, '', ctx);
  if (ctx.diagnostics.some((d) => d.severity === 'error')) return { value: target, diagnostics: ctx.diagnostics };
  if (out === CLEAR || !isObj(out)) return { value: {}, diagnostics: ctx.diagnostics };
  // An emptied `metadata.annotations` does not survive Kustomize's build (see stringifyAnnotations).
  const meta = out.metadata;
  if (out !== target && isObj(meta) && 'annotations' in meta && (meta.annotations === null || isEmptyMap(meta.annotations))) {
    const m: JsonObject = { ...meta };
    delete m.annotations;
    out.metadata = m;
  }
  return { value: out, diagnostics: ctx.diagnostics };
}

function unknownDirective(value: Json, pointer: string): Diagnostic {
  return diag('KF3005', `unknown patch directive $patch: ${JSON.stringify(value)}`, { pointer, hint: 'use $patch: delete, replace or merge' });
}

/**
 * The schema type of a resource kind: a built-in model, or with `openapi: {path}` in the
 * build, the type the custom schema gives it (which replaces the built-in models).
 */
function typeForKind(group: string, version: string, kind: string): string | undefined {
  const custom = buildSchema();
  if (custom) return oaTypeForResource(custom, group ? `${group}/${version}` : version, kind);
  return modelForKind(group, version, kind);
}

/** Type of field `key` of `type`, or undefined when unknown (free-form, CRD, no such field). */
function fieldType(type: string | undefined, key: string): string | undefined {
  if (type === undefined) return undefined;
  const custom = buildSchema();
  if (custom) return oaFieldType(custom, type, key);
  const s = shapeOf(type);
  if (s.kind === 'map') return s.of;
  if (s.kind === 'model') return fieldsOf(s.name).get(key);
  return undefined;
}

function elementType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const custom = buildSchema();
  if (custom) return oaElementType(custom, type);
  const s = shapeOf(type);
  return s.kind === 'array' ? s.of : undefined;
}

function modelName(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const s = shapeOf(type);
  return s.kind === 'model' ? s.name : undefined;
}

function listInfo(parentType: string | undefined, field: string): MergeInfo | undefined {
  const custom = buildSchema();
  if (custom) {
    const info = oaListInfo(custom, parentType, field);
    return info && hasMerge(info.strategy) ? info : undefined;
  }
  const m = modelName(parentType);
  const info = m ? kustomizeMerges(m, field) : undefined;
  return info && hasMerge(info.strategy) ? info : undefined;
}

/** `merge` is one of the comma-separated strategies (without splitting: asked for every field walked). */
function hasMerge(strategy: string): boolean {
  for (let from = 0; ; ) {
    const at = strategy.indexOf('merge', from);
    if (at < 0) return false;
    const end = at + 5;
    if ((at === 0 || strategy.charCodeAt(at - 1) === 44) && (end === strategy.length || strategy.charCodeAt(end) === 44)) return true;
    from = at + 1;
  }
}

type NodeKind = 'map' | 'list' | 'scalar';
function nodeKind(v: Json): NodeKind {
  return Array.isArray(v) ? 'list' : isObj(v) ? 'map' : 'scalar';
}
const KIND_NAME: Record<NodeKind, string> = { map: 'a mapping', list: 'a list', scalar: 'a scalar' };

/**
 * One step of the walk. `undefined` is an absent value, `null` a YAML null. Returns the
 * new value, or CLEAR to remove it. `ptr` is the JSON pointer of `origin` in the patch
 * (diagnostics are located there).
 */
function walk(dest: Json | undefined, origin: Json | undefined, type: string | undefined, info: MergeInfo | undefined, ptr: string, ctx: Ctx): Out {
  const first = dest !== undefined && dest !== null ? dest : origin !== undefined && origin !== null ? origin : undefined;
  if (first === undefined) {
    // A null in the resource that the patch does not mention is kept; a null in the patch removes.
    return origin === undefined && dest === null ? null : CLEAR;
  }
  const kind = nodeKind(first);
  for (let side = 0; side < 2; side++) {
    const v = side === 0 ? dest : origin;
    if (v === undefined || v === null || nodeKind(v) === kind) continue;
    const [patchHas, resourceHas] = side === 1 ? [nodeKind(v), kind] : [kind, nodeKind(v)];
    ctx.diagnostics.push(
      diag('KF3005', `the patch has ${KIND_NAME[patchHas]} at ${ptr || '/'} where the resource has ${KIND_NAME[resourceHas]}`, {
        pointer: ptr,
        hint: 'Kustomize rejects this patch too; write the value in the same shape as the resource',
      }),
    );
    return dest === undefined ? CLEAR : dest;
  }
  if (kind === 'scalar') return origin === undefined ? (dest as Json) : origin === null ? CLEAR : origin;
  if (kind === 'list') {
    if (!info) return origin === undefined ? (dest as Json) : origin === null ? CLEAR : origin;
    return walkMergeList(dest as Json[] | null | undefined, origin as Json[] | null | undefined, info, elementType(type), ptr, ctx);
  }
  // Kustomize looks a schema up from apiVersion/kind wherever it has none (an object
  // embedded in a custom resource, for instance).
  if (type === undefined) {
    const m = first as JsonObject;
    if (typeof m.apiVersion === 'string' && typeof m.kind === 'string' && m.apiVersion && m.kind) {
      const { group, version } = splitApiVersion(m.apiVersion);
      type = typeForKind(group, version, m.kind);
    }
  }
  return walkMap(dest as JsonObject | null | undefined, origin as JsonObject | null | undefined, type, ptr, ctx);
}

// ---------------------------------------------------------------------------------------
// Untouched subtrees. Kyaml walks every field of the resource, also those the patch does
// not mention, and that walk is not the identity there (a bare `key:` is dropped, a merge
// list loses null and empty elements and repeated keys…). Most resources hold none of
// that: `untouched` says, without allocating, that the walk of a value with no patch
// value beside it gives the value back as it is (the same object); the walk then skips
// it. Anything it is not sure of gets the full walk. It never has to report anything: the
// walk makes diagnostics only where the patch has a value.
// ---------------------------------------------------------------------------------------

/** Tests only: 'off' walks everything (the reference), 'trust' skips every untouched subtree unchecked (a deliberately wrong fast path). */
let fastPath: 'on' | 'off' | 'trust' = 'on';
export function setStrategicFastPathForTests(mode: 'on' | 'off' | 'trust'): void {
  fastPath = mode;
}

/** True when `walk(v, undefined, type, undefined)` returns `v` itself (a list there has no merge strategy). */
function untouched(v: Json, type: string | undefined): boolean {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return true;
  if (type === undefined && typeof v.apiVersion === 'string' && typeof v.kind === 'string' && v.apiVersion && v.kind) {
    const { group, version } = splitApiVersion(v.apiVersion);
    type = typeForKind(group, version, v.kind);
  }
  for (const k in v) {
    const x = v[k];
    if (x === null ? isBareNull(v, k) : typeof x === 'object' && !untouchedField(x, type, k)) return false;
  }
  return true;
}

/** `untouched` for the non-null object `v` at field `k` of a map of type `type` (schema looked up only here). */
function untouchedField(v: JsonObject | Json[], type: string | undefined, k: string): boolean {
  if (!Array.isArray(v)) return scalarTree(v) || untouched(v, fieldType(type, k));
  const info = listInfo(type, k);
  return info === undefined || mergeListUntouched(v, info, elementType(fieldType(type, k)));
}

/**
 * Maps of scalars and written nulls, down to the leaves, no list: `untouched` whatever the
 * schema (types only matter for lists), so no type is looked up. False is "not sure".
 */
function scalarTree(v: JsonObject): boolean {
  for (const k in v) {
    const x = v[k];
    if (x === null ? isBareNull(v, k) : typeof x === 'object' && (Array.isArray(x) || !scalarTree(x))) return false;
  }
  return true;
}

/**
 * `untouched` for a list with a merge strategy (walkMergeList with no patch list). Sure
 * when its elements are, and: for a list of scalars, each a non-empty string, a number or
 * a boolean, no two with the same text; for a list of maps, each merge key either present
 * with a non-empty scalar value in every element or in none (kyaml's "" everywhere), at
 * least one present, and no two elements with the same values. Then every element is
 * found as its own match, nothing is removed, and the result is the list in its order.
 */
function mergeListUntouched(list: Json[], info: MergeInfo, elemType: string | undefined): boolean {
  const n = list.length;
  if (n === 0) return true;
  const keys = info.listMapKeys ?? (info.mergeKey ? undefined : null);
  if (keys === null) {
    for (let i = 0; i < n; i++) {
      const e = list[i];
      if (!(typeof e === 'number' || typeof e === 'boolean' || (typeof e === 'string' && e !== ''))) return false;
      for (let j = 0; j < i; j++) if (text(list[j]) === text(e)) return false;
    }
    return true;
  }
  const nk = keys ? keys.length : 1;
  let used = 0; // bit p: merge key p is present in the elements
  for (let p = 0; p < nk && p < 30; p++) {
    const k = keys ? keys[p] : info.mergeKey!;
    const has = keyScalar(list[0], k);
    if (has === 2) return false;
    for (let i = 1; i < n; i++) if (keyScalar(list[i], k) !== has) return false;
    if (has === 1) used |= 1 << p;
  }
  if (used === 0 || nk >= 30) return false;
  for (let i = 0; i < n; i++) {
    const e = list[i] as JsonObject;
    for (let j = 0; j < i; j++) {
      let same = true;
      for (let p = 0; p < nk && same; p++) {
        const k = keys ? keys[p] : info.mergeKey!;
        if (used & (1 << p) && text(e[k]) !== text((list[j] as JsonObject)[k])) same = false;
      }
      if (same) return false;
    }
    if (!untouched(e, elemType)) return false;
  }
  return true;
}

/**
 * How kyaml reads key `k` of element `e` (keyText): 0 for "" (no such key, null, "", a map
 * or a list), 1 for a non-empty scalar text, 2 for anything this check does not follow
 * (not a map; a string holding U+0000, the character tuples are joined with).
 */
function keyScalar(e: Json, k: string): 0 | 1 | 2 {
  if (!isObj(e)) return 2;
  if (!(k in e)) return 0;
  const v = e[k];
  if (v === null || v === '' || typeof v === 'object') return 0;
  if (typeof v === 'number' || typeof v === 'boolean') return 1;
  return typeof v === 'string' && v.indexOf('\u0000') < 0 ? 1 : 2;
}

/** Reads and removes a map's `$patch` (the patch is our own copy). Unknown: error if `strict`, else left in place. */
function mapDirective(origin: JsonObject | undefined, strict: boolean, ptr: string, ctx: Ctx): 'delete' | 'replace' | 'merge' {
  if (!origin || !(DIRECTIVE in origin)) return 'merge';
  const v = origin[DIRECTIVE];
  if (v === 'delete' || v === 'replace' || v === 'merge') {
    delete origin[DIRECTIVE];
    return v;
  }
  if (strict) ctx.diagnostics.push(unknownDirective(v, `${ptr}/$patch`));
  return 'merge';
}

function walkMap(dest: JsonObject | null | undefined, origin: JsonObject | null | undefined, type: string | undefined, ptr: string, ctx: Ctx): Out {
  let base: JsonObject;
  let own = false; // base is our copy of the patch: fields can be set in place
  if (dest === undefined || dest === null) {
    if (mapDirective(origin!, false, ptr, ctx) === 'delete') return CLEAR;
    base = origin!;
    own = true;
  } else if (origin === null) {
    return CLEAR;
  } else {
    const d = mapDirective(origin, true, ptr, ctx);
    if (d === 'delete') return CLEAR;
    if (d === 'replace') {
      base = origin!;
      own = true;
    } else base = dest;
  }
  const o = origin ?? undefined;
  let out: JsonObject | undefined = own ? base : undefined;
  // the base's keys, then the patch's others
  const keys = Object.keys(base);
  if (o && o !== base) for (const k of Object.keys(o)) if (!hasOwn.call(base, k)) keys.push(k);
  for (const k of keys) {
    const bv = base[k];
    const ov = o?.[k];
    // A field the patch does not mention, that the walk would give back as it is (see
    // `untouched`): no pointer, no schema look-up, no walk.
    if (ov === undefined && bv !== null && fastPath !== 'off' && (typeof bv !== 'object' || fastPath === 'trust' || untouchedField(bv, type, k))) continue;
    // kyaml keeps a resource's `key: null` the patch does not mention, but not a bare `key:`.
    const v = bv === null && ov === undefined && isBareNull(base, k) ? CLEAR : walk(bv, ov, fieldType(type, k), listInfo(type, k), `${ptr}/${escapeSegment(k)}`, ctx);
    if (v === CLEAR) {
      if (k in base || (out && k in out)) {
        out ??= { ...base };
        delete out[k];
      }
    } else if (v !== bv || !(k in base)) {
      out ??= { ...base };
      out[k] = v;
    }
  }
  return out ?? base;
}

// ---------------------------------------------------------------------------------------
// Lists with a merge key (kyaml walk/associative_sequence.go, as Kustomize 5.5 runs it).
//
// Keys are compared as YAML scalar text (`"5672"` matches 5672). In outline:
// 1. the list of key tuples: the patch's elements, then the resource's, without repeats
//    (a key a list element lacks counts as ""); with two keys (ports: port+protocol,
//    topologySpreadConstraints), tuples that differ only where one is "" are unified;
// 2. for each tuple, the first resource element and the first patch element carrying
//    exactly those values are merged (the resource element in place); a result that is
//    empty (`$patch: delete`, or no element matched, as for a tuple with "") removes from
//    the resource every element that *has* the keys with those values ("" = any value)
//    (!) so a patch element without the merge key empties the list;
// 3. the result: the merged values in tuple order, each then replaced by the resource's
//    element with the same keys (with two keys: the resource's elements are moved to the
//    end, in resource order, after the patch's new elements); a resource element without
//    the key drops everything before it (!).
// `$patch: replace` on an element that exists leaves that element as it was (!).
// ---------------------------------------------------------------------------------------

/** YAML scalar text of a value, as kyaml compares it (maps and lists have none). */
function text(v: Json | undefined): string {
  if (v === undefined) return '';
  if (v === null) return 'null';
  if (typeof v === 'object') return '';
  return String(v);
}

/** The value of key `k` as kyaml's element-values read it: "" when missing, null or empty. */
function keyText(e: Json, k: string): string {
  if (!isObj(e) || !(k in e)) return '';
  const v = e[k];
  if (v === null || v === '' || (typeof v === 'object' && Object.keys(v).length === 0)) return '';
  return text(v);
}

function isEmptyMap(v: Json): boolean {
  return isObj(v) && Object.keys(v).length === 0;
}

/** kyaml's list directive: the first element carrying `$patch`, when it has nothing else. */
function listDirective(list: Json[], ptr: string, ctx: Ctx): 'delete' | 'replace' | 'merge' {
  const i = list.findIndex((e) => isObj(e) && DIRECTIVE in e);
  const el = list[i] as JsonObject | undefined;
  if (!el || Object.keys(el).length > 1) return 'merge';
  const v = el[DIRECTIVE];
  if (v !== 'delete' && v !== 'replace' && v !== 'merge') {
    ctx.diagnostics.push(unknownDirective(v, `${ptr}/${i}/$patch`));
    return 'merge';
  }
  // Elided from the patch: every element with that directive value, and (a side effect of
  // kyaml's element setter) null and empty elements.
  setElement(list, undefined, [DIRECTIVE], [v]);
  return v;
}

/** First element of `list` whose keys have exactly these texts (kyaml ElementMatcher). */
function findElement(list: Json[] | undefined, keys: string[], values: string[]): number {
  if (!list) return -1;
  if (keys[0] === '') return list.findIndex((e) => text(e) === values[0]);
  return list.findIndex((e) => isObj(e) && keys.every((k, i) => k in e && text(e[k]) === values[i]));
}

/**
 * kyaml's ElementSetter, in place: drops null and empty-map elements, then replaces every
 * element matching (keys, values) by `el` (removes it when `el` is undefined), appending
 * `el` when none matched. A value "" matches any value of a present key; keys beyond
 * `values` are not compared; with no values nothing matches and (!) nothing is kept.
 */
function setElement(list: Json[], el: Json | undefined, keys: string[], values: string[]): void {
  if (keys.length === 0) keys = [''];
  const mappingSetter = keys[0] !== '' && values.length > 0 && values[0] !== '';
  // written in place: `w` (the next slot kept) never passes `r` (the next slot read)
  let w = 0;
  let matched = false;
  for (let r = 0, n = list.length; r < n; r++) {
    const e = list[r];
    if (e === null || isEmptyMap(e)) continue;
    if (!isObj(e) && mappingSetter) {
      list[w++] = e;
      continue;
    }
    let found = values.length > 0;
    for (let j = 0; j < keys.length && j < values.length; j++) {
      const k = keys[j];
      const ok = k === '' ? !isObj(e) && !Array.isArray(e) && text(e) === values[j] : isObj(e) && k in e && (values[j] === '' || text(e[k]) === values[j]);
      if (!ok) {
        found = false;
        break;
      }
    }
    if (!found) {
      if (values.length > 0) list[w++] = e;
      continue;
    }
    matched = true;
    if (el !== undefined) list[w++] = el;
  }
  if (el !== undefined && !matched) list[w++] = el;
  if (list.length !== w) list.length = w;
}

function validateKeys(valuesList: string[][], values: string[], keys: string[]): [string[], string[]] {
  // one key: either no tuple has it (as given) or it is kept with every value (as given)
  if (keys.length === 1) return [keys, values];
  const valid = new Set<string>();
  for (const vs of valuesList) vs.forEach((v, i) => v !== '' && valid.add(keys[i]));
  if (valid.size === 0) return [keys, values];
  return [keys.filter((k) => valid.has(k)), values.filter((v, i) => v !== '' || valid.has(keys[i]))];
}

/** Tuples that differ only where one of them is "" (and agree somewhere) become one. */
function unifyTuples(list: string[][]): void {
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < list.length; j++) {
      const a = list[i];
      const b = list[j];
      let common = false;
      const res: string[] = [];
      let ok = true;
      for (let x = 0; x < a.length; x++) {
        if (a[x] === b[x]) {
          common = true;
          res.push(a[x]);
        } else if (a[x] !== '' && b[x] !== '') {
          ok = false;
          break;
        } else res.push(a[x] || b[x]);
      }
      if (ok && common) {
        list[i] = res;
        list[j] = res;
      }
    }
  }
}

function walkMergeList(dest: Json[] | null | undefined, origin: Json[] | null | undefined, info: MergeInfo, elemType: string | undefined, ptr: string, ctx: Ctx): Out {
  let list: Json[];
  if (dest === undefined || dest === null) {
    // (!) No list in the resource: the patch list is merged with itself, its directive unread.
    list = origin!;
  } else if (origin === null) {
    return CLEAR;
  } else if (origin === undefined) {
    list = dest.slice();
  } else {
    const d = listDirective(origin, ptr, ctx);
    if (d === 'delete') return CLEAR;
    list = d === 'replace' ? origin : dest.slice();
  }
  const keys = info.listMapKeys ? [...info.listMapKeys] : info.mergeKey ? [info.mergeKey] : [''];
  const sources = origin ? [origin, list] : [list];
  const valuesList: string[][] = [];
  const seen = new Set<string>();
  for (const src of sources) {
    for (const e of src) {
      const vs = keys[0] === '' ? [text(e)] : keys.length === 1 ? [keyText(e, keys[0])] : keys.map((k) => keyText(e, k));
      const id = vs.length === 1 ? vs[0] : vs.join('\u0000');
      if (seen.has(id)) continue;
      seen.add(id);
      valuesList.push(vs);
    }
  }
  if (origin && keys[0] !== '' && origin.some((e) => keyText(e, keys[0]) === '' && !(isObj(e) && Object.keys(e).length === 1 && DIRECTIVE in e))) {
    ctx.diagnostics.push(
      diag('KF3005', `a patch element at ${ptr} has no ${keys[0]}: Kustomize drops it, and drops every element of the list the patch does not name`, {
        severity: 'warning',
        pointer: ptr,
        hint: `add ${keys[0]} to each element of the patch list`,
      }),
    );
  }
  if (keys.length > 1) unifyTuples(valuesList);
  const items: Json[] = [];
  let validKeys = keys;
  for (const values of valuesList) {
    let validValues: string[];
    [validKeys, validValues] = validateKeys(valuesList, values, keys);
    const [k2, v2] = validateKeys([validValues], validValues, validKeys);
    const di = findElement(list, k2, v2);
    const oi = origin && origin !== list ? findElement(origin, k2, v2) : di;
    const de = di >= 0 ? list[di] : undefined;
    const oe = origin && oi >= 0 ? origin[oi] : undefined;
    // An existing element replaced by `$patch: replace` stays as it was: Kustomize merges
    // into the patch's element, then puts the resource's element back.
    const replacing = de !== undefined && isObj(oe) && oe !== de && oe[DIRECTIVE] === 'replace';
    // Diagnostics point into the patch (its element), or at the list for the resource's own.
    const at = oe !== undefined && origin && oi >= 0 ? `${ptr}/${oi}` : ptr;
    // an element no patch element names: skipped when the walk would give it back as it is
    let val: Out = oe === undefined && de !== undefined && fastPath !== 'off' && (fastPath === 'trust' || untouched(de, elemType)) ? de : walk(de, oe, elemType, undefined, at, ctx);
    // kyaml merges a map element into the resource's element in place; a scalar element
    // of the resource stays as it was (the resource's `"1"` wins over the patch's `1`).
    if (val !== CLEAR && isObj(val) && isObj(de) && !replacing) list[di] = val;
    if (val === CLEAR || val === null || isEmptyMap(val)) {
      setElement(list, undefined, validKeys, validValues);
      continue;
    }
    if (isObj(val)) {
      for (let i = 0; i < validKeys.length; i++) {
        const k = validKeys[i];
        if (!(k in val) && validValues[i] !== '') {
          const copy: JsonObject = { ...val, [k]: /^-?[0-9]+$/.test(validValues[i]) ? Number(validValues[i]) : validValues[i] };
          if (de !== undefined && list[di] === val) list[di] = copy;
          val = copy;
        }
      }
    }
    setElement(items, val, validKeys, validValues);
  }
  const result = valuesList.length > 0 ? appendList(items, list, validKeys) : list;
  if (dest && result.length === dest.length && result.every((e, i) => e === dest[i])) return dest;
  // `items` grew by pushes (room for 16 more elements); the merged list stays in the output.
  return result === items ? items.slice() : result;
}

/** kyaml appendListNode: each resource element replaces its match in `items`, or is appended. */
function appendList(items: Json[], src: Json[], keys: string[]): Json[] {
  for (const e of src) {
    if (keys[0] === '') {
      setElement(items, e, [''], [text(e)]);
      continue;
    }
    const v: string[] = [];
    for (const k of keys) {
      if (!isObj(e) || !(k in e)) {
        items.push(e);
        continue;
      }
      v.push(text(e[k]));
    }
    if (keys.length > 1) setElement(items, undefined, keys, v);
    if (e === null) setElement(items, undefined, keys, v);
    else setElement(items, e, keys, v);
  }
  return items;
}
