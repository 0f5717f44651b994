import { pairOf, plus, replaceFieldSource, storePreviousId } from '../types.js';
import type { Diagnostic, FieldSource, Json, JsonObject, Resource, SourceLocation, StoredId } from '../types.js';
import { formatResId, splitApiVersion } from '../types.js';
import { diag } from '../diagnostics.js';
import { idFromObject, type ResourceMap } from '../resource-map.js';
import type { PatchEntry } from '../load/kustomization.js';
import { parseYamlDocuments, yaml11Plain } from '../load/yaml/index.js';
import type { Document } from 'yaml';
import { parseAllDocuments, isMap, isScalar, isSeq } from '../load/yaml/package.js';
import { applyStrategicMerge } from './patch-strategic.js';
import { applyJson6902, checkOpPaths, validateOps } from './patch-json6902.js';
import { escapeSegment, modelForKind } from '../schema/models.js';
import { isClusterScoped } from '../schema/cluster-scoped.js';
import { parseSelector, selectTargets } from './select.js';
import type { Selector } from '../load/kustomization.js';

/**
 * Applies `patches`, `patchesStrategicMerge` or `patchesJson6902` entries of one
 * kustomization. A patch text that is a YAML/JSON list is JSON 6902; otherwise each
 * document is a strategic-merge patch. With a `target`, the patch goes to every
 * selected resource (none selected: skipped silently, as Kustomize); without one, a
 * strategic-merge patch finds its resource by its own kind, name and namespace
 * (none: an error, as Kustomize).
 */
export function applyPatches(rm: ResourceMap, entries: readonly PatchEntry[], field: 'patches' | 'patchesStrategicMerge' | 'patchesJson6902', fieldSources = true): Diagnostic[] {
  const ds: Diagnostic[] = [];
  for (const entry of entries) {
    if (entry.target) {
      // A target whose name or namespace is not a valid regular expression: Kustomize fails.
      const bad = parseSelector(entry.target, entry.location);
      ds.push(...bad);
      if (bad.some((d) => d.severity === 'error')) continue;
    }
    if (field === 'patchesJson6902' && !entry.target?.name) {
      ds.push(diag('KF3007', 'a patchesJson6902 target needs a name', { location: entry.location, hint: 'add target.name (a regular expression), or move the entry to patches, whose targets may omit it' }));
      continue;
    }
    // Kustomize trims an inline `patches` text (not a file, nor the legacy fields); a text
    // that then starts with `[` is read as strict JSON, anything else as YAML.
    const raw = field === 'patches' && !entry.path ? entry.text.trim() : entry.text;
    if (field !== 'patchesStrategicMerge' && raw.startsWith('[')) {
      let ops: Json;
      try {
        ops = JSON.parse(raw) as Json;
      } catch (e) {
        ds.push(diag('KF3003', `the patch starts with [ but is not JSON: ${(e as Error).message}`, { location: entry.textLocation, hint: 'a JSON 6902 patch that starts with [ must be JSON (quoted keys and strings); or write it as a YAML list (- op: …)' }));
        continue;
      }
      if (Array.isArray(ops) && ops.length === 0) {
        ds.push(diag('KF3003', 'the JSON 6902 patch has no operations', { location: entry.textLocation, hint: 'Kustomize refuses an empty patch: remove the entry' }));
        continue;
      }
      ds.push(...applyJsonEntry(rm, entry, ops, field, fieldSources));
      continue;
    }
    const parsed = parseYamlDocuments(entry.text, entry.textLocation.file);
    const shift = entry.textLocation.line - 1;
    for (const d of parsed.diagnostics) ds.push(d.location ? { ...d, location: { ...d.location, line: d.location.line + shift } } : d);
    if (!parsed.value) continue;
    const docs = parsed.value.filter((d) => d.value !== null);
    if (docs.length === 0) {
      ds.push(diag('KF3005', 'the patch is empty', { location: entry.location, hint: 'write the patch, or remove the entry' }));
      continue;
    }
    // JSON 6902 in YAML: Kustomize converts the first document only.
    const isJson6902 = field === 'patchesJson6902' || (field === 'patches' && Array.isArray(docs[0].value));
    if (isJson6902) {
      const ops = docs[0].value;
      if (Array.isArray(ops) && ops.length === 0) {
        ds.push(diag('KF3003', 'the JSON 6902 patch has no operations', { location: entry.textLocation, hint: 'Kustomize refuses an empty patch: remove the entry' }));
        continue;
      }
      ds.push(...applyJsonEntry(rm, entry, yaml11Values(ops, entry.text, docs[0].index), field, fieldSources));
      continue;
    }
    const docLoc = (doc: (typeof docs)[number]) => ({ ...entry.textLocation, line: doc.line + shift, column: doc.column + entry.textLocation.column - 1 });
    let ok = true;
    for (const doc of docs) {
      const v = doc.value;
      const meta = isObj(v) ? v.metadata : undefined;
      if (!isObj(v) || typeof v.kind !== 'string' || v.kind === '' || !isObj(meta) || typeof meta.name !== 'string' || meta.name === '') {
        ok = false;
        ds.push(
          diag('KF3005', isObj(v) ? 'a strategic-merge patch needs kind and metadata.name' : 'a strategic-merge patch document must be a mapping', {
            location: docLoc(doc),
            hint: isObj(v) ? 'Kustomize cannot read the patch without them, even with a target: add kind and metadata.name (any name, with a target)' : 'a JSON 6902 patch is a list of operations in its first document',
          }),
        );
      }
    }
    if (!ok) continue;
    if (entry.target && docs.length > 1) {
      ds.push(diag('KF3005', `a patches entry with a target holds ${docs.length} strategic-merge patches`, { location: entry.location, hint: 'Kustomize allows one document with a target: split the file into one entry per document' }));
      continue;
    }
    for (const doc of docs) ds.push(...applySmDoc(rm, entry, doc.value as JsonObject, doc.index, docLoc(doc), field, fieldSources));
  }
  return ds;
}

