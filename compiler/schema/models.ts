/**
 * The Kubernetes field model, from `@kubernetes/client-node`'s generated model classes,
 * used as metadata only (never instantiated).
 *
 * Loading: importing the package costs ~1.0 s and even its `ObjectSerializer.js` (which
 * imports every model) ~0.35 s over a bare `node` start; per-model ESM files are cheap
 * but can only be imported asynchronously. We need synchronous look-ups in pure build
 * stages, so each model's static `attributeTypeMap` literal is read from its file
 * (`dist/gen/models/<Model>.js`) on first use and cached: ~0.1 ms per model, and a
 * typical build touches a few dozen models. The literal is generated JSON (quoted keys),
 * so `JSON.parse` reads it; if the file layout ever changes, `fieldsOf` returns an
 * empty map and the checks that use it say nothing (no false errors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { didYouMean } from '../diagnostics.js';

/**
 * Kinds per apiVersion, derived once from the package's API classes (the body type of
 * each `create…` call). The model is `<Version><Kind>` (e.g. `V1Deployment`,
 * `V2HorizontalPodAutoscaler`) except for the few in MODEL_OVERRIDES.
 */
const KINDS: Record<string, string> = {
  'admissionregistration.k8s.io/v1': 'MutatingWebhookConfiguration ValidatingAdmissionPolicy ValidatingAdmissionPolicyBinding ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/v1alpha1': 'MutatingAdmissionPolicy MutatingAdmissionPolicyBinding',
  'admissionregistration.k8s.io/v1beta1': 'MutatingAdmissionPolicy MutatingAdmissionPolicyBinding',
  'apiextensions.k8s.io/v1': 'CustomResourceDefinition',
  'apiregistration.k8s.io/v1': 'APIService',
  'apps/v1': 'ControllerRevision DaemonSet Deployment ReplicaSet StatefulSet',
  'authentication.k8s.io/v1': 'SelfSubjectReview TokenReview',
  'authentication.k8s.io/v1alpha1': 'SelfSubjectReview',
  'authentication.k8s.io/v1beta1': 'SelfSubjectReview',
  'authorization.k8s.io/v1': 'LocalSubjectAccessReview SelfSubjectAccessReview SelfSubjectRulesReview SubjectAccessReview',
  'autoscaling/v1': 'HorizontalPodAutoscaler',
  'autoscaling/v2': 'HorizontalPodAutoscaler',
  'batch/v1': 'CronJob Job',
  'certificates.k8s.io/v1': 'CertificateSigningRequest',
  'certificates.k8s.io/v1alpha1': 'ClusterTrustBundle PodCertificateRequest',
  'certificates.k8s.io/v1beta1': 'ClusterTrustBundle',
  'coordination.k8s.io/v1': 'Lease',
  'coordination.k8s.io/v1alpha2': 'LeaseCandidate',
  'coordination.k8s.io/v1beta1': 'LeaseCandidate',
  v1: 'Binding ConfigMap Endpoints LimitRange Namespace Node PersistentVolume PersistentVolumeClaim Pod PodTemplate ReplicationController ResourceQuota Secret Service ServiceAccount',
  'discovery.k8s.io/v1': 'EndpointSlice',
  'flowcontrol.apiserver.k8s.io/v1': 'FlowSchema PriorityLevelConfiguration',
  'flowcontrol.apiserver.k8s.io/v1beta3': 'FlowSchema PriorityLevelConfiguration',
  'internal.apiserver.k8s.io/v1alpha1': 'StorageVersion',
  'networking.k8s.io/v1': 'IPAddress Ingress IngressClass NetworkPolicy ServiceCIDR',
  'networking.k8s.io/v1alpha1': 'IPAddress ServiceCIDR',
  'networking.k8s.io/v1beta1': 'IPAddress ServiceCIDR',
  'node.k8s.io/v1': 'RuntimeClass',
  'policy/v1': 'PodDisruptionBudget',
  'rbac.authorization.k8s.io/v1': 'ClusterRole ClusterRoleBinding Role RoleBinding',
  'resource.k8s.io/v1': 'DeviceClass ResourceClaimTemplate ResourceSlice',
  'resource.k8s.io/v1alpha2': 'PodSchedulingContext ResourceClaim ResourceClaimParameters ResourceClaimTemplate ResourceClass ResourceClassParameters ResourceSlice',
  'resource.k8s.io/v1alpha3': 'DeviceTaintRule',
  'resource.k8s.io/v1beta1': 'DeviceClass ResourceClaim ResourceClaimTemplate ResourceSlice',
  'resource.k8s.io/v1beta2': 'DeviceClass ResourceClaim ResourceClaimTemplate ResourceSlice',
  'scheduling.k8s.io/v1': 'PriorityClass',
  'storage.k8s.io/v1': 'CSIDriver CSINode CSIStorageCapacity StorageClass VolumeAttachment VolumeAttributesClass',
  'storage.k8s.io/v1alpha1': 'VolumeAttributesClass',
  'storage.k8s.io/v1beta1': 'VolumeAttributesClass',
  'storagemigration.k8s.io/v1alpha1': 'StorageVersionMigration',
};

