/**
 * Strategic-merge patches with `kustomize build` 5.5 semantics (verified with kubectl
 * kustomize; goldens under test/fixtures/patch/). Pure: inputs are never mutated; only
 * the changed branches are copied, untouched subtrees are shared with the input.
 *
 * Kustomize 5.5 behaviour matched here, surprising parts marked (!):
 * - maps merge recursively; `null` deletes a key; `{$patch: delete}` deletes the map;
 *   `{$patch: replace, …}` replaces it (empty after the directive: the key is removed (!)).
 * - lists with a merge key (schema/merge-keys.ts, Kustomize's Kubernetes 1.21 schema)
 *   merge by key: the patch's elements first in patch order, then the untouched
 *   originals. (!) For lists with two list-map keys (Service/Container ports:
 *   port+protocol; topologySpreadConstraints) once any element of either list carries
 *   the second key: new elements first, then the originals in their order, merged in
 *   place. `{key: x, $patch: delete}` deletes an element (missing: nothing happens).
 *   (!) a patch element without the merge key is dropped, and so are the originals the
 *   patch does not name (we warn: almost surely a mistake).
 * - `[{$patch: replace}, …]` replaces a merge-keyed list by the other elements.
 * - lists without merge key, and every list of an unknown kind (custom resources), are
 *   replaced verbatim (!) including a `{$patch: replace}` element, which is then printed.
 * - primitive lists with strategy merge (finalizers): union, patch values first.
 * - (!) `$setElementOrder/…`, `$deleteFromPrimitiveList/…` and `$retainKeys` are not
 *   implemented by Kustomize 5.5: they are kept in the output as ordinary keys.
 * - top level: `$patch: delete` deletes the resource; (!) `$patch: replace` makes the
 *   whole patch a no-op.
 * - a list where the resource has a map (or the reverse) is an error (KF3005).
 */
import type { Diagnostic, Json, JsonObject } from '../types.js';
import { diag } from '../diagnostics.js';
import { modelForKind, shapeOf, fieldsOf, escapeSegment } from '../schema/models.js';
import { kustomizeMerges, type MergeInfo } from '../schema/merge-keys.js';

const DIRECTIVE = '$patch';
const DELETE = Symbol('delete');
type Out = Json | typeof DELETE;

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
  // Kustomize 5.5 ignores a patch whose top level says `$patch: replace`.
  if (directive === 'replace') return { value: target, diagnostics: [] };
  if (directive !== undefined && directive !== 'merge') {
    ctx.diagnostics.push(diag('KF3005', `unknown patch directive $patch: ${JSON.stringify(directive)}`, { pointer: '/$patch', hint: 'use $patch: delete, replace or merge' }));
    return { value: target, diagnostics: ctx.diagnostics };
  }
  const model = modelForKind(kind.group, kind.version, kind.kind);
  const out = mergeMap(target, patch, model, '', ctx, true);
  if (ctx.diagnostics.some((d) => d.severity === 'error')) return { value: target, diagnostics: ctx.diagnostics };
  return { value: out === DELETE || !isObj(out) ? {} : out, diagnostics: ctx.diagnostics };
}

/** Type of field `key` of `type`, or undefined when unknown (free-form, CRD, no such field). */
function fieldType(type: string | undefined, key: string): string | undefined {
  if (type === undefined) return undefined;
  const s = shapeOf(type);
  if (s.kind === 'map') return s.of;
  if (s.kind === 'model') return fieldsOf(s.name).get(key);
  return undefined;
}

function elementType(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const s = shapeOf(type);
  return s.kind === 'array' ? s.of : undefined;
}

function modelName(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const s = shapeOf(type);
  return s.kind === 'model' ? s.name : undefined;
}

