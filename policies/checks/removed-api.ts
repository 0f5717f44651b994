import type { Check, RawFinding } from '../types.js';
import { compareVersions } from '../util.js';

export interface RemovedApi {
  group: string;
  version: string;
  kinds: string[];
  deprecatedIn: string;
  /** undefined: deprecated, removal not scheduled. */
  removedIn?: string;
  replacement: string;
}

const WL = ['Deployment', 'DaemonSet', 'ReplicaSet', 'StatefulSet', 'ControllerRevision'];

/** From https://kubernetes.io/docs/reference/using-api/deprecation-guide/ (through v1.34). */
export const REMOVED_APIS: readonly RemovedApi[] = [
  // v1.16
  { group: 'extensions', version: 'v1beta1', kinds: ['Deployment', 'DaemonSet', 'ReplicaSet'], deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  { group: 'extensions', version: 'v1beta1', kinds: ['NetworkPolicy'], deprecatedIn: '1.9', removedIn: '1.16', replacement: 'networking.k8s.io/v1' },
  { group: 'extensions', version: 'v1beta1', kinds: ['PodSecurityPolicy'], deprecatedIn: '1.11', removedIn: '1.16', replacement: 'policy/v1beta1 (itself removed in 1.25: use Pod Security Admission)' },
  { group: 'apps', version: 'v1beta1', kinds: WL, deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  { group: 'apps', version: 'v1beta2', kinds: WL, deprecatedIn: '1.9', removedIn: '1.16', replacement: 'apps/v1' },
  // v1.21
  { group: 'batch', version: 'v2alpha1', kinds: ['CronJob'], deprecatedIn: '1.8', removedIn: '1.21', replacement: 'batch/v1' },
  // v1.22
  { group: 'extensions', version: 'v1beta1', kinds: ['Ingress'], deprecatedIn: '1.14', removedIn: '1.22', replacement: 'networking.k8s.io/v1' },
  { group: 'networking.k8s.io', version: 'v1beta1', kinds: ['Ingress', 'IngressClass'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'networking.k8s.io/v1' },
  { group: 'admissionregistration.k8s.io', version: 'v1beta1', kinds: ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'], deprecatedIn: '1.16', removedIn: '1.22', replacement: 'admissionregistration.k8s.io/v1' },
  { group: 'apiextensions.k8s.io', version: 'v1beta1', kinds: ['CustomResourceDefinition'], deprecatedIn: '1.16', removedIn: '1.22', replacement: 'apiextensions.k8s.io/v1' },
  { group: 'apiregistration.k8s.io', version: 'v1beta1', kinds: ['APIService'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'apiregistration.k8s.io/v1' },
  { group: 'authentication.k8s.io', version: 'v1beta1', kinds: ['TokenReview'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'authentication.k8s.io/v1' },
  { group: 'authorization.k8s.io', version: 'v1beta1', kinds: ['SubjectAccessReview', 'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'authorization.k8s.io/v1' },
  { group: 'certificates.k8s.io', version: 'v1beta1', kinds: ['CertificateSigningRequest'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'certificates.k8s.io/v1' },
  { group: 'coordination.k8s.io', version: 'v1beta1', kinds: ['Lease'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'coordination.k8s.io/v1' },
  { group: 'rbac.authorization.k8s.io', version: 'v1beta1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], deprecatedIn: '1.17', removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  { group: 'rbac.authorization.k8s.io', version: 'v1alpha1', kinds: ['ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding'], deprecatedIn: '1.17', removedIn: '1.22', replacement: 'rbac.authorization.k8s.io/v1' },
  { group: 'scheduling.k8s.io', version: 'v1beta1', kinds: ['PriorityClass'], deprecatedIn: '1.14', removedIn: '1.22', replacement: 'scheduling.k8s.io/v1' },
  { group: 'storage.k8s.io', version: 'v1beta1', kinds: ['CSIDriver', 'CSINode', 'StorageClass', 'VolumeAttachment'], deprecatedIn: '1.19', removedIn: '1.22', replacement: 'storage.k8s.io/v1' },
  // v1.25
  { group: 'batch', version: 'v1beta1', kinds: ['CronJob'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'batch/v1' },
  { group: 'discovery.k8s.io', version: 'v1beta1', kinds: ['EndpointSlice'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'discovery.k8s.io/v1' },
  { group: 'events.k8s.io', version: 'v1beta1', kinds: ['Event'], deprecatedIn: '1.19', removedIn: '1.25', replacement: 'events.k8s.io/v1' },
  { group: 'autoscaling', version: 'v2beta1', kinds: ['HorizontalPodAutoscaler'], deprecatedIn: '1.23', removedIn: '1.25', replacement: 'autoscaling/v2' },
  { group: 'policy', version: 'v1beta1', kinds: ['PodDisruptionBudget'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'policy/v1' },
  { group: 'policy', version: 'v1beta1', kinds: ['PodSecurityPolicy'], deprecatedIn: '1.21', removedIn: '1.25', replacement: 'none: use Pod Security Admission' },
  { group: 'node.k8s.io', version: 'v1beta1', kinds: ['RuntimeClass'], deprecatedIn: '1.20', removedIn: '1.25', replacement: 'node.k8s.io/v1' },
  // v1.26
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta1', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecatedIn: '1.23', removedIn: '1.26', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  { group: 'autoscaling', version: 'v2beta2', kinds: ['HorizontalPodAutoscaler'], deprecatedIn: '1.23', removedIn: '1.26', replacement: 'autoscaling/v2' },
  // v1.27
  { group: 'storage.k8s.io', version: 'v1beta1', kinds: ['CSIStorageCapacity'], deprecatedIn: '1.24', removedIn: '1.27', replacement: 'storage.k8s.io/v1' },
  { group: 'resource.k8s.io', version: 'v1alpha1', kinds: ['*'], deprecatedIn: '1.27', removedIn: '1.27', replacement: 'resource.k8s.io/v1' },
  // v1.29
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta2', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecatedIn: '1.26', removedIn: '1.29', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  // v1.31
  { group: 'resource.k8s.io', version: 'v1alpha2', kinds: ['*'], deprecatedIn: '1.31', removedIn: '1.31', replacement: 'resource.k8s.io/v1' },
  // v1.32
  { group: 'flowcontrol.apiserver.k8s.io', version: 'v1beta3', kinds: ['FlowSchema', 'PriorityLevelConfiguration'], deprecatedIn: '1.29', removedIn: '1.32', replacement: 'flowcontrol.apiserver.k8s.io/v1' },
  // v1.33 / v1.34
  { group: 'resource.k8s.io', version: 'v1alpha3', kinds: ['ResourceClaim', 'ResourceClaimTemplate', 'DeviceClass', 'ResourceSlice'], deprecatedIn: '1.32', removedIn: '1.33', replacement: 'resource.k8s.io/v1' },
  { group: 'resource.k8s.io', version: 'v1beta1', kinds: ['ResourceClaim', 'ResourceClaimTemplate', 'DeviceClass', 'ResourceSlice'], deprecatedIn: '1.34', replacement: 'resource.k8s.io/v1' },
  { group: 'resource.k8s.io', version: 'v1beta2', kinds: ['ResourceClaim', 'ResourceClaimTemplate', 'DeviceClass', 'ResourceSlice'], deprecatedIn: '1.34', replacement: 'resource.k8s.io/v1' },
  { group: '', version: 'v1', kinds: ['Endpoints'], deprecatedIn: '1.33', replacement: 'discovery.k8s.io/v1 EndpointSlice' },
];

const TABLE = new Map<string, RemovedApi>();
for (const e of REMOVED_APIS) for (const k of e.kinds) TABLE.set(`${e.group}|${e.version}|${k}`, e);

export function lookupApi(group: string, version: string, kind: string): RemovedApi | undefined {
  return TABLE.get(`${group}|${version}|${kind}`) ?? TABLE.get(`${group}|${version}|*`);
}

export const removedApi: Check = {
  id: 'removed-api',
  title: 'Removed or deprecated API version',
  doc: 'The apiVersion is removed in (error) or deprecated by (warning) the environment\'s target Kubernetes version, per the Kubernetes deprecation guide.',
  hint: 'Move the resource to the replacement API version and adapt its fields.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  lockedIn: ['prod'],
  run(ctx) {
    const target = ctx.env.kubernetesVersion && /^v?\d+\.\d+/.test(ctx.env.kubernetesVersion) ? ctx.env.kubernetesVersion : '99.0';
    const out: RawFinding[] = [];
    for (const r of ctx.resources) {
      const e = lookupApi(r.id.group, r.id.version, r.id.kind);
      if (!e) continue;
      const api = `${r.id.group ? r.id.group + '/' : ''}${r.id.version}`;
      const hint = `Use ${e.replacement} for ${r.id.kind}.`;
      if (e.removedIn && compareVersions(target, e.removedIn) >= 0) {
        out.push({ resource: r, pointer: '/apiVersion', hint, message: `${api} ${r.id.kind} was removed in Kubernetes ${e.removedIn} (target ${target}); use ${e.replacement}` });
      } else if (compareVersions(target, e.deprecatedIn) >= 0) {
        out.push({ resource: r, pointer: '/apiVersion', hint, severity: 'warning', message: `${api} ${r.id.kind} is deprecated since Kubernetes ${e.deprecatedIn}${e.removedIn ? ` and removed in ${e.removedIn}` : ''}; use ${e.replacement}` });
      }
    }
    return out;
  },
};
