import type { Diagnostic, Json, JsonObject, Resource, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { Selector } from '../load/kustomization.js';

/**
 * Kustomize's resource selector (`target` of patches, `select`/`reject` of replacements).
 *
 * Observed with `kustomize build` v5.5:
 * - group, version, kind: exact, an empty or absent field matches anything (patch
 *   targets, `selectTargets`: anchored regular expressions, as name);
 * - name and namespace: regular expressions anchored at both ends (`^(?:re)$`), matched
 *   against the current or the original value (patch targets: not intermediate names;
 *   replacements: any earlier name, pass `{ anyName: true }`);
 * - a resource without namespace has namespace `default` for matching;
 * - labelSelector / annotationSelector: Kubernetes label-selector syntax; an invalid one
 *   matches nothing (kforge also warns, through `parseSelector`); for patch targets it is
 *   an error once a resource matches the rest of the target.
 */

export interface MatchOptions {
  /** Match `name` against every earlier name too (replacements, replicas). */
  anyName?: boolean;
  /** group, version and kind are anchored regular expressions too (patch targets). */
  regexGvk?: boolean;
}

type Op = 'exists' | '!exists' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';
interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

const KEY_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE_RE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Parses a label selector; returns an error message instead when it is invalid. */
export function parseLabelSelector(text: string): Requirement[] | string {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) return 'unbalanced parentheses';
    if (ch === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (depth !== 0) return 'unbalanced parentheses';
  parts.push(cur);
  if (parts.length === 1 && parts[0].trim() === '') return [];
  const reqs: Requirement[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') return 'empty requirement';
    let m: RegExpExecArray | null;
    let req: Requirement | undefined;
    if ((m = /^!\s*(\S+)$/.exec(p))) req = { key: m[1], op: '!exists', values: [] };
    else if ((m = /^([^\s=!<>(),]+)\s*(==|=|!=)\s*([^\s=!<>(),]*)$/.exec(p))) req = { key: m[1], op: m[2] === '!=' ? '!=' : '=', values: [m[3]] };
    else if ((m = /^([^\s=!<>(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(p))) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') return `"${m[2]}" needs at least one value: ${p}`;
      req = { key: m[1], op: m[2] as Op, values };
    } else if ((m = /^([^\s=!<>(),]+)\s*([<>])\s*(-?\d+)$/.exec(p))) req = { key: m[1], op: m[2] === '>' ? 'gt' : 'lt', values: [m[3]] };
    else if ((m = /^([^\s=!<>(),]+)$/.exec(p))) req = { key: m[1], op: 'exists', values: [] };
    if (!req) return `cannot parse requirement "${p}"`;
    if (!KEY_RE.test(req.key)) return `invalid key "${req.key}"`;
    if (req.op !== 'gt' && req.op !== 'lt') {
      for (const v of req.values) if (!VALUE_RE.test(v) || v.length > 63) return `invalid value "${v}"`;
    }
    reqs.push(req);
  }
  return reqs;
}

function matchRequirements(reqs: Requirement[], labels: Record<string, Json>): boolean {
  for (const r of reqs) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    const v = has ? String(labels[r.key]) : undefined;
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!exists':
        if (has) return false;
        break;
      case '=':
        if (v !== r.values[0]) return false;
        break;
      case '!=':
        if (v === r.values[0]) return false;
        break;
      case 'in':
        if (v === undefined || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (v !== undefined && r.values.includes(v)) return false;
        break;
      case 'gt':
      case 'lt': {
        if (v === undefined || !/^-?\d+$/.test(v)) return false;
        const n = Number(v);
        const w = Number(r.values[0]);
        if (r.op === 'gt' ? !(n > w) : !(n < w)) return false;
        break;
      }
    }
  }
  return true;
}

const regexCache = new Map<string, RegExp | null>();
/** A regular expression (Go's syntax as JavaScript reads it), compiled once; null when it does not compile. */
export function cachedRegex(source: string): RegExp | null {
  let c = regexCache.get(source);
  if (c === undefined) {
    try {
      c = new RegExp(source);
    } catch {
      c = null;
    }
    regexCache.set(source, c);
  }
  return c;
}

/** A selector's pattern matches a whole name. */
function anchored(re: string): RegExp | null {
  return cachedRegex(`^(?:${re})$`);
}

const labelCache = new Map<string, Requirement[] | null>();
function labelReqs(text: string): Requirement[] | null {
  let c = labelCache.get(text);
  if (c === undefined) {
    const p = parseLabelSelector(text);
    c = typeof p === 'string' ? null : p;
    labelCache.set(text, c);
  }
  return c;
}

function metaMap(obj: JsonObject, field: 'labels' | 'annotations'): Record<string, Json> {
  const meta = obj.metadata;
  if (!meta || typeof meta !== 'object' || Array.isArray(meta)) return {};
  const m = meta[field];
  if (!m || typeof m !== 'object' || Array.isArray(m)) return {};
  return m;
}

function nsForMatch(ns: string | undefined): string {
  return ns === undefined || ns === '' ? 'default' : ns;
}

function gvkMatches(want: string | undefined, have: string, regex: boolean | undefined): boolean {
  if (!want) return true;
  if (!regex || LITERAL.test(want)) return want === have;
  const re = anchored(want);
  return re !== null && re.test(have);
}

/**
 * A pattern with no regular-expression syntax: anchored, it matches exactly itself, so it
 * is compared as a string (a build names thousands of targets; one regex each is slow).
 */
const LITERAL = /^[A-Za-z0-9_:-]*$/;

/** Whether the anchored pattern `want` matches one of `names` (names are never null). */
function anyMatches(want: string, a: string, b: string, more?: readonly string[]): boolean {
  if (LITERAL.test(want)) return a === want || b === want || (more !== undefined && more.includes(want));
  const re = anchored(want);
  if (!re) return false;
  return re.test(a) || re.test(b) || (more !== undefined && more.some((n) => re.test(n)));
}

/** Group, version, kind, name and namespace: everything but the label and annotation selectors. */
function matchesIds(r: Resource, s: Selector, opts: MatchOptions): boolean {
  if (!gvkMatches(s.group, r.id.group, opts.regexGvk)) return false;
  if (!gvkMatches(s.version, r.id.version, opts.regexGvk)) return false;
  if (!gvkMatches(s.kind, r.id.kind, opts.regexGvk)) return false;
  if (s.name && !anyMatches(s.name, r.id.name, r.originalId.name, opts.anyName ? r.previousNames : undefined)) return false;
  if (s.namespace && !anyMatches(s.namespace, nsForMatch(r.id.namespace), nsForMatch(r.originalId.namespace))) return false;
  return true;
}

export function matchesSelector(r: Resource, s: Selector, opts: MatchOptions = {}): boolean {
  if (!matchesIds(r, s, opts)) return false;
  if (s.labelSelector) {
    const reqs = labelReqs(s.labelSelector);
    if (!reqs || !matchRequirements(reqs, metaMap(r.object, 'labels'))) return false;
  }
  if (s.annotationSelector) {
    const reqs = labelReqs(s.annotationSelector);
    if (!reqs || !matchRequirements(reqs, metaMap(r.object, 'annotations'))) return false;
  }
  return true;
}

export function selectResources(resources: ResourceMap, s: Selector, opts: MatchOptions = {}): Resource[] {
  // A literal name (no regex syntax) uses the name index; otherwise the kind index when
  // the selector names a kind. The full match still decides.
  return poolFor(resources, s).filter((r) => matchesSelector(r, s, opts));
}

function poolFor(resources: ResourceMap, s: Selector): readonly Resource[] {
  if (s.name && /^[A-Za-z0-9_:-]*$/.test(s.name)) return resources.byAnyName(s.name);
  return s.kind && /^[A-Za-z0-9]+$/.test(s.kind) ? resources.byKind(s.kind) : resources.all();
}

/**
 * Patch targets (Kustomize's ResMap.Select): group, version and kind are regular
 * expressions as well, and a label or annotation selector Kustomize cannot parse is an
 * error as soon as one resource matches the rest of the target (it is parsed for that
 * resource); `invalid` then names it.
 */
export function selectTargets(resources: ResourceMap, s: Selector): { selected: Resource[]; invalid?: 'labelSelector' | 'annotationSelector' } {
  const opts: MatchOptions = { regexGvk: true };
  const selected: Resource[] = [];
  for (const r of poolFor(resources, s)) {
    if (!matchesIds(r, s, opts)) continue;
    if (s.labelSelector) {
      const reqs = labelReqs(s.labelSelector);
      if (!reqs) return { selected: [], invalid: 'labelSelector' };
      if (!matchRequirements(reqs, metaMap(r.object, 'labels'))) continue;
    }
    if (s.annotationSelector) {
      const reqs = labelReqs(s.annotationSelector);
      if (!reqs) return { selected: [], invalid: 'annotationSelector' };
      if (!matchRequirements(reqs, metaMap(r.object, 'annotations'))) continue;
    }
    selected.push(r);
  }
  return { selected };
}

/**
 * Validates a selector. An invalid name/namespace regex is an error (Kustomize fails);
 * an invalid label or annotation selector is a warning (Kustomize silently matches nothing).
 */
export function parseSelector(s: Selector, location?: SourceLocation): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const field of ['name', 'namespace'] as const) {
    const v = s[field];
    if (v && !LITERAL.test(v) && anchored(v) === null) {
      const at = s.locations?.[field] ?? location;
      out.push(diag('KF3007', `invalid regular expression in target ${field}: ${JSON.stringify(v)}`, { ...(at ? { location: at } : {}), hint: `${field} is a regular expression anchored at both ends` }));
    }
  }
  for (const field of ['labelSelector', 'annotationSelector'] as const) {
    const v = s[field];
    if (v === undefined) continue;
    const p = parseLabelSelector(v);
    if (typeof p === 'string') {
      out.push(
        diag('KF3007', `invalid ${field} ${JSON.stringify(v)}: ${p}; it selects nothing`, {
          severity: 'warning',
          ...(location ? { location } : {}),
          hint: 'syntax: key=value, key!=value, key in (a,b), key notin (a,b), key, !key; comma means AND',
        }),
      );
    }
  }
  return out;
}