function mergeMap(orig: JsonObject, patch: JsonObject, type: string | undefined, ptr: string, ctx: Ctx, top = false): Out {
  const directive = patch[DIRECTIVE];
  if (!top) {
    if (directive === 'delete') return DELETE;
    if (directive === 'replace') {
      const rest = fresh(withoutDirective(patch), type, ptr, ctx);
      return rest !== DELETE && isObj(rest) && Object.keys(rest).length === 0 ? DELETE : rest;
    }
  }
  let out: JsonObject | undefined;
  const set = (k: string, v: Out) => {
    if (v === DELETE) {
      if (k in (out ?? orig)) {
        out ??= { ...orig };
        delete out[k];
      }
      return;
    }
    if ((out ?? orig)[k] === v) return;
    out ??= { ...orig };
    out[k] = v;
  };
  for (const [k, pv] of Object.entries(patch)) {
    if (k === DIRECTIVE) continue;
    const p = `${ptr}/${escapeSegment(k)}`;
    const ov = orig[k];
    const ft = fieldType(type, k);
    if (pv === null) {
      set(k, DELETE);
    } else if (ov === undefined || ov === null) {
      set(k, fresh(pv, ft, p, ctx, modelName(type), k));
    } else if (isObj(pv)) {
      if (!isObj(ov)) {
        if (Array.isArray(ov)) ctx.diagnostics.push(mismatch(p, 'a mapping', 'a list'));
        else set(k, fresh(pv, ft, p, ctx));
        continue;
      }
      set(k, mergeMap(ov, pv, ft, p, ctx));
    } else if (Array.isArray(pv)) {
      if (isObj(ov)) {
        ctx.diagnostics.push(mismatch(p, 'a list', 'a mapping'));
        continue;
      }
      const info = Array.isArray(ov) ? listInfo(type, k) : undefined;
      set(k, Array.isArray(ov) && info ? mergeList(ov, pv, info, elementType(ft), p, ctx) : pv);
    } else {
      if (isObj(ov)) {
        ctx.diagnostics.push(mismatch(p, 'a scalar', 'a mapping'));
        continue;
      }
      set(k, pv);
    }
  }
  return out ?? orig;
}

function listInfo(parentType: string | undefined, field: string): MergeInfo | undefined {
  const m = modelName(parentType);
  return m ? kustomizeMerges(m, field) : undefined;
}

function mismatch(pointer: string, patchHas: string, resourceHas: string): Diagnostic {
  return diag('KF3005', `the patch has ${patchHas} at ${pointer} where the resource has ${resourceHas}`, {
    pointer,
    hint: 'Kustomize rejects this patch too; write the value in the same shape as the resource',
  });
}

function withoutDirective(o: JsonObject): JsonObject {
  const r: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (k !== DIRECTIVE) r[k] = v;
  return r;
}

/** A patch value where the resource has nothing: directives apply against an empty value. */
function fresh(v: Json, type: string | undefined, ptr: string, ctx: Ctx, parentModel?: string, field?: string): Out {
  if (isObj(v)) return mergeMap({}, v, type, ptr, ctx);
  if (Array.isArray(v)) {
    const info = parentModel && field ? kustomizeMerges(parentModel, field) : undefined;
    return info ? mergeList([], v, info, elementType(type), ptr, ctx) : v;
  }
  return v;
}

function keyOf(item: Json, keys: readonly string[]): string | undefined {
  if (!isObj(item) || item[keys[0]] === undefined || item[keys[0]] === null) return undefined;
  return JSON.stringify(keys.map((k) => item[k] ?? null));
}

