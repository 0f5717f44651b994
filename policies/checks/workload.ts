import type { Check, RawFinding } from '../types.js';
import { envVars } from '../context.js';
import { arr, at, memoryBytes, obj, ptr, str } from '../util.js';

const PRERELEASE = /(^|[-._])(rc|alpha|beta|snapshot|dev|nightly)[-._]?\d*($|[-._])/i;

/** Splits an image reference into repository, tag and digest. */
export function parseImage(image: string): { repo: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at_ = rest.indexOf('@');
  if (at_ >= 0) {
    digest = rest.slice(at_ + 1);
    rest = rest.slice(0, at_);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) return { repo: rest.slice(0, colon), tag: rest.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { repo: rest, ...(digest ? { digest } : {}) };
}

export const imageTag: Check = {
  id: 'image-tag',
  title: 'Image without a pinned tag',
  doc: 'Container images need an explicit tag other than latest (a digest is better); an untagged image means latest. Pre-release tags (-rc, -beta…) are warnings.',
  hint: 'Pin the image to a release tag or digest (kustomization `images:` can set it per overlay).',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      for (const c of pt.containers) {
        const image = str(c.container.image);
        if (!image) continue;
        const p = ptr(c.ptr, 'image');
        const { tag, digest } = parseImage(image);
        if (digest) continue;
        if (tag === undefined) out.push({ resource: pt.resource, pointer: p, message: `image ${image} has no tag (pulls latest)` });
        else if (tag === 'latest') out.push({ resource: pt.resource, pointer: p, message: `image ${image} uses the latest tag` });
        else if (PRERELEASE.test(tag)) out.push({ resource: pt.resource, pointer: p, severity: 'warning', message: `image ${image} uses a pre-release tag` });
      }
    }
    return out;
  },
};

export const resources: Check = {
  id: 'resources',
  title: 'Container without resource requests and limits',
  doc: 'Every container sets requests.cpu, requests.memory and limits.memory (a CPU limit is not required: it only throttles).',
  hint: 'Set resources.requests (cpu, memory) and resources.limits.memory.',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      for (const c of pt.containers) {
        const res = obj(c.container.resources);
        const missing: string[] = [];
        if (at(res, 'requests', 'cpu') === undefined) missing.push('requests.cpu');
        if (at(res, 'requests', 'memory') === undefined) missing.push('requests.memory');
        if (at(res, 'limits', 'memory') === undefined) missing.push('limits.memory');
        if (missing.length) out.push({ resource: pt.resource, pointer: res ? ptr(c.ptr, 'resources') : c.ptr, message: `container ${str(c.container.name) ?? '?'} sets no ${missing.join(', ')}` });
      }
    }
    return out;
  },
};

const JAVA_OPT_VARS = /(^|_)(JAVA_OPTS|JVM_OPTS|JAVA_TOOL_OPTIONS|JDK_JAVA_OPTIONS|JAVA_OPTIONS|HEAP_OPTS|CATALINA_OPTS|JVM_ARGS|OPTS)$/;

function sizeBytes(n: string, unit: string): number {
  const u = unit.toLowerCase();
  return parseFloat(n) * (u === 'k' ? 1024 : u === 'm' ? 1024 ** 2 : u === 'g' ? 1024 ** 3 : u === 't' ? 1024 ** 4 : 1);
}

/** Headroom the JVM needs besides the heap (metaspace, threads, direct buffers): heap above 85 % of the limit warns. */
const HEAP_WARN_RATIO = 0.85;

export const jvmHeap: Check = {
  id: 'jvm-heap',
  title: 'JVM heap does not fit the memory limit',
  doc: '-Xmx/-Xms (in JAVA_OPTS-like env vars, JVM_XMX/JVM_XMS, command or args) must be below the container memory limit (error), and leave 15 % headroom (warning); -XX:MaxRAMPercentage above 90 is an error, above 80 a warning.',
  hint: 'Lower -Xmx (or MaxRAMPercentage) or raise resources.limits.memory.',
  defaultSeverity: { dev: 'error', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      for (const c of pt.containers) {
        const limit = memoryBytes(at(c.container, 'resources', 'limits', 'memory'));
        const sources: { text: string; pointer: string; bare?: 'xmx' | 'xms' }[] = [];
        for (const e of envVars(c)) {
          if (e.value === undefined) continue;
          if (e.name === 'JVM_XMX') sources.push({ text: e.value, pointer: e.ptr + '/value', bare: 'xmx' });
          else if (e.name === 'JVM_XMS') sources.push({ text: e.value, pointer: e.ptr + '/value', bare: 'xms' });
          else if (JAVA_OPT_VARS.test(e.name)) sources.push({ text: e.value, pointer: e.ptr + '/value' });
        }
        for (const f of ['command', 'args']) arr(c.container[f]).forEach((a, i) => {
          if (typeof a === 'string') sources.push({ text: a, pointer: ptr(c.ptr, f, i) });
        });
        for (const s of sources) {
          const heaps: { flag: string; bytes: number }[] = [];
          if (s.bare) {
            const m = /^\s*(\d+(?:\.\d+)?)([kKmMgGtT]?)\s*$/.exec(s.text);
            if (m) heaps.push({ flag: s.bare === 'xmx' ? '-Xmx' : '-Xms', bytes: sizeBytes(m[1], m[2]) });
          }
          for (const m of s.text.matchAll(/-Xm([xs])(\d+)([kKmMgGtT]?)\b/g)) heaps.push({ flag: `-Xm${m[1]}`, bytes: sizeBytes(m[2], m[3]) });
          for (const m of s.text.matchAll(/-XX:(?:MaxRAMPercentage|InitialRAMPercentage)=(\d+(?:\.\d+)?)/g)) {
            const pct = parseFloat(m[1]);
            if (pct > 90) out.push({ resource: pt.resource, pointer: s.pointer, message: `${m[0]} leaves less than 10 % of the container memory for non-heap memory` });
            else if (pct > 80) out.push({ resource: pt.resource, pointer: s.pointer, severity: 'warning', message: `${m[0]} leaves less than 20 % of the container memory for non-heap memory` });
          }
          if (limit === undefined) continue;
          for (const h of heaps) {
            const mib = Math.round(h.bytes / 1024 ** 2);
            const lim = Math.round(limit / 1024 ** 2);
            if (h.bytes >= limit) out.push({ resource: pt.resource, pointer: s.pointer, message: `${h.flag} ${mib}Mi is not below the memory limit ${lim}Mi of container ${str(c.container.name) ?? '?'}: the pod will be OOM-killed` });
            else if (h.flag === '-Xmx' && h.bytes > limit * HEAP_WARN_RATIO) out.push({ resource: pt.resource, pointer: s.pointer, severity: 'warning', message: `-Xmx ${mib}Mi leaves less than 15 % of the memory limit ${lim}Mi for non-heap memory` });
          }
        }
      }
    }
    return out;
  },
};

