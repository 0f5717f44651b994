import type { JsonObject, Resource } from '../../compiler/types.js';
import type { Check, CheckContext, PodTemplate, RawFinding } from '../types.js';
import { envVars } from '../context.js';
import { arr, at, obj, ptr, str } from '../util.js';

const SERVICE_NAME_VARS = new Set(['K8S_SERVICE_NAME', 'EMQX_CLUSTER__K8S__SERVICE_NAME', 'RABBITMQ_K8S_SERVICE_NAME']);

interface Discovery {
  /** Service names declared for discovery, with where (`via` says how a ConfigMap value reached the pod). */
  names: { value: string; resource: Resource; pointer: string; via?: string }[];
  /** RabbitMQ hostname suffixes (`.<headless svc>.<ns>.svc.cluster.local`), with where. */
  suffixes: { value: string; resource: Resource; pointer: string; line?: number }[];
  /** Whether the pod uses Kubernetes peer discovery at all. */
  uses: boolean;
  usePointer?: string;
}

/** ConfigMaps a pod template mounts or imports, with their pointers. */
function configMapsOf(ctx: CheckContext, pt: PodTemplate): Resource[] {
  const names = new Set<string>();
  for (const v of arr(pt.spec.volumes)) {
    const n = str(at(v, 'configMap', 'name'));
    if (n) names.add(n);
    for (const s of arr(at(v, 'projected', 'sources'))) {
      const pn = str(at(s, 'configMap', 'name'));
      if (pn) names.add(pn);
    }
  }
  for (const c of pt.containers) for (const e of arr(c.container.envFrom)) {
    const n = str(at(e, 'configMapRef', 'name'));
    if (n) names.add(n);
  }
  const out: Resource[] = [];
  for (const n of [...names].sort()) {
    const cm = ctx.get('ConfigMap', pt.namespace, n);
    if (cm) out.push(cm);
  }
  return out;
}

const CONF_SERVICE = /^\s*(cluster_formation\.k8s\.service_name|cluster\.k8s\.service_name|cluster\.kubernetes\.service_name)\s*=\s*"?([A-Za-z0-9.-]+)"?\s*$/m;
const CONF_SUFFIX = /^\s*cluster_formation\.k8s\.hostname_suffix\s*=\s*"?([A-Za-z0-9.-]+)"?\s*$/m;
const SUFFIX_VARS = new Set(['K8S_HOSTNAME_SUFFIX', 'RABBITMQ_K8S_HOSTNAME_SUFFIX']);
const STRATEGY_VARS = new Set(['EMQX_CLUSTER__DISCOVERY_STRATEGY', 'EMQX_CLUSTER__DISCOVERY']);
const CONF_USES = /rabbit_peer_discovery_k8s|rabbitmq_peer_discovery_k8s|peer_discovery_backend\s*=\s*k8s|cluster\.discovery(_strategy)?\s*=\s*(k8s|kubernetes)/;

