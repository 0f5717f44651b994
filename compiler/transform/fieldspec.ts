import type { Json, JsonObject, ResId } from '../types.js';
import { escapeSegment } from '../schema/models.js';

/**
 * A field spec as Kustomize's `configurations` and built-in tables describe it:
 * which kinds (empty = any) and which slash-separated path. Lists met on the way are
 * traversed item by item, as Kustomize does. `create` makes missing maps on the way.
 */
export interface FieldSpec extends Gvk {
  path: string;
  create?: boolean;
}

/** A group/version/kind whose parts may be missing. */
export interface Gvk {
  group?: string;
  version?: string;
  kind?: string;
}

/**
 * Kustomize's Gvk.IsSelected: `id` is selected by `sel`, whose empty or missing parts select
 * anything (a field spec selecting resources, a merged field spec selecting another).
 */
export function gvkSelected(sel: Gvk, id: Gvk): boolean {
  if (sel.kind && sel.kind !== (id.kind ?? '')) return false;
  if (sel.group && sel.group !== (id.group ?? '')) return false;
  if (sel.version && sel.version !== (id.version ?? '')) return false;
  return true;
}

export function fieldSpecMatches(fs: FieldSpec, id: Pick<ResId, 'group' | 'version' | 'kind'>): boolean {
  return gvkSelected(fs, id);
}

/** Splits a field spec path; `\/` escapes a slash inside a key (annotation keys). */
export function splitPath(path: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && path[i + 1] === '/') {
      cur += '/';
      i++;
    } else if (ch === '/') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.filter((s) => s !== '');
}

export type FieldVisitor = (parent: JsonObject, key: string, pointer: string) => void;
/** A FieldVisitor handed a value of the caller's (the field spec) with each place: no closure per spec and resource. */
type TaggedVisitor<T> = (parent: JsonObject, key: string, pointer: string, tag: T) => void;

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


/** A path's segments as walk() uses them: each with its pointer text and its `[k=v]` selector. */
export interface CompiledPath {
  segs: readonly string[];
  /** `/` + the segment escaped for a JSON pointer. */
  ptr: readonly string[];
  /** The `[k=v]` list-item selector a segment is, or null. */
  sel: readonly ([string, string] | null)[];
}

const SELECTOR_RE = /^\[([^=\]]+)=([^\]]*)\]$/;

/** Compiles segments for walk(); the same array (a caller's, kept) compiles once. */
const compiledBySegments = new WeakMap<readonly string[], CompiledPath>();
export function compilePath(segs: readonly string[]): CompiledPath {
  let c = compiledBySegments.get(segs);
  if (c === undefined) {
    c = {
      segs,
      ptr: segs.map((s) => `/${escapeSegment(s)}`),
      sel: segs.map((s) => {
        const m = SELECTOR_RE.exec(s);
        return m ? [m[1], m[2]] : null;
      }),
    };
    compiledBySegments.set(segs, c);
  }
  return c;
}

/**
 * Calls `visit(parent, key, pointer)` for each place the path reaches. The last
 * segment need not exist (the visitor decides); intermediate maps are created when
 * `create` is set and the object has none. Lists are traversed item by item; a
 * segment `[k=v]` selects list items whose field k equals v.
 */
export function visitField(obj: JsonObject, segments: string[], create: boolean, visit: FieldVisitor): void {
  visitCompiled(obj, compilePath(segments), create, visit);
}

/** visitField with the path compiled once (compilePath). */
export function visitCompiled(obj: JsonObject, path: CompiledPath, create: boolean, visit: FieldVisitor): void {
  walk(obj, path, 0, create, visit as TaggedVisitor<unknown>, '', undefined);
}

/** visitCompiled whose visitor is also handed `tag`. */
export function visitCompiledTagged<T>(obj: JsonObject, path: CompiledPath, create: boolean, visit: TaggedVisitor<T>, tag: T): void {
  walk(obj, path, 0, create, visit as TaggedVisitor<unknown>, '', tag);
}

function walk(node: JsonObject, path: CompiledPath, i: number, create: boolean, visit: TaggedVisitor<unknown>, ptr: string, tag: unknown): void {
  const segs = path.segs;
  const seg = segs[i];
  if (path.sel[i] !== null) return; // handled by the list step below
  if (i === segs.length - 1) {
    visit(node, seg, ptr + path.ptr[i], tag);
    return;
  }
  let child = node[seg];
  if (child === undefined || child === null) {
    if (!create) return;
    child = {};
    node[seg] = child;
  }
  const childPtr = ptr + path.ptr[i];
  if (Array.isArray(child)) {
    const nsel = i + 1 < segs.length ? path.sel[i + 1] : null;
    const skip = nsel ? 2 : 1;
    if (i + skip >= segs.length) return;
    for (let idx = 0; idx < child.length; idx++) {
      const item = child[idx];
      if (!isObject(item)) continue;
      if (nsel && item[nsel[0]] !== nsel[1]) continue;
      walk(item, path, i + skip, create, visit, `${childPtr}/${idx}`, tag);
    }
    return;
  }
  if (isObject(child)) walk(child, path, i + 1, create, visit, childPtr, tag);
}

/** Applies `fn` to every field spec in `specs` that matches the resource id. */
export function forEachSpec(
  obj: JsonObject,
  id: Pick<ResId, 'group' | 'version' | 'kind'>,
  specs: readonly FieldSpec[],
  visit: (spec: FieldSpec, parent: JsonObject, key: string, pointer: string) => void,
): void {
  for (const spec of specs) {
    if (!fieldSpecMatches(spec, id)) continue;
    visitField(obj, splitPath(spec.path), spec.create === true, (p, k, ptr) => visit(spec, p, k, ptr));
  }
}
