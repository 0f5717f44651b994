/**
 * The few core types every stage shares (see DESIGN.md, "Core types").
 * Stages return `{ value, diagnostics }` and do not throw for a user's mistake;
 * an exception is a bug in kforge.
 */

/** A JSON value as Kubernetes objects hold them after Kustomize's JSON round trip. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** The (name, namespace) part of an id, as previous ids record it. */
export function pairOf(id: ResId): { name: string; namespace?: string } {
  return id.namespace === undefined ? { name: id.name } : { name: id.name, namespace: id.namespace };
}

/** One of Kustomize's previous ids of a resource (its group and version are the current ones). */
export interface StoredId {
  kind: string;
  namespace?: string;
  name: string;
}

/**
 * `list` followed by `item`, as a new array of exactly that length. A resource's histories
 * (previous names and ids, prefixes, field sources, kustomizations) mostly hold one or two
 * entries, and an array that is pushed to gets room for 16 more: at 20,000 resources that
 * is about a fifth of the heap, which the garbage collector copies and marks for nothing.
 */
export function plus<T>(list: readonly T[] | undefined, item: T): T[] {
  return list === undefined || list.length === 0 ? [item] : list.concat([item]);
}

/** `list` without its entry for `pointer` (there is at most one; `list` itself when there is none). */
export function withoutFieldSource(list: FieldSource[], pointer: string): FieldSource[] {
  const i = list.findIndex((x) => x.pointer === pointer);
  return i < 0 ? list : list.slice(0, i).concat(list.slice(i + 1));
}

/** `list` without its entry for `fs.pointer`, then `fs`: the field's latest source. */
export function replaceFieldSource(list: FieldSource[], fs: FieldSource): FieldSource[] {
  return plus(withoutFieldSource(list, fs.pointer), fs);
}

/** Records the resource's current id among its previous ids, as Kustomize's StorePreviousId. */
export function storePreviousId(r: { id: ResId; storedIds?: StoredId[] }): void {
  const s: StoredId = { kind: r.id.kind, name: r.id.name, ...(r.id.namespace !== undefined ? { namespace: r.id.namespace } : {}) };
  r.storedIds = plus(r.storedIds, s);
}

/** Identity of a resource: group, version, kind, namespace, name. */
export interface ResId {
  group: string; // "" for the core group
  version: string;
  kind: string;
  namespace?: string; // undefined for cluster-scoped or unset
  name: string;
}

/** A position in a source file. Lines and columns are 1-based. */
export interface SourceLocation {
  file: string; // path relative to the build's working directory where possible
  line: number;
  column: number;
}

/** Which patch, generator or transformer last set a JSON pointer, and where it was written. */
export interface FieldSource {
  pointer: string; // RFC 6901 pointer into the resource object, e.g. /spec/replicas
  location: SourceLocation;
  by: string; // e.g. "patches", "images", "typed-patch", "replicas"
  /**
   * For patch fields: the patch text, its document index and the pointer inside the
   * patch, so the exact line can be found lazily (only when a finding needs it).
   */
  lazy?: {
    text: string;
    docIndex: number;
    pointer: string;
    /** Where the text starts in its file (inline patches): positions in the text are shifted by it. */
    at?: { line: number; column: number };
  };
}

export interface Origin {
  /** File and position of the YAML document (or generator entry) that declared the resource. */
  location: SourceLocation;
  /** Index of the document inside its file (0-based), for lazy exact field positions. */
  documentIndex?: number;
  /** Path of the item inside a `kind: List` document, if it came from one. */
  listItemIndex?: number;
  /** The kustomization directories the resource passed through, innermost first. */
  kustomizations: string[];
  /** Which base stack (first-level folder under bases/) it came from, when known. */
  configuredIn?: string;
  /** Later writes of single fields (patches, images, replicas, typed patches…). */
  fieldSources: FieldSource[];
  /** Set for resources made by configMapGenerator/secretGenerator. */
  generated?: {
    kind: 'ConfigMap' | 'Secret';
    behavior: 'create' | 'merge' | 'replace';
    hashed: boolean;
  };
}

