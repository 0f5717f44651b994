import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { formatResId, pairOf, plus } from '../types.js';
import { MERGE, NOT_JSON, resolvePlain } from '../load/yaml/index.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { Replacement, ReplacementSource, Selector } from '../load/kustomization.js';
import { cachedRegex, matchesSelector, parseSelector } from './select.js';
import { cloneJson } from './clone.js';
import { escapeSegment } from '../schema/models.js';

/**
 * `replacements:`, as Kustomize v5.5 runs them (api/filters/replacement; every point
 * below verified with `kubectl kustomize`).
 *
 * Selecting: the source and each target's `select`/`reject` match a resource when one of
 * its ids (the current one or any earlier (name, namespace) pair) has exactly the given
 * group, version, kind, name and namespace (no regular expressions here, unlike patch
 * targets; no namespace and `default` are one namespace). A reject's label or annotation
 * selector rejects on its own, apart from its id fields. A replacement without targets,
 * or a target without `select`, is an error; a target without fieldPaths writes
 * `metadata.name`.
 *
 * Paths (kyaml's SmarterPathSplitter): dot-separated, `\.` escapes a dot, `[k=v]` and
 * `[=v]` select list items, a bracketed part without `=` is a map key (`[a.b/c]`), a
 * number indexes a list, `*` is every item of a list. `containers[name=x]` (no dot) is one
 * key, as in Kustomize. The source is looked up exactly (`[k=v]` compares the text; `*` is
 * an error) and must not be missing, null, `{}` or `[]`. In targets `[k=v]` is an
 * unanchored regular expression over the item's field (`[name=kafka]` also picks
 * `kafka-exporter`), and `create` adds what is missing: an item `{k: v}` for `[k=v]`, an
 * item at index == length.
 *
 * Types follow Kustomize's YAML nodes:
 * - an existing scalar keeps its tag and takes the new text, which must then read as that
 *   tag: a string field takes anything, an int field an integer text, a bool field
 *   true/false, a null field an empty text (null); anything else makes Kustomize fail
 *   ("cannot decode !!str `hello` as a !!int"), so kforge reports it (KF2007);
 * - an existing map or list is replaced by the source node as it is (a string stays a
 *   string), except that values of generated ConfigMaps/Secrets are untagged and get the
 *   plain-YAML type of their text;
 * - a created scalar is untagged: its text gets the plain-YAML type (`"4150"` → 4150,
 *   `"010"` → 8, `"true"` → true), with or without delimiter.
 */