const DATE_LIKE = /^\d{4}-\d\d?-\d\d?/;

/**
 * Kustomize converts a JSON 6902 patch written in YAML with a YAML 1.1 reader
 * (sigs.k8s.io/yaml): a plain `yes`, `no`, `on`, `off`, `y`, `n` is a boolean (yaml11Plain,
 * the reading kustomization files get too), and a plain date or timestamp stays the text
 * it is. Resources are read otherwise (those stay strings / become RFC 3339), so the few
 * values concerned are re-read from the source, only when the operations hold such a
 * string.
 */
function yaml11Values(ops: Json, text: string, docIndex: number): Json {
  const suspect = (v: Json): boolean =>
    typeof v === 'string' ? typeof yaml11Plain(v) !== 'string' || DATE_LIKE.test(v) : Array.isArray(v) ? v.some(suspect) : isObj(v) ? Object.values(v).some(suspect) : false;
  if (!suspect(ops)) return ops;
  const doc = parseAllDocuments(text)[docIndex] as Document.Parsed | undefined;
  if (!doc || !doc.contents) return ops;
  const fix = (v: Json, node: unknown): Json => {
    if (isScalar(node)) {
      if (typeof v !== 'string' || node.type !== 'PLAIN' || node.tag !== undefined || typeof node.source !== 'string') return v;
      if (DATE_LIKE.test(node.source)) return node.source;
      const v11 = yaml11Plain(node.source);
      return typeof v11 === 'string' ? v : v11;
    }
    if (Array.isArray(v) && isSeq(node)) return v.map((x, i) => fix(x, node.items[i]));
    if (isObj(v) && isMap(node)) {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === k);
        out[k] = pair ? fix(x, pair.value) : x;
      }
      return out;
    }
    return v;
  };
  return fix(ops, doc.contents);
}

