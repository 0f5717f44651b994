import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { FieldSpec } from './fieldspec.js';
import { forEachSpec } from './fieldspec.js';
import { VAR_REFERENCE_FIELD_SPECS } from '../schema/var-references.js';

/**
 * Kustomize's deprecated `vars`, as `kustomize build` v5.5 runs them (all observed):
 *
 * Declaring (`parseVars`):
 * - keys are matched case-insensitively (`objref`, `objRef`, `fieldref`, `fieldPath`…, Go's
 *   JSON decoding); unknown keys and wrong types are errors;
 * - `objref.apiVersion`, when given, wins: `g/v` sets group and version, a bare `v` only the
 *   version (an explicit `group` then stays);
 * - a missing or empty `fieldref.fieldPath` means `metadata.name`.
 *
 * Binding (`bindVars`, at the end of the kustomization that declares the vars):
 * - vars accumulate bottom-up; a second var with the same name is an error;
 * - the objref matches a resource of exactly that group and version (an omitted group or
 *   version means the core group / no version, so `{kind: Deployment, name: x}` matches
 *   nothing), exactly that kind, whose current, original or any earlier name is the
 *   objref's name, and, when the objref gives a namespace, whose current, original or any
 *   earlier namespace is that one (no namespace matches any);
 * - two matches are an error (ambiguous); no match is an error only at the end
 *   ("cannot be mapped"), and a resource added later by an overlay does not rescue it.
 *
 * Resolving (`resolveVars`, at the root, after hash suffixes and name references):
 * - every value is read first (so names carry prefixes, suffixes and hashes), then
 *   substituted: no var sees another var's substitution;
 * - field paths are dot-separated; `\.` escapes a dot; `a[0]` and `a.0` index lists; empty
 *   segments are skipped; a missing field is an error;
 * - substitution happens only in the var-reference fields (schema/var-references.ts plus
 *   `configurations` `varReference` specs), with Kubernetes' `$(VAR)` syntax: `$$` becomes
 *   `$`, an undefined `$(NAME)` stays as written, an unclosed `$(` stays;
 * - a field that is exactly `$(VAR)` takes the value with its type (an int port stays an
 *   int, a bool a bool); inside a longer string the value is formatted (`--port=4369`);
 *   null formats as "null"; a map or list value is never substituted (`$(VAR)` stays);
 * - top-level `metadata.annotations` values always come out as strings (Kustomize rewrites
 *   that map as strings afterwards), while labels keep the type;
 * - a list in a var-reference field must hold only strings (else Kustomize fails with
 *   "invalid value type expect a string"); other non-string scalars are left alone;
 * - with no vars at all nothing is touched (`$$` stays `$$`);
 * - vars never substituted anywhere are reported on stderr as
 *   `well-defined vars that were never replaced: A,B` (declaration order), a warning.
 */

export interface VarDecl {
  name: string;
  objref: { group?: string; version?: string; kind: string; name: string; namespace?: string };
  fieldPath: string;
  location: SourceLocation;
}

/** A var after `bindVars`: `target` is the resource it named at its level, or null for none. */
export interface BoundVar extends VarDecl {
  target: Resource | null;
}

/** Codes used here (the closed table has no var-specific codes yet). */
const CODE_ERROR = 'KF2015' as const;
const CODE_AMBIGUOUS = 'KF2011' as const;
const CODE_DECL = 'KF1006' as const;

const DEFAULT_FIELD_PATH = 'metadata.name';

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `a ${typeof v}`;
}