export function applyReplacements(resources: ResourceMap, replacements: Replacement[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rep of replacements) {
    const loc = rep.location;
    const sources = resources.all().filter((r) => sourceMatches(r, rep.source));
    if (sources.length === 0) {
      out.push(diag('KF2007', `replacement source ${describeSource(rep.source)} matches no resource`, { location: rep.sourceLocation ?? loc, hint: 'name the source by kind and name as written in its resource' }));
      continue;
    }
    if (sources.length > 1) {
      out.push(
        diag('KF2011', `replacement source ${describeSource(rep.source)} matches ${sources.length} resources`, {
          location: loc,
          notes: sources.map((s) => formatResId(s.id)),
          hint: 'add group, version or namespace to the source',
        }),
      );
      continue;
    }
    const src = sources[0];
    const srcPath = rep.source.fieldPath || 'metadata.name';
    const looked = lookupSource(src.object, splitPath(srcPath));
    if (typeof looked === 'string') {
      out.push(diag('KF2007', `replacement source field ${srcPath} of ${formatResId(src.id)}: ${looked}`, { location: loc, resource: src.id }));
      continue;
    }
    if (looked.value === undefined || isNilOrEmpty(looked.value)) {
      out.push(diag('KF2007', `replacement source field ${srcPath} is missing in ${formatResId(src.id)}`, { location: loc, resource: src.id }));
      continue;
    }
    let value: Json = looked.value;
    let fromGenerated = src.origin.generated !== undefined;
    const so = rep.source.options;
    if (so?.delimiter !== undefined && so.delimiter !== '') {
      if (typeof value === 'object' && value !== null) {
        out.push(diag('KF2007', `options.delimiter can only be used with a scalar source value (${srcPath} of ${formatResId(src.id)} is a ${Array.isArray(value) ? 'list' : 'map'})`, { location: loc, resource: src.id }));
        continue;
      }
      const parts = scalarString(value).split(so.delimiter);
      const idx = so.index ?? 0;
      if (idx < 0 || idx >= parts.length) {
        out.push(diag('KF2007', `options.index ${idx} is out of bounds for source value ${JSON.stringify(scalarString(value))}`, { location: loc, resource: src.id }));
        continue;
      }
      value = parts[idx];
      fromGenerated = false;
    }
    for (const t of rep.targets) {
      out.push(...parseSelector({ ...t.select, name: undefined, namespace: undefined }, loc));
      for (const rj of t.reject ?? []) out.push(...parseSelector({ ...rj, name: undefined, namespace: undefined }, loc));
      const fieldPaths = t.fieldPaths.length ? t.fieldPaths : ['metadata.name'];
      const candidates = t.select.kind ? resources.byKind(t.select.kind) : resources.all();
      for (const r of candidates) {
        if (!targetSelected(r, t.select, t.reject ?? [])) continue;
        const create = t.options?.create === true;
        for (const [fpIndex, fp] of fieldPaths.entries()) {
          const fpLoc = t.fieldPathLocations?.[fpIndex] ?? loc;
          let hits = 0;
          let bad: string | undefined;
          matchTarget(r.object, splitPath(fp), 0, create, '', (parent, key, pointer, existed) => {
            hits++;
            const p = parent as Record<string | number, Json>;
            // Kustomize keeps top-level annotations as text: a created one is not re-typed
            const annotation = /^\/metadata\/annotations\/[^/]+$/.test(pointer);
            const next = newValue(existed ? p[key] : undefined, value, t.options, fromGenerated && !annotation, annotation);
            if ('error' in next) {
              bad ??= next.error;
              return;
            }
            p[key] = next.value;
            r.origin.fieldSources = plus(r.origin.fieldSources, { pointer, location: fpLoc, by: 'replacements' });
          });
          if (bad !== undefined) {
            out.push(diag('KF2007', `replacement target field ${fp} of ${formatResId(r.id)}: ${bad}`, { location: fpLoc, resource: r.id, hint: 'replace a field with a value of its own type, or replace the whole object holding it' }));
          } else if (hits === 0) {
            out.push(
              diag('KF2007', `replacement target field ${fp} not found in ${formatResId(r.id)}`, {
                location: fpLoc,
                resource: r.id,
                hint: 'set `options: {create: true}` on the target to create missing fields',
              }),
            );
          }
        }
      }
    }
  }
  return out;
}

/** The ids Kustomize matches a replacement selector against: the current and every earlier (name, namespace). */
function idPairs(r: Resource): { name: string; namespace?: string }[] {
  return [pairOf(r.id), pairOf(r.originalId), ...r.previousIds];
}

function nsEq(a: string | undefined, b: string | undefined): boolean {
  const n = (x: string | undefined) => (x === undefined || x === '' ? 'default' : x);
  return n(a) === n(b);
}

/** Kustomize's ResId.IsSelectedBy over every id of the resource (exact fields, empty ones match anything). */
function idSelected(r: Resource, s: { group?: string; version?: string; kind?: string; name?: string; namespace?: string }): boolean {
  if (s.group && s.group !== r.id.group) return false;
  if (s.version && s.version !== r.id.version) return false;
  if (s.kind && s.kind !== r.id.kind && s.kind !== r.originalId.kind) return false;
  return idPairs(r).some((p) => (!s.name || s.name === p.name) && (!s.namespace || nsEq(s.namespace, p.namespace)));
}

function hasIdFields(s: Selector): boolean {
  return !!(s.group || s.version || s.kind || s.name || s.namespace);
}

function targetSelected(r: Resource, select: Selector, reject: Selector[]): boolean {
  const labelsOnly = (s: Selector): Selector => ({ labelSelector: s.labelSelector, annotationSelector: s.annotationSelector });
  if (!matchesSelector(r, labelsOnly(select))) return false;
  if (!idSelected(r, select)) return false;
  for (const rj of reject) {
    if ((rj.labelSelector || rj.annotationSelector) && matchesSelector(r, labelsOnly(rj))) return false;
    if (hasIdFields(rj) && idSelected(r, rj)) return false;
  }
  return true;
}

function sourceMatches(r: Resource, s: ReplacementSource): boolean {
  return idSelected(r, s);
}

function describeSource(s: ReplacementSource): string {
  return [s.kind ?? '*', s.namespace ? `${s.namespace}/` : '', s.name ?? '*'].join(s.kind ? ' ' : '').replace(/ $/, '');
}

/**
 * Kustomize's SmarterPathSplitter: split at dots not preceded by a backslash (a leading
 * dot is dropped), then rejoin a bracketed part split at its dots; a bracketed part
 * without `=` becomes a plain key (`[a.b/c]` → `a.b/c`).
 */