function targetsOf(rm: ResourceMap, target: Selector, location: SourceLocation): { selected: Resource[] } | { error: Diagnostic } {
  const { selected, invalid } = selectTargets(rm, target);
  if (!invalid) return { selected };
  return {
    error: diag('KF3007', `the target's ${invalid} ${JSON.stringify(target[invalid])} cannot be parsed`, {
      location: target.locations?.[invalid] ?? location,
      hint: 'Kustomize fails on it: syntax key=value, key!=value, key in (a,b), key notin (a,b), key, !key; comma means AND',
    }),
  };
}

function applyJsonEntry(rm: ResourceMap, entry: PatchEntry, ops: Json, field: string, fieldSources: boolean): Diagnostic[] {
  const where = entry.textLocation;
  const bad = validateOps(ops, where);
  // Malformed operations: report them at their own lines (located only now, when needed);
  // lenient forms Kustomize accepts are warnings (reported once, not per target).
  const located = bad.length && Array.isArray(ops) ? validateOps(ops, where, opLocations(entry, ops.length)) : bad;
  if (bad.some((d) => d.severity === 'error')) return located;
  if (!entry.target) {
    return [diag('KF3005', `a JSON 6902 patch in ${field} needs a target`, { location: entry.location, hint: 'add target: {kind, name} (or group/version/labelSelector) to say which resources it patches' })];
  }
  const ds: Diagnostic[] = [...located];
  const sel = targetsOf(rm, entry.target, entry.location);
  if ('error' in sel) return [sel.error];
  const targets = sel.selected;
  let renamed = false;
  const list = ops as Json[];
  for (const r of targets) {
    // Kustomize stores the id of every target of a `patches` JSON 6902 patch (not of the
    // legacy patchesJson6902 field): a name-reference candidate from now on.
    if (field === 'patches') storePreviousId(r);
    const model = modelForKind(r.id.group, r.id.version, r.id.kind);
    // Kustomize's JSON 6902 step writes the resource with go-yaml and reads it back first.
    const read = withFoldedAnnotationsRoundTripped(r.object, foldedRoundTrip);
    const input = withPreviousIdAnnotations(r, read);
    const res = applyJson6902(input, ops, where);
    if (res.value && input !== read) res.value = withoutPreviousIdAnnotations(res.value);
    if (!res.value) {
      // Re-run with exact op positions only now that a diagnostic needs them.
      const again = applyJson6902(withPreviousIdAnnotations(r, r.object), ops, where, opLocations(entry, list.length));
      ds.push(...(again.diagnostics.length ? again.diagnostics : res.diagnostics).map((d) => ({ ...d, resource: d.resource ?? r.id })));
      ds.push(...checkOpPaths(model, ops, where, opLocations(entry, list.length)).filter((d) => d.severity !== 'error'));
      continue;
    }
    ds.push(...res.diagnostics);
    const pathDs = checkOpPaths(model, ops, where);
    if (pathDs.length) ds.push(...checkOpPaths(model, ops, where, opLocations(entry, list.length)));
    const before = r.object;
    r.object = res.value;
    // Appends (`/-`) are recorded at the index they landed on; the lazy pointer is the
    // op's `value` (the line a reviewer looks for), or its `path` when it has none.
    const appended = new Map<string, number>();
    if (fieldSources) list.forEach((op, i) => {
      if (!op || typeof op !== 'object' || Array.isArray(op) || typeof op.path !== 'string' || op.op === 'test' || op.op === 'remove') return;
      let pointer = op.path;
      if (pointer.endsWith('/-')) {
        const parent = pointer.slice(0, -2);
        const n = appended.get(parent) ?? 0;
        appended.set(parent, n + 1);
        pointer = `${parent}/${lengthAt(before, parent) + n}`;
      }
      addFieldSource(r, { pointer, location: where, by: field, lazy: { text: entry.text, docIndex: 0, pointer: 'value' in op ? `/${i}/value` : `/${i}/path`, at: { line: where.line, column: where.column } } });
    });
    renamed = syncId(r) || renamed;
  }
  if (renamed) rm.reindex();
  return ds;
}

