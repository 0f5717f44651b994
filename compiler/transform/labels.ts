import type { Diagnostic, Json, JsonObject, ResId, SourceLocation } from '../types.js';
import { formatResId } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { LabelsEntry } from '../load/kustomization.js';
import type { FieldSpec } from './fieldspec.js';
import { compilePath, fieldSpecMatches, splitPath, visitCompiledTagged, type CompiledPath } from './fieldspec.js';
import { COMMON_LABELS, METADATA_LABELS, mergeSpecs, TEMPLATE_LABELS } from '../schema/field-specs.js';
import { ConfigConflict, mergeFieldSpecs } from './transformer-config.js';

/** The label field specs of a kustomization's merged configuration (see transformer-config.ts). */
export interface LabelSpecs {
  commonLabels: readonly FieldSpec[];
  labels: readonly FieldSpec[];
  templateLabels: readonly FieldSpec[];
}

/**
 * `labels` and legacy `commonLabels` (Kustomize v5.5's LabelTransformer configuration):
 * - commonLabels: the commonLabels table;
 * - a `labels` entry: its own `fields`, then the `labels` table, then the commonLabels
 *   table with includeSelectors, else the templateLabels table with includeTemplates, and
 *   metadata/labels (merged as Kustomize merges field specs: see mergeFieldSpecs; a
 *   disagreement on `create` fails the build, KF2013).
 * `extra` as a plain list (tests): the built-in tables plus those specs.
 * Invalid label keys/values are reported as KF2008 warnings: Kustomize accepts them, the
 * API server will not.
 */
export function applyLabels(resources: ResourceMap, entry: LabelsEntry, extra: readonly FieldSpec[] | LabelSpecs): Diagnostic[] {
  const own = entry.fields ?? [];
  let specs: FieldSpec[];
  if (!('commonLabels' in extra)) {
    const list = extra as readonly FieldSpec[];
    const userConfig = list.filter((fs) => !own.includes(fs));
    specs = entry.includeSelectors || entry.legacyCommon
      ? mergeSpecs(COMMON_LABELS, userConfig, own)
      : mergeSpecs([METADATA_LABELS], entry.includeTemplates ? TEMPLATE_LABELS : [], own);
  } else if (entry.legacyCommon) {
    specs = [...extra.commonLabels];
  } else {
    try {
      specs = mergeFieldSpecs(own, extra.labels, 'labels');
      if (entry.includeSelectors) specs = mergeFieldSpecs(specs, extra.commonLabels, 'labels');
      else {
        if (entry.includeTemplates) specs = mergeFieldSpecs(specs, extra.templateLabels, 'labels');
        specs = mergeFieldSpecs(specs, [METADATA_LABELS], 'labels');
      }
    } catch (e) {
      if (!(e instanceof ConfigConflict)) throw e;
      return [
        diag('KF2013', `the fields of this labels entry conflict with the built-in ones: ${e.spec.path} is configured both with and without create`, {
          location: entry.location,
          hint: 'Kustomize fails when two field specs for the same path disagree on create: give it the same create value as the built-in table, or leave it out',
        }),
      ];
    }
  }
  return applyLabelsWith(resources, entry.pairs, entry.location, specs);
}

/**
 * The label entries of one kustomization in the order Kustomize runs them (`labels`
 * entries, then commonLabels), each with Kustomize's values: a key several entries set
 * gets, in every entry, the value of the last one that sets it (observed with kustomize
 * v5.5: an earlier entry's own paths end up with the later value too).
 */
export function labelEntriesInRunOrder(entries: readonly LabelsEntry[]): LabelsEntry[] {
  const ordered = [...entries.filter((e) => !e.legacyCommon), ...entries.filter((e) => e.legacyCommon)];
  const last = new Map<string, string>();
  for (const e of ordered) for (const [k, v] of Object.entries(e.pairs)) last.set(k, v);
  return ordered.map((e) => ({ ...e, pairs: Object.fromEntries(Object.keys(e.pairs).map((k) => [k, last.get(k)!])) }));
}

/**
 * Sets every pair in the maps the specs reach (created where a spec says so). A spec
 * reaching a list or a scalar fails, as in Kustomize ("wrong node kind: expected
 * MappingNode"): KF2013 at `location`, once per spec.
 */
