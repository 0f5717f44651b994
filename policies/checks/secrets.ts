import type { Check, RawFinding } from '../types.js';
import { envVars } from '../context.js';
import { arr, at, obj, ptr, str } from '../util.js';

const CREDENTIAL_WORDS = new Set(['PASSWORD', 'PASSWD', 'PASS', 'PWD', 'SECRET', 'TOKEN', 'COOKIE', 'APIKEY', 'CREDENTIAL', 'CREDENTIALS', 'PRIVATEKEY', 'AUTH']);
/** Suffixes that make a name describe a credential rather than hold one. */
const NOT_A_VALUE = new Set(['FILE', 'PATH', 'DIR', 'NAME', 'REF', 'ID', 'ENABLED', 'TYPE', 'LENGTH', 'SIZE', 'TTL', 'EXPIRY', 'EXPIRES', 'ALGORITHM', 'MODE', 'URL', 'URI', 'HEADER', 'FIELD', 'POLICY', 'PROVIDER', 'METHOD', 'MECHANISM', 'DURATION', 'TIMEOUT']);
/** Names ending in KEY that are not keys in the cryptographic sense. */
const NOT_A_KEY = new Set(['ROUTING', 'PARTITION', 'SORT', 'PRIMARY', 'CACHE', 'FOREIGN', 'HASH', 'SHARD', 'LOOKUP', 'GROUP', 'PUBLIC', 'MESSAGE']);

/**
 * Whether an env var or config key names a credential: a word PASSWORD, PASSWD, PASS, PWD (not the
 * bare PWD of the shell), SECRET, TOKEN, COOKIE, AUTH, CREDENTIAL(S), APIKEY, or a trailing KEY (API_KEY,
 * SECRET_KEY, ACCESS_KEY…, but not ROUTING_KEY and the like) — unless the last word says it is a file,
 * path, name, id, flag or size (PASSWORD_FILE, SECRET_NAME, TOKEN_TTL…).
 */
export function isCredentialName(name: string): boolean {
  if (name === 'PWD') return false;
  const words = name.toUpperCase().split(/[^A-Z0-9]+/).filter(Boolean);
  if (words.length === 0) return false;
  const last = words[words.length - 1];
  if (NOT_A_VALUE.has(last)) return false;
  if (words.some((w) => CREDENTIAL_WORDS.has(w))) return true;
  if (last === 'KEY' && words.length > 1 && !NOT_A_KEY.has(words[words.length - 2])) return true;
  return false;
}