/** Reads the `vars:` value of a kustomization. `itemLocations[i]`, when given, is where item i is written. */
export function parseVars(raw: Json, location: SourceLocation, itemLocations?: readonly SourceLocation[]): { value: VarDecl[]; diagnostics: Diagnostic[] } {
  const ds: Diagnostic[] = [];
  const out: VarDecl[] = [];
  if (raw === null || raw === undefined) return { value: out, diagnostics: ds };
  if (!Array.isArray(raw)) {
    ds.push(diag(CODE_DECL, `vars must be a list, not ${typeName(raw)}`, { location, hint: 'write each var as a list item: - name: X\\n  objref: {…}' }));
    return { value: out, diagnostics: ds };
  }
  raw.forEach((item, i) => {
    const at = itemLocations?.[i] ?? location;
    const bad = (msg: string, hint?: string) => ds.push(diag(CODE_DECL, msg, { location: at, ...(hint ? { hint } : {}) }));
    if (!isObject(item)) {
      bad(`vars item ${i + 1} must be a mapping with name, objref and fieldref, not ${typeName(item)}`);
      return;
    }
    let ok = true;
    let name = '';
    let objref: JsonObject | undefined;
    let fieldref: JsonObject | undefined;
    for (const [key, val] of Object.entries(item)) {
      const k = key.toLowerCase();
      if (k === 'name') {
        if (val === null) continue;
        if (typeof val !== 'string') {
          bad(`vars item ${i + 1}: name must be a string, not ${typeName(val)}`, 'quote the name');
          ok = false;
        } else name = val;
      } else if (k === 'objref' || k === 'fieldref') {
        if (val === null) continue;
        if (!isObject(val)) {
          bad(`vars item ${i + 1}: ${key} must be a mapping, not ${typeName(val)}`, k === 'fieldref' ? 'write fieldref: {fieldPath: metadata.name}' : 'write objref: {apiVersion: v1, kind: Service, name: my-service}');
          ok = false;
        } else if (k === 'objref') objref = val;
        else fieldref = val;
      } else {
        bad(`vars item ${i + 1}: unknown field "${key}"`, 'a var has name, objref and fieldref');
        ok = false;
      }
    }
    const ref: VarDecl['objref'] = { kind: '', name: '' };
    let apiVersion: string | undefined;
    for (const [key, val] of Object.entries(objref ?? {})) {
      const k = key.toLowerCase();
      const known = ['apiversion', 'group', 'version', 'kind', 'name', 'namespace'];
      if (!known.includes(k)) {
        bad(`vars item ${i + 1}: unknown objref field "${key}"`, 'objref has apiVersion (or group and version), kind, name and namespace');
        ok = false;
        continue;
      }
      if (val === null) continue;
      if (typeof val !== 'string') {
        bad(`vars item ${i + 1}: objref.${key} must be a string, not ${typeName(val)}`);
        ok = false;
        continue;
      }
      if (k === 'apiversion') apiVersion = val;
      else if (k === 'group') ref.group = val;
      else if (k === 'version') ref.version = val;
      else if (k === 'kind') ref.kind = val;
      else if (k === 'name') ref.name = val;
      else ref.namespace = val;
    }
    if (apiVersion !== undefined && apiVersion !== '') {
      const slash = apiVersion.lastIndexOf('/');
      if (slash >= 0) {
        ref.group = apiVersion.slice(0, slash);
        ref.version = apiVersion.slice(slash + 1);
      } else ref.version = apiVersion;
    }
    let fieldPath = DEFAULT_FIELD_PATH;
    for (const [key, val] of Object.entries(fieldref ?? {})) {
      if (key.toLowerCase() !== 'fieldpath') {
        bad(`vars item ${i + 1}: unknown fieldref field "${key}"`, 'fieldref has only fieldPath');
        ok = false;
      } else if (val !== null && typeof val !== 'string') {
        bad(`vars item ${i + 1}: fieldref.fieldPath must be a string, not ${typeName(val)}`);
        ok = false;
      } else if (typeof val === 'string' && val !== '') fieldPath = val;
    }
    if (ok) out.push({ name, objref: ref, fieldPath, location: at });
  });
  return { value: out, diagnostics: ds };
}

function nsKey(ns: string | undefined): string {
  return ns === undefined || ns === 'default' ? '' : ns;
}