export function splitPath(path: string): string[] {
  let ps = path.split('.');
  if (ps.length > 1 && ps[0] === '') ps = ps.slice(1);
  const joined: string[] = [ps[0]];
  for (let i = 1; i < ps.length; i++) {
    const last = joined.length - 1;
    if (joined[last].endsWith('\\')) joined[last] = joined[last].slice(0, -1) + '.' + ps[i];
    else joined.push(ps[i]);
  }
  const out: string[] = [];
  for (let i = 0; i < joined.length; i++) {
    const elem = joined[i];
    if (elem.startsWith('[') && !elem.endsWith(']')) {
      const parts = [elem];
      while (i < joined.length - 1) {
        i++;
        parts.push(joined[i]);
        if (joined[i].endsWith(']')) break;
      }
      const text = parts.join('.');
      out.push(text.includes('=') ? text : text.replace(/^\[+|\]+$/g, ''));
    } else out.push(elem);
  }
  return out;
}

/** A path part: a map key, `[k=v]` list selection (`k` empty for a list of scalars), a list index, or `*`. */
type Part = { t: 'key'; key: string } | { t: 'sel'; k: string; v: string } | { t: 'idx'; i: number } | { t: 'all' } | { t: 'bad'; text: string };

function partOf(s: string): Part {
  if (s === '*') return { t: 'all' };
  if (/^\+?\d+$/.test(s)) return { t: 'idx', i: Number(s) };
  if (s.startsWith('[') && s.endsWith(']')) {
    const body = s.slice(1, -1);
    const eq = body.indexOf('=');
    if (eq < 0) return { t: 'bad', text: s };
    return { t: 'sel', k: body.slice(0, eq), v: body.slice(eq + 1) };
  }
  return { t: 'key', key: s };
}

/** Field paths as parts (exported for tests). */
export function parsePath(path: string): Part[] {
  return splitPath(path).map(partOf);
}

type Visit = (parent: JsonObject | Json[], key: string | number, pointer: string, existed: boolean) => void;

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}


/** The text of a scalar as a YAML node holds it (a list or map: none). */
function nodeText(v: Json | undefined): string | undefined {
  if (v === undefined || (typeof v === 'object' && v !== null)) return undefined;
  return v === null ? 'null' : String(v);
}

/** kyaml's RNode.IsNilOrEmpty: null, an empty map or an empty list. */
function isNilOrEmpty(v: Json): boolean {
  return v === null || (Array.isArray(v) ? v.length === 0 : typeof v === 'object' && Object.keys(v).length === 0);
}

/** The source value at `parts` (kyaml's PathGetter: exact matches), or why it cannot be read. */
function lookupSource(node: Json, parts: string[]): { value: Json | undefined } | string {
  let cur: Json | undefined = node;
  for (const raw of parts) {
    const part = partOf(raw);
    if (cur === undefined || cur === null) return { value: undefined };
    if (part.t === 'all') return 'a wildcard (*) is not supported in a source fieldPath';
    if (part.t === 'bad') return `list path element ${raw} must contain fieldName=fieldValue`;
    if (Array.isArray(cur)) {
      if (part.t === 'idx') cur = cur[part.i];
      else if (part.t === 'sel') cur = cur.find((item) => (part.k === '' ? nodeText(item) === part.v : isObj(item) && nodeText(item[part.k]) === part.v));
      else return { value: undefined };
    } else if (isObj(cur)) {
      if (part.t === 'key') cur = cur[part.key];
      else if (part.t === 'idx') cur = cur[raw];
      else return { value: undefined };
    } else return { value: undefined };
  }
  return { value: cur };
}


/** The kind of node kyaml creates for a missing part followed by `next` (a created leaf: undefined). */
function emptyFor(next: string | undefined): Json | undefined {
  if (next === undefined) return undefined;
  const p = partOf(next);
  return p.t === 'sel' || p.t === 'idx' ? [] : {};
}

