import { parseAllDocuments } from 'yaml';
import type { Resource } from '../../compiler/types.js';
import { resIdGkKey } from '../../compiler/types.js';
import type { Check, CheckContext, RawFinding } from '../types.js';
import { envVars } from '../context.js';
import { arr, at, num, obj, ptr, str } from '../util.js';
import { CLUSTER_SCOPED } from './namespace-consistency.js';

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const ALWAYS_THERE = new Set(['kubernetes', 'kubernetes.default', 'localhost']);

/** host:port pairs in a text: bare `host:port`, lists `a:1,b:2`, and URLs `scheme://[user@]host:port/…`. */
export function hostPorts(text: string): { host: string; port: number }[] {
  const out: { host: string; port: number }[] = [];
  for (let tok of text.split(/[\s,;"'`()[\]{}<>|]+/)) {
    if (!tok || tok.includes('$')) continue;
    const scheme = tok.indexOf('://');
    if (scheme >= 0) {
      // URL (jdbc:mysql://host:port/db?useSSL=false&…): the authority, before any path, query or fragment
      tok = tok.slice(scheme + 3);
      const end = tok.search(/[/?#]/);
      if (end >= 0) tok = tok.slice(0, end);
    } else {
      const q = tok.indexOf('?');
      if (q >= 0) tok = tok.slice(0, q);
      const eq = tok.lastIndexOf('=');
      if (eq >= 0) tok = tok.slice(eq + 1);
      const slash = tok.indexOf('/');
      if (slash >= 0) tok = tok.slice(0, slash);
    }
    const atSign = tok.lastIndexOf('@');
    if (atSign >= 0) tok = tok.slice(atSign + 1);
    const m = /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(tok);
    if (!m) continue;
    const host = m[1].toLowerCase().replace(/\.$/, '');
    const port = parseInt(m[2], 10);
    if (port < 1 || port > 65535) continue;
    if (IPV4.test(host) || (DNS.test(host) && /^[a-z]/.test(host))) out.push({ host, port });
  }
  return out;
}

/**
 * Host/port pairs written as separate settings in a configuration file held by a ConfigMap
 * key: sibling `host:` and `port:` keys of one mapping in YAML (application.yml:
 * spring.redis.host/port, spring.rabbitmq.host/port…) and `<prefix>.host=` / `<prefix>.port=`
 * lines in .properties. Values with placeholders (${…}) are skipped.
 */
export function hostPortPairs(key: string, text: string): { host: string; port: number; where: string }[] {
  if (!/host/i.test(text) || !/port/i.test(text)) return [];
  const out: { host: string; port: number; where: string }[] = [];
  if (/\.(ya?ml)$/i.test(key)) {
    let docs: unknown[];
    try {
      docs = parseAllDocuments(text).map((d) => (d.errors.length ? null : d.toJS()));
    } catch {
      return [];
    }
    const walk = (node: unknown, path: string[]) => {
      if (Array.isArray(node)) {
        node.forEach((x, i) => walk(x, [...path, String(i)]));
        return;
      }
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const h = o.host;
      const p = typeof o.port === 'number' ? o.port : typeof o.port === 'string' && /^\d{1,5}$/.test(o.port) ? parseInt(o.port, 10) : undefined;
      if (typeof h === 'string' && !h.includes('$') && p !== undefined && p > 0 && p < 65536) out.push({ host: h, port: p, where: `${[...path, 'host'].join('.')} / port in ${key}` });
      for (const [k, v] of Object.entries(o)) walk(v, [...path, k]);
    };
    for (const d of docs) walk(d, []);
  } else if (/\.properties$/i.test(key)) {
    const props = new Map<string, string>();
    for (const line of text.split(/\r?\n/)) {
      const m = /^\s*([A-Za-z0-9_.-]+)\s*[=:]\s*(.*?)\s*$/.exec(line);
      if (m) props.set(m[1], m[2]);
    }
    for (const [k, h] of props) {
      if (!/(^|\.)host$/.test(k) || h.includes('$')) continue;
      const prefix = k.slice(0, -'host'.length);
      const p = props.get(prefix + 'port');
      if (p && /^\d{1,5}$/.test(p)) out.push({ host: h, port: parseInt(p, 10), where: `${k} / ${prefix}port in ${key}` });
    }
  }
  return out;
}

function servicePorts(svc: Resource): number[] {
  return arr(at(svc.object, 'spec', 'ports')).map((p) => num(at(p, 'port'))).filter((p): p is number => p !== undefined);
}

function containerPorts(r: Resource, ctx: CheckContext): number[] {
  const pt = ctx.idx.podTemplateOf.get(r);
  if (!pt) return [];
  return pt.containers.flatMap((c) => arr(c.container.ports).map((p) => num(at(p, 'containerPort')))).filter((p): p is number => p !== undefined);
}

type Resolution = { ok: true } | { ok: false; why: string } | { external: true };

function resolve(ctx: CheckContext, namespaces: Set<string>, from: string, host: string, port: number): Resolution {
  if (ALWAYS_THERE.has(host) || host.startsWith('kubernetes.default.') || host.endsWith('.kube-system.svc.cluster.local') || host.endsWith('.kube-system.svc') || host.endsWith('.kube-system')) return { ok: true };
  let name = host;
  let clusterSuffix = false;
  for (const suf of ['.svc.cluster.local', '.cluster.local', '.svc']) {
    if (name.endsWith(suf)) {
      name = name.slice(0, -suf.length);
      clusterSuffix = true;
      break;
    }
  }
  const labels = name.split('.');
  if (!clusterSuffix && labels.length > 1) {
    // without .svc: <svc>.<ns> or <pod>.<svc>.<ns> with a namespace we render, or <pod>.<svc> with a rendered Service
    const last = labels[labels.length - 1];
    const inCluster = labels.length <= 3 && (namespaces.has(last) || (labels.length === 2 && ctx.get('Service', from, last) !== undefined));
    if (!inCluster) return { external: true };
  }
  const tries: { svc: string; ns: string; pod?: string }[] = [];
  if (labels.length === 1) tries.push({ svc: labels[0], ns: from });
  if (labels.length === 2) tries.push({ svc: labels[0], ns: labels[1] }, { pod: labels[0], svc: labels[1], ns: from });
  if (labels.length === 3) tries.push({ pod: labels[0], svc: labels[1], ns: labels[2] });
  if (tries.length === 0) return { ok: false, why: `${host} is not a Service DNS name` };
  let why = '';
  for (const t of tries) {
    const svc = ctx.get('Service', t.ns, t.svc);
    if (!t.pod) {
      if (!svc) {
        why ||= `no Service ${t.ns}/${t.svc} is rendered`;
        continue;
      }
      if (servicePorts(svc).includes(port)) return { ok: true };
      return { ok: false, why: `Service ${t.ns}/${t.svc} has no port ${port}` };
    }
    const m = /^(.+)-(\d+)$/.exec(t.pod);
    if (!m) continue;
    const sts = ctx.get('StatefulSet', t.ns, m[1]);
    if (!sts || str(at(sts.object, 'spec', 'serviceName')) !== t.svc) {
      why ||= `no StatefulSet ${t.ns}/${m[1]} with serviceName ${t.svc} is rendered`;
      continue;
    }
    if (!svc) return { ok: false, why: `headless Service ${t.ns}/${t.svc} is not rendered` };
    const replicas = num(at(sts.object, 'spec', 'replicas')) ?? 1;
    if (parseInt(m[2], 10) >= replicas) return { ok: false, why: `StatefulSet ${t.ns}/${m[1]} has ${replicas} replica(s): ${t.pod} does not exist` };
    if (servicePorts(svc).includes(port) || containerPorts(sts, ctx).includes(port)) return { ok: true };
    return { ok: false, why: `neither Service ${t.ns}/${t.svc} nor StatefulSet ${m[1]} has port ${port}` };
  }
  return { ok: false, why };
}

export const connectionString: Check = {
  id: 'connection-string',
  title: 'Connection string that resolves to nothing',
  doc: 'In-cluster host:port values in env values, command/args and ConfigMap data (bare, comma-separated lists, URLs including jdbc:mysql://host:port/db?…, and host:/port: pairs of Spring application.yml or .host=/.port= lines of application.properties) must name a rendered Service and one of its ports, or a StatefulSet pod DNS name <sts>-<n>.<headless svc>[.<ns>[.svc[.cluster.local]]] with n < replicas; hard-coded IP addresses are reported unless listed in the environment\'s externalHosts; other external host names are checked only when externalHosts is set.',
  hint: 'Use the Service DNS name (<svc>.<ns>.svc.cluster.local:<port>) and a port the Service exposes, or declare the host in externalHosts.',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    const namespaces = new Set<string>();
    for (const r of ctx.resources) namespaces.add(ctx.ns(r));
    for (const n of ctx.ofKind('Namespace')) namespaces.add(n.id.name);
    const external = new Set((ctx.env.externalHosts ?? []).map((h) => h.toLowerCase()));
    const out: RawFinding[] = [];
    const scan = (r: Resource, ns: string, text: string, pointer: string) => {
      for (const { host, port } of hostPorts(text)) {
        if (external.has(host) || external.has(`${host}:${port}`)) continue;
        if (IPV4.test(host)) {
          if (host.startsWith('127.') || host === '0.0.0.0') continue;
          out.push({ resource: r, pointer, message: `hard-coded IP address ${host}:${port}; use a Service DNS name` });
          continue;
        }
        const res = resolve(ctx, namespaces, ns, host, port);
        if ('external' in res) {
          if (ctx.env.externalHosts) out.push({ resource: r, pointer, severity: 'warning', message: `${host}:${port} is not a cluster name and not in externalHosts` });
        } else if (!res.ok) out.push({ resource: r, pointer, message: `${host}:${port} does not resolve: ${res.why}` });
      }
    };
    for (const pt of ctx.idx.podTemplates) {
      for (const c of pt.containers) {
        for (const e of envVars(c)) if (e.value) scan(pt.resource, pt.namespace, e.value, e.ptr + '/value');
        for (const f of ['command', 'args']) arr(c.container[f]).forEach((a, i) => {
          if (typeof a === 'string') scan(pt.resource, pt.namespace, a, ptr(c.ptr, f, i));
        });
      }
    }
    for (const cm of ctx.ofKind('ConfigMap')) {
      if (cm.id.group !== '') continue;
      const data = obj(cm.object.data) ?? {};
      for (const key of Object.keys(data)) {
        const v = data[key];
        if (typeof v !== 'string') continue;
        scan(cm, ctx.ns(cm), v, ptr('/data', key));
        // Spring-style `host:` / `port:` pairs (application.yml) and `….host=` / `….port=` (application.properties)
        for (const hp of hostPortPairs(key, v)) {
          const host = hp.host.toLowerCase();
          if (external.has(host) || external.has(`${host}:${hp.port}`) || IPV4.test(host) || !DNS.test(host)) continue;
          const res = resolve(ctx, namespaces, ctx.ns(cm), host, hp.port);
          if ('external' in res) continue;
          if (!res.ok) out.push({ resource: cm, pointer: ptr('/data', key), message: `${hp.where}: host ${hp.host} and port ${hp.port} do not resolve: ${res.why}` });
        }
      }
    }
    return out;
  },
};

export const nodeportRange: Check = {
  id: 'nodeport-range',
  title: 'nodePort outside the default range',
  doc: 'Service nodePorts must lie in 30000–32767 (the API server\'s default --service-node-port-range).',
  hint: 'Pick a nodePort between 30000 and 32767, or leave it out to get one assigned.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const svc of ctx.ofKind('Service')) {
      arr(at(svc.object, 'spec', 'ports')).forEach((p, i) => {
        const np = num(at(p, 'nodePort'));
        if (np !== undefined && (np < 30000 || np > 32767)) out.push({ resource: svc, pointer: ptr('/spec/ports', i, 'nodePort'), message: `nodePort ${np} is outside 30000–32767` });
      });
    }
    return out;
  },
};

export const duplicatePort: Check = {
  id: 'duplicate-port',
  title: 'Duplicate port',
  doc: 'Container ports (containerPort+protocol, names) within a pod, Service ports (port+protocol, names) within a Service, and nodePorts across all Services must be unique.',
  hint: 'Remove or renumber the duplicate port.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      const seen = new Set<string>();
      for (const c of pt.containers) {
        if (c.init) continue;
        arr(c.container.ports).forEach((p, i) => {
          const n = num(at(p, 'containerPort'));
          const proto = str(at(p, 'protocol')) ?? 'TCP';
          const name = str(at(p, 'name'));
          const keys = [...(n !== undefined ? [`${n}/${proto}`] : []), ...(name ? [`name:${name}`] : [])];
          for (const k of keys) {
            if (seen.has(k)) out.push({ resource: pt.resource, pointer: ptr(c.ptr, 'ports', i), message: `container port ${k.replace('name:', 'named ')} is declared twice in the pod` });
            seen.add(k);
          }
        });
      }
    }
    const nodePorts = new Map<number, Resource>();
    for (const svc of ctx.ofKind('Service')) {
      const seen = new Set<string>();
      arr(at(svc.object, 'spec', 'ports')).forEach((p, i) => {
        const n = num(at(p, 'port'));
        const proto = str(at(p, 'protocol')) ?? 'TCP';
        const name = str(at(p, 'name'));
        const keys = [...(n !== undefined ? [`${n}/${proto}`] : []), ...(name ? [`name:${name}`] : [])];
        for (const k of keys) {
          if (seen.has(k)) out.push({ resource: svc, pointer: ptr('/spec/ports', i), message: `Service port ${k.replace('name:', 'named ')} is declared twice` });
          seen.add(k);
        }
        const np = num(at(p, 'nodePort'));
        if (np !== undefined) {
          const other = nodePorts.get(np);
          if (other && other !== svc) out.push({ resource: svc, pointer: ptr('/spec/ports', i, 'nodePort'), message: `nodePort ${np} is also used by Service ${ctx.ns(other)}/${other.id.name}` });
          else nodePorts.set(np, svc);
        }
      });
    }
    return out;
  },
};

