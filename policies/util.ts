import type { Json, JsonObject } from '../compiler/types.js';

export function obj(x: Json | undefined): JsonObject | undefined {
  return x !== null && typeof x === 'object' && !Array.isArray(x) ? x : undefined;
}
export function arr(x: Json | undefined): Json[] {
  return Array.isArray(x) ? x : [];
}
export function str(x: Json | undefined): string | undefined {
  return typeof x === 'string' ? x : undefined;
}
export function num(x: Json | undefined): number | undefined {
  return typeof x === 'number' ? x : undefined;
}
/** Follows a path of keys/indexes through plain JSON. */
export function at(x: Json | undefined, ...path: (string | number)[]): Json | undefined {
  let cur: Json | undefined = x;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) ? (typeof p === 'number' ? cur[p] : undefined) : (cur as JsonObject)[String(p)];
  }
  return cur;
}
export function strMap(x: Json | undefined): Record<string, string> {
  const o = obj(x);
  const out: Record<string, string> = {};
  if (!o) return out;
  for (const [k, v] of Object.entries(o)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
  return out;
}
export function esc(seg: string | number): string {
  const s = String(seg);
  if (s.indexOf('~') < 0 && s.indexOf('/') < 0) return s;
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}
/** Builds a JSON pointer from a base pointer and more segments. */
export function ptr(base: string, ...segs: (string | number)[]): string {
  return base + segs.map((s) => '/' + esc(s)).join('');
}
export function splitPointer(p: string): string[] {
  if (p === '' || p === '/') return [];
  return p.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
/** True when every key/value of `selector` is in `labels` (an empty selector matches nothing here). */
export function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  let n = 0;
  for (const [k, v] of Object.entries(selector)) {
    if (labels[k] !== v) return false;
    n++;
  }
  return n > 0;
}
/** matchLabels + matchExpressions of a LabelSelector against labels. Empty selector → false. */
export function labelSelectorMatches(sel: JsonObject | undefined, labels: Record<string, string>): boolean {
  if (!sel) return false;
  const ml = strMap(sel.matchLabels);
  const exprs = arr(sel.matchExpressions);
  if (Object.keys(ml).length === 0 && exprs.length === 0) return false;
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const e of exprs) {
    const eo = obj(e);
    if (!eo) continue;
    const key = str(eo.key) ?? '';
    const values = arr(eo.values).map(String);
    const op = str(eo.operator);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    if (op === 'In' && !(has && values.includes(labels[key]))) return false;
    if (op === 'NotIn' && has && values.includes(labels[key])) return false;
    if (op === 'Exists' && !has) return false;
    if (op === 'DoesNotExist' && has) return false;
  }
  return true;
}
/** Parses a Kubernetes memory quantity to bytes; undefined if not a quantity. */
export function memoryBytes(q: Json | undefined): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|K|M|G|T|P|E|m)?$/.exec(q.trim());
  if (!m) return undefined;
  const mult: Record<string, number> = {
    '': 1, m: 0.001, k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
  };
  return parseFloat(m[1]) * mult[m[2] ?? ''];
}
export function compareVersions(a: string, b: string): number {
  const pa = a.replace(/^v/, '').split('.').map((x) => parseInt(x, 10) || 0);
  const pb = b.replace(/^v/, '').split('.').map((x) => parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length, 2); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const ch of glob) {
    if (ch === '*') re += '.*';
    else if (ch === '?') re += '.';
    else re += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}
