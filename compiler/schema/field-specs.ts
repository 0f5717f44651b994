import type { FieldSpec } from '../transform/fieldspec.js';

/**
 * A segment written `name[]` must be an existing list: the spec never creates it (nor a map
 * in its place), though `create` still applies below it, inside each item. Use
 * `forEachListAwareSpec` from transform/labels.ts (the shared walker does not know `[]`).
 *
 * Kustomize v5.5's built-in field-spec tables, as observed with `kustomize build`
 * (fixtures under test/fixtures/transformers). Paths are slash-separated; lists met on the
 * way are traversed item by item. `create` makes missing maps on the way.
 */

const APPS = 'apps';
const BATCH = 'batch';

/** Where pod (anti-)affinity and topology-spread label selectors sit in an apps/* pod template. */
const POD_TEMPLATE_SELECTORS = [
  'spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels',
  'spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels',
  'spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels',
];

/**
 * Pod templates (and StatefulSet volumeClaimTemplates) that `labels[].includeTemplates`
 * reaches; also part of commonLabels.
 */
export const TEMPLATE_LABELS: readonly FieldSpec[] = [
  { version: 'v1', kind: 'ReplicationController', path: 'spec/template/metadata/labels', create: true },
  { kind: 'Deployment', path: 'spec/template/metadata/labels', create: true },
  { kind: 'ReplicaSet', path: 'spec/template/metadata/labels', create: true },
  { kind: 'DaemonSet', path: 'spec/template/metadata/labels', create: true },
  { group: APPS, kind: 'StatefulSet', path: 'spec/template/metadata/labels', create: true },
  { group: APPS, kind: 'StatefulSet', path: 'spec/volumeClaimTemplates[]/metadata/labels', create: true },
  { group: BATCH, kind: 'Job', path: 'spec/template/metadata/labels', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/metadata/labels', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/spec/template/metadata/labels', create: true },
];

export const METADATA_LABELS: FieldSpec = { path: 'metadata/labels', create: true };

/**
 * commonLabels (and `labels[].includeSelectors: true`): metadata, selectors and templates.
 * Observed: selectors that do not exist are created only for Service, ReplicationController,
 * Deployment, ReplicaSet, DaemonSet and StatefulSet; Job/CronJob/PDB/NetworkPolicy selectors
 * are updated only when present; affinity/topology selectors only for apps Deployment and
 * StatefulSet; ExternalName Services get a selector too.
 */
export const COMMON_LABELS: readonly FieldSpec[] = [
  METADATA_LABELS,
  { version: 'v1', kind: 'Service', path: 'spec/selector', create: true },
  { version: 'v1', kind: 'ReplicationController', path: 'spec/selector', create: true },
  { version: 'v1', kind: 'ReplicationController', path: 'spec/template/metadata/labels', create: true },
  { kind: 'Deployment', path: 'spec/selector/matchLabels', create: true },
  { kind: 'Deployment', path: 'spec/template/metadata/labels', create: true },
  ...POD_TEMPLATE_SELECTORS.map((path): FieldSpec => ({ group: APPS, kind: 'Deployment', path, create: false })),
  { kind: 'ReplicaSet', path: 'spec/selector/matchLabels', create: true },
  { kind: 'ReplicaSet', path: 'spec/template/metadata/labels', create: true },
  { kind: 'DaemonSet', path: 'spec/selector/matchLabels', create: true },
  { kind: 'DaemonSet', path: 'spec/template/metadata/labels', create: true },
  { group: APPS, kind: 'StatefulSet', path: 'spec/selector/matchLabels', create: true },
  { group: APPS, kind: 'StatefulSet', path: 'spec/template/metadata/labels', create: true },
  ...POD_TEMPLATE_SELECTORS.map((path): FieldSpec => ({ group: APPS, kind: 'StatefulSet', path, create: false })),
  { group: APPS, kind: 'StatefulSet', path: 'spec/volumeClaimTemplates[]/metadata/labels', create: true },
  { group: BATCH, kind: 'Job', path: 'spec/selector/matchLabels', create: false },
  { group: BATCH, kind: 'Job', path: 'spec/template/metadata/labels', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/spec/selector/matchLabels', create: false },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/metadata/labels', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/spec/template/metadata/labels', create: true },
  { group: 'policy', kind: 'PodDisruptionBudget', path: 'spec/selector/matchLabels', create: false },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec/podSelector/matchLabels', create: false },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec/ingress/from/podSelector/matchLabels', create: false },
  { group: 'networking.k8s.io', kind: 'NetworkPolicy', path: 'spec/egress/to/podSelector/matchLabels', create: false },
];