export interface Resource {
  /** Current identity (after namespace, prefix/suffix, hash). */
  id: ResId;
  /** Identity as first declared (before any renaming). */
  originalId: ResId;
  /** Every name this resource has had, oldest first (for name references). */
  previousNames: string[];
  /** Namespaces this resource has had, oldest first. */
  previousNamespaces: (string | undefined)[];
  /**
   * The whole (name, namespace) id before each change of either, oldest first: Kustomize's
   * previous ids (`config.kubernetes.io/previousNames` and `previousNamespaces` are parallel
   * lists), which generator merges and creates match as pairs.
   */
  previousIds: { name: string; namespace?: string }[];
  /**
   * Kustomize's previous ids (`PrevIds`, the previousNames/previousNamespaces/previousKinds
   * build annotations): the id recorded each time a step stored it, oldest first, whether
   * or not the id then changed. Kustomize stores it for every resource in the namespace
   * step, for every renamed resource in each prefix and suffix step, before a hash suffix,
   * for every target of a `patches` JSON 6902 patch and of a name- or kind-changing
   * strategic-merge patch. Name references resolve only through these ids. Absent: none.
   */
  storedIds?: StoredId[];
  /** Name prefixes and suffixes applied so far, innermost kustomization first (for name references). */
  prefixes: string[];
  suffixes: string[];
  /** Plain JSON object: apiVersion, kind, metadata, spec… */
  object: JsonObject;
  origin: Origin;
}

export type Severity = 'error' | 'warning' | 'info';

export interface Diagnostic {
  /** Stable code from the closed table in diagnostics.ts, e.g. KF1001. */
  code: string;
  severity: Severity;
  message: string;
  hint?: string;
  location?: SourceLocation;
  /** The resource concerned, when there is one. */
  resource?: ResId;
  /** JSON pointer inside the resource. */
  pointer?: string;
  /** Extra lines: the chain of kustomizations, related locations… */
  notes?: string[];
}

export interface Result<T> {
  value: T | undefined;
  diagnostics: Diagnostic[];
}

/** `namespace: default` and no namespace name the same object, as in Kustomize. */
function nsKey(ns: string | undefined): string {
  return ns === undefined || ns === 'default' ? '' : ns;
}

export function resIdKey(id: ResId): string {
  return `${id.group}/${id.version}/${id.kind}/${nsKey(id.namespace)}/${id.name}`;
}

/** Key ignoring the version, as Kustomize's "current id" match does (group, kind, namespace, name). */
export function resIdGkKey(id: ResId): string {
  return `${id.group}|${id.kind}|${nsKey(id.namespace)}|${id.name}`;
}

export function apiVersionOf(id: Pick<ResId, 'group' | 'version'>): string {
  return id.group ? `${id.group}/${id.version}` : id.version;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  if (slash < 0) return { group: '', version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function formatResId(id: ResId): string {
  const ns = id.namespace ? `${id.namespace}/` : '';
  return `${id.kind}.${id.version}.${id.group || ''}/${ns}${id.name}`.replace('./', '/');
}

/** What overlays/<env>/ declares beside its kustomization (see overlays/<env>/environment.ts). */
export interface Environment {
  name: string;
  /** Target Kubernetes version, e.g. "1.31". */
  kubernetesVersion: string;
  /** Deploy branch, default `environments/<name>`. */
  deployBranch?: string;
  /** Folder inside the deploy branch (default: root). */
  deployPath?: string;
  /** Promote by pull request: publish to `environments/<name>-next`. */
  promoteByPullRequest?: boolean;
  /** Sign deploy commits with git's signing configuration (user.signingkey, gpg.format); also `render --sign`. */
  sign?: boolean;
  /** Severity overrides: check id -> severity. */
  policies?: Record<string, 'error' | 'warning' | 'off'>;
  /** Whether Secret objects with data may ship in this environment. */
  allowSecrets?: boolean;
  /** Hosts outside the cluster that connection strings may name. */
  externalHosts?: string[];
  /** Folder of vendored CustomResourceDefinitions (relative to the repository root) that custom resources are checked against. */
  crds?: string;
  /** Noise filters for diffs. */
  diffIgnore?: { fields?: string[]; resources?: Partial<ResId>[] };
  /**
   * GnuPG key IDs (16 hex digits) or fingerprints (40) whose signatures the cluster accepts on
   * deploy commits: `kforge bootstrap` writes them into the Argo CD AppProject (`signatureKeys`)
   * and turns on the Flux GitRepository's `verify`. GnuPG only: neither checks SSH signatures.
   */
  signatureKeys?: string[];
  /**
   * What promotion carries besides image references (`kforge promote`, `diff --envs`): keys of
   * ConfigMaps, e.g. `{ kind: 'ConfigMap', name: 'im-service-env', key: 'APP_VERSION' }`.
   */
  promote?: PromotableValue[];
}

/** A configuration value that moves between environments with promotion (a ConfigMap key). */
export interface PromotableValue {
  kind: 'ConfigMap';
  /** The ConfigMap's name as written in the kustomization (before any hash suffix). */
  name: string;
  key: string;
}
