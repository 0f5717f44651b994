import fastJsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { formatResId, replaceFieldSource, withoutFieldSource } from '../types.js';
import { diag, didYouMean } from '../diagnostics.js';
import { idFromObject } from '../resource-map.js';
import type { PathStep, TypedPatch } from './typed.js';
import { escapeSegment, modelForKind, resolvePointer } from '../schema/models.js';

const { applyPatch } = fastJsonPatch;


function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Shows a recorded path the way the user wrote it: spec.template.spec.containers[name=kafka].image */
export function showPath(steps: readonly PathStep[]): string {
  let s = '';
  for (const st of steps) {
    if ('field' in st) s += (s ? '.' : '') + st.field;
    else if ('index' in st) s += `[${st.index}]`;
    else s += `[${st.key}=${st.value}]`;
  }
  return s;
}

/**
 * Compiles one typed patch to RFC 6902 operations against the current object:
 * `byKey` steps are resolved to indexes and guarded with a `test` operation.
 */
export function compileTypedPatch(p: TypedPatch, obj: JsonObject, r?: Resource): { ops?: Operation[]; diagnostics: Diagnostic[] } {
  const ops: Operation[] = [];
  for (const op of p.ops) {
    let ptr = '';
    let node: Json | undefined = obj;
    for (const st of op.path) {
      if ('field' in st) {
        ptr += `/${escapeSegment(st.field)}`;
        node = isObj(node) ? node[st.field] : undefined;
      } else if ('index' in st) {
        ptr += `/${st.index}`;
        node = Array.isArray(node) ? node[st.index] : undefined;
      } else {
        const list = Array.isArray(node) ? node : [];
        const i = list.findIndex((x) => isObj(x) && x[st.key] === st.value);
        if (i < 0) {
          const have = list.filter(isObj).map((x) => String(x[st.key]));
          const guess = didYouMean(String(st.value), have);
          return {
            diagnostics: [
              diag('KF3006', `typed patch of ${formatResId(r?.id ?? idFromObject(obj))}: no item with ${st.key}=${st.value} in ${showPath(op.path.slice(0, op.path.indexOf(st)))}`, {
                ...(p.location ? { location: p.location } : {}),
                ...(r ? { resource: r.id } : {}),
                pointer: ptr,
                hint: guess ? `did you mean ${st.key}=${guess}?` : have.length ? `items present: ${have.join(', ')}` : 'the list is empty or missing',
              }),
            ],
          };
        }
        ops.push({ op: 'test', path: `${ptr}/${i}/${escapeSegment(st.key)}`, value: st.value });
        ptr += `/${i}`;
        node = list[i];
      }
    }
    if (op.op === 'remove') ops.push({ op: 'remove', path: ptr });
    else if (op.op === 'append') ops.push({ op: 'add', path: `${ptr}/-`, value: op.value });
    else ops.push({ op: op.op, path: ptr, value: op.value } as Operation);
  }
  return { ops, diagnostics: [] };
}

function matches(p: TypedPatch, r: Resource): boolean {
  const t = p.target;
  if (r.id.kind !== t.kind || r.id.group !== t.group) return false;
  if (t.namespace !== undefined && r.id.namespace !== t.namespace) return false;
  return r.id.name === t.name || r.originalId.name === t.name || r.previousNames.includes(t.name);
}

/**
 * Applies typed patches to the built resources, in order, with fast-json-patch.
 * A patch whose target is not rendered is an error (typed patches are explicit).
 */
export function applyTypedPatches(resources: readonly Resource[], patches: readonly TypedPatch[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const p of patches) {
    const targets = resources.filter((r) => matches(p, r));
    if (targets.length === 0) {
      const same = resources.filter((r) => r.id.kind === p.target.kind).map((r) => r.id.name);
      const guess = didYouMean(p.target.name, same);
      ds.push(
        diag('KF3006', `typed patch target ${p.target.kind} ${p.target.namespace ? p.target.namespace + '/' : ''}${p.target.name} is not in the build`, {
          ...(p.location ? { location: p.location } : {}),
          hint: guess ? `did you mean "${guess}"?` : same.length ? `${p.target.kind} resources: ${same.slice(0, 8).join(', ')}` : `the build renders no ${p.target.kind}`,
        }),
      );
      continue;
    }
    for (const r of targets) {
      if (r.origin.generated?.hashed) {
        ds.push(
          diag('KF3006', `typed patch of ${formatResId(r.id)}: a generated ${r.id.kind} with a hash suffix cannot be patched after the build`, {
            ...(p.location ? { location: p.location } : {}),
            resource: r.id,
            hint: 'change its generator (configMapGenerator/secretGenerator with behavior: merge) so the hash follows the content',
          }),
        );
        continue;
      }
      const compiled = compileTypedPatch(p, r.object, r);
      ds.push(...compiled.diagnostics);
      if (!compiled.ops) continue;
      // Type-checking proves the paths when environment.ts is compiled; check them at run
      // time too (a transpiled definition, e.g. diff --against an older ref, skips tsc).
      const model = modelForKind(r.id.group, r.id.version, r.id.kind);
      const bad = model ? compiled.ops.map((op) => ({ op, res: resolvePointer(model, op.path.endsWith('/-') ? op.path.slice(0, -2) : op.path) })).find((x) => !x.res.ok) : undefined;
      if (bad && !bad.res.ok) {
        ds.push(
          diag('KF3004', `typed patch of ${formatResId(r.id)}: ${bad.op.path} does not exist in ${model}`, {
            ...(p.location ? { location: p.location } : {}),
            resource: r.id,
            pointer: bad.op.path,
            hint: bad.res.suggestion ? `did you mean ${bad.res.suggestion}?` : `check the field names under ${bad.res.at || '/'}`,
          }),
        );
        continue;
      }
      try {
        const res = applyPatch(r.object, compiled.ops, true, false);
        r.object = res.newDocument as JsonObject;
      } catch (e) {
        const err = e as { name?: string; index?: number; message?: string; operation?: Operation };
        const op = err.operation ?? (err.index !== undefined ? compiled.ops[err.index] : undefined);
        ds.push(
          diag('KF3002', `typed patch of ${formatResId(r.id)} failed: ${err.name === 'TEST_OPERATION_FAILED' ? 'a guard did not hold' : 'path not found'} at ${op?.path ?? '?'}`, {
            ...(p.location ? { location: p.location } : {}),
            resource: r.id,
            ...(op ? { pointer: op.path } : {}),
            hint: op?.op === 'replace' || op?.op === 'remove' ? 'the field does not exist in the rendered resource: use set() to add it' : 'check the path against the rendered resource (kforge build)',
          }),
        );
        continue;
      }
      for (const op of compiled.ops) {
        if (op.op === 'test') continue;
        const pointer = op.path.endsWith('/-') ? op.path.slice(0, -2) : op.path;
        const list = r.origin.fieldSources;
        if (p.location) r.origin.fieldSources = replaceFieldSource(list, { pointer, location: p.location, by: 'typed-patch' });
        else r.origin.fieldSources = withoutFieldSource(list, pointer);
      }
    }
  }
  return ds;
}
