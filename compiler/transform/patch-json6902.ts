/**
 * RFC 6902 JSON patches with `kustomize build` 5.5 semantics. fast-json-patch applies
 * the operations; we check each one first against the current document so that a
 * failure says which op (index, position), which path, and what exists there.
 *
 * Kustomize differences from plain RFC 6902 (verified with kubectl kustomize):
 * - `replace` of a missing key of an existing map succeeds, like `add`;
 * - `remove` of a missing path, `add` under a missing parent, a failing `test`, a
 *   `move`/`copy` from a missing path are errors (KF3002).
 * Paths use RFC 6901 escapes (`~1` for `/`, `~0` for `~`).
 */
import type jsonpatch from 'fast-json-patch';
import { jsonPatchPkg } from '../deps.js';
import type { Diagnostic, Json, JsonObject, SourceLocation } from '../types.js';
import { diag, didYouMean } from '../diagnostics.js';
import { escapeSegment, pointerSegments, resolvePointer } from '../schema/models.js';
import { cloneJson } from './clone.js';

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const locOf = (where: SourceLocation, opLocations: SourceLocation[] | undefined, i: number) => opLocations?.[i] ?? where;

/** Malformed operations (not a list, missing op/path, unknown op, missing value/from): KF3003. */
export function validateOps(ops: Json, where: SourceLocation, opLocations?: SourceLocation[]): Diagnostic[] {
  if (!Array.isArray(ops)) {
    return [diag('KF3003', 'a JSON 6902 patch must be a list of operations', { location: where, hint: 'write `- op: replace\\n  path: /spec/replicas\\n  value: 3`' })];
  }
  const ds: Diagnostic[] = [];
  ops.forEach((op, i) => {
    const location = locOf(where, opLocations, i);
    if (!isObj(op)) {
      ds.push(diag('KF3003', `operation ${i} is not a mapping`, { location, hint: 'each operation is a mapping with op, path and (for add/replace/test) value' }));
      return;
    }
    if (typeof op.op !== 'string') {
      ds.push(diag('KF3003', `operation ${i} has no op`, { location, hint: 'op is one of add, remove, replace, move, copy, test' }));
      return;
    }
    if (!OPS.has(op.op)) {
      const s = didYouMean(op.op, OPS);
      ds.push(diag('KF3003', `operation ${i} has an unknown op ${JSON.stringify(op.op)}`, { location, hint: s ? `did you mean ${s}?` : 'op is one of add, remove, replace, move, copy, test' }));
      return;
    }
    if (typeof op.path !== 'string') {
      ds.push(diag('KF3003', `operation ${i} (${op.op}) has no path`, { location, hint: 'path is a JSON pointer such as /spec/replicas' }));
      return;
    }
    for (const f of ['path', 'from'] as const) {
      const p = op[f];
      if (typeof p !== 'string' || p === '' || p.startsWith('/')) continue;
      // Kustomize (evanphx/json-patch) reads the first segment as the empty one before a
      // leading slash: `data/x` is `/x`; without any slash it finds nothing.
      ds.push(
        p.includes('/')
          ? diag('KF3003', `operation ${i} (${op.op}) has a ${f} that does not start with /: Kustomize reads ${p} as ${leniantPointer(p)}`, { severity: 'warning', location, hint: `write /${p} (the first segment is dropped as written)` })
          : diag('KF3003', `operation ${i} (${op.op}) has a ${f} that does not start with /: ${p}`, { location, hint: `write /${p}` }),
      );
    }
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) {
      ds.push(diag('KF3003', `operation ${i} (${op.op} ${op.path}) has no value: Kustomize uses null`, { severity: 'warning', location, hint: 'add a value: field (value: null to mean null)' }));
    }
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') {
      ds.push(diag('KF3003', `operation ${i} (${op.op} ${op.path}) has no from`, { location, hint: 'from is the JSON pointer to read' }));
    }
  });
  return ds;
}

type Lookup = { found: true; value: Json; parent: Json | undefined } | { found: false; depth: number; at: Json; atPath: string };

function lookup(doc: Json, segs: string[]): Lookup {
  let cur: Json = doc;
  let parent: Json | undefined;
  let atPath = '';
  for (let i = 0; i < segs.length; i++) {
    const s = segs[i];
    let next: Json | undefined;
    if (Array.isArray(cur)) next = /^(0|[1-9][0-9]*)$/.test(s) ? cur[Number(s)] : undefined;
    else if (isObj(cur)) next = Object.prototype.hasOwnProperty.call(cur, s) ? cur[s] : undefined;
    if (next === undefined) return { found: false, depth: i, at: cur, atPath };
    parent = cur;
    cur = next;
    atPath += '/' + escapeSegment(s);
  }
  return { found: true, value: cur, parent };
}