export function discoveryOf(ctx: CheckContext, pt: PodTemplate): Discovery {
  const d: Discovery = { names: [], suffixes: [], uses: false };
  for (const c of pt.containers) {
    // envFrom ConfigMaps first: env entries come after them (and win) in the container
    arr(c.container.envFrom).forEach((ef, i) => {
      const n = str(at(ef, 'configMapRef', 'name'));
      const cm = n ? ctx.get('ConfigMap', pt.namespace, n) : undefined;
      if (!cm) return;
      const prefix = str(at(ef, 'prefix')) ?? '';
      const data = obj(cm.object.data) ?? {};
      for (const key of Object.keys(data).sort()) {
        const v = data[key];
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        const name = prefix + key;
        const via = `${name} from ConfigMap ${n} (envFrom of ${pt.resource.id.kind} ${pt.resource.id.name})`;
        if (SERVICE_NAME_VARS.has(name)) {
          d.uses = true;
          d.usePointer ??= ptr(c.ptr, 'envFrom', i);
          if (String(v) && !String(v).includes('$(')) d.names.push({ value: String(v), resource: cm, pointer: ptr('/data', key), via });
        }
        if (STRATEGY_VARS.has(name) && /^(k8s|kubernetes)$/.test(String(v))) {
          d.uses = true;
          d.usePointer ??= ptr(c.ptr, 'envFrom', i);
        }
        if (SUFFIX_VARS.has(name) && !String(v).includes('$(')) d.suffixes.push({ value: String(v), resource: cm, pointer: ptr('/data', key) });
      }
    });
    for (const e of envVars(c)) {
      let v = e.value ?? '';
      let where = { resource: pt.resource, pointer: e.ptr + '/value' } as { resource: Resource; pointer: string; via?: string };
      const ref = obj(e.from?.configMapKeyRef);
      if (ref && (SERVICE_NAME_VARS.has(e.name) || SUFFIX_VARS.has(e.name))) {
        const cmName = str(ref.name);
        const key = str(ref.key);
        const cm = cmName ? ctx.get('ConfigMap', pt.namespace, cmName) : undefined;
        const cv = cm && key !== undefined ? at(cm.object, 'data', key) : undefined;
        if (cm && key !== undefined && (typeof cv === 'string' || typeof cv === 'number')) {
          v = String(cv);
          where = { resource: cm, pointer: ptr('/data', key), via: `${e.name} from ConfigMap ${cmName} key ${key}` };
        }
      }
      if (SERVICE_NAME_VARS.has(e.name)) {
        d.uses = true;
        d.usePointer ??= e.ptr;
        if (v && !v.includes('$(')) d.names.push({ value: v, ...where });
      }
      if (SUFFIX_VARS.has(e.name) && v && !v.includes('$(')) d.suffixes.push({ value: v, resource: where.resource, pointer: where.pointer });
      if (STRATEGY_VARS.has(e.name) && /^(k8s|kubernetes)$/.test(v)) {
        d.uses = true;
        d.usePointer ??= e.ptr;
      }
      if (e.name === 'RABBITMQ_PEER_DISCOVERY_BACKEND' && /k8s/.test(v)) {
        d.uses = true;
        d.usePointer ??= e.ptr;
      }
    }
  }
  for (const cm of configMapsOf(ctx, pt)) {
    const data = obj(cm.object.data) ?? {};
    for (const key of Object.keys(data).sort()) {
      const text = str(data[key]);
      if (!text) continue;
      if (CONF_USES.test(text)) {
        d.uses = true;
        d.usePointer ??= pt.specPtr + '/volumes';
      }
      const m = CONF_SERVICE.exec(text);
      if (m) {
        d.uses = true;
        d.names.push({ value: m[2], resource: cm, pointer: ptr('/data', key) });
      }
      const sm = CONF_SUFFIX.exec(text);
      if (sm) d.suffixes.push({ value: sm[1], resource: cm, pointer: ptr('/data', key), line: text.slice(0, sm.index + sm[0].search(/\S/)).split('\n').length });
    }
  }
  return d;
}

export const discoveryServiceName: Check = {
  id: 'discovery-service-name',
  title: 'Peer-discovery service name differs from the headless Service',
  doc: 'K8S_SERVICE_NAME, EMQX_CLUSTER__K8S__SERVICE_NAME (in env, from a ConfigMap key or through envFrom of a ConfigMap) or cluster_formation.k8s.service_name (rabbitmq.conf) must name the StatefulSet\'s headless Service (spec.serviceName), and cluster_formation.k8s.hostname_suffix (or K8S_HOSTNAME_SUFFIX) must be .<that Service>.<its namespace>.svc.cluster.local, or nodes fail with nxdomain.',
  hint: 'Use the same name in the headless Service, the StatefulSet serviceName and the discovery setting.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      const d = discoveryOf(ctx, pt);
      if (d.names.length === 0 && d.suffixes.length === 0) continue;
      const expected = pt.resource.id.kind === 'StatefulSet' ? str(at(pt.resource.object, 'spec', 'serviceName')) : undefined;
      for (const n of d.names) {
        const short = n.value.split('.')[0];
        const via = n.via ? ` (${n.via})` : '';
        if (expected !== undefined) {
          if (short !== expected) out.push({ resource: n.resource, pointer: n.pointer, message: `discovery service name ${n.value}${via} differs from the StatefulSet ${pt.resource.id.name} serviceName ${expected}` });
        } else if (!ctx.get('Service', pt.namespace, short)) {
          out.push({ resource: n.resource, pointer: n.pointer, message: `discovery service name ${n.value}${via}: no Service ${pt.namespace}/${short} is rendered` });
        }
      }
      if (expected === undefined) continue;
      for (const s of d.suffixes) {
        const why = suffixMismatch(s.value, expected, pt.namespace);
        if (why) {
          const line = s.line ? ` (line ${s.line} of ${s.pointer.slice('/data/'.length).replace(/~1/g, '/').replace(/~0/g, '~')})` : '';
          out.push({ resource: s.resource, pointer: s.pointer, message: `hostname_suffix ${s.value}${line} ${why}: the pods of StatefulSet ${pt.resource.id.name} are <pod>.${expected}.${pt.namespace}.svc.cluster.local, so peer lookups fail with nxdomain` });
        }
      }
    }
    return out;
  },
};

