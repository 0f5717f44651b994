import type { JsonObject, SourceLocation } from '../types.js';
import type { FieldSpec } from '../build/fieldspec.js';
import type { VarDecl } from '../build/vars.js';

/**
 * The validated, de-sugared form of one kustomization file (Kustomization or Component).
 * Legacy fields are rewritten into modern ones here, once:
 *   commonLabels          -> labels[{pairs, includeSelectors: true, includeTemplates: true, legacyCommon: true}]
 *   patchesStrategicMerge -> strategicMergePatches (kept apart: they run before `patches`)
 *   patchesJson6902       -> legacyJson6902 (kept apart: they run after commonAnnotations)
 *   bases                 -> resources
 *   vars                  -> vars (parsed by build/vars.ts parseVars; deprecation warning KF1017)
 */

/** Selects resources, as Kustomize's `target`. `name` and `namespace` are anchored regexes. */
export interface Selector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
  /** Where each field is written (for diagnostics about the selector itself). */
  locations?: Partial<Record<'group' | 'version' | 'kind' | 'name' | 'namespace' | 'labelSelector' | 'annotationSelector', SourceLocation>>;
}

export interface PatchEntry {
  /** Absolute path of the patch file, when given by `path`. */
  path?: string;
  /** The patch text: the file's contents or the inline `patch`. */
  text: string;
  /** Where the patch text starts (file of the patch, or the inline position in the kustomization). */
  textLocation: SourceLocation;
  target?: Selector;
  options?: { allowNameChange?: boolean; allowKindChange?: boolean };
  /** Where the entry is written in the kustomization. */
  location: SourceLocation;
}

export interface GeneratorOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  disableNameSuffixHash?: boolean;
  immutable?: boolean;
}

export interface GeneratorArgs {
  name: string;
  namespace?: string;
  behavior: 'create' | 'merge' | 'replace';
  literals: string[];
  /** Each `files` entry as written: `path` or `key=path`. */
  files: string[];
  envs: string[];
  /** Secret type (secretGenerator only). */
  type?: string;
  options?: GeneratorOptions;
  location: SourceLocation;
}

export interface LabelsEntry {
  pairs: Record<string, string>;
  includeSelectors: boolean;
  includeTemplates: boolean;
  /** Came from `commonLabels` (affects which field specs are used). */
  legacyCommon?: boolean;
  /** Extra field specs of this entry (`labels[].fields`). */
  fields?: FieldSpec[];
  location: SourceLocation;
}

export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
  /** Appended to the current tag (when neither newTag nor digest is given). */
  tagSuffix?: string;
  location: SourceLocation;
}

export interface ReplicaEntry {
  name: string;
  count: number;
  location: SourceLocation;
}

export interface ReplacementSource {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  fieldPath?: string;
  options?: { delimiter?: string; index?: number; create?: boolean };
}

export interface ReplacementTarget {
  select: Selector;
  reject?: Selector[];
  fieldPaths: string[];
  /** Where each of `fieldPaths` is written, same order. */
  fieldPathLocations?: SourceLocation[];
  options?: { delimiter?: string; index?: number; create?: boolean };
}

export interface Replacement {
  source: ReplacementSource;
  /** Where the source is written. */
  sourceLocation?: SourceLocation;
  targets: ReplacementTarget[];
  location: SourceLocation;
}

export interface SortOptions {
  order: 'legacy' | 'fifo';
  orderFirst?: string[];
  orderLast?: string[];
}

export interface ResourceRef {
  /** As written in the kustomization. */
  entry: string;
  location: SourceLocation;
}

export interface Kustomization {
  /** Absolute directory of the kustomization. */
  dir: string;
  /** Absolute path of the kustomization file. */
  file: string;
  kind: 'Kustomization' | 'Component';
  resources: ResourceRef[];
  components: ResourceRef[];
  namespace?: string;
  namePrefix?: string;
  nameSuffix?: string;
  labels: LabelsEntry[];
  commonAnnotations?: { pairs: Record<string, string>; location: SourceLocation };
  images: ImageEntry[];
  replicas: ReplicaEntry[];
  strategicMergePatches: PatchEntry[];
  patches: PatchEntry[];
  legacyJson6902: PatchEntry[];
  configMapGenerator: GeneratorArgs[];
  secretGenerator: GeneratorArgs[];
  generatorOptions?: GeneratorOptions;
  /** Extra field specs from `configurations` files. */
  configurations: ConfigurationsSpec;
  /** Where the first `configurations` entry is written (undefined: no configurations). */
  configurationsLocation?: SourceLocation;
  /** CRD files (absolute paths) from `crds`. */
  crds: string[];
  replacements: Replacement[];
  /** Deprecated `vars`, in declaration order. */
  vars: VarDecl[];
  sortOptions?: SortOptions;
  /** The raw parsed object, for diagnostics. */
  raw: JsonObject;
}

/** A user's own transformer configuration (`configurations:` files). */
export interface ConfigurationsSpec {
  nameReference: NameBackReference[];
  commonLabels: FieldSpec[];
  /** Extra fields of every `labels` entry. */
  labels: FieldSpec[];
  /** Extra fields of `labels` entries with includeTemplates. */
  templateLabels: FieldSpec[];
  commonAnnotations: FieldSpec[];
  namePrefix: FieldSpec[];
  nameSuffix: FieldSpec[];
  namespace: FieldSpec[];
  images: FieldSpec[];
  replicas: FieldSpec[];
  /** Extra fields where `$(VAR)` of `vars` is substituted. */
  varReference: FieldSpec[];
}

/** "A resource of this kind (group/version) is referred to from these field specs." */
export interface NameBackReference {
  group?: string;
  version?: string;
  kind: string;
  fieldSpecs: FieldSpec[];
}
