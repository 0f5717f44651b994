/**
 * The CustomResourceDefinitions a check run knows: those in the rendered tree and those the
 * caller loaded from the environment's folder of vendored CRDs (RunOptions.crds). Built once
 * per run (cached on the context).
 */
import type { JsonObject, Resource } from '../../compiler/types.js';
import type { CheckContext } from '../types.js';
import { arr, at, obj, str } from '../util.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  /** spec.versions[i].schema.openAPIV3Schema (or the v1beta1-style spec.validation one). */
  schema?: JsonObject;
  /** Pointer of that schema inside the CRD object, for locating its rules. */
  schemaPtr?: string;
}

export interface CrdInfo {
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
  /** The CRD object as rendered or vendored (for locations). */
  crd: Resource;
}

export interface CrdIndex {
  /** `${group}|${kind}` → CRD. */
  byGroupKind: Map<string, CrdInfo>;
  groups: Set<string>;
  /** Kinds per group. */
  kindsOf: Map<string, string[]>;
}

const CACHE = new WeakMap<CheckContext, CrdIndex>();

export function crdInfo(r: Resource): CrdInfo | undefined {
  if (r.id.kind !== 'CustomResourceDefinition' || r.id.group !== 'apiextensions.k8s.io') return undefined;
  const spec = obj(r.object.spec);
  const group = str(spec?.group);
  const kind = str(at(spec, 'names', 'kind'));
  if (!spec || !group || !kind) return undefined;
  const versions: CrdVersion[] = [];
  const top = obj(at(spec, 'validation', 'openAPIV3Schema'));
  arr(spec.versions).forEach((v, i) => {
    const name = str(at(v, 'name'));
    if (!name) return;
    const schema = obj(at(v, 'schema', 'openAPIV3Schema'));
    versions.push({
      name,
      served: at(v, 'served') !== false,
      ...(schema ? { schema, schemaPtr: `/spec/versions/${i}/schema/openAPIV3Schema` } : top ? { schema: top, schemaPtr: '/spec/validation/openAPIV3Schema' } : {}),
    });
  });
  const single = str(spec.version);
  if (versions.length === 0 && single) versions.push({ name: single, served: true, ...(top ? { schema: top, schemaPtr: '/spec/validation/openAPIV3Schema' } : {}) });
  return {
    group,
    kind,
    plural: str(at(spec, 'names', 'plural')) ?? kind.toLowerCase() + 's',
    scope: str(spec.scope) === 'Cluster' ? 'Cluster' : 'Namespaced',
    versions,
    crd: r,
  };
}

/** CRDs of the tree, then the vendored ones (the tree wins for the same group and kind). */
export function crdIndex(ctx: CheckContext): CrdIndex {
  const hit = CACHE.get(ctx);
  if (hit) return hit;
  const idx: CrdIndex = { byGroupKind: new Map(), groups: new Set(), kindsOf: new Map() };
  const add = (r: Resource) => {
    const c = crdInfo(r);
    if (!c) return;
    const key = `${c.group}|${c.kind}`;
    if (idx.byGroupKind.has(key)) return;
    idx.byGroupKind.set(key, c);
    idx.groups.add(c.group);
    const l = idx.kindsOf.get(c.group);
    if (l) l.push(c.kind);
    else idx.kindsOf.set(c.group, [c.kind]);
  };
  for (const r of ctx.ofKind('CustomResourceDefinition')) add(r);
  for (const r of ctx.crds) add(r);
  CACHE.set(ctx, idx);
  return idx;
}
