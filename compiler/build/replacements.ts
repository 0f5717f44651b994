import type { Diagnostic, Json, JsonObject, Resource } from '../types.js';
import { formatResId } from '../types.js';
import { diag } from '../diagnostics.js';
import type { ResourceMap } from '../resource-map.js';
import type { Replacement, ReplacementSource } from '../load/kustomization.js';
import { matchesSelector, parseSelector } from './select.js';

/**
 * `replacements:` (observed with kustomize v5.5, case 21 and fixtures).
 *
 * Field paths are dot-separated; `\.` escapes a dot inside a key; `[k=v]` selects list
 * items whose field k is v (with or without a dot before it); a number indexes a list;
 * `*` means every item. Source and targets are found by their current, original or any
 * intermediate name. A missing source resource or field, or a missing target field without
 * `create`, is an error (KF2007); a `select` matching nothing is not.
 *
 * Types follow Kustomize's YAML nodes: an existing scalar keeps its own type (an int field
 * stays an int, a string field gets the value as a string); a map or list replaced by a
 * scalar, a field created from a *generated* ConfigMap/Secret value (untagged in
 * Kustomize), or a field created below a `[k=v]` list selection, gets the value's
 * plain-YAML type ("3" becomes 3, case 21 and fixture `replacements`).
 */
export function applyReplacements(resources: ResourceMap, replacements: Replacement[]): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const rep of replacements) {
    const loc = rep.location;
    for (const t of rep.targets) {
      out.push(...parseSelector(t.select, loc));
      for (const rj of t.reject ?? []) out.push(...parseSelector(rj, loc));
    }
    const sources = resources.all().filter((r) => sourceMatches(r, rep.source));
    if (sources.length === 0) {
      out.push(diag('KF2007', `replacement source ${describeSource(rep.source)} matches no resource`, { location: rep.sourceLocation ?? loc, hint: 'name the source by kind and name as written in its resource' }));
      continue;
    }
    if (sources.length > 1) {
      out.push(
        diag('KF2011', `replacement source ${describeSource(rep.source)} matches ${sources.length} resources`, {
          location: loc,
          notes: sources.map((s) => formatResId(s.id)),
          hint: 'add group, version or namespace to the source',
        }),
      );
      continue;
    }
    const src = sources[0];
    const srcPath = rep.source.fieldPath ?? 'metadata.name';
    const found: Json[] = [];
    resolve(src.object, parsePath(srcPath), 0, false, '', (parent, key) => {
      const v = (parent as Record<string | number, Json>)[key];
      if (v !== undefined) found.push(v);
    });
    if (found.length === 0) {
      out.push(diag('KF2007', `replacement source field ${srcPath} is missing in ${formatResId(src.id)}`, { location: loc, resource: src.id }));
      continue;
    }
    let value: Json = found[0];
    let fromGenerated = src.origin.generated !== undefined;
    const so = rep.source.options;
    if (so?.delimiter !== undefined && so.delimiter !== '') {
      const parts = scalarString(value).split(so.delimiter);
      const idx = so.index ?? 0;
      if (idx < 0 || idx >= parts.length) {
        out.push(diag('KF2007', `options.index ${idx} is out of bounds for source value ${JSON.stringify(scalarString(value))}`, { location: loc, resource: src.id }));
        continue;
      }
      value = parts[idx];
      fromGenerated = false;
    }
    for (const t of rep.targets) {
      const candidates = t.select.kind ? resources.byKind(t.select.kind) : resources.all();
      for (const r of candidates) {
        if (!matchesSelector(r, t.select, { anyName: true })) continue;
        if ((t.reject ?? []).some((rj) => matchesSelector(r, rj, { anyName: true }))) continue;
        const create = t.options?.create === true;
        for (const [fpIndex, fp] of t.fieldPaths.entries()) {
          const fpLoc = t.fieldPathLocations?.[fpIndex] ?? loc;
          let hits = 0;
          const segs = parsePath(fp);
          // Observed: a field created under a `[k=v]` list selection also gets an untagged node.
          const untagged = fromGenerated || segs.some((sg) => sg.t === 'sel');
          resolve(r.object, segs, 0, create, '', (parent, key, pointer, existed) => {
            hits++;
            const p = parent as Record<string | number, Json>;
            p[key] = newValue(existed ? p[key] : undefined, value, t.options, untagged);
            r.origin.fieldSources.push({ pointer, location: fpLoc, by: 'replacements' });
          });
          if (hits === 0) {
            out.push(
              diag('KF2007', `replacement target field ${fp} not found in ${formatResId(r.id)}`, {
                location: fpLoc,
                resource: r.id,
                hint: 'set `options: {create: true}` on the target to create missing fields',
              }),
            );
          }
        }
      }
    }
  }
  return out;
}

function sourceMatches(r: Resource, s: ReplacementSource): boolean {
  if (s.group && s.group !== r.id.group) return false;
  if (s.version && s.version !== r.id.version) return false;
  if (s.kind && s.kind !== r.id.kind) return false;
  if (s.name && r.id.name !== s.name && r.originalId.name !== s.name && !r.previousNames.includes(s.name)) return false;
  if (s.namespace) {
    const ns = (n: string | undefined) => (n === undefined || n === '' ? 'default' : n);
    if (ns(r.id.namespace) !== s.namespace && ns(r.originalId.namespace) !== s.namespace) return false;
  }
  return true;
}

function describeSource(s: ReplacementSource): string {
  return [s.kind ?? '*', s.namespace ? `${s.namespace}/` : '', s.name ?? '*'].join(s.kind ? ' ' : '').replace(/ $/, '');
}

/** A path segment: a map key, `[k=v]` list selection, `*`, or a list index. */
type Seg = { t: 'key'; key: string } | { t: 'sel'; k: string; v: string } | { t: 'all' };