/** commonAnnotations: metadata and pod templates (not volumeClaimTemplates, case 08). */
export const COMMON_ANNOTATIONS: readonly FieldSpec[] = [
  { path: 'metadata/annotations', create: true },
  { version: 'v1', kind: 'ReplicationController', path: 'spec/template/metadata/annotations', create: true },
  { kind: 'Deployment', path: 'spec/template/metadata/annotations', create: true },
  { kind: 'ReplicaSet', path: 'spec/template/metadata/annotations', create: true },
  { kind: 'DaemonSet', path: 'spec/template/metadata/annotations', create: true },
  { group: APPS, kind: 'StatefulSet', path: 'spec/template/metadata/annotations', create: true },
  { group: BATCH, kind: 'Job', path: 'spec/template/metadata/annotations', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/metadata/annotations', create: true },
  { group: BATCH, kind: 'CronJob', path: 'spec/jobTemplate/spec/template/metadata/annotations', create: true },
];

/**
 * Kustomize's own namespace table: the Namespace object is renamed (apiVersion v1 only),
 * APIService and CRD conversion-webhook service namespaces (the latter only when present).
 * metadata.namespace itself is set by the transformer for every kind not known as
 * cluster-scoped, not by a field spec. Admission webhook configurations are not touched.
 */
export const NAMESPACE: readonly FieldSpec[] = [
  { kind: 'Namespace', path: 'metadata/name', create: true },
  { group: 'apiregistration.k8s.io', kind: 'APIService', path: 'spec/service/namespace', create: true },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    path: 'spec/conversion/webhook/clientConfig/service/namespace',
    create: false,
  },
];

/** `labels[].includeTemplates`: Kustomize's templateLabels table (metadata included). */
export const TEMPLATE_LABELS_WITH_METADATA: readonly FieldSpec[] = [METADATA_LABELS, ...TEMPLATE_LABELS];

/** namePrefix / nameSuffix. */
export const NAME_PREFIX_SUFFIX: readonly FieldSpec[] = [{ path: 'metadata/name', create: false }];

/** Kinds whose name namePrefix/nameSuffix never change. */
export const PREFIX_SUFFIX_SKIP: readonly { group?: string; kind: string }[] = [
  { kind: 'CustomResourceDefinition' },
  { group: 'apiregistration.k8s.io', kind: 'APIService' },
  { kind: 'Namespace' },
];

/**
 * images: besides these, the images transformer looks for `containers` and
 * `initContainers` lists at any depth of any object (case 25), but not
 * `ephemeralContainers`.
 */
export const IMAGES: readonly FieldSpec[] = [
  // Kustomize's table says create: true, but its images filter never creates a field.
  { path: 'spec/containers[]/image', create: true },
  { path: 'spec/initContainers[]/image', create: true },
  { path: 'spec/template/spec/containers[]/image', create: true },
  { path: 'spec/template/spec/initContainers[]/image', create: true },
];

/** Keys of lists whose items' `image` the images transformer rewrites, at any depth. */
export const IMAGE_CONTAINER_LIST_KEYS: readonly string[] = ['containers', 'initContainers'];

/** replicas: spec/replicas (created) for these kinds, any group. */
export const REPLICAS: readonly FieldSpec[] = [
  { kind: 'Deployment', path: 'spec/replicas', create: true },
  { kind: 'ReplicationController', path: 'spec/replicas', create: true },
  { kind: 'ReplicaSet', path: 'spec/replicas', create: true },
  { kind: 'StatefulSet', path: 'spec/replicas', create: true },
];

/** Concatenates field-spec lists, dropping later duplicates (same group, version, kind, path). */
export function mergeSpecs(...lists: readonly (readonly FieldSpec[])[]): FieldSpec[] {
  const seen = new Set<string>();
  const out: FieldSpec[] = [];
  for (const list of lists) {
    for (const fs of list) {
      const key = `${fs.group ?? ''}|${fs.version ?? ''}|${fs.kind ?? ''}|${fs.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(fs);
    }
  }
  return out;
}

/**
 * The field specs a transformer uses: a complete list already merged as Kustomize merges
 * its configuration (`{ all }`, what a build passes), or extra specs added to the
 * built-in table (a plain list).
 */
export type SpecInput = readonly FieldSpec[] | { readonly all: readonly FieldSpec[] };

export function resolveSpecs(builtin: readonly FieldSpec[], input: SpecInput): FieldSpec[] {
  return 'all' in input ? [...input.all] : mergeSpecs(builtin, input as readonly FieldSpec[]);
}