/** Kinds whose model name carries the group because another group has the same kind. */
const MODEL_OVERRIDES: Record<string, string> = {
  'v1/Event': 'CoreV1Event',
  'events.k8s.io/v1/Event': 'EventsV1Event',
  'resource.k8s.io/v1/ResourceClaim': 'ResourceV1ResourceClaim',
};

let kindIndex: Map<string, string> | undefined;

function index(): Map<string, string> {
  if (kindIndex) return kindIndex;
  const m = new Map<string, string>();
  for (const [gv, kinds] of Object.entries(KINDS)) {
    const version = gv.slice(gv.lastIndexOf('/') + 1);
    const prefix = version[0].toUpperCase() + version.slice(1);
    for (const k of kinds.split(' ')) m.set(`${gv}/${k}`, prefix + k);
  }
  for (const [k, v] of Object.entries(MODEL_OVERRIDES)) m.set(k, v);
  kindIndex = m;
  return m;
}

/** The client-node model of a built-in kind, or undefined (custom resources, removed versions). */
export function modelForKind(group: string, version: string, kind: string): string | undefined {
  return index().get(`${group ? `${group}/` : ''}${version}/${kind}`);
}

let modelsDir: string | null | undefined;

function dir(): string | null {
  if (modelsDir !== undefined) return modelsDir;
  let d: string | undefined;
  try {
    const req = createRequire(import.meta.url);
    d = path.join(path.dirname(req.resolve('@kubernetes/client-node/package.json')), 'dist', 'gen', 'models');
  } catch {
    d = undefined;
  }
  // Without the models every strategic merge would replace lists instead of merging them by
  // key, and the output would be wrong with no word said: a broken installation stops here.
  if (!d || !fs.existsSync(d)) {
    throw new Error(
      `@kubernetes/client-node's generated models were not found (resolved from ${fileURLToPath(import.meta.url)}): without them lists cannot be merged by their keys, as Kustomize merges them. Reinstall kforge (npm ci) so that node_modules/@kubernetes/client-node is beside it.`,
    );
  }
  modelsDir = d;
  return modelsDir;
}

const cache = new Map<string, Map<string, string>>();
const EMPTY = new Map<string, string>();

/** True when `model` names a generated model class (file exists). */
export function isModel(model: string): boolean {
  return fieldsOf(model).size > 0;
}

/** JSON field name → type string (`V1PodSpec`, `Array<V1Container>`, `{ [key: string]: string; }`, `string`…). */
export function fieldsOf(model: string): Map<string, string> {
  const hit = cache.get(model);
  if (hit) return hit;
  let out = EMPTY;
  const d = dir();
  if (d && /^[A-Za-z0-9]+$/.test(model)) {
    try {
      const text = fs.readFileSync(path.join(d, `${model}.js`), 'utf8');
      const marker = `${model}.attributeTypeMap = `;
      const start = text.indexOf(marker);
      if (start >= 0) {
        const from = start + marker.length;
        const end = text.indexOf('];', from);
        const entries = JSON.parse(text.slice(from, end + 1)) as { baseName: string; type: string }[];
        out = new Map(entries.map((e) => [e.baseName, e.type]));
      }
    } catch {
      out = EMPTY;
    }
  }
  cache.set(model, out);
  return out;
}

/** What a type string holds: a model, a list of T, a map of T, or a scalar/free-form value. */
export type TypeShape =
  | { kind: 'model'; name: string }
  | { kind: 'array'; of: string }
  | { kind: 'map'; of: string }
  | { kind: 'any' }
  | { kind: 'scalar'; name: string };