/** Length of the array at `pointer` in `obj` (0 when there is none). */
function lengthAt(obj: Json, pointer: string): number {
  let cur: Json | undefined = obj;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else if (cur && typeof cur === 'object') cur = cur[k];
    else return 0;
  }
  return Array.isArray(cur) ? cur.length : 0;
}

function opLocations(entry: PatchEntry, n: number): SourceLocation[] {
  // Lazily imported to keep the fast path free of positional parsing.
  const out: SourceLocation[] = [];
  for (let i = 0; i < n; i++) {
    const p = locateInPatch(entry, 0, `/${i}`);
    out.push(p ?? entry.textLocation);
  }
  return out;
}

import { locatePointer, v3BlockAllowed, v3FoldedRoundTrip } from '../load/yaml/index.js';
import { withFoldedAnnotationsRoundTripped } from '../load/folded-mark.js';

const foldedRoundTrip = (v: string): string => (v3BlockAllowed(v) ? v3FoldedRoundTrip(v) : v);

/**
 * Kustomize keeps a resource's stored previous ids (storedIds) as annotations while it builds,
 * and a JSON 6902 patch sees them: `/metadata/annotations` exists for it even where the file
 * wrote none (`add /metadata/annotations/x` works there, `remove /metadata/annotations` too), and
 * a `copy` of the map carries them. The output never shows them in `annotations`.
 */
const PREVIOUS_ID_ANNOTATIONS = ['internal.config.kubernetes.io/previousKinds', 'internal.config.kubernetes.io/previousNames', 'internal.config.kubernetes.io/previousNamespaces'] as const;

/** `object` with r's stored ids as Kustomize's annotations (the same object when it has none). */
function withPreviousIdAnnotations(r: Resource, object: JsonObject): JsonObject {
  const ids = r.storedIds;
  const meta = object.metadata;
  if (!ids || ids.length === 0 || !meta || typeof meta !== 'object' || Array.isArray(meta)) return object;
  const ann = meta.annotations;
  const own = ann && typeof ann === 'object' && !Array.isArray(ann) ? ann : {};
  const ns = (s: StoredId): string => s.namespace ?? (isClusterScoped(r.id.group, s.kind, r.id.version) ? '_non_namespaceable_' : 'default');
  const values = [ids.map((s) => s.kind), ids.map((s) => s.name), ids.map(ns)].map((v) => v.join(','));
  const annotations: JsonObject = { ...own };
  PREVIOUS_ID_ANNOTATIONS.forEach((k, i) => (annotations[k] = values[i]));
  return { ...object, metadata: { ...meta, annotations } };
}

/** A patched resource without those annotations (and without `annotations` when nothing else is left there). */
function withoutPreviousIdAnnotations(object: JsonObject): JsonObject {
  const meta = object.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return object;
  const ann = meta.annotations;
  if (!ann || typeof ann !== 'object' || Array.isArray(ann) || !PREVIOUS_ID_ANNOTATIONS.some((k) => Object.hasOwn(ann, k))) return object;
  const rest: JsonObject = { ...ann };
  for (const k of PREVIOUS_ID_ANNOTATIONS) delete rest[k];
  const { annotations: _dropped, ...others } = meta;
  return { ...object, metadata: Object.keys(rest).length > 0 ? { ...others, annotations: rest } : others };
}