/** Splits a field path on unescaped dots; `key[k=v]` becomes two segments. */
export function parsePath(path: string): Seg[] {
  const raw: string[] = [];
  let cur = '';
  let depth = 0;
  for (let i = 0; i < path.length; i++) {
    const ch = path[i];
    if (ch === '\\' && path[i + 1] === '.') {
      cur += '.';
      i++;
    } else if (ch === '[') {
      depth++;
      cur += ch;
    } else if (ch === ']') {
      depth--;
      cur += ch;
    } else if (ch === '.' && depth === 0) {
      raw.push(cur);
      cur = '';
    } else cur += ch;
  }
  raw.push(cur);
  const segs: Seg[] = [];
  for (const r of raw) {
    if (r === '') continue;
    const m = /^(.*?)\[([^=\]]+)=([^\]]*)\]$/.exec(r);
    if (m) {
      if (m[1] !== '') segs.push({ t: 'key', key: m[1] });
      segs.push({ t: 'sel', k: m[2], v: m[3] });
    } else if (r === '*') segs.push({ t: 'all' });
    else segs.push({ t: 'key', key: r });
  }
  return segs;
}

type Visit = (parent: JsonObject | Json[], key: string | number, pointer: string, existed: boolean) => void;

function isObj(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function esc(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

function emptyFor(next: Seg | undefined): Json {
  return next && next.t === 'sel' ? [] : {};
}

function resolve(node: Json, segs: Seg[], i: number, create: boolean, ptr: string, visit: Visit): void {
  const seg = segs[i];
  const last = i === segs.length - 1;
  if (Array.isArray(node)) {
    if (seg.t === 'sel') {
      let matched = false;
      node.forEach((item, idx) => {
        if (!isObj(item) || String(item[seg.k]) !== seg.v || item[seg.k] === undefined) return;
        matched = true;
        if (last) visit(node, idx, `${ptr}/${idx}`, true);
        else resolve(item, segs, i + 1, create, `${ptr}/${idx}`, visit);
      });
      if (!matched && create) {
        const item: JsonObject = { [seg.k]: seg.v };
        node.push(item);
        const idx = node.length - 1;
        if (last) visit(node, idx, `${ptr}/${idx}`, true);
        else resolve(item, segs, i + 1, create, `${ptr}/${idx}`, visit);
      }
      return;
    }
    if (seg.t === 'all') {
      node.forEach((item, idx) => {
        if (last) visit(node, idx, `${ptr}/${idx}`, true);
        else resolve(item, segs, i + 1, create, `${ptr}/${idx}`, visit);
      });
      return;
    }
    if (/^\d+$/.test(seg.key)) {
      const idx = Number(seg.key);
      if (idx >= node.length) return;
      if (last) visit(node, idx, `${ptr}/${idx}`, true);
      else resolve(node[idx], segs, i + 1, create, `${ptr}/${idx}`, visit);
    }
    return;
  }
  if (!isObj(node)) return;
  if (seg.t === 'all') {
    for (const k of Object.keys(node)) {
      if (last) visit(node, k, `${ptr}/${esc(k)}`, true);
      else resolve(node[k], segs, i + 1, create, `${ptr}/${esc(k)}`, visit);
    }
    return;
  }
  if (seg.t !== 'key') return;
  const p = `${ptr}/${esc(seg.key)}`;
  const has = node[seg.key] !== undefined;
  if (last) {
    if (has) visit(node, seg.key, p, true);
    else if (create) visit(node, seg.key, p, false);
    return;
  }
  let child = node[seg.key];
  if (child === undefined || child === null) {
    if (!create) return;
    child = emptyFor(segs[i + 1]);
    node[seg.key] = child;
  }
  resolve(child, segs, i + 1, create, p, visit);
}

function scalarString(v: Json): string {
  if (v === null) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** A plain (untagged) YAML scalar's JSON value, as Kustomize's JSON round trip gives it. */
export function plainScalar(s: string): Json {
  if (/^-?(0|[1-9]\d*)$/.test(s)) {
    const n = Number(s);
    if (Number.isSafeInteger(n)) return n;
  }
  if (/^[-+]?(\.\d+|\d+(\.\d*)?)([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (s === 'true' || s === 'True' || s === 'TRUE') return true;
  if (s === 'false' || s === 'False' || s === 'FALSE') return false;
  if (s === 'null' || s === 'Null' || s === 'NULL' || s === '~') return null;
  return s;
}

function newValue(cur: Json | undefined, value: Json, opts: { delimiter?: string; index?: number } | undefined, fromGenerated: boolean): Json {
  let v: Json = value;
  let delimited = false;
  if (opts?.delimiter !== undefined && opts.delimiter !== '') {
    const parts = cur === undefined || cur === null ? [''] : scalarString(cur).split(opts.delimiter);
    const idx = opts.index ?? 0;
    const s = scalarString(value);
    if (idx < 0) parts.unshift(s);
    else if (idx >= parts.length) parts.push(s);
    else parts[idx] = s;
    v = parts.join(opts.delimiter);
    delimited = true;
  }
  if (cur === undefined) {
    if (fromGenerated && !delimited && typeof v === 'string') return plainScalar(v);
    return structuredClone(v);
  }
  if (typeof v === 'object' && v !== null) return structuredClone(v);
  const str = scalarString(v);
  if (typeof cur === 'string') return str;
  if (typeof cur === 'number') {
    const n = plainScalar(str);
    return typeof n === 'number' ? n : str;
  }
  if (typeof cur === 'boolean') {
    const b = plainScalar(str);
    return typeof b === 'boolean' ? b : str;
  }
  return plainScalar(str);
}