export const ingressCollision: Check = {
  id: 'ingress-collision',
  title: 'Two Ingresses claim the same host and path',
  doc: 'The same host + path (across all namespaces; no host = *) in two Ingress rules makes routing depend on the controller.',
  hint: 'Give each Ingress its own host or path.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const claims = new Map<string, Resource>();
    const out: RawFinding[] = [];
    for (const ing of ctx.ofKind('Ingress')) {
      const mine = new Set<string>();
      arr(at(ing.object, 'spec', 'rules')).forEach((rule, i) => {
        const host = str(at(rule, 'host')) ?? '*';
        arr(at(rule, 'http', 'paths')).forEach((p, j) => {
          const path = str(at(p, 'path')) ?? '/';
          const key = `${host}${path}`;
          const other = claims.get(key);
          if (other && other !== ing) out.push({ resource: ing, pointer: ptr('/spec/rules', i, 'http', 'paths', j), message: `${host}${path} is also routed by Ingress ${ctx.ns(other)}/${other.id.name}` });
          else if (!other) claims.set(key, ing);
          else if (mine.has(key)) out.push({ resource: ing, pointer: ptr('/spec/rules', i, 'http', 'paths', j), message: `${host}${path} appears twice in this Ingress` });
          mine.add(key);
        });
      });
    }
    return out;
  },
};

export const duplicateId: Check = {
  id: 'duplicate-id',
  title: 'Duplicate resource',
  doc: 'Two rendered resources with the same group, kind, namespace and name (in any version) overwrite each other on apply. Cannot be waived in prod.',
  hint: 'Rename one of them or remove the duplicate (nameSuffix/namePrefix per overlay).',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  lockedIn: ['prod'],
  run(ctx) {
    const seen = new Map<string, Resource>();
    const out: RawFinding[] = [];
    for (const r of ctx.resources) {
      const key = CLUSTER_SCOPED.has(r.id.kind) ? resIdGkKey({ ...r.id, namespace: undefined }) : resIdGkKey(r.id);
      const first = seen.get(key);
      if (first) out.push({ resource: r, pointer: '/metadata/name', message: `${r.id.kind} ${r.id.namespace ? r.id.namespace + '/' : ''}${r.id.name} is rendered twice (first from ${first.origin?.location ? `${first.origin.location.file}:${first.origin.location.line}` : 'elsewhere'})` });
      else seen.set(key, r);
    }
    return out;
  },
};