const RUN_TO_COMPLETION = new Set(['Job', 'CronJob']);

export const probes: Check = {
  id: 'probes',
  title: 'Container without readiness or liveness probe',
  doc: 'Long-running containers (not Jobs, CronJobs or init containers) define a readinessProbe and a livenessProbe.',
  hint: 'Add readinessProbe and livenessProbe (tcpSocket, httpGet or exec).',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      if (RUN_TO_COMPLETION.has(pt.resource.id.kind)) continue;
      for (const c of pt.containers) {
        if (c.init) continue;
        const missing = ['readinessProbe', 'livenessProbe'].filter((p) => c.container[p] === undefined);
        if (missing.length) out.push({ resource: pt.resource, pointer: c.ptr, message: `container ${str(c.container.name) ?? '?'} has no ${missing.join(' and ')}` });
      }
    }
    return out;
  },
};

const DANGEROUS_CAPS = new Set(['ALL', 'SYS_ADMIN', 'NET_ADMIN', 'SYS_PTRACE', 'SYS_MODULE']);

export const privileged: Check = {
  id: 'privileged',
  title: 'Privileged pod',
  doc: 'privileged containers, hostNetwork, hostPID, hostIPC and dangerous added capabilities (ALL, SYS_ADMIN, NET_ADMIN, SYS_PTRACE, SYS_MODULE) are errors; allowPrivilegeEscalation: true is a warning. Cannot be waived in prod.',
  hint: 'Drop the privilege; use a dedicated node pool or an operator when a workload really needs the host.',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  lockedIn: ['prod'],
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      for (const f of ['hostNetwork', 'hostPID', 'hostIPC']) {
        if (pt.spec[f] === true) out.push({ resource: pt.resource, pointer: ptr(pt.specPtr, f), message: `${pt.resource.id.kind} ${pt.resource.id.name} uses ${f}` });
      }
      for (const c of pt.containers) {
        const sc = obj(c.container.securityContext);
        if (!sc) continue;
        const name = str(c.container.name) ?? '?';
        if (sc.privileged === true) out.push({ resource: pt.resource, pointer: ptr(c.ptr, 'securityContext', 'privileged'), message: `container ${name} is privileged` });
        if (sc.allowPrivilegeEscalation === true) out.push({ resource: pt.resource, pointer: ptr(c.ptr, 'securityContext', 'allowPrivilegeEscalation'), severity: 'warning', message: `container ${name} allows privilege escalation` });
        arr(at(sc, 'capabilities', 'add')).forEach((cap, i) => {
          if (typeof cap === 'string' && DANGEROUS_CAPS.has(cap.toUpperCase().replace(/^CAP_/, ''))) out.push({ resource: pt.resource, pointer: ptr(c.ptr, 'securityContext', 'capabilities', 'add', i), message: `container ${name} adds capability ${cap}` });
        });
      }
    }
    return out;
  },
};

export const hostPath: Check = {
  id: 'host-path',
  title: 'hostPath volume',
  doc: 'hostPath volumes tie pods to nodes and expose the host file system: a warning, an error in prod.',
  hint: 'Use a PersistentVolumeClaim (local PVs if the data must stay on the node).',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      arr(pt.spec.volumes).forEach((v, i) => {
        const hp = str(at(v, 'hostPath', 'path'));
        if (hp !== undefined) out.push({ resource: pt.resource, pointer: ptr(pt.specPtr, 'volumes', i, 'hostPath'), message: `volume ${str(at(v, 'name')) ?? i} mounts host path ${hp}` });
      });
    }
    return out;
  },
};
