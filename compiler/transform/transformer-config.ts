import type { Diagnostic, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ConfigurationsSpec, NameBackReference } from '../load/kustomization.js';
import { emptyConfigurations } from '../load/loader.js';
import type { FieldSpec, Gvk } from './fieldspec.js';
import { gvkSelected } from './fieldspec.js';
import { BUILTIN_NAME_REFERENCES } from '../schema/name-references.js';
import { COMMON_ANNOTATIONS, COMMON_LABELS, IMAGES, NAME_PREFIX_SUFFIX, NAMESPACE, REPLICAS, TEMPLATE_LABELS_WITH_METADATA } from '../schema/field-specs.js';
import { compareGvk } from './sort.js';

/**
 * The field specs each built-in transformer of one kustomization uses, merged as Kustomize
 * v5.5 merges its TransformerConfig (api/internal/plugins/builtinconfig):
 *
 * - a kustomization's config starts empty; the configs of its `resources` directories are
 *   merged in, then its own: the built-in tables merged with its `configurations` files;
 *   its components merge theirs into the same config;
 * - merging a list into another appends each incoming spec unless an existing spec with
 *   the same path is selected by the incoming one's group/version/kind (empty parts select
 *   anything): then the incoming spec is dropped, and if the two disagree on `create` the
 *   build fails (KF2013, Kustomize's "conflicting fieldspecs");
 * - every merge result is sorted by kind (Kustomize's legacy kind order, then
 *   `group_version_kind`).
 * The surprise users meet: a `configurations` spec for one kind on a path the built-in
 * table has for every kind (`metadata/name` for namePrefix, `metadata/labels`…) sorts
 * first and the built-in one is then dropped (or conflicts), so the transformer reaches
 * only that kind. Kustomize does that; kforge matches it.
 */
export type TransformerConfig = Omit<ConfigurationsSpec, 'varReference'>;

type ListKey = Exclude<keyof TransformerConfig, 'nameReference'>;
const LIST_KEYS: readonly ListKey[] = ['namePrefix', 'nameSuffix', 'namespace', 'commonLabels', 'labels', 'templateLabels', 'commonAnnotations', 'images', 'replicas'];

export function emptyTransformerConfig(): TransformerConfig {
  const { varReference: _vars, ...c } = emptyConfigurations();
  return c;
}

/** Kustomize's built-in tables (builtinpluginconsts), sorted as it loads them. */
export function defaultTransformerConfig(): TransformerConfig {
  const c: TransformerConfig = {
    namePrefix: [...NAME_PREFIX_SUFFIX],
    nameSuffix: [...NAME_PREFIX_SUFFIX],
    namespace: [...NAMESPACE],
    commonLabels: [...COMMON_LABELS],
    labels: [],
    templateLabels: [...TEMPLATE_LABELS_WITH_METADATA],
    commonAnnotations: [...COMMON_ANNOTATIONS],
    nameReference: BUILTIN_NAME_REFERENCES.map((b) => ({ ...b, fieldSpecs: [...b.fieldSpecs] })),
    images: [...IMAGES],
    replicas: [...REPLICAS],
  };
  sortConfig(c);
  return c;
}

/** The user's `configurations` (files merged into one) as a TransformerConfig. */
export function userTransformerConfig(u: ConfigurationsSpec): TransformerConfig {
  const c = emptyTransformerConfig();
  for (const k of LIST_KEYS) c[k] = [...u[k]];
  c.nameReference = u.nameReference.map((b) => ({ ...b, fieldSpecs: [...b.fieldSpecs] }));
  return c;
}

function gvkEquals(a: Gvk, b: Gvk): boolean {
  return (a.group ?? '') === (b.group ?? '') && (a.version ?? '') === (b.version ?? '') && (a.kind ?? '') === (b.kind ?? '');
}

export class ConfigConflict extends Error {
  constructor(
    readonly list: string,
    readonly spec: FieldSpec,
  ) {
    super(`conflicting field specs in ${list}`);
  }
}

/** Kustomize's FsSlice.MergeAll (no sort). Throws ConfigConflict. */
export function mergeFieldSpecs(existing: readonly FieldSpec[], incoming: readonly FieldSpec[], list: string): FieldSpec[] {
  const out = [...existing];
  for (const x of incoming) {
    const at = out.find((e) => e.path === x.path && gvkSelected(x, e));
    if (at === undefined) {
      out.push(x);
      continue;
    }
    if ((at.create === true) !== (x.create === true)) throw new ConfigConflict(list, x);
  }
  return out;
}

function mergeBackRefs(existing: readonly NameBackReference[], incoming: readonly NameBackReference[]): NameBackReference[] {
  let out = existing.map((b) => ({ ...b, fieldSpecs: [...b.fieldSpecs] }));
  for (const nb of incoming) {
    let found = false;
    out = out.map((c) => {
      if (!gvkEquals(c, nb)) return c;
      found = true;
      return { ...c, fieldSpecs: mergeFieldSpecs(c.fieldSpecs, nb.fieldSpecs, `nameReference ${nb.kind}`) };
    });
    if (!found) out.push({ ...nb, fieldSpecs: [...nb.fieldSpecs] });
  }
  return out;
}