function describeAt(l: Extract<Lookup, { found: false }>, segs: string[]): { what: string; hint: string } {
  const missing = segs[l.depth];
  const where = l.atPath || '/';
  if (Array.isArray(l.at)) return { what: `${where} is a list of ${l.at.length}, it has no element ${missing}`, hint: l.at.length ? `indices 0 to ${l.at.length - 1} exist${missing === '-' ? '; - only works with add' : ''}` : 'the list is empty' };
  if (isObj(l.at)) {
    const keys = Object.keys(l.at);
    const s = didYouMean(missing, keys);
    const fixed = s !== undefined ? '/' + [...segs.slice(0, l.depth), s, ...segs.slice(l.depth + 1)].map(escapeSegment).join('/') : undefined;
    return {
      what: `${where} has no key ${JSON.stringify(missing)}`,
      hint: `${fixed ? `did you mean ${fixed}? ` : ''}keys at ${where}: ${keys.length ? keys.join(', ') : '(none)'}`,
    };
  }
  return { what: `${where} is a ${l.at === null ? 'null' : typeof l.at}, not a mapping or list`, hint: `nothing can be addressed below ${where}` };
}

export function applyJson6902(target: JsonObject, ops: Json, where: SourceLocation, opLocations?: SourceLocation[]): { value: JsonObject | undefined; diagnostics: Diagnostic[] } {
  const bad = validateOps(ops, where, opLocations).filter((d) => d.severity === 'error');
  if (bad.length) return { value: undefined, diagnostics: bad };
  const list = ops as JsonObject[];
  if (list.length === 0) return { value: target, diagnostics: [] };
  let doc: Json = cloneJson(target);
  for (let i = 0; i < list.length; i++) {
    const op = lenientOp(doc, list[i]);
    const kind = op.op as string;
    const path = op.path as string;
    const location = locOf(where, opLocations, i);
    const fail = (what: string, hint: string) => ({
      value: undefined,
      diagnostics: [diag('KF3002', `JSON 6902 operation ${i} (${kind} ${path}) failed: ${what}`, { location, pointer: path, hint })],
    });
    const segs = pointerSegments(path);
    let effective: string = kind;
    let nullValue = false; // the op adds null instead of its value / its from
    if (kind === 'move' || kind === 'copy') {
      const fromSegs = pointerSegments(op.from as string);
      const f = lookup(doc, fromSegs);
      // Kustomize (evanphx/json-patch v4): a copy from a missing key of an existing map copies null.
      const fromParent = kind === 'copy' && fromSegs.length > 0 && !f.found ? lookup(doc, fromSegs.slice(0, -1)) : undefined;
      if (fromParent?.found && isObj(fromParent.value)) {
        effective = 'add';
        nullValue = true;
      } else if (!f.found) {
        const d = describeAt(f, fromSegs);
        return fail(`from ${op.from as string} does not exist: ${d.what}`, d.hint);
      }
    }
    if (segs.length > 0) {
      const parent = lookup(doc, segs.slice(0, -1));
      if (!parent.found) {
        const d = describeAt(parent, segs);
        return fail(`its parent does not exist: ${d.what}`, d.hint);
      }
      const last = segs[segs.length - 1];
      const pv = parent.value;
      if (kind === 'remove' || kind === 'replace' || kind === 'test') {
        const exists = Array.isArray(pv) ? /^(0|[1-9][0-9]*)$/.test(last) && Number(last) < pv.length : isObj(pv) && Object.prototype.hasOwnProperty.call(pv, last);
        // Kustomize: testing a missing key of a map for null passes.
        if (kind === 'test' && !exists && isObj(pv) && op.value === null) continue;
        if (!exists) {
          // Kustomize: replace of a missing map key adds it.
          if (kind === 'replace' && isObj(pv)) effective = 'add';
          else {
            const d = describeAt({ found: false, depth: segs.length - 1, at: pv, atPath: '/' + segs.slice(0, -1).map(escapeSegment).join('/') }, segs);
            return fail(`the path does not exist: ${d.what}`, d.hint);
          }
        }
      }
      if (effective === 'add' && !isObj(pv) && !Array.isArray(pv)) {
        return fail(`its parent is a ${pv === null ? 'null' : typeof pv}, not a mapping or list`, 'add the parent mapping first, or patch the parent itself');
      }
    }
    const operation = (
      nullValue ? { op: 'add', path, value: null } : { ...op, op: effective, ...('value' in op ? { value: cloneJson(op.value) } : {}) }
    ) as unknown as jsonpatch.Operation;
    try {
      const r = jsonPatchPkg().applyOperation(doc, operation, true, true, true, i);
      doc = r.newDocument as Json;
    } catch (e) {
      const err = e as { name?: string; message?: string };
      if (err.name === 'TEST_OPERATION_FAILED') {
        const actual = lookup(doc, segs);
        // Never print a Secret's values (diagnostics end up in CI logs).
        const secret = isObj(target) && target.kind === 'Secret';
        const show = (v: Json | undefined) => (secret ? `a value of ${typeof v === 'string' ? `${v.length} characters` : typeof v}` : JSON.stringify(v));
        return fail('the test did not match', `the value at ${path} is ${actual.found ? show(actual.value) : '(missing)'}, the test expects ${show(op.value as Json)}`);
      }
      const msg = (err.message ?? String(e)).split('\n')[0];
      return fail(msg, 'check the path against the resource as it is at this point of the build');
    }
  }
  if (!isObj(doc)) {
    return { value: undefined, diagnostics: [diag('KF3002', 'the JSON 6902 patch replaced the whole resource with a non-mapping', { location: where, hint: 'patch fields below the root, not the root itself' })] };
  }
  return { value: doc, diagnostics: [] };
}