function describeObjref(v: VarDecl): string {
  const o = v.objref;
  const gv = o.group ? `${o.group}/${o.version ?? ''}` : (o.version ?? '');
  return `${o.kind || '(no kind)'} ${o.namespace ? `${o.namespace}/` : ''}${o.name || '(no name)'}${gv ? ` (${gv})` : ' (no apiVersion)'}`;
}

/** Whether the var's objref names `r` (by its current, original or any earlier name and namespace). */
export function objrefMatches(v: VarDecl, r: Resource): boolean {
  const o = v.objref;
  if (o.kind !== r.id.kind && o.kind !== r.originalId.kind) return false;
  if ((o.group ?? '') !== r.id.group || (o.version ?? '') !== r.id.version) return false;
  if (o.name !== r.id.name && o.name !== r.originalId.name && !r.previousNames.includes(o.name)) return false;
  if (o.namespace !== undefined && o.namespace !== '') {
    const want = nsKey(o.namespace);
    const have = [r.id.namespace, r.originalId.namespace, ...r.previousNamespaces].map(nsKey);
    if (!have.includes(want)) return false;
  }
  return true;
}

function findTargets(resources: Iterable<Resource>, v: VarDecl): Resource[] {
  const out: Resource[] = [];
  for (const r of resources) if (objrefMatches(v, r)) out.push(r);
  return out;
}

function ambiguous(v: VarDecl, matches: Resource[]): Diagnostic {
  return diag(CODE_AMBIGUOUS, `var "${v.name}": objref ${describeObjref(v)} matches ${matches.length} resources`, {
    location: v.location,
    notes: matches.map((r) => `matches ${r.id.kind} ${r.id.namespace ? `${r.id.namespace}/` : ''}${r.id.name} (${r.origin.location.file}:${r.origin.location.line})`),
    hint: 'add objref.namespace to pick one',
  });
}

function duplicate(v: VarDecl, first: VarDecl): Diagnostic {
  return diag(CODE_DECL, `var "${v.name}" is declared twice`, {
    location: v.location,
    notes: [`first declared at ${first.location.file}:${first.location.line}:${first.location.column}`],
    hint: 'var names are global to the build: rename one of them',
  });
}

/**
 * Binds the vars declared by one kustomization to the resources it has built so far, as
 * Kustomize does at the end of each kustomization, and appends them to `accumulated`
 * (which holds the vars of its resources and components, in order). Call it after the
 * kustomization's transformers. Duplicates and ambiguous objrefs are errors here.
 */
export function bindVars(rm: ResourceMap, declared: readonly VarDecl[], accumulated: BoundVar[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const v of declared) {
    const matches = findTargets(rm, v);
    if (matches.length > 1) {
      ds.push(ambiguous(v, matches));
      continue;
    }
    const first = accumulated.find((a) => a.name === v.name);
    if (first) {
      ds.push(duplicate(v, first));
      continue;
    }
    accumulated.push({ ...v, target: matches[0] ?? null });
  }
  return ds;
}

/**
 * Merges the vars a `resources` directory accumulated into its parent's (Kustomize merges
 * them with the directory's resources, before the parent's own vars): a name met twice is
 * an error (also when the same base is listed twice).
 */
export function mergeVars(into: BoundVar[], from: readonly BoundVar[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const v of from) {
    const first = into.find((a) => a.name === v.name);
    if (first) ds.push(duplicate(v, first));
    else into.push(v);
  }
  return ds;
}

type Segment = { key: string } | { index: number };

