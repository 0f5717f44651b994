import { LineCounter, parseDocument, isMap, isSeq, isScalar, type Node as YNode, type YAMLMap } from 'yaml';
import type { Diagnostic, SourceLocation } from '../compiler/types.js';
import type { Finding, Waiver } from './types.js';
import { pdiag } from './codes.js';
import { globToRegExp } from './util.js';
import { decodeUtf8, parseYamlDocuments, readBoundedFile } from '../compiler/load/yaml/index.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const FIELDS = new Set(['check', 'resource', 'kind', 'name', 'namespace', 'reason', 'owner', 'expires', 'environments']);

/** Reads and parses a waivers file: its size checked before it is read, as every YAML file kforge reads. */
export function readWaiversFile(abs: string, shown: string): { waivers: Waiver[]; diagnostics: Diagnostic[] } {
  const read = readBoundedFile(abs, shown);
  const text = read.value === undefined ? undefined : decodeUtf8(read.value, shown);
  if (text?.value === undefined) return { waivers: [], diagnostics: [...read.diagnostics, ...(text?.diagnostics ?? [])] };
  return parseWaivers(text.value, shown);
}

/**
 * Parses `policies/waivers.yaml`: either a list or `{waivers: [...]}` of entries
 *   {check, resource: {kind, name (glob or /regex/), namespace}, reason, owner, expires: YYYY-MM-DD, environments?: [..]}
 * Entries with errors are dropped and reported with their line.
 */
export function parseWaivers(text: string, file = 'policies/waivers.yaml'): { waivers: Waiver[]; diagnostics: Diagnostic[] } {
  // the limits every YAML kforge reads has (values, aliases, nesting: KF1012) first: the
  // yaml package's own parse below has none, and deep nesting overflowed its stack
  const bounded = parseYamlDocuments(text, file).diagnostics.find((d) => d.code === 'KF1012');
  if (bounded) return { waivers: [], diagnostics: [pdiag('KF4101', 'error', `invalid YAML: ${bounded.message}`, bounded.location ?? { file, line: 1, column: 1 }, bounded.hint)] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const diagnostics: Diagnostic[] = [];
  const loc = (n: unknown): SourceLocation => {
    const off = (n as YNode | null | undefined)?.range?.[0] ?? 0;
    const p = lc.linePos(off);
    return { file, line: p.line, column: p.col };
  };
  for (const e of doc.errors) {
    const p = lc.linePos(e.pos[0]);
    diagnostics.push(pdiag('KF4101', 'error', `invalid YAML: ${e.message.split('\n')[0]}`, { file, line: p.line, column: p.col }));
  }
  if (doc.errors.length) return { waivers: [], diagnostics };
  let list: unknown = doc.contents;
  if (isMap(list)) {
    const w = list.get('waivers', true);
    list = w;
  }
  if (list === null || list === undefined) return { waivers: [], diagnostics };
  if (!isSeq(list)) {
    diagnostics.push(pdiag('KF4101', 'error', 'waivers must be a list (or a mapping with a `waivers` list)', loc(doc.contents)));
    return { waivers: [], diagnostics };
  }
  const waivers: Waiver[] = [];
  for (const item of list.items) {
    const where = loc(item);
    if (!isMap(item)) {
      diagnostics.push(pdiag('KF4101', 'error', 'waiver entry must be a mapping', where));
      continue;
    }
    const m = item as YAMLMap;
    let ok = true;
    const scalar = (map: YAMLMap, key: string): string | undefined => {
      const n = map.get(key, true);
      if (n === undefined || n === null) return undefined;
      if (isScalar(n) && (typeof n.value === 'string' || typeof n.value === 'number')) return String(n.value);
      if (isScalar(n) && n.value instanceof Date) return n.value.toISOString().slice(0, 10);
      diagnostics.push(pdiag('KF4101', 'error', `waiver field ${key} must be a string`, loc(n)));
      ok = false;
      return undefined;
    };
    for (const p of m.items) {
      const k = isScalar(p.key) ? String(p.key.value) : '';
      if (!FIELDS.has(k)) diagnostics.push(pdiag('KF4101', 'warning', `unknown waiver field ${k}`, loc(p.key)));
    }
    const check = scalar(m, 'check');
    const reason = scalar(m, 'reason');
    const owner = scalar(m, 'owner');
    const expires = scalar(m, 'expires');
    let sel: YAMLMap = m;
    const resNode = m.get('resource', true);
    if (resNode !== undefined) {
      if (isMap(resNode)) sel = resNode as YAMLMap;
      else {
        diagnostics.push(pdiag('KF4101', 'error', 'waiver resource must be a mapping {kind, name, namespace}', loc(resNode)));
        ok = false;
      }
    }
    const kind = scalar(sel, 'kind');
    const name = scalar(sel, 'name');
    const namespace = scalar(sel, 'namespace');
    let environments: string[] | undefined;
    const envNode = m.get('environments', true);
    if (envNode !== undefined) {
      if (isSeq(envNode)) environments = envNode.items.map((x) => (isScalar(x) ? String(x.value) : ''));
      else if (isScalar(envNode)) environments = [String(envNode.value)];
    }
    if (!check) {
      diagnostics.push(pdiag('KF4101', 'error', 'waiver without `check`', where));
      ok = false;
    }
    if (!reason || reason.trim() === '') {
      diagnostics.push(pdiag('KF4101', 'error', 'waiver without `reason`', where, 'say why the finding is acceptable'));
      ok = false;
    }
    if (!owner) diagnostics.push(pdiag('KF4101', 'warning', 'waiver without `owner`', where));
    if (expires === undefined) diagnostics.push(pdiag('KF4101', 'warning', 'waiver without `expires` never expires', where));
    else if (!DATE.test(expires) || isNaN(Date.parse(expires))) {
      diagnostics.push(pdiag('KF4101', 'error', `waiver expires must be YYYY-MM-DD, got ${expires}`, loc(m.get('expires', true))));
      ok = false;
    }
    if (name && name.length > 2 && name.startsWith('/') && name.endsWith('/')) {
      try {
        new RegExp(name.slice(1, -1));
      } catch {
        diagnostics.push(pdiag('KF4101', 'error', `invalid regular expression ${name}`, where));
        ok = false;
      }
    }
    if (!ok || !check || !reason) continue;
    waivers.push({
      check,
      ...(kind ? { kind } : {}),
      ...(name ? { name } : {}),
      ...(namespace ? { namespace } : {}),
      ...(environments ? { environments } : {}),
      reason,
      owner: owner ?? '',
      expires: expires ?? '',
      location: where,
    });
  }
  return { waivers, diagnostics };
}

function nameMatcher(pattern: string): (s: string) => boolean {
  if (pattern.length > 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    const re = new RegExp(pattern.slice(1, -1));
    return (s) => re.test(s);
  }
  const re = globToRegExp(pattern);
  return (s) => re.test(s);
}

/** A compiled waiver matcher. */
export function waiverMatcher(w: Waiver): (f: Finding) => boolean {
  const name = w.name ? nameMatcher(w.name) : () => true;
  const ns = w.namespace ? nameMatcher(w.namespace) : () => true;
  return (f) =>
    f.id === w.check &&
    (!w.kind || w.kind === f.resource.kind) &&
    name(f.resource.name) &&
    ns(f.resource.namespace ?? 'default');
}

/** True when the waiver has expired on `today` (YYYY-MM-DD; a waiver is valid through its expiry day). */
export function isExpired(w: Waiver, today: string): boolean {
  return w.expires !== '' && w.expires < today;
}