export function shapeOf(type: string): TypeShape {
  // asked for every field a patch walks: one answer per type name (shapes are never changed)
  let s = shapes.get(type);
  if (s === undefined) {
    s = computeShape(type);
    if (shapes.size > 4096) shapes.clear();
    shapes.set(type, s);
  }
  return s;
}
const shapes = new Map<string, TypeShape>();

function computeShape(type: string): TypeShape {
  const t = type.trim();
  if (t.startsWith('Array<') && t.endsWith('>')) return { kind: 'array', of: t.slice(6, -1) };
  const m = /^\{ \[key: string\]: (.*); \}$/.exec(t);
  if (m) return { kind: 'map', of: m[1] };
  if (t === 'any' || t === 'object') return { kind: 'any' };
  if (t === 'string' || t === 'number' || t === 'boolean' || t === 'Date' || t === 'IntOrString') return { kind: 'scalar', name: t };
  return { kind: 'model', name: t };
}

/** Type of one step below `type` (a field name, a list index, a map key), or undefined if invalid. */
export function childType(type: string, segment: string): string | undefined | 'invalid' {
  const s = shapeOf(type);
  switch (s.kind) {
    case 'any':
      return 'any';
    case 'map':
      return s.of;
    case 'array':
      return segment === '-' || /^(0|[1-9][0-9]*)$/.test(segment) ? s.of : 'invalid';
    case 'scalar':
      return 'invalid';
    case 'model': {
      const f = fieldsOf(s.name);
      if (f.size === 0) return 'any'; // unknown model file: say nothing
      return f.get(segment) ?? 'invalid';
    }
  }
}

/** RFC 6901 pointer → unescaped segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(pointer.startsWith('/') ? 1 : 0)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function escapeSegment(s: string): string {
  if (s.indexOf('~') < 0 && s.indexOf('/') < 0) return s;
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

export type PointerResolution = { ok: true; type: string } | { ok: false; at: string; bad: string; suggestion?: string };

/**
 * Walks a JSON pointer through a model. Array indices and `-` are accepted under lists,
 * any key under maps, anything under `any`/`object` (free-form fields).
 */
export function resolvePointer(model: string, pointer: string): PointerResolution {
  // every target of a JSON 6902 patch asks: one walk per model and pointer
  let byPointer = resolved.get(model);
  if (byPointer === undefined) resolved.set(model, (byPointer = new Map()));
  let r = byPointer.get(pointer);
  if (r === undefined) {
    r = Object.freeze(walkPointer(model, pointer));
    if (byPointer.size > 4096) byPointer.clear();
    byPointer.set(pointer, r);
  }
  return r;
}
const resolved = new Map<string, Map<string, PointerResolution>>();

function walkPointer(model: string, pointer: string): PointerResolution {
  const segs = pointerSegments(pointer);
  let type = model;
  let at = '';
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i];
    const next = childType(type, seg);
    if (next === 'invalid' || next === undefined) {
      const res: PointerResolution = { ok: false, at, bad: seg };
      const s = shapeOf(type);
      if (s.kind === 'model') {
        const cand = didYouMean(seg, fieldsOf(s.name).keys());
        if (cand !== undefined) {
          const fixed = [...segs.slice(0, i), cand, ...segs.slice(i + 1)];
          // Only suggest when the rest of the corrected pointer is valid too.
          const again = resolvePointer(model, '/' + fixed.map(escapeSegment).join('/'));
          if (again.ok) res.suggestion = '/' + fixed.map(escapeSegment).join('/');
        }
      }
      return res;
    }
    type = next;
    at += '/' + escapeSegment(seg);
  }
  return { ok: true, type };
}

/** The built-in apiVersions that serve a kind (`rbac.authorization.k8s.io/v1` for Role), GA versions first. */
export function builtinApiVersionsOf(kind: string): string[] {
  const out = Object.entries(KINDS).filter(([, ks]) => ks.split(' ').includes(kind)).map(([gv]) => gv);
  const rank = (gv: string) => (/alpha/.test(gv) ? 2 : /beta/.test(gv) ? 1 : 0);
  return out.sort((a, b) => rank(a) - rank(b));
}