function mergeList(orig: Json[], patch: Json[], info: MergeInfo, elemType: string | undefined, ptr: string, ctx: Ctx): Out {
  // `[{$patch: replace}, …]`: the list becomes the other elements.
  const replaceAt = patch.findIndex((e) => isObj(e) && e[DIRECTIVE] === 'replace' && Object.keys(e).length === 1);
  if (replaceAt >= 0) {
    const rest = patch.filter((_, i) => i !== replaceAt);
    return info.mergeKey ? mergeList([], rest, info, elemType, ptr, ctx) : rest;
  }
  if (!info.mergeKey) {
    // A set of primitives: patch values first, then the originals not named.
    const seen = new Set<string>();
    const out: Json[] = [];
    for (const e of [...patch, ...orig]) {
      if (e === null) continue;
      const k = JSON.stringify(e);
      if (seen.has(k)) continue;
      seen.add(k);
      out.push(e);
    }
    return out;
  }
  const multi = info.listMapKeys && info.listMapKeys.length > 1 && [...orig, ...patch].some((e) => isObj(e) && info.listMapKeys!.slice(1).some((k) => e[k] !== undefined));
  const keys = multi ? info.listMapKeys! : [info.mergeKey];
  const origIndex = new Map<string, number>();
  orig.forEach((e, i) => {
    const k = keyOf(e, keys);
    if (k !== undefined && !origIndex.has(k)) origIndex.set(k, i);
  });
  const halfMatch = (pe: JsonObject) =>
    orig.some((oe) => isObj(oe) && oe[keys[0]] === pe[keys[0]] && keys.slice(1).some((k) => (oe[k] === undefined) !== (pe[k] === undefined)));
  const keyless = patch.some((e) => keyOf(e, keys) === undefined);
  if (keyless) {
    ctx.diagnostics.push(
      diag('KF3005', `a patch element at ${ptr} has no ${info.mergeKey}: Kustomize drops it, and drops every element of the list the patch does not name`, {
        severity: 'warning',
        pointer: ptr,
        hint: `add ${info.mergeKey} to each element of the patch list`,
      }),
    );
  }
  const merged = new Map<number, Out>(); // orig index -> merged value (or DELETE)
  const head: Json[] = [];
  const patchOrder: (number | Json)[] = [];
  for (const pe of patch) {
    const k = keyOf(pe, keys);
    if (k === undefined || !isObj(pe)) continue;
    const oi = origIndex.get(k);
    const itemPtr = `${ptr}/${oi ?? '-'}`;
    if (oi === undefined) {
      if (pe[DIRECTIVE] === 'delete') continue;
      if (multi && halfMatch(pe)) {
        // (!) Kustomize 5.5 drops a new element whose first key matches an existing
        // element that has the second key where the patch has none, or the reverse
        // (port 80 without protocol against port 80/TCP), and leaves the existing one
        // alone. (Both present with different values: a new element, as expected.)
        ctx.diagnostics.push(
          diag('KF3005', `the patch element at ${ptr} with ${info.mergeKey} ${JSON.stringify(pe[info.mergeKey])} matches an element only partly (${keys.join(', ')}): Kustomize ignores it`, {
            severity: 'warning',
            pointer: ptr,
            hint: `write ${keys.slice(1).join(', ')} exactly as in the resource`,
          }),
        );
        continue;
      }
      const v = fresh(pe, elemType, itemPtr, ctx);
      if (v === DELETE) continue;
      head.push(v);
      patchOrder.push(v);
    } else {
      const ov = orig[oi];
      const v = isObj(ov) ? mergeMap(ov, pe, elemType, itemPtr, ctx) : fresh(pe, elemType, itemPtr, ctx);
      merged.set(oi, v);
      patchOrder.push(oi);
    }
  }
  const out: Json[] = [];
  const pushOrig = (i: number) => {
    const v = merged.has(i) ? merged.get(i)! : orig[i];
    if (v !== DELETE) out.push(v);
  };
  if (multi) {
    out.push(...head);
    orig.forEach((_, i) => (keyless && !merged.has(i) ? undefined : pushOrig(i)));
  } else {
    for (const x of patchOrder) typeof x === 'number' ? pushOrig(x) : out.push(x);
    if (!keyless) orig.forEach((_, i) => (merged.has(i) ? undefined : pushOrig(i)));
  }
  return out;
}
