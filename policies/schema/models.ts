/**
 * The field model for the `schema` check: a thin cache over compiler/schema/models.ts
 * (`modelForKind`, `fieldsOf`, which read @kubernetes/client-node's model metadata lazily
 * without importing the package), plus the required-field table the runtime metadata lacks
 * (required-fields.json, generated from the .d.ts files by gen-required.ts).
 */
import { fieldsOf, modelForKind as modelNameForKind } from '../../compiler/schema/models.js';
import required from './required-fields.json' with { type: 'json' };

export interface FieldInfo {
  json: string;
  type: string;
  /** Parsed type, cached by the schema check. */
  desc?: unknown;
}

export interface ModelInfo {
  name: string;
  fields: Map<string, FieldInfo>;
  required: readonly string[];
}

const REQUIRED = required as Record<string, string[]>;
const cache = new Map<string, ModelInfo | null>();

export function model(name: string): ModelInfo | undefined {
  const hit = cache.get(name);
  if (hit !== undefined) return hit ?? undefined;
  const f = fieldsOf(name);
  const info: ModelInfo | null =
    f.size === 0
      ? null
      : { name, fields: new Map([...f].map(([json, type]) => [json, { json, type }])), required: REQUIRED[name] ?? [] };
  cache.set(name, info);
  return info ?? undefined;
}

/** API groups served by Kubernetes itself (others are CRDs and pass). */
export const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'node.k8s.io', 'certificates.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'apiregistration.k8s.io', 'flowcontrol.apiserver.k8s.io',
  'resource.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io', 'storagemigration.k8s.io', 'internal.apiserver.k8s.io',
]);

/** The model of a built-in kind, e.g. ('apps','v1','Deployment') → V1Deployment; undefined for CRDs and removed versions. */
export function modelForKind(group: string, version: string, kind: string): ModelInfo | undefined {
  if (!BUILTIN_GROUPS.has(group)) return undefined;
  const name = modelNameForKind(group, version, kind);
  return name ? model(name) : undefined;
}
