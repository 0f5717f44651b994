import type { Resource } from '../../compiler/types.js';
import type { Check, RawFinding } from '../types.js';
import { at, str } from '../util.js';

/** Kinds that have no namespace. */
export const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'StorageClass', 'CSIDriver', 'CSINode',
  'VolumeAttachment', 'CustomResourceDefinition', 'APIService', 'PriorityClass', 'RuntimeClass', 'IngressClass',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'PodSecurityPolicy', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'ClusterIssuer', 'DeviceClass',
  'ResourceSlice', 'ComponentStatus', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'TokenReview',
]);

/** The stack of a resource: its part-of label, else the base it came from, else its source file. */
function stackOf(r: Resource): string | undefined {
  const partOf = str(at(r.object, 'metadata', 'labels', 'app.kubernetes.io/part-of'));
  if (partOf) return `part-of:${partOf}`;
  if (r.origin?.configuredIn) return `base:${r.origin.configuredIn}`;
  if (r.origin?.location?.file) return `file:${r.origin.location.file}`;
  return undefined;
}

const WORKLOADS = new Set(['Pod', 'Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob']);

export const namespaceConsistency: Check = {
  id: 'namespace-consistency',
  title: 'One stack spread over several namespaces',
  doc: 'Resources of one stack (same app.kubernetes.io/part-of label, else same base, else same file) should share one namespace; the ones outside the stack\'s main namespace (where most resources, on a tie where its workloads, live) are reported.',
  hint: 'Put the resource in the stack\'s namespace (or set the namespace once in the kustomization).',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const stacks = new Map<string, Resource[]>();
    for (const r of ctx.resources) {
      if (CLUSTER_SCOPED.has(r.id.kind)) continue;
      const s = stackOf(r);
      if (!s) continue;
      const l = stacks.get(s);
      if (l) l.push(r);
      else stacks.set(s, [r]);
    }
    const out: RawFinding[] = [];
    for (const [stack, rs] of stacks) {
      const count = new Map<string, number>();
      const firstWorkloadNs = rs.find((r) => WORKLOADS.has(r.id.kind));
      for (const r of rs) count.set(ctx.ns(r), (count.get(ctx.ns(r)) ?? 0) + 1);
      if (count.size < 2) continue;
      let main = '';
      let best = -1;
      const prefer = firstWorkloadNs ? ctx.ns(firstWorkloadNs) : ctx.ns(rs[0]);
      for (const [ns, n] of [...count.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
        if (n > best || (n === best && ns === prefer)) {
          main = ns;
          best = n;
        }
      }
      const label = stack.slice(stack.indexOf(':') + 1);
      for (const r of rs) {
        if (ctx.ns(r) === main) continue;
        out.push({
          resource: r,
          pointer: r.object.metadata && at(r.object, 'metadata', 'namespace') !== undefined ? '/metadata/namespace' : '/metadata',
          message: `${r.id.kind} ${r.id.name} is in namespace ${ctx.ns(r)} but the rest of its stack (${label}) is in ${main}`,
        });
      }
    }
    return out;
  },
};
