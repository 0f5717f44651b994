import type { Json, Resource } from '../../compiler/types.js';
import type { Check, RawFinding } from '../types.js';
import { BUILTIN_GROUPS, model, modelForKind, type ModelInfo } from '../schema/models.js';
import { didYouMean } from '../../compiler/diagnostics.js';
import { esc, obj, str } from '../util.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const IANA_SVC_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** Kinds whose names must be DNS-1123 labels; RBAC names only need to be path segments. */
const LABEL_NAMED = new Set(['Service', 'Namespace']);
const PATH_SEGMENT_NAMED = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
/** Map fields whose values are quantities (numbers or strings). */
const QUANTITY_MAPS = new Set(['limits', 'requests', 'capacity', 'allocatable', 'hard', 'used', 'overhead']);

export function isDns1123Label(s: string): boolean {
  return s.length <= 63 && DNS1123_LABEL.test(s);
}
export function isDns1123Subdomain(s: string): boolean {
  return s.length <= 253 && DNS1123_SUBDOMAIN.test(s);
}
export function labelKeyError(k: string): string | undefined {
  const slash = k.indexOf('/');
  const prefix = slash >= 0 ? k.slice(0, slash) : undefined;
  const name = slash >= 0 ? k.slice(slash + 1) : k;
  if (prefix !== undefined && !isDns1123Subdomain(prefix)) return `label key prefix ${prefix} is not a DNS-1123 subdomain`;
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) return `label key ${k} is invalid (name part: ≤ 63 alphanumerics, '-', '_', '.')`;
  return undefined;
}
export function labelValueError(v: string): string | undefined {
  if (v === '') return undefined;
  if (v.length > 63 || !LABEL_NAME.test(v)) return `label value ${JSON.stringify(v)} is invalid (≤ 63 alphanumerics, '-', '_', '.', starting and ending alphanumeric)`;
  return undefined;
}

function typeName(v: Json): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

type TypeDesc =
  | { k: 'any' | 'string' | 'date' | 'boolean' | 'ios' }
  | { k: 'number'; int: boolean }
  | { k: 'array' | 'map'; of: TypeDesc }
  | { k: 'model'; name: string };

const TYPES = new Map<string, TypeDesc>();

/** Parses a client-node type string once ("Array<V1Container>", "{ [key: string]: string; }", "IntOrString"…). */
function typeDesc(type: string, format: string): TypeDesc {
  const key = `${type}|${format}`;
  let t = TYPES.get(key);
  if (t) return t;
  const mapM = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (type === 'any' || type === 'object') t = { k: 'any' };
  else if (type === 'string') t = { k: 'string' };
  else if (type === 'Date') t = { k: 'date' };
  else if (type === 'boolean') t = { k: 'boolean' };
  else if (type === 'IntOrString') t = { k: 'ios' };
  else if (type === 'number') t = { k: 'number', int: format === 'int32' || format === 'int64' };
  else if (type.startsWith('Array<')) t = { k: 'array', of: typeDesc(type.slice(6, -1), '') };
  else if (mapM) t = { k: 'map', of: typeDesc(mapM[1], '') };
  else t = model(type) ? { k: 'model', name: type } : { k: 'any' };
  TYPES.set(key, t);
  return t;
}

class Walker {
  out: RawFinding[] = [];
  constructor(private r: Resource) {}

  add(pointer: string, message: string): void {
    this.out.push({ resource: this.r, pointer, message });
  }