/**
 * Why a RabbitMQ hostname suffix (`.<svc>[.<ns>[.svc[.cluster.local]]]`) does not name the
 * StatefulSet's headless Service in its namespace, or undefined when it does.
 */
export function suffixMismatch(suffix: string, service: string, namespace: string): string | undefined {
  let rest = suffix.replace(/^\./, '').replace(/\.$/, '').toLowerCase();
  for (const tail of ['.svc.cluster.local', '.svc']) {
    if (rest.endsWith(tail)) {
      rest = rest.slice(0, -tail.length);
      break;
    }
  }
  const [svc, ns, ...more] = rest.split('.');
  if (more.length > 0) return `is not .<headless Service>.<namespace>.svc.cluster.local`;
  if (svc !== service && ns !== undefined && ns !== namespace) return `names Service ${svc} in namespace ${ns}, not the headless Service ${service} in namespace ${namespace}`;
  if (svc !== service) return `names Service ${svc}, not the headless Service ${service}`;
  if (ns !== undefined && ns !== namespace) return `names namespace ${ns}, but the StatefulSet and its headless Service are in ${namespace}`;
  return undefined;
}

const READ_VERBS = ['get', '*'];

function grantsEndpoints(role: Resource | undefined, builtin: string | undefined): boolean {
  if (builtin !== undefined) return ['cluster-admin', 'admin', 'edit', 'view'].includes(builtin);
  if (!role) return false;
  return arr(role.object.rules).some((rule) => {
    const ro = obj(rule) ?? ({} as JsonObject);
    const groups = arr(ro.apiGroups).map(String);
    const res = arr(ro.resources).map(String);
    const verbs = arr(ro.verbs).map(String);
    return (groups.includes('') || groups.includes('*')) && (res.includes('endpoints') || res.includes('*')) && verbs.some((v) => READ_VERBS.includes(v));
  });
}

export const discoveryRbac: Check = {
  id: 'discovery-rbac',
  title: 'Kubernetes peer discovery without RBAC to read endpoints',
  doc: 'A pod using Kubernetes peer discovery (K8S_SERVICE_NAME, EMQX_CLUSTER__DISCOVERY_STRATEGY=k8s, rabbit_peer_discovery_k8s) must run as a ServiceAccount bound by a RoleBinding/ClusterRoleBinding to a Role/ClusterRole that can get endpoints, or discovery fails with HTTP 403.',
  hint: 'Add a ServiceAccount, a Role with get/list/watch on endpoints, a RoleBinding, and set serviceAccountName.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    // bindings by subject, once
    const bySubject = new Map<string, Resource[]>();
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      for (const b of ctx.ofKind(kind)) {
        for (const s of arr(b.object.subjects)) {
          if (str(at(s, 'kind')) !== 'ServiceAccount') continue;
          const sns = str(at(s, 'namespace')) ?? ctx.ns(b);
          const key = `${sns}|${str(at(s, 'name')) ?? ''}`;
          const l = bySubject.get(key);
          if (l) l.push(b);
          else bySubject.set(key, [b]);
        }
      }
    }
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      const d = discoveryOf(ctx, pt);
      if (!d.uses) continue;
      const sa = str(pt.spec.serviceAccountName) ?? str(pt.spec.serviceAccount) ?? 'default';
      const ok = (bySubject.get(`${pt.namespace}|${sa}`) ?? []).some((b) => {
        const rk = str(at(b.object, 'roleRef', 'kind'));
        const rn = str(at(b.object, 'roleRef', 'name')) ?? '';
        const role = rk === 'Role' && b.id.kind === 'RoleBinding' ? ctx.get('Role', ctx.ns(b), rn) : rk === 'ClusterRole' ? ctx.get('ClusterRole', 'default', rn) : undefined;
        const builtin = rk === 'ClusterRole' && !role ? rn : undefined;
        return grantsEndpoints(role, builtin);
      });
      if (!ok) {
        const p = pt.spec.serviceAccountName !== undefined ? ptr(pt.specPtr, 'serviceAccountName') : d.usePointer ?? pt.specPtr;
        out.push({ resource: pt.resource, pointer: p, message: `${pt.resource.id.kind} ${pt.resource.id.name} uses Kubernetes peer discovery but ServiceAccount ${pt.namespace}/${sa} is not bound to a role that can get endpoints` });
      }
    }
    return out;
  },
};