/** Walks a target path as kyaml's PathMatcher does, creating missing parts when asked. */
function matchTarget(node: Json, parts: string[], i: number, create: boolean, ptr: string, visit: Visit): void {
  const part = partOf(parts[i]);
  const last = i === parts.length - 1;
  const step = (parent: JsonObject | Json[], key: string | number, child: Json, p: string) => {
    if (last) visit(parent, key, p, true);
    else matchTarget(child, parts, i + 1, create, p, visit);
  };
  if (part.t === 'bad') return;
  if (Array.isArray(node)) {
    if (part.t === 'all') {
      node.forEach((item, idx) => step(node, idx, item, `${ptr}/${idx}`));
      return;
    }
    if (part.t === 'idx') {
      if (part.i === node.length && create) {
        const fresh = emptyFor(parts[i + 1]);
        if (fresh === undefined) {
          node.push(null);
          visit(node, part.i, `${ptr}/${part.i}`, false);
          return;
        }
        node.push(fresh);
      }
      if (part.i < node.length) step(node, part.i, node[part.i], `${ptr}/${part.i}`);
      return;
    }
    if (part.t === 'sel') {
      const re = cachedRegex(part.v);
      if (!re) return;
      const matches = (item: Json) => {
        const text = part.k === '' ? nodeText(item) : isObj(item) ? nodeText(item[part.k]) : undefined;
        return text !== undefined && re.test(text.trim());
      };
      let matched = false;
      node.forEach((item, idx) => {
        if (!matches(item)) return;
        matched = true;
        step(node, idx, item, `${ptr}/${idx}`);
      });
      if (!matched && create) {
        // kyaml appends an item holding the value (untagged: typed as plain YAML) and matches again
        const v = plainScalar(part.v);
        const item: Json = part.k === '' ? v : { [part.k]: v };
        node.push(item);
        if (matches(item)) step(node, node.length - 1, item, `${ptr}/${node.length - 1}`);
      }
    }
    return;
  }
  if (!isObj(node) || part.t !== 'key') return;
  const p = `${ptr}/${escapeSegment(part.key)}`;
  const has = node[part.key] !== undefined;
  if (last) {
    if (has) visit(node, part.key, p, true);
    else if (create) visit(node, part.key, p, false);
    return;
  }
  let child = node[part.key];
  if (child === undefined || child === null) {
    if (!create) return;
    child = emptyFor(parts[i + 1]) ?? {};
    node[part.key] = child;
  }
  matchTarget(child, parts, i + 1, create, p, visit);
}

function scalarString(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A plain (untagged) YAML scalar's JSON value, as Kustomize's JSON round trip gives it (go-yaml v3). */
export function plainScalar(s: string): Json {
  const r = resolvePlain(s);
  return r === MERGE || r === NOT_JSON ? s : r;
}

/**
 * The value written into a target field (`cur`: its present value, undefined when created),
 * or why Kustomize would fail to read the result back.
 */
function newValue(cur: Json | undefined, value: Json, opts: { delimiter?: string; index?: number } | undefined, fromGenerated: boolean, keepText = false): { value: Json } | { error: string } {
  let v: Json = value;
  if (opts?.delimiter !== undefined && opts.delimiter !== '') {
    if (typeof cur === 'object' && cur !== null) return { error: 'options.delimiter can only be used with a scalar target field' };
    const parts = cur === undefined || cur === null ? [''] : scalarString(cur).split(opts.delimiter);
    const idx = opts.index ?? 0;
    const s = scalarString(value);
    if (idx < 0) parts.unshift(s);
    else if (idx >= parts.length) parts.push(s);
    else parts[idx] = s;
    v = parts.join(opts.delimiter);
  }
  const isNode = typeof v === 'object' && v !== null;
  if (cur === undefined) {
    // a created node is untagged: a scalar's text is typed as plain YAML
    return { value: isNode ? cloneJson(v) : keepText ? scalarString(v) : plainScalar(scalarString(v)) };
  }
  if (isNode) return { value: cloneJson(v) };
  if (typeof cur === 'object' && cur !== null) {
    // the whole node is replaced by the source's (generated values are untagged)
    return { value: fromGenerated && typeof v === 'string' ? plainScalar(v) : v };
  }
  // an existing scalar keeps its tag and takes the text, which must read as that tag
  const text = scalarString(v);
  if (typeof cur === 'string') return { value: text };
  const read = plainScalar(text);
  const tag = read === null ? '!!null' : typeof read === 'boolean' ? '!!bool' : typeof read === 'number' ? (Number.isInteger(read) ? '!!int' : '!!float') : '!!str';
  const refuse = (field: string) => ({ error: `Kustomize cannot decode ${tag} \`${text}\` as ${field}` });
  if (cur === null) return read === null ? { value: null } : refuse('a !!null (the field is null)');
  if (typeof cur === 'boolean') return typeof read === 'boolean' ? { value: read } : refuse('a !!bool');
  if (typeof read !== 'number') return refuse(Number.isInteger(cur) ? 'an !!int' : 'a !!float');
  if (Number.isInteger(cur) && !Number.isInteger(read)) return refuse('an !!int');
  return { value: read };
}