/** Exact position of a pointer inside a patch text, in the file the text came from. */
export function locateInPatch(entry: { text: string; textLocation: SourceLocation }, docIndex: number, pointer: string): SourceLocation | undefined {
  const p = locatePointer(entry.text, docIndex, pointer);
  if (!p) return undefined;
  return { file: entry.textLocation.file, line: entry.textLocation.line - 1 + p.line, column: entry.textLocation.line === 1 ? p.column : entry.textLocation.column - 1 + p.column };
}

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function applySmDoc(rm: ResourceMap, entry: PatchEntry, patch: JsonObject, docIndex: number, docLoc: SourceLocation, field: string, fieldSources: boolean): Diagnostic[] {
  const ds: Diagnostic[] = [];
  let targets: Resource[];
  if (entry.target) {
    const sel = targetsOf(rm, entry.target, entry.location);
    if ('error' in sel) return [sel.error];
    targets = sel.selected;
  } else {
    const found = findByPatchId(rm, patch);
    if (found.length === 0) {
      const pid = idFromObject(patch);
      const sameKind = rm.byKind(pid.kind).map((r) => r.id.name);
      // the namespace hint only when namespaces are the reason: the name exists, in another namespace
      const elsewhere = rm.byKind(pid.kind).find((r) => r.id.name === pid.name && (r.id.namespace ?? '') !== (pid.namespace ?? ''));
      const nsHint = !elsewhere ? '' : pid.namespace ? ` (the patch names namespace ${pid.namespace}; ${pid.name} is in ${elsewhere.id.namespace ?? 'no namespace'}: fix metadata.namespace)` : ` (a patch without namespace matches only resources without one: add metadata.namespace: ${elsewhere.id.namespace})`;
      return [
        diag('KF3001', `no resource matches the strategic-merge patch for ${formatResId(pid)}`, {
          location: docLoc,
          hint: sameKind.length
            ? `${pid.kind} resources in this build: ${sameKind.slice(0, 6).join(', ')}${nsHint}`
            : `there is no ${pid.kind || 'resource of that kind'} in this build; check apiVersion, kind and metadata.name, or add a target`,
        }),
      ];
    }
    if (found.length > 1) {
      return [
        diag('KF2011', `the strategic-merge patch for ${formatResId(idFromObject(patch))} matches ${found.length} resources: ${found.map((r) => formatResId(r.id)).join(', ')}`, {
          location: docLoc,
          hint: 'Kustomize matches current and previous names (before a prefix, suffix, namespace or renaming patch) and fails when several match: name the current one, add metadata.namespace, or use a target',
        }),
      ];
    }
    targets = found;
  }
  let renamed = false;
  const deleted: Resource[] = [];
  for (const r of targets) {
    // Kustomize stores the id before a patch that may change the name or kind.
    if (entry.options?.allowNameChange || entry.options?.allowKindChange) storePreviousId(r);
    const p = prepareSmPatch(patch, r, entry.options);
    const res = applyStrategicMerge(r.object, p, { group: r.id.group, version: r.id.version, kind: r.id.kind });
    ds.push(...res.diagnostics.map((d) => (d.location ? d : { ...d, location: (d.pointer !== undefined && locateInPatch(entry, docIndex, d.pointer)) || docLoc })));
    if (res.value === null) {
      deleted.push(r);
      continue;
    }
    if (!res.value) continue;
    r.object = res.value;
    if (fieldSources) for (const [rp, pp] of leafPointers(p, r.object)) addFieldSource(r, { pointer: rp, location: docLoc, by: field, lazy: { text: entry.text, docIndex, pointer: pp, at: { line: entry.textLocation.line, column: entry.textLocation.column } } });
    renamed = syncId(r) || renamed;
  }
  for (const r of deleted) rm.remove(r);
  if (renamed) rm.reindex();
  return ds;
}

/** Kustomize points a patch at its target: name, namespace and kind come from the resource unless the options allow changing them. */
function prepareSmPatch(patch: JsonObject, r: Resource, options: PatchEntry['options']): JsonObject {
  const p: JsonObject = { ...patch };
  const meta: JsonObject = isObj(p.metadata) ? { ...p.metadata } : {};
  if (!options?.allowNameChange || meta.name === undefined) meta.name = r.id.name;
  if (r.id.namespace !== undefined) meta.namespace = r.id.namespace;
  else delete meta.namespace;
  p.metadata = meta;
  if (!options?.allowKindChange || p.kind === undefined) {
    p.kind = r.id.kind;
    p.apiVersion = r.object.apiVersion as Json;
  }
  return p;
}