export function setPairs(resources: ResourceMap, pairs: Record<string, string>, specs: readonly FieldSpec[], location?: SourceLocation): Diagnostic[] {
  const entries = Object.entries(pairs);
  if (entries.length === 0) return [];
  const out: Diagnostic[] = [];
  const failed = new Set<FieldSpec>();
  for (const r of resources.all()) {
    forEachListAwareSpec(r.object, r.id, specs, (parent, key, pointer, spec) => {
      let m: Json | undefined = parent[key];
      if (m === undefined || m === null) {
        if (!spec.create) return;
        m = {};
        parent[key] = m;
      }
      if (typeof m !== 'object' || Array.isArray(m)) {
        if (failed.has(spec)) return;
        failed.add(spec);
        out.push(
          diag('KF2013', `the field spec ${spec.path} reaches ${Array.isArray(m) ? 'a list' : 'a scalar'} at ${pointer} of ${formatResId(r.id)}, where a map of labels or annotations is expected`, {
            ...(location ? { location } : {}),
            resource: r.id,
            hint: 'point the field spec at a map (e.g. spec/selector/matchLabels), or restrict it with kind:',
          }),
        );
        return;
      }
      for (const [k, v] of entries) (m as JsonObject)[k] = v;
    });
  }
  return out;
}

const NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a label key is invalid, or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN_RE.test(prefix))) return 'its prefix must be a DNS subdomain (lowercase letters, digits, "-" and ".")';
  if (name.length === 0 || name.length > 63) return 'its name part must be 1 to 63 characters';
  if (!NAME_RE.test(name)) return 'its name part must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

/** Why a label value is invalid, or undefined. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'it is longer than 63 characters';
  if (!NAME_RE.test(value)) return 'it must be letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

/** The labels transformer with its field specs as given (a `LabelTransformer` plugin: no defaults). */
export function applyLabelsWith(resources: ResourceMap, pairs: Record<string, string>, location: SourceLocation, specs: readonly FieldSpec[]): Diagnostic[] {
  const diagnostics = validateLabels(pairs, location);
  diagnostics.push(...setPairs(resources, pairs, specs, location));
  return diagnostics;
}

function validateLabels(pairs: Record<string, string>, location: SourceLocation): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const [k, v] of Object.entries(pairs)) {
    const kp = labelKeyProblem(k);
    if (kp) out.push(diag('KF2008', `invalid label key ${JSON.stringify(k)}: ${kp}`, { severity: 'warning', location, hint: 'the Kubernetes API server rejects objects with this label' }));
    const vp = typeof v === 'string' ? labelValueProblem(v) : undefined;
    if (vp) out.push(diag('KF2008', `invalid value for label ${JSON.stringify(k)}: ${vp}`, { severity: 'warning', location, hint: 'the Kubernetes API server rejects objects with this label' }));
  }
  return out;
}

/**
 * Like fieldspec.ts's forEachSpec, but a segment written `name[]` must already be a list
 * (Kustomize never creates it, not even with `create`).
 */
export function forEachListAwareSpec(
  obj: JsonObject,
  id: Pick<ResId, 'group' | 'version' | 'kind'>,
  specs: readonly FieldSpec[],
  visit: (parent: JsonObject, key: string, pointer: string, spec: FieldSpec) => void,
): void {
  for (const spec of specs) {
    if (!fieldSpecMatches(spec, id)) continue;
    const { path, firstList } = listAwarePath(spec.path);
    if (firstList >= 0) {
      let node: Json | undefined = obj;
      for (let i = 0; i <= firstList && node !== undefined; i++) {
        node = typeof node === 'object' && node !== null && !Array.isArray(node) ? node[path.segs[i]] : undefined;
      }
      if (!Array.isArray(node)) continue;
    }
    visitCompiledTagged(obj, path, spec.create === true, visit, spec);
  }
}

/** A spec path split, `[]` marks taken off its segments (firstList: the first so marked, or -1), compiled: once per path. */
const listAwarePaths = new Map<string, { path: CompiledPath; firstList: number }>();
function listAwarePath(p: string): { path: CompiledPath; firstList: number } {
  let c = listAwarePaths.get(p);
  if (c === undefined) {
    const raw = splitPath(p);
    const segs = raw.map((s) => (s.endsWith('[]') ? s.slice(0, -2) : s));
    c = { path: compilePath(segs), firstList: raw.findIndex((s) => s.endsWith('[]')) };
    if (listAwarePaths.size > 4096) listAwarePaths.clear();
    listAwarePaths.set(p, c);
  }
  return c;
}