function sortConfig(c: TransformerConfig): void {
  for (const k of LIST_KEYS) c[k].sort(compareGvk);
  c.nameReference.sort(compareGvk);
}

/** Kustomize's TransformerConfig.Merge: `into` ⊕ `incoming`, sorted. Throws ConfigConflict. */
export function mergeTransformerConfig(into: TransformerConfig, incoming: TransformerConfig): TransformerConfig {
  const out = emptyTransformerConfig();
  for (const k of LIST_KEYS) out[k] = mergeFieldSpecs(into[k], incoming[k], k);
  out.nameReference = mergeBackRefs(into.nameReference, incoming.nameReference);
  sortConfig(out);
  return out;
}

/**
 * Merging is a pure function of the two configs' contents, and every base of a large tree
 * brings the same built-in tables: results are memoized by content (a fingerprint per
 * config object, kept up to date as `absorbConfig` replaces a config's lists), so N bases
 * cost N lookups, not N merges of a few hundred field specs each. Results are frozen and
 * shared between configs: no list is ever changed in place.
 */
const fingerprints = new WeakMap<TransformerConfig, string>();
const merged = new Map<string, { value: TransformerConfig; fingerprint: string } | ConfigConflict>();

const fingerprintIds = new Map<string, number>();
function fingerprintId(f: string): number {
  let id = fingerprintIds.get(f);
  if (id === undefined) {
    if (fingerprintIds.size >= 1024) {
      // a bound for long-lived processes: the merge results keyed by the old numbers go too
      fingerprintIds.clear();
      merged.clear();
    }
    fingerprintIds.set(f, (id = nextFingerprintId++));
  }
  return id;
}
let nextFingerprintId = 0;

function fingerprintOf(c: TransformerConfig): string {
  let f = fingerprints.get(c);
  if (f === undefined) fingerprints.set(c, (f = JSON.stringify(c)));
  return f;
}

let sharedDefaults: TransformerConfig | undefined;

function frozen(c: TransformerConfig): TransformerConfig {
  for (const k of LIST_KEYS) Object.freeze(c[k]);
  for (const b of c.nameReference) Object.freeze(b.fieldSpecs);
  Object.freeze(c.nameReference);
  return Object.freeze(c);
}

function mergeMemoized(into: TransformerConfig, incoming: TransformerConfig): { value: TransformerConfig; fingerprint: string } {
  // The key names each fingerprint by a small number: a fingerprint is one long string per
  // config object (its hash is computed once), the concatenation of two would be hashed anew
  // at every lookup.
  const key = `${fingerprintId(fingerprintOf(into))},${fingerprintId(fingerprintOf(incoming))}`;
  let hit = merged.get(key);
  if (hit === undefined) {
    if (merged.size >= 256) merged.clear(); // a bound for long-lived processes (tests, watch)
    try {
      const value = frozen(mergeTransformerConfig(into, incoming));
      hit = { value, fingerprint: JSON.stringify(value) };
    } catch (e) {
      if (!(e instanceof ConfigConflict)) throw e;
      hit = e;
    }
    merged.set(key, hit);
  }
  if (hit instanceof ConfigConflict) throw hit;
  return hit;
}

/** Merges `incoming` into `cfg` in place; a conflict becomes a KF2013 error at `where`. */
export function absorbConfig(cfg: TransformerConfig, incoming: TransformerConfig, where: SourceLocation | undefined): Diagnostic[] {
  try {
    const m = mergeMemoized(cfg, incoming);
    Object.assign(cfg, m.value);
    fingerprints.set(cfg, m.fingerprint);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigConflict)) throw e;
    const s = e.spec;
    const sel = [s.group, s.version, s.kind].filter(Boolean).join('/') || 'every kind';
    return [
      diag('KF2013', `conflicting field specs in ${e.list}: path ${s.path} for ${sel} is also configured with create: ${s.create === true ? 'false' : 'true'}`, {
        ...(where ? { location: where } : {}),
        hint: 'Kustomize fails when two field specs for the same path disagree on create (the built-in tables included): give this one the same create value, or leave it out',
      }),
    ];
  }
}

/** A kustomization's own config: the built-in tables merged with its `configurations`. */
export function ownConfig(u: ConfigurationsSpec, hasFiles: boolean, where: SourceLocation | undefined): { cfg: TransformerConfig; diagnostics: Diagnostic[] } {
  // without `configurations`, one shared (frozen) copy of the built-in tables: fingerprinted once
  if (!hasFiles) return { cfg: (sharedDefaults ??= frozen(defaultTransformerConfig())), diagnostics: [] };
  const cfg = defaultTransformerConfig();
  const user = emptyTransformerConfig();
  const ds = absorbConfig(user, userTransformerConfig(u), where);
  ds.push(...absorbConfig(cfg, user, where));
  return { cfg, diagnostics: ds };
}