/**
 * Kustomize's GetById for a strategic-merge patch without target: every resource one of
 * whose ids equals the patch's id exactly (group, version, kind, name, namespace with
 * "default" equal to none), the ids being its previous ids (storedIds, with the current
 * group and version) and its current one. So a patch written for the original name and
 * kind still finds a resource an earlier patch renamed and re-kinded, and a patch that
 * names one resource's current id and another's previous id matches both (an error).
 */
function findByPatchId(rm: ResourceMap, patch: JsonObject): Resource[] {
  const pid = idFromObject(patch);
  // No apiVersion in the patch: group and version "" match nothing with one.
  const { group, version } = splitApiVersion(typeof patch.apiVersion === 'string' ? patch.apiVersion : '');
  const eff = (ns: string | undefined) => (ns === 'default' ? undefined : ns);
  const ns = eff(pid.namespace);
  const same = (x: StoredId) => x.kind === pid.kind && x.name === pid.name && eff(x.namespace) === ns;
  return rm.byAnyName(pid.name).filter((r) => r.id.group === group && r.id.version === version && (same(r.id) || (r.storedIds !== undefined && r.storedIds.some(same))));
}

/** After a patch: the id follows the object's apiVersion/kind/name/namespace. Returns true if it changed. */
function syncId(r: Resource): boolean {
  const next = idFromObject(r.object);
  const cur = r.id;
  if (next.name === cur.name && next.kind === cur.kind && next.group === cur.group && next.version === cur.version && next.namespace === cur.namespace) return false;
  if (next.name !== cur.name || next.namespace !== cur.namespace) r.previousIds = plus(r.previousIds, pairOf(cur));
  if (next.name !== cur.name) r.previousNames = plus(r.previousNames, cur.name);
  if (next.namespace !== cur.namespace) r.previousNamespaces = plus(r.previousNamespaces, cur.namespace);
  r.id = next;
  return true;
}

function addFieldSource(r: Resource, fs: FieldSource): void {
  r.origin.fieldSources = replaceFieldSource(r.origin.fieldSources, fs);
}

const LIST_KEYS = ['name', 'containerPort', 'mountPath', 'port', 'ip', 'topologyKey', 'devicePath'];


/** Pairs (pointer in the result, pointer in the patch) for each leaf the patch sets. */
function leafPointers(patch: JsonObject, result: JsonObject): [string, string][] {
  const out: [string, string][] = [];
  const walk = (p: Json, res: Json | undefined, rp: string, pp: string, depth: number) => {
    if (depth > 0 && (rp === '/metadata/name' || rp === '/metadata/namespace' || rp === '/kind' || rp === '/apiVersion')) return;
    if (isObj(p)) {
      const keys = Object.keys(p).filter((k) => !k.startsWith('$'));
      if (keys.length === 0 && depth > 0) {
        out.push([rp, pp]);
        return;
      }
      for (const k of keys) walk(p[k], isObj(res) ? res[k] : undefined, `${rp}/${escapeSegment(k)}`, `${pp}/${escapeSegment(k)}`, depth + 1);
      return;
    }
    if (Array.isArray(p)) {
      const resArr = Array.isArray(res) ? res : [];
      let matched = false;
      p.forEach((item, i) => {
        if (!isObj(item)) return;
        const key = LIST_KEYS.find((k) => item[k] !== undefined);
        if (!key) return;
        const j = resArr.findIndex((x) => isObj(x) && x[key] === item[key]);
        if (j < 0) return;
        matched = true;
        walk(item, resArr[j], `${rp}/${j}`, `${pp}/${i}`, depth + 1);
      });
      if (!matched) out.push([rp, pp]);
      return;
    }
    out.push([rp, pp]);
  };
  walk(patch, result, '', '', 0);
  return out;
}