const URL_CREDENTIAL = /\b([a-z][a-z0-9+.-]*):\/\/([^\s:/@'"]+):([^\s@/'"]+)@[A-Za-z0-9[]/gi;
const PLACEHOLDER = /^(\$\(|\$\{|\{\{|%|<|\*+$|x+$|\.\.\.$)/i;

/**
 * The first URL in a text that carries a password (`scheme://user:PASSWORD@host`), as
 * `scheme://user:***@`, or undefined; placeholders ($(VAR), ${VAR}, {{ }}, <pass>, ***) are not
 * credentials. The password itself is never returned.
 */
export function urlWithPassword(text: string): string | undefined {
  if (text.indexOf('://') < 0 || text.indexOf('@') < 0) return undefined;
  URL_CREDENTIAL.lastIndex = 0;
  for (let m = URL_CREDENTIAL.exec(text); m; m = URL_CREDENTIAL.exec(text)) {
    if (PLACEHOLDER.test(m[3]) || m[3].includes('$(') || m[3].includes('${')) continue;
    return `${m[1]}://${m[2]}:***@`;
  }
  return undefined;
}

export const plaintextSecret: Check = {
  id: 'plaintext-secret',
  title: 'Credential in plain text',
  doc: 'Env vars whose names hold a credential (PASSWORD, SECRET, TOKEN, COOKIE, API_KEY…; not *_FILE, *_PATH, *_NAME…) must come from a Secret (valueFrom.secretKeyRef), not a literal value; the same for such keys in ConfigMaps; and no env value, command argument or ConfigMap value may carry a URL with a password (amqp://user:PASS@host, jdbc:mysql://user:PASS@…). Cannot be waived in prod.',
  hint: 'Move the value into a Secret (or an ExternalSecret/SealedSecret) and use valueFrom.secretKeyRef or envFrom.secretRef.',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  lockedIn: ['prod'],
  run(ctx) {
    const out: RawFinding[] = [];
    for (const pt of ctx.idx.podTemplates) {
      for (const c of pt.containers) {
        const cn = str(c.container.name) ?? '?';
        for (const e of envVars(c)) {
          if (e.value === undefined || e.value === '' || /^\$\([A-Za-z0-9_]+\)$/.test(e.value) || e.value.startsWith('/')) continue;
          if (isCredentialName(e.name)) out.push({ resource: pt.resource, pointer: e.ptr + '/value', message: `env ${e.name} of container ${cn} holds a credential in plain text` });
          else {
            const u = urlWithPassword(e.value);
            if (u) out.push({ resource: pt.resource, pointer: e.ptr + '/value', message: `env ${e.name} of container ${cn} holds a URL with a password in plain text (${u})` });
          }
        }
        for (const f of ['command', 'args']) arr(c.container[f]).forEach((a, i) => {
          const u = typeof a === 'string' ? urlWithPassword(a) : undefined;
          if (u) out.push({ resource: pt.resource, pointer: ptr(c.ptr, f, i), message: `${f} of container ${cn} holds a URL with a password in plain text (${u})` });
        });
      }
    }
    for (const cm of ctx.ofKind('ConfigMap')) {
      if (cm.id.group !== '') continue;
      const data = obj(cm.object.data) ?? {};
      for (const key of Object.keys(data)) {
        const v = data[key];
        if (typeof v !== 'string' || v === '') continue;
        if (!v.includes('\n') && !v.startsWith('/') && isCredentialName(key)) {
          out.push({ resource: cm, pointer: ptr('/data', key), message: `ConfigMap key ${key} holds a credential in plain text` });
          continue;
        }
        const u = urlWithPassword(v);
        if (u) out.push({ resource: cm, pointer: ptr('/data', key), message: `ConfigMap key ${key} holds a URL with a password in plain text (${u})` });
      }
    }
    return out;
  },
};

export const secretInProd: Check = {
  id: 'secret-in-prod',
  title: 'Secret data in the rendered output',
  doc: 'In prod, Secret objects with data or stringData must not be published to the deploy branch unless the environment sets allowSecrets: use ExternalSecret or SealedSecret.',
  hint: 'Replace the Secret with an ExternalSecret or SealedSecret, or set allowSecrets in the environment.',
  defaultSeverity: { dev: 'off', staging: 'off', prod: 'error' },
  run(ctx) {
    if (ctx.env.allowSecrets) return [];
    const out: RawFinding[] = [];
    for (const s of ctx.ofKind('Secret')) {
      if (s.id.group !== '') continue;
      for (const f of ['data', 'stringData']) {
        const d = obj(s.object[f]);
        if (d && Object.keys(d).length > 0) {
          out.push({ resource: s, pointer: `/${f}`, message: `Secret ${ctx.ns(s)}/${s.id.name} ships ${f} in the rendered output` });
          break;
        }
      }
    }
    return out;
  },
};

export const rbacWildcard: Check = {
  id: 'rbac-wildcard',
  title: 'RBAC wildcard',
  doc: 'Role and ClusterRole rules with * in apiGroups, resources or verbs, and bindings to cluster-admin, grant more than the workload needs.',
  hint: 'List the API groups, resources and verbs the workload needs.',
  defaultSeverity: { dev: 'warning', staging: 'warning', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const kind of ['Role', 'ClusterRole']) {
      for (const r of ctx.ofKind(kind)) {
        if (!r.id.group.startsWith('rbac.authorization.k8s.io')) continue;
        arr(r.object.rules).forEach((rule, i) => {
          for (const f of ['apiGroups', 'resources', 'verbs', 'nonResourceURLs']) {
            const j = arr(at(rule, f)).findIndex((x) => x === '*');
            if (j >= 0) {
              out.push({ resource: r, pointer: ptr('/rules', i, f, j), message: `${kind} ${r.id.name} rule ${i} grants * ${f}` });
              break;
            }
          }
        });
      }
    }
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      for (const b of ctx.ofKind(kind)) {
        if (str(at(b.object, 'roleRef', 'kind')) === 'ClusterRole' && str(at(b.object, 'roleRef', 'name')) === 'cluster-admin') {
          out.push({ resource: b, pointer: '/roleRef/name', message: `${kind} ${b.id.name} grants cluster-admin` });
        }
      }
    }
    return out;
  },
};