/** A path without its leading `/` as Kustomize reads it: the first segment dropped. */
function leniantPointer(p: string): string {
  return p.startsWith('/') ? p : '/' + p.slice(p.indexOf('/') + 1);
}

/** Go's strconv.Atoi syntax: an optional sign, then decimal digits. */
const ATOI = /^[+-]?[0-9]+$/;

/**
 * One operation as Kustomize's JSON patch library applies it: no `value` means null; a
 * path (or from) without its leading `/` loses its first segment; an array index is read
 * with Atoi (`01`, `+1`) and a negative one counts from the end (from the end + 1 for
 * `add`, which may append). Well-formed operations come back unchanged.
 */
function lenientOp(doc: Json, op: JsonObject): JsonObject {
  let out = op;
  const set = (k: string, v: Json) => {
    if (out === op) out = { ...op };
    out[k] = v;
  };
  if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !('value' in op)) set('value', null);
  for (const f of ['path', 'from'] as const) {
    const p = op[f];
    if (typeof p !== 'string' || p === '') continue;
    let q = leniantPointer(p);
    const segs = pointerSegments(q);
    let cur: Json | undefined = doc;
    let changed = q !== p;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i];
      if (Array.isArray(cur) && ATOI.test(seg) && !/^(0|[1-9][0-9]*)$/.test(seg)) {
        let n = parseInt(seg, 10);
        const last = i === segs.length - 1;
        const size = cur.length + (last && f === 'path' && op.op === 'add' ? 1 : 0);
        if (n < 0 && n >= -size) n += size;
        if (n >= 0) {
          segs[i] = String(n);
          changed = true;
        }
      }
      cur = Array.isArray(cur) ? cur[Number(segs[i])] : isObj(cur) ? cur[segs[i]] : undefined;
    }
    if (changed) {
      q = segs.length ? '/' + segs.map(escapeSegment).join('/') : q;
      set(f, q);
    }
  }
  return out;
}

/**
 * Paths that do not exist in the model of the target's kind: KF3004, a warning, with a
 * did-you-mean. The operation still applies, as Kustomize applies it (a field newer than
 * the built-in models is normal); the API server may reject a misspelt one
 * (`/spec/replicaz`) at apply time, so the warning points at the line now.
 * Unknown kinds (custom resources) and free-form fields (`any`/`object` in the model,
 * maps such as labels) are not checked.
 */
export function checkOpPaths(model: string | undefined, ops: Json, where: SourceLocation, opLocations?: SourceLocation[]): Diagnostic[] {
  if (model === undefined || !Array.isArray(ops)) return [];
  const ds: Diagnostic[] = [];
  ops.forEach((op, i) => {
    if (!isObj(op)) return;
    for (const field of ['path', 'from'] as const) {
      const p = op[field];
      if (typeof p !== 'string' || p === '') continue;
      const r = resolvePointer(model, p);
      if (r.ok) continue;
      ds.push(
        diag('KF3004', `${field} ${p} of JSON 6902 operation ${i} does not exist in ${model}: no field ${JSON.stringify(r.bad)} under ${r.at || '/'}`, {
          severity: 'warning',
          location: locOf(where, opLocations, i),
          pointer: p,
          hint: r.suggestion ? `did you mean ${r.suggestion}?` : `check the field names under ${r.at || '/'} in the ${model} API reference`,
        }),
      );
    }
  });
  return ds;
}
