import type { Check, RawFinding } from '../types.js';
import { BUILTIN_GROUPS } from '../schema/models.js';
import { builtinApiVersionsOf } from '../../compiler/schema/models.js';
import { didYouMean, editDistance } from '../../compiler/diagnostics.js';
import { crdIndex } from '../crd/index.js';
import { lookupApi } from './removed-api.js';

/** Groups Kubernetes served once (removed-api reports them) or that hold no objects a repository applies. */
const FORMER_OR_VIRTUAL = new Set(['extensions', 'metrics.k8s.io', 'custom.metrics.k8s.io', 'external.metrics.k8s.io', 'kustomize.config.k8s.io', 'config.kubernetes.io']);
const NAMED_GROUPS = [...BUILTIN_GROUPS].filter((g) => g !== '');

/** The built-in group a group is a typo of (≤ 2 edits, not itself a *.k8s.io group), or undefined. */
export function nearBuiltinGroup(group: string): string | undefined {
  if (/[.-]k8s\.io$/.test(group)) return undefined;
  let best: string | undefined;
  let bestD = 3;
  for (const g of NAMED_GROUPS) {
    if (Math.abs(g.length - group.length) > 2) continue;
    const d = editDistance(group, g);
    if (d < bestD) {
      best = g;
      bestD = d;
    }
  }
  return best;
}

export const unknownApi: Check = {
  id: 'unknown-api',
  title: 'apiVersion that no API server serves',
  doc: 'A kind under an API group that does not exist: a built-in kind (Role, Deployment…) under another group, or a group one typo away from a built-in one, is an error in staging and prod (rbac.authorization.kubernetes.io/v1beta1: did you mean rbac.authorization.k8s.io/v1?); a custom resource whose CRD (in the tree or the environment\'s vendored crds folder) does not define that kind or serve that version is a warning, and so is one without any CRD when the environment names a crds folder.',
  hint: 'Use the group/version the kind belongs to, or add its CustomResourceDefinition to the tree (or to the environment\'s crds folder).',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    let crds: ReturnType<typeof crdIndex> | undefined;
    for (const r of ctx.resources) {
      const { group, version, kind } = r.id;
      if (BUILTIN_GROUPS.has(group) || FORMER_OR_VIRTUAL.has(group) || lookupApi(group, version, kind)) continue;
      crds ??= crdIndex(ctx);
      const api = `${group}/${version}`;
      const crd = crds.byGroupKind.get(`${group}|${kind}`);
      if (crd) {
        const served = crd.versions.filter((v) => v.served).map((v) => v.name);
        if (!served.includes(version)) {
          out.push({ resource: r, pointer: '/apiVersion', severity: 'warning', message: `CRD ${crd.plural}.${group} does not serve ${version} (it serves ${served.join(', ') || 'no version'}); did you mean ${group}/${served[0] ?? version}?` });
        }
        continue;
      }
      // A typo of a built-in group, not a CRD group that merely looks alike (networking.x-k8s.io,
      // gateway.networking.k8s.io, networking.istio.io): within two edits, or a dotless group, or
      // one that names kubernetes/k8s without being a *.k8s.io group.
      const nearBuiltin = nearBuiltinGroup(group);
      const builtin = builtinApiVersionsOf(kind);
      if (builtin.length > 0 && (nearBuiltin || !group.includes('.') || /(^|\.)(kubernetes|k8s)\./.test(group))) {
        out.push({ resource: r, pointer: '/apiVersion', hint: `Use apiVersion: ${builtin[0]} for ${kind}.`, message: `no CRD defines ${kind} in ${api}, and ${group} is not a Kubernetes API group; did you mean ${builtin[0]}?` });
        continue;
      }
      if (nearBuiltin) {
        out.push({ resource: r, pointer: '/apiVersion', message: `${group} is not a Kubernetes API group and no CRD defines ${kind} in it; did you mean ${nearBuiltin}?` });
        continue;
      }
      const kinds = crds.kindsOf.get(group);
      if (kinds) {
        const dym = didYouMean(kind, kinds);
        out.push({ resource: r, pointer: '/kind', severity: 'warning', message: `no CRD defines ${kind} in ${group} (its CRDs define ${kinds.join(', ')})${dym ? `; did you mean ${dym}?` : ''}` });
        continue;
      }
      const nearCrd = didYouMean(group, crds.groups);
      if (nearCrd) {
        const k = crds.byGroupKind.get(`${nearCrd}|${kind}`);
        out.push({ resource: r, pointer: '/apiVersion', severity: 'warning', message: `no CRD defines ${kind} in ${api}; did you mean ${nearCrd}${k ? `/${k.versions.find((v) => v.served)?.name ?? version}` : ''}?` });
        continue;
      }
      if (ctx.crds.length > 0) out.push({ resource: r, pointer: '/apiVersion', severity: 'warning', message: `no CRD defines ${kind} in ${api}, neither in the tree nor in the environment's crds folder` });
    }
    return out;
  },
};
