/**
 * Built-in Kubernetes kinds that are cluster-scoped (no metadata.namespace).
 *
 * Kustomize v5.5 decides this from its built-in OpenAPI schema (Kubernetes ~1.21), per
 * group, version and kind. A kind or version it does not know (any custom resource, and
 * newer built-ins such as ValidatingAdmissionPolicy or flowcontrol v1beta3) is treated as
 * namespaced and gets a namespace — kforge matches that, surprising as it is
 * (checked with `kustomize build`, see test/transform/namespace.test.ts).
 */

interface Entry {
  group: string; // "" = core
  versions: readonly string[];
  kinds: readonly string[];
}

export const CLUSTER_SCOPED: readonly Entry[] = [
  { group: '', versions: ['v1'], kinds: ['Namespace', 'Node', 'PersistentVolume', 'ComponentStatus', 'NodeProxyOptions'] },
  { group: 'rbac.authorization.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['ClusterRole', 'ClusterRoleBinding'] },
  { group: 'apiextensions.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['CustomResourceDefinition'] },
  { group: 'apiregistration.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['APIService'] },
  { group: 'storage.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment'] },
  { group: 'scheduling.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['PriorityClass'] },
  { group: 'networking.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['IngressClass'] },
  { group: 'node.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['RuntimeClass'] },
  {
    group: 'admissionregistration.k8s.io',
    versions: ['v1', 'v1beta1'],
    kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'],
  },
  { group: 'certificates.k8s.io', versions: ['v1', 'v1beta1'], kinds: ['CertificateSigningRequest'] },
  { group: 'policy', versions: ['v1beta1'], kinds: ['PodSecurityPolicy'] },
  { group: 'flowcontrol.apiserver.k8s.io', versions: ['v1beta1'], kinds: ['FlowSchema', 'PriorityLevelConfiguration'] },
];

const BY_GVK = new Set<string>();
const BY_GK = new Set<string>();
for (const e of CLUSTER_SCOPED) {
  for (const k of e.kinds) {
    BY_GK.add(`${e.group}|${k}`);
    for (const v of e.versions) BY_GVK.add(`${e.group}|${v}|${k}`);
  }
}

/**
 * True when Kustomize treats the kind as cluster-scoped. With `version`, the exact
 * group/version/kind must be known (as Kustomize does); without it, any known version.
 * Unknown (custom) kinds are namespaced.
 */
export function isClusterScoped(group: string, kind: string, version?: string): boolean {
  if (version === undefined) return BY_GK.has(`${group}|${kind}`);
  return BY_GVK.has(`${group}|${version}|${kind}`);
}
