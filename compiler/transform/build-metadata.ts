/**
 * `buildMetadata` (Kustomize v5.5: api/krusty/kustomizer.go, kusttarget.go) and the
 * clean-up Kustomize does to every resource at the end of a build.
 *
 * Only the root kustomization's `buildMetadata` counts (Kustomize hands it down to every
 * base and component, overriding theirs). When it lists anything, origins are tracked
 * during the whole build as real annotations, visible to the transformers as in Kustomize:
 *  - a resource read from a file gets `config.kubernetes.io/origin: path: <file>`, the path
 *    as the `resources`/`components` entries spell it from the build root, cleaned like Go's
 *    filepath.Join (`../../base/deploy.yaml`);
 *  - a generated ConfigMap/Secret gets `configuredIn: <dir>/<kustomization file>` and
 *    `configuredBy: {apiVersion: builtin, kind: ConfigMapGenerator}` (a `merge` keeps the
 *    merged object's origin, a `replace` takes the new one);
 *  - after each builtin transformer instance of a kustomization (one per `patches` entry,
 *    per `images` entry…), every resource accumulated so far gets that transformer appended
 *    to `alpha.config.kubernetes.io/transformations`, or, when it has no origin, the
 *    transformer as its origin.
 * At the end: `managedByLabel` adds `app.kubernetes.io/managed-by: kustomize-(devel)` (the
 * version string of the Kustomize that kubectl v1.32 embeds); the origin and transformation
 * annotations not asked for are removed, as are Kustomize's internal build annotations, and
 * an annotations map left empty (or written empty, or null) is dropped: Kustomize sets every
 * resource's annotations at that point, and an empty map clears the field.
 */
import * as path from 'node:path';
import type { JsonObject, Resource } from '../types.js';
import type { ResourceMap } from '../resource-map.js';
import { emitYamlDocument } from '../emit/yaml.js';

export const ORIGIN_ANNOTATION = 'config.kubernetes.io/origin';
export const TRANSFORMATIONS_ANNOTATION = 'alpha.config.kubernetes.io/transformations';
export const LOCAL_CONFIG_ANNOTATION = 'config.kubernetes.io/local-config';
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** `kustomize-` + provenance semver of the Kustomize embedded in kubectl v1.32. */
export const MANAGED_BY_VALUE = 'kustomize-(devel)';

/** Annotations Kustomize uses while building and removes from every resource at the end. */
const BUILD_ANNOTATIONS = [
  'internal.config.kubernetes.io/previousKinds',
  'internal.config.kubernetes.io/previousNames',
  'internal.config.kubernetes.io/prefixes',
  'internal.config.kubernetes.io/suffixes',
  'internal.config.kubernetes.io/previousNamespaces',
  'internal.config.kubernetes.io/allowNameChange',
  'internal.config.kubernetes.io/allowKindChange',
  'internal.config.kubernetes.io/refBy',
  'internal.config.kubernetes.io/generatorBehavior',
  'internal.config.kubernetes.io/needsHashSuffix',
  'internal.config.kubernetes.io/path',
  'internal.config.kubernetes.io/index',
  'internal.config.kubernetes.io/seqindent',
  'internal.config.kubernetes.io/id',
  'internal.config.kubernetes.io/annotations-migration-resource-id',
  'config.kubernetes.io/path',
  'config.kubernetes.io/index',
  'config.k8s.io/id',
];