  typed(v: Json, t: TypeDesc, p: string, quantity: boolean): void {
    if (v === null) return;
    switch (t.k) {
      case 'any':
        return;
      case 'string':
        if (typeof v !== 'string' && !(quantity && typeof v === 'number')) this.add(p, `${p}: expected a string, got ${typeName(v)}`);
        return;
      case 'date':
        if (typeof v !== 'string') this.add(p, `${p}: expected a date string, got ${typeName(v)}`);
        return;
      case 'number':
        if (typeof v !== 'number') this.add(p, `${p}: expected a number, got ${typeName(v)}`);
        else if (t.int && !Number.isInteger(v)) this.add(p, `${p}: expected an integer, got ${v}`);
        return;
      case 'boolean':
        if (typeof v !== 'boolean') this.add(p, `${p}: expected a boolean, got ${typeName(v)}`);
        return;
      case 'ios':
        if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) this.add(p, `${p}: expected an integer or a string, got ${typeName(v)}`);
        return;
      case 'array':
        if (!Array.isArray(v)) this.add(p, `${p}: expected a list, got ${typeName(v)}`);
        else for (let i = 0; i < v.length; i++) this.typed(v[i], t.of, `${p}/${i}`, false);
        return;
      case 'map': {
        const o = obj(v);
        if (!o) this.add(p, `${p}: expected a mapping, got ${typeName(v)}`);
        else for (const k in o) this.typed(o[k], t.of, `${p}/${esc(k)}`, quantity);
        return;
      }
      case 'model': {
        const m = model(t.name);
        if (m) this.object(v, m, p);
        return;
      }
    }
  }

  object(v: Json, m: ModelInfo, p: string): void {
    const o = obj(v);
    if (!o) {
      this.add(p || '/', `${p || '/'}: expected a mapping, got ${typeName(v)}`);
      return;
    }
    for (const k in o) {
      const f = m.fields.get(k);
      const fp = `${p}/${esc(k)}`;
      if (!f) {
        const dym = didYouMean(k, m.fields.keys());
        this.add(fp, `unknown field ${k} in ${m.name}${dym ? ` (did you mean ${dym}?)` : ''}`);
        continue;
      }
      this.typed(o[k], (f.desc ??= typeDesc(f.type, '')) as TypeDesc, fp, QUANTITY_MAPS.has(k));
    }
    for (const req of m.required) {
      if (o[req] === undefined || o[req] === null) this.add(p || '/', `missing required field ${req} in ${m.name}`);
    }
  }

  labels(v: Json | undefined, p: string): void {
    const o = obj(v);
    if (!o) return;
    for (const [k, x] of Object.entries(o)) {
      const ke = labelKeyError(k);
      if (ke) this.add(`${p}/${esc(k)}`, ke);
      if (typeof x === 'string') {
        const ve = labelValueError(x);
        if (ve) this.add(`${p}/${esc(k)}`, `${k}: ${ve}`);
      }
    }
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 with padding, as the API server decodes Secret.data (CR and LF are skipped). */
export function isBase64(s: string): boolean {
  return BASE64.test(s.replace(/[\r\n]/g, ''));
}

/** Value rules the models do not carry but the API server's validation does. */
function extraRules(r: Resource, w: Walker): void {
  const kind = r.id.kind;
  if (r.id.group === '' && kind === 'Secret') {
    const data = obj(r.object.data);
    if (data) for (const k of Object.keys(data)) {
      const v = data[k];
      if (typeof v === 'string' && !isBase64(v)) w.add(`/data/${esc(k)}`, `Secret data ${k} is not valid base64 (the API server rejects the Secret); encode it, or move the plain value to stringData`);
    }
  }
  const sc = (spec: Json | undefined, p: string) => {
    const v = obj(spec)?.storageClassName;
    if (typeof v === 'string' && v !== '' && !isDns1123Subdomain(v)) w.add(`${p}/storageClassName`, `storageClassName ${v} is not a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.'), so no StorageClass can have that name`);
  };
  if (r.id.group === '' && (kind === 'PersistentVolumeClaim' || kind === 'PersistentVolume')) sc(r.object.spec, '/spec');
  if (r.id.group === 'apps' && kind === 'StatefulSet') {
    const vcts = obj(r.object.spec)?.volumeClaimTemplates;
    if (Array.isArray(vcts)) vcts.forEach((t, i) => sc(obj(t)?.spec, `/spec/volumeClaimTemplates/${i}/spec`));
  }
}

export const schema: Check = {
  id: 'schema',
  title: 'Invalid object for its kind',
  doc: 'Validates built-in kinds against the @kubernetes/client-node models (strict, like kubeconform -strict): unknown fields, wrong types, missing required fields, invalid names (DNS-1123 subdomain; label for Service and Namespace; container names labels; port names IANA service names) and label keys/values, Secret.data that is not base64, storageClassName that is not a DNS-1123 subdomain. Unknown kinds (CRDs) pass.',
  hint: 'Fix the field name, type or value as the Kubernetes API reference describes it.',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const r of ctx.resources) {
      if (!BUILTIN_GROUPS.has(r.id.group)) continue; // CRDs pass
      const w = new Walker(r);
      const name = r.id.name;
      // Kustomize builds an object without apiVersion (kforge too); the API server refuses it.
      if (typeof r.object.apiVersion !== 'string' || r.object.apiVersion === '') w.add('/kind', `${r.id.kind} ${name} has no apiVersion`);
      if (name !== '') {
        if (LABEL_NAMED.has(r.id.kind) && !isDns1123Label(name)) w.add('/metadata/name', `${r.id.kind} name ${name} is not a DNS-1123 label (lowercase alphanumerics and '-', ≤ 63)`);
        else if (PATH_SEGMENT_NAMED.has(r.id.kind)) {
          if (/[/%]/.test(name) || name === '.' || name === '..') w.add('/metadata/name', `${r.id.kind} name ${name} may not contain '/' or '%'`);
        } else if (!LABEL_NAMED.has(r.id.kind) && !isDns1123Subdomain(name)) w.add('/metadata/name', `${r.id.kind} name ${name} is not a DNS-1123 subdomain (lowercase alphanumerics, '-' and '.', ≤ 253)`);
      }
      w.labels(obj(r.object.metadata)?.labels, '/metadata/labels');
      const m = modelForKind(r.id.group, r.id.version, r.id.kind);
      if (m) w.object(r.object, m, '');
      extraRules(r, w);
      const pt = ctx.idx.podTemplateOf.get(r);
      if (pt) {
        if (pt.specPtr !== '/spec') {
          const tplPtr = pt.specPtr.slice(0, -'/spec'.length);
          let tpl: Json | undefined = r.object;
          for (const seg of tplPtr.slice(1).split('/')) tpl = obj(tpl)?.[seg];
          w.labels(obj(obj(tpl)?.metadata)?.labels, `${tplPtr}/metadata/labels`);
        }
        for (const c of pt.containers) {
          const cn = str(c.container.name);
          if (cn !== undefined && !isDns1123Label(cn)) w.add(`${c.ptr}/name`, `container name ${cn} is not a DNS-1123 label`);
          const ports = c.container.ports;
          if (Array.isArray(ports)) ports.forEach((port, i) => {
            const pn = str(obj(port)?.name);
            if (pn !== undefined && (pn.length > 15 || !IANA_SVC_NAME.test(pn) || !/[a-z]/.test(pn) || pn.includes('--'))) w.add(`${c.ptr}/ports/${i}/name`, `port name ${pn} is not an IANA service name (≤ 15 lowercase alphanumerics and '-', with a letter)`);
          });
        }
      }
      out.push(...w.out);
    }
    return out;
  },
};