/** Parses a var field path: dots separate, `\.` escapes a dot, `a[0]` and `a.0` index lists. */
export function parseVarFieldPath(path: string): Segment[] | undefined {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < path.length; i++) {
    if (path[i] === '\\' && path[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (path[i] === '.') {
      parts.push(cur);
      cur = '';
    } else cur += path[i];
  }
  parts.push(cur);
  const segs: Segment[] = [];
  for (const p of parts) {
    if (p === '') continue;
    const m = /^([^[\]]*)((?:\[\d+\])*)$/.exec(p);
    if (!m) return undefined;
    if (m[1] !== '') segs.push({ key: m[1] });
    for (const idx of m[2].matchAll(/\[(\d+)\]/g)) segs.push({ index: Number(idx[1]) });
  }
  return segs;
}

/** The value at a var field path, or undefined when it is not there. */
export function readVarField(obj: JsonObject, path: string): { value: Json } | undefined {
  const segs = parseVarFieldPath(path);
  if (!segs) return undefined;
  let node: Json = obj;
  for (const s of segs) {
    if ('index' in s) {
      if (!Array.isArray(node) || s.index >= node.length) return undefined;
      node = node[s.index];
    } else if (Array.isArray(node)) {
      if (!/^\d+$/.test(s.key)) return undefined;
      const i = Number(s.key);
      if (i >= node.length) return undefined;
      node = node[i];
    } else if (isObject(node)) {
      if (!Object.prototype.hasOwnProperty.call(node, s.key)) return undefined;
      node = node[s.key];
    } else return undefined;
  }
  return { value: node };
}

/** A var's value in string context (embedded in a longer string). */
function formatValue(v: Json): string {
  if (v === null) return 'null';
  return String(v);
}

function usable(v: Json): boolean {
  return v === null || typeof v !== 'object';
}

/**
 * Expands `$(NAME)` references in `input` with Kubernetes' syntax: `$$` is a literal `$`,
 * an unknown or unclosed reference stays as written. `lookup` returns undefined for unknown.
 */
export function expandVarRefs(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  let i = 0;
  while (i < input.length) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      i++;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 2;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 2;
      } else {
        const name = input.slice(i + 2, close);
        out += lookup(name) ?? `$(${name})`;
        i = close + 1;
      }
    } else {
      out += '$' + next;
      i += 2;
    }
  }
  return out;
}

function specKey(s: FieldSpec): string {
  return `${s.group ?? ''}|${s.version ?? ''}|${s.kind ?? ''}|${s.path}`;
}

function isInResources(resources: ResourceMap, r: Resource): boolean {
  return resources.byKind(r.id.kind).includes(r);
}

/** Whether the var can be used as a target-less VarDecl (not bound) or a BoundVar. */
function isBound(v: VarDecl | BoundVar): v is BoundVar {
  return 'target' in v;
}

/**
 * Substitutes the vars at the root of a build, after hash suffixes and name references.
 * `vars` are the accumulated vars (BoundVar from `bindVars`, or plain VarDecl, which are
 * then matched here against the final resources). Mutates the resources' objects.
 * Returns errors (duplicate name, objref matching nothing or several, missing field,
 * non-string list items) and the "never replaced" warning.
 */