/** Go's filepath.Join on '/'-separated paths: empty elements skipped, the result cleaned, "" when all are empty. */
export function goJoin(...parts: string[]): string {
  const kept = parts.filter((p) => p !== '');
  if (kept.length === 0) return '';
  const joined = path.posix.normalize(kept.join('/'));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/** One field as kyaml marshals it (`key: value\n`, the value styled as the writer styles it). */
function field(key: string, value: string): string {
  return emitYamlDocument({ [key]: value });
}

/**
 * Origins inside a remote base carry Kustomize's `repo` and `ref` fields, the path being
 * relative to the repository: the origin path of a remote directory starts with a mark
 * (NUL, r, an index, NUL) that goJoin keeps and fileOrigin/pluginOrigin turn into them.
 */
const remoteOrigins: { repo: string; ref: string }[] = [];
const REMOTE_MARK = /^\u0000r(\d+)\u0000\/?/;

export function remoteOriginPath(repo: string, ref: string, pathInRepo: string): string {
  let i = remoteOrigins.findIndex((o) => o.repo === repo && o.ref === ref);
  if (i < 0) i = remoteOrigins.push({ repo, ref }) - 1;
  return goJoin(`\u0000r${i}\u0000`, pathInRepo);
}

function splitRemote(p: string): { path: string; repo: string } {
  const m = REMOTE_MARK.exec(p);
  if (!m) return { path: p, repo: '' };
  const o = remoteOrigins[Number(m[1])];
  return { path: p.slice(m[0].length), repo: field('repo', o.repo) + (o.ref ? field('ref', o.ref) : '') };
}

/** The origin of a resource read from a file. */
export function fileOrigin(file: string): string {
  const r = splitRemote(file);
  return field('path', r.path) + r.repo;
}

/** The origin of a builtin generator or transformer configured in a kustomization file. */
export function builtinOrigin(configuredIn: string, kind: string): string {
  return pluginOrigin(configuredIn, kind);
}

/**
 * The origin of a builtin plugin: a kustomization field's (no name) or a `transformers:` /
 * `generators:` config's (Kustomize's OriginFromCustomPlugin: configuredIn is the file the
 * config was read from, configuredBy its apiVersion, kind, name and namespace).
 */
export function pluginOrigin(configuredIn: string, kind: string, name?: string, namespace?: string): string {
  const by = [field('apiVersion', 'builtin'), field('kind', kind), name ? field('name', name) : '', namespace ? field('namespace', namespace) : ''].join('');
  const r = splitRemote(configuredIn);
  return `${r.repo}${field('configuredIn', r.path)}configuredBy:\n${by.replace(/^(?=.)/gm, '  ')}`;
}

function annotationsOf(o: JsonObject, create: boolean): JsonObject | undefined {
  let meta = o.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) {
    if (!create) return undefined;
    meta = o.metadata = {};
  }
  const ann = meta.annotations;
  if (ann && typeof ann === 'object' && !Array.isArray(ann)) return ann;
  if (!create) return undefined;
  return (meta.annotations = {});
}

/** Sets the origin annotation unless the object already has one (Kustomize's AddOriginAnnotation). */
export function setOriginIfMissing(o: JsonObject, origin: string): void {
  const ann = annotationsOf(o, true)!;
  if (typeof ann[ORIGIN_ANNOTATION] !== 'string') ann[ORIGIN_ANNOTATION] = origin;
}

/** The origin annotation of an object, if it has one. */
export function originOf(o: JsonObject): string | undefined {
  const v = annotationsOf(o, false)?.[ORIGIN_ANNOTATION];
  return typeof v === 'string' ? v : undefined;
}

/** After one transformer instance ran over `rm` (Kustomize's AddTransformerAnnotation). */
export function recordTransformer(rm: ResourceMap, origin: string): void {
  const item = origin.replace(/\n(?=.)/g, '\n  ');
  for (const r of rm.all()) {
    const ann = annotationsOf(r.object, true)!;
    if (typeof ann[ORIGIN_ANNOTATION] !== 'string') ann[ORIGIN_ANNOTATION] = origin;
    else ann[TRANSFORMATIONS_ANNOTATION] = `${typeof ann[TRANSFORMATIONS_ANNOTATION] === 'string' ? ann[TRANSFORMATIONS_ANNOTATION] : ''}- ${item}`;
  }
}

/**
 * Kustomize's IgnoreLocal, at the root after vars: a resource annotated
 * `config.kubernetes.io/local-config` with any value but "false" is not printed (it could
 * still serve as a replacement or var source, and be referred to by name).
 */
export function isLocalConfig(r: Resource): boolean {
  const v = annotationsOf(r.object, false)?.[LOCAL_CONFIG_ANNOTATION];
  return v !== undefined && v !== 'false';
}

/** The end of a build, after sorting: managed-by label, then the annotation clean-up. */
export function finishBuildMetadata(resources: readonly Resource[], buildMetadata: readonly string[]): void {
  const managedBy = buildMetadata.includes('managedByLabel');
  const keepOrigin = buildMetadata.includes('originAnnotations');
  const keepTransformations = buildMetadata.includes('transformerAnnotations');
  for (const r of resources) {
    const o = r.object;
    if (managedBy) {
      const meta = (o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? o.metadata : (o.metadata = {})) as JsonObject;
      const labels = meta.labels && typeof meta.labels === 'object' && !Array.isArray(meta.labels) ? meta.labels : (meta.labels = {});
      labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
    }
    const meta = o.metadata;
    if (!meta || typeof meta !== 'object' || Array.isArray(meta) || !('annotations' in meta)) continue;
    const ann = meta.annotations;
    if (ann && typeof ann === 'object' && !Array.isArray(ann)) {
      for (const k of BUILD_ANNOTATIONS) delete ann[k];
      if (!keepOrigin) delete ann[ORIGIN_ANNOTATION];
      if (!keepTransformations) delete ann[TRANSFORMATIONS_ANNOTATION];
      if (Object.keys(ann).length > 0) continue;
    } else if (ann !== null) {
      continue;
    }
    delete meta.annotations;
  }
}
