import type { Diagnostic, JsonObject, SourceLocation } from '../types.js';
import type { FieldSpec } from '../transform/fieldspec.js';
import type { VarDecl } from '../transform/vars.js';

/**
 * The validated, de-sugared form of one kustomization file (Kustomization or Component).
 * Legacy fields are rewritten into modern ones here, once:
 *   commonLabels          -> labels[{pairs, includeSelectors: true, includeTemplates: true, legacyCommon: true}]
 *   patchesStrategicMerge -> strategicMergePatches (kept apart: they run before `patches`)
 *   patchesJson6902       -> legacyJson6902 (kept apart: they run after commonAnnotations)
 *   bases                 -> resources
 *   vars                  -> vars (parsed by transform/vars.ts parseVars; deprecation warning KF1017)
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
  /** Where each `files` / `envs` entry is written (parallel to files and envs), for errors at the entry. */
  fileLocations?: SourceLocation[];
  envLocations?: SourceLocation[];
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
  /**
   * Why Kustomize refuses these options (an `order` that is missing or neither legacy nor
   * fifo, `legacySortOptions` with fifo). Kustomize reads sortOptions at the build root
   * only: a base's invalid options are ignored, so the root reports this.
   */
  invalid?: Diagnostic;
}

export interface ResourceRef {
  /** As written in the kustomization. */
  entry: string;
  location: SourceLocation;
}

/** Which RoleBinding subjects a NamespaceTransformer plugin sets. */
export type SubjectsMode = 'defaultOnly' | 'allServiceAccounts' | 'none';

/**
 * A builtin plugin configuration (`apiVersion: builtin`) from `transformers:` or
 * `generators:`, decoded as Kustomize decodes it (load/plugins.ts). Field specs are used
 * as given: no defaults are merged, unlike the kustomization fields.
 */
export type BuiltinPlugin =
  | { type: 'LabelTransformer' | 'AnnotationsTransformer'; pairs: Record<string, string>; fieldSpecs: FieldSpec[] }
  | { type: 'NamespaceTransformer'; namespace: string; fieldSpecs: FieldSpec[]; unsetOnly: boolean; subjects: SubjectsMode }
  | { type: 'PrefixSuffixTransformer' | 'PrefixTransformer' | 'SuffixTransformer'; prefix: string; suffix: string; fieldSpecs: FieldSpec[] }
  | { type: 'ImageTagTransformer'; image: ImageEntry; fieldSpecs: FieldSpec[] }
  | { type: 'ReplicaCountTransformer'; replica: ReplicaEntry; fieldSpecs: FieldSpec[] }
  | { type: 'PatchTransformer' | 'PatchStrategicMergeTransformer' | 'PatchJson6902Transformer'; patches: PatchEntry[] }
  | { type: 'ReplacementTransformer'; replacements: Replacement[] }
  | { type: 'HashTransformer' }
  | { type: 'ValueAddTransformer'; value: string; targets: ValueAddTarget[] }
  | { type: 'ConfigMapGenerator' | 'SecretGenerator'; args: GeneratorArgs }
  | { type: 'IAMPolicyGenerator'; cloud: string; serviceAccountName: string; namespace?: string; gcpServiceAccount: string; projectId: string };

export interface ValueAddTarget {
  selector?: Selector;
  fieldPath: string;
  filePathPosition: number;
}

export interface PluginConfig {
  plugin: BuiltinPlugin;
  /** The config's own id (its kind is the plugin's type), for duplicates and buildMetadata. */
  name: string;
  namespace?: string;
  /** Where the config object starts. */
  location: SourceLocation;
  /**
   * The config's origin path relative to the kustomization directory, as Kustomize records
   * it: the kustomization file for an inline config, else the file it was read from.
   */
  origin: string;
}

/**
 * One `transformers:` / `generators:` entry: configs already read (inline text or a file),
 * or a directory whose kustomization is built at build time to produce the configs. The
 * loader lists the inline entries first, as Kustomize configures them.
 */
export type PluginSource = { configs: PluginConfig[] } | { dir: string; entry: string; location: SourceLocation };

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
  /**
   * `openapi`: a schema file (`path`, absolute once resolved; "" when it could not be) or
   * a built-in schema `version`, for strategic-merge keys (schema/openapi-custom.ts).
   */
  openapi?: { path?: string; pathLocation?: SourceLocation; version?: string; location: SourceLocation };
  /** `transformers:` entries (builtin plugin configs), in the order written. */
  transformers: PluginSource[];
  /** `generators:` entries (builtin plugin configs), in the order written. */
  generators: PluginSource[];
  /** `buildMetadata` options as written (only the root's count: transform/build-metadata.ts). */
  buildMetadata: string[];
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