export function resolveVars(resources: ResourceMap, vars: readonly (VarDecl | BoundVar)[], extraVarReferences: readonly FieldSpec[]): Diagnostic[] {
  const ds: Diagnostic[] = [];
  if (vars.length === 0) return ds;

  // 1. Targets and values, all read before any substitution.
  const values = new Map<string, Json>();
  const order: VarDecl[] = [];
  const seen = new Map<string, VarDecl>();
  for (const v of vars) {
    const first = seen.get(v.name);
    if (first) {
      ds.push(duplicate(v, first));
      continue;
    }
    seen.set(v.name, v);
    let target: Resource | undefined;
    if (isBound(v) && v.target !== null && isInResources(resources, v.target)) target = v.target;
    else if (!isBound(v) || v.target !== null) {
      // Not bound yet, or its resource was replaced by an identical later one: match now.
      const matches = findTargets(resources, isBound(v) && v.target ? { ...v, objref: { ...v.objref, name: v.target.id.name, namespace: v.target.id.namespace ?? v.objref.namespace } } : v);
      if (matches.length > 1) {
        ds.push(ambiguous(v, matches));
        continue;
      }
      target = matches[0];
    }
    if (!target) {
      ds.push(
        diag(CODE_ERROR, `var "${v.name}": objref ${describeObjref(v)} matches no resource`, {
          location: v.location,
          hint: 'objref needs the exact apiVersion (e.g. apps/v1 for a Deployment), kind and name of a resource declared at or below the kustomization declaring the var',
        }),
      );
      continue;
    }
    const got = readVarField(target.object, v.fieldPath);
    if (!got) {
      ds.push(
        diag(CODE_ERROR, `var "${v.name}": field "${v.fieldPath}" not found in ${target.id.kind} ${target.id.namespace ? `${target.id.namespace}/` : ''}${target.id.name}`, {
          location: v.location,
          resource: target.id,
          hint: 'fieldref.fieldPath is dot-separated (spec.ports[0].port, metadata.labels.app\\.kubernetes\\.io/name)',
        }),
      );
      continue;
    }
    values.set(v.name, got.value);
    order.push(v);
  }
  if (ds.some((d) => d.severity === 'error')) return ds;

  // 2. Substitution in the var-reference fields.
  const used = new Set<string>();
  const lookup = (name: string): string | undefined => {
    if (!values.has(name)) return undefined;
    const v = values.get(name) as Json;
    if (!usable(v)) return undefined;
    used.add(name);
    return formatValue(v);
  };
  const substitute = (s: string): Json => {
    const whole = /^\$\(([^)]*)\)$/.exec(s);
    if (whole && values.has(whole[1])) {
      const v = values.get(whole[1]) as Json;
      if (usable(v)) {
        used.add(whole[1]);
        return v === null ? 'null' : v;
      }
    }
    return expandVarRefs(s, lookup);
  };
  const specs: FieldSpec[] = [];
  const keys = new Set<string>();
  for (const s of [...VAR_REFERENCE_FIELD_SPECS, ...extraVarReferences]) {
    const k = specKey(s);
    if (keys.has(k)) continue;
    keys.add(k);
    specs.push(s);
  }
  for (const r of resources) {
    // A field reached by two specs (a `configurations` spec repeating a built-in one, with
    // or without kind) is substituted once, as in Kustomize: `$$$$` becomes `$$`, not `$`.
    const done = new Set<string>();
    forEachSpec(r.object, r.id, specs, (spec, parent, key, pointer) => {
      if (done.has(pointer)) return;
      done.add(pointer);
      const cur = parent[key];
      if (typeof cur === 'string') {
        parent[key] = substitute(cur);
      } else if (Array.isArray(cur)) {
        const badAt = cur.findIndex((x) => typeof x !== 'string');
        if (badAt >= 0) {
          ds.push(
            diag(CODE_ERROR, `${r.id.kind} ${r.id.name}: ${spec.path} must be a list of strings for vars, but item ${badAt} is ${typeName(cur[badAt])}`, {
              location: r.origin.location,
              resource: r.id,
              pointer: `${pointer}/${badAt}`,
              hint: 'quote the item (Kustomize refuses non-string items in var-reference lists)',
            }),
          );
          return;
        }
        parent[key] = cur.map((x) => substitute(x as string));
      } else if (isObject(cur)) {
        const topAnnotations = pointer === '/metadata/annotations';
        for (const k of Object.keys(cur)) {
          const x = cur[k];
          if (typeof x !== 'string') continue;
          const nv = substitute(x);
          cur[k] = topAnnotations && typeof nv !== 'string' ? formatValue(nv) : nv;
        }
      }
    });
  }

  // 3. The warning Kustomize logs for vars never substituted.
  const unused = order.filter((v) => !used.has(v.name));
  if (unused.length) {
    ds.push(
      diag('KF2016', `well-defined vars that were never replaced: ${unused.map((v) => v.name).join(',')}`, {
        severity: 'warning',
        location: unused[0].location,
        hint: 'remove the unused vars, or reference them as $(NAME) in a var-reference field (container command, args, env values…)',
      }),
    );
  }
  return ds;
}

