/**
 * Strategic-merge metadata the client-node models lack: the `patchMergeKey` /
 * `patchStrategy` tags (and `listMapKeys` when `+listType=map` names several keys) of the
 * Kubernetes API types, keyed by `<Model>.<jsonField>`.
 *
 * Lists not listed here are atomic: a patch replaces them (tolerations, args, command,
 * envFrom, RBAC rules and subjects, HPA metrics, Ingress rules, NetworkPolicy rules…).
 *
 * `since`: the Kubernetes minor that added the field's merge metadata. Kustomize 5.5
 * merges with its built-in OpenAPI document of Kubernetes 1.21, so a list added later
 * (e.g. `PodSpec.resourceClaims`) is *replaced* by `kustomize build` although the API
 * server would merge it: `kustomizeMerges()` is what the build uses (verified with
 * kubectl kustomize: resourceClaims replaced, imagePullSecrets merged).
 */
export interface MergeInfo {
  /** Merge key of a list of objects; absent for a list of primitives merged as a set. */
  mergeKey?: string;
  /** `+listMapKeys` when there are several (the first is the merge key). */
  listMapKeys?: readonly string[];
  strategy: 'merge' | 'merge,retainKeys' | 'retainKeys';
  since?: number;
}

/** Kubernetes version of Kustomize 5.5's built-in OpenAPI schema. */
export const KUSTOMIZE_SCHEMA_MINOR = 21;

const byName = (since?: number): MergeInfo => ({ mergeKey: 'name', strategy: 'merge', ...(since ? { since } : {}) });
const byType: MergeInfo = { mergeKey: 'type', strategy: 'merge' };
const containerPorts: MergeInfo = { mergeKey: 'containerPort', listMapKeys: ['containerPort', 'protocol'], strategy: 'merge' };
const containerFields = (model: string): Record<string, MergeInfo> => ({
  [`${model}.ports`]: containerPorts,
  [`${model}.env`]: byName(),
  [`${model}.volumeMounts`]: { mergeKey: 'mountPath', strategy: 'merge' },
  [`${model}.volumeDevices`]: { mergeKey: 'devicePath', strategy: 'merge' },
});

export const MERGE_KEYS: Readonly<Record<string, MergeInfo>> = {
  // meta/v1
  'V1ObjectMeta.finalizers': { strategy: 'merge' },
  'V1ObjectMeta.ownerReferences': { mergeKey: 'uid', strategy: 'merge' },
  // core/v1 PodSpec
  'V1PodSpec.volumes': { mergeKey: 'name', strategy: 'merge,retainKeys' },
  'V1PodSpec.initContainers': byName(),
  'V1PodSpec.containers': byName(),
  'V1PodSpec.ephemeralContainers': byName(),
  'V1PodSpec.imagePullSecrets': byName(),
  'V1PodSpec.hostAliases': { mergeKey: 'ip', strategy: 'merge' },
  'V1PodSpec.topologySpreadConstraints': { mergeKey: 'topologyKey', listMapKeys: ['topologyKey', 'whenUnsatisfiable'], strategy: 'merge' },
  'V1PodSpec.resourceClaims': { mergeKey: 'name', strategy: 'merge,retainKeys', since: 26 },
  'V1PodSpec.schedulingGates': byName(26),
  ...containerFields('V1Container'),
  ...containerFields('V1EphemeralContainer'),
  // core/v1 others
  'V1ServiceSpec.ports': { mergeKey: 'port', listMapKeys: ['port', 'protocol'], strategy: 'merge' },
  'V1ServiceAccount.secrets': byName(),
  'V1NodeSpec.podCIDRs': { strategy: 'merge' },
  'V1NodeStatus.conditions': byType,
  'V1NodeStatus.addresses': byType,
  'V1PodStatus.conditions': byType,
  'V1PodStatus.podIPs': { mergeKey: 'ip', strategy: 'merge' },
  'V1PodStatus.hostIPs': { mergeKey: 'ip', strategy: 'merge', since: 28 },
  'V1NamespaceStatus.conditions': byType,
  'V1PersistentVolumeClaimStatus.conditions': byType,
  'V1ReplicationControllerStatus.conditions': byType,
  'V1ComponentStatus.conditions': byType,
  'V1ServiceStatus.conditions': byType,
  // apps/v1
  'V1DeploymentStatus.conditions': byType,
  'V1StatefulSetStatus.conditions': byType,
  'V1DaemonSetStatus.conditions': byType,
  'V1ReplicaSetStatus.conditions': byType,
  // batch/v1
  'V1JobStatus.conditions': byType,
  // policy/v1, autoscaling/v2, apiregistration, certificates
  'V1PodDisruptionBudgetStatus.conditions': byType,
  'V2HorizontalPodAutoscalerStatus.conditions': byType,
  'V1APIServiceStatus.conditions': byType,
  // admissionregistration/v1, storage/v1
  'V1MutatingWebhookConfiguration.webhooks': byName(),
  'V1ValidatingWebhookConfiguration.webhooks': byName(),
  'V1CSINodeSpec.drivers': byName(),
};

/** Merge metadata for a list field of a model, as the Kubernetes API server uses it. */
export function mergeInfo(model: string, field: string): MergeInfo | undefined {
  return MERGE_KEYS[`${model}.${field}`];
}

/** Merge metadata as `kustomize build` 5.5 uses it (its schema stops at Kubernetes 1.21). */
export function kustomizeMerges(model: string, field: string): MergeInfo | undefined {
  // asked for every field a strategic merge walks: answered from a map per model (the model
  // and field names are strings already hashed), not a key string built per question
  let byField = kustomizeByModel.get(model);
  if (byField === undefined) kustomizeByModel.set(model, (byField = new Map()));
  let m = byField.get(field);
  if (m === undefined) {
    const info = Object.prototype.hasOwnProperty.call(MERGE_KEYS, `${model}.${field}`) ? MERGE_KEYS[`${model}.${field}`] : undefined;
    m = !info || (info.since !== undefined && info.since > KUSTOMIZE_SCHEMA_MINOR) ? null : info;
    if (byField.size > 4096) byField.clear();
    byField.set(field, m);
  }
  return m ?? undefined;
}
const kustomizeByModel = new Map<string, Map<string, MergeInfo | null>>();
