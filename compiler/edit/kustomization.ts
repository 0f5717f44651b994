/**
 * Edits of a kustomization file as `kustomize edit` makes them (set image, add resource, set
 * namespace), written as small splices of the file's text at the nodes the `yaml` Document API
 * locates: comments, quoting, indentation and the order of everything else stay as they were.
 *
 * Kustomize's behaviour (kustomize/commands/edit, v5.5):
 *  - `set image` arguments: `NAME=NEWNAME:TAG`, `NAME=NEWNAME@DIGEST`, `NAME=NEWNAME:TAG@DIGEST`,
 *    `NAME=NEWNAME`, `NAME:TAG`, `NAME:TAG@DIGEST`, `NAME@DIGEST`; `*` as new name, tag or digest
 *    keeps the value already in the file. An entry with the same name is replaced whole (a new tag
 *    drops an old digest and vice versa); others are added. Kustomize then sorts the list by
 *    name; kforge keeps the existing order and inserts a new entry where a sorted list stays sorted.
 *  - `add resource`: each argument is a glob (relative to the kustomization's folder); one that
 *    matches nothing is an error unless --no-verify; entries already listed are skipped.
 *  - `set namespace`: a DNS-1123 label, set or replaced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { parseDocument, isMap, isSeq, isScalar, isPair, stringify } from '../load/yaml/package.js';
import type { Diagnostic, SourceLocation } from '../types.js';
import { diag } from '../diagnostics.js';
import { parseYamlDocuments } from '../load/yaml/index.js';
import { KUSTOMIZATION_FILE_NAMES } from '../load/loader.js';
import { splitImage } from '../transform/images.js';

export { splitImage };


/** An `images:` entry (Kustomize's types.Image, in its field order). */
export interface ImageEntry {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

const FIELD_ORDER: (keyof ImageEntry)[] = ['name', 'newName', 'newTag', 'digest'];
const KEEP = '*';

const IMAGE_FORMS = 'NAME=NEWNAME:TAG, NAME=NEWNAME@DIGEST, NAME=NEWNAME:TAG@DIGEST, NAME=NEWNAME, NAME:TAG, NAME:TAG@DIGEST or NAME@DIGEST';

/** Parses one `edit set image` argument; undefined with an error message when it is not one of the forms. */
export function parseImageArg(arg: string): { value?: ImageEntry; error?: string } {
  const eq = arg.indexOf('=');
  const key = eq >= 0 ? arg.slice(0, eq) : '';
  const value = eq >= 0 ? arg.slice(eq + 1) : arg;
  const { name, tag, digest } = splitImage(value);
  if (name === arg || (eq >= 0 && key === '') || name === '') return { error: `"${arg}" is not an image setting; use ${IMAGE_FORMS}` };
  if (tag && tag !== KEEP && !/^[A-Za-z0-9._-]+$/.test(tag)) return { error: `"${arg}": the tag "${tag}" may only hold letters, digits, '.', '_' and '-'` };
  if (digest && digest !== KEEP && !/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[A-Za-z0-9=_-]+$/.test(digest)) return { error: `"${arg}": "${digest}" is not a digest such as sha256:…` };
  const e: ImageEntry = key ? { name: key, newName: name } : { name };
  if (tag) e.newTag = tag;
  if (digest) e.digest = digest;
  return { value: e };
}

/** Finds the kustomization file in dir. */
export function kustomizationFile(dir: string): string | undefined {
  const found = KUSTOMIZATION_FILE_NAMES.filter((f) => fs.existsSync(path.join(dir, f)));
  return found[0];
}

export interface Edit {
  /** The file's new text (undefined: no change). */
  text?: string;
  diagnostics: Diagnostic[];
  /** What changed, one line each, for the user. */
  notes: string[];
}

/** A loaded kustomization: its text, document and top-level map. */
export interface Loaded {
  file: string;
  rel: string;
  text: string;
  doc: Document.Parsed;
  root: YAMLMap;
}

export function loadKustomization(dir: string): { value?: Loaded; diagnostics: Diagnostic[] } {
  const relDir = path.relative(process.cwd(), dir) || '.';
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { diagnostics: [diag('KF1001', `${relDir} is not a directory`, { hint: 'name a folder holding a kustomization.yaml, or --env ENV for overlays/ENV' })] };
  const name = kustomizationFile(dir);
  if (!name) return { diagnostics: [diag('KF1001', `no kustomization.yaml in ${relDir}`, { hint: `create ${path.join(relDir, 'kustomization.yaml')} first (kforge edit changes an existing kustomization)` })] };
  const file = path.join(dir, name);
  const rel = path.relative(process.cwd(), file);
  const text = fs.readFileSync(file, 'utf8');
  const doc = parseDocument(text, { keepSourceTokens: false, uniqueKeys: false });
  if (doc.errors.length) {
    // the loader's own YAML diagnostics (located, with its hints), else the parser's first error
    const loaderDs = parseYamlDocuments(text, rel).diagnostics.filter((d) => d.severity === 'error');
    if (loaderDs.length) return { diagnostics: loaderDs };
    const e = doc.errors[0];
    return { diagnostics: [diag('KF1003', `invalid YAML: ${e.message.split('\n')[0]}`, { location: { file: rel, line: e.linePos?.[0].line ?? 1, column: e.linePos?.[0].col ?? 1 }, hint: 'fix the YAML first; kforge edits only a kustomization it can read' })] };
  }
  if (doc.contents === null || doc.contents === undefined) {
    // an empty file: start a map
    return { value: { file, rel, text, doc, root: doc.createNode({}) as YAMLMap }, diagnostics: [] };
  }
  if (!isMap(doc.contents)) return { diagnostics: [diag('KF1004', `${rel} is not a mapping`, { location: { file: rel, line: 1, column: 1 } })] };
  return { value: { file, rel, text, doc, root: doc.contents }, diagnostics: [] };
}

function locOf(k: Loaded, offset: number): SourceLocation {
  const before = k.text.slice(0, offset);
  const line = before.split('\n').length;
  return { file: k.rel, line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key) as Pair | undefined;
}

/** A scalar as YAML text that reads back as this string. */
function scalarText(v: string): string {
  return stringify(v, { lineWidth: 0 }).replace(/\n$/, '');
}

/** Start of the line holding offset, and the column of offset in it. */
function columnAt(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Where a new top-level field goes: after the last top-level pair, else at the end. */
function appendTopLevel(k: Loaded, text: string): { at: number; insert: string } {
  let end = k.text.length;
  const needsNl = end > 0 && !k.text.endsWith('\n');
  return { at: end, insert: (needsNl ? '\n' : '') + text };
}

interface Splice {
  from: number;
  to: number;
  text: string;
}

function apply(text: string, splices: Splice[]): string {
  let out = text;
  // from the end backwards; at one offset, the later splice first so the earlier ends up first
  const order = splices.map((s, i) => ({ s, i })).sort((a, b) => b.s.from - a.s.from || b.i - a.i);
  for (const { s } of order) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}

/** The start of the comment lines right above the line starting at lineStart (they belong to it). */
function commentsAbove(text: string, lineStart: number): number {
  let at = lineStart;
  while (at > 0) {
    const prev = text.lastIndexOf('\n', at - 2) + 1;
    if (!/^[ \t]*#/.test(text.slice(prev, at - 1))) break;
    at = prev;
  }
  return at;
}

/** End of the line holding offset (the offset of its newline, or the text's end). */
function lineEnd(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  return nl < 0 ? text.length : nl;
}

/** Text of a block sequence item holding a map, at column `col` for `- `. */
function imageItemText(e: ImageEntry, col: number): string {
  const pad = ' '.repeat(col + 2);
  const lines = FIELD_ORDER.filter((f) => e[f] !== undefined && e[f] !== '').map((f) => `${f}: ${scalarText(e[f]!)}`);
  return `- ${lines.join(`\n${pad}`)}`;
}

/** `edit set image`: Kustomize's replace-by-name, keeping the file's layout. */
export function setImages(k: Loaded, images: ImageEntry[]): Edit {
  const notes: string[] = [];
  const splices: Splice[] = [];
  const pair = pairOf(k.root, 'images');
  const seq = pair?.value;
  if (pair && seq !== null && seq !== undefined && !isSeq(seq) && !(isScalar(seq) && (seq.value === null || seq.value === ''))) {
    const at = (seq as Node).range?.[0] ?? 0;
    return { diagnostics: [diag('KF1006', 'images must be a list', { location: locOf(k, at), hint: 'images:\n  - name: NAME\n    newTag: TAG' })], notes };
  }
  // the entries already there, by name
  const existing = new Map<string, { node: YAMLMap; entry: ImageEntry }>();
  if (isSeq(seq)) {
    for (const item of seq.items) {
      if (!isMap(item)) continue;
      const entry = item.toJSON() as Record<string, unknown>;
      if (typeof entry.name === 'string') existing.set(entry.name, { node: item, entry: entry as unknown as ImageEntry });
    }
  }
  const fresh: ImageEntry[] = [];
  for (const arg of images) {
    const old = existing.get(arg.name)?.entry;
    const e: ImageEntry = { name: arg.name };
    for (const f of ['newName', 'newTag', 'digest'] as const) {
      const v = arg[f] === KEEP ? old?.[f] : arg[f];
      if (v !== undefined && v !== '' && v !== KEEP) e[f] = v;
    }
    const same = old && FIELD_ORDER.every((f) => (old[f] ?? '') === (e[f] ?? ''));
    if (same) continue;
    notes.push(`${k.rel}: images: ${describe(e)}${old ? ` (was ${describe(old)})` : ''}`);
    const hit = existing.get(arg.name);
    if (hit && isSeq(seq) && hit.node.range && !hit.node.flow && !seq.flow) {
      // the item's map, from its first key to the end of its last value (comments before it stay)
      const dash = k.text.lastIndexOf('-', hit.node.range[0]);
      const text = imageItemText(e, columnAt(k.text, dash)).slice(2);
      let to = hit.node.range[1];
      while (to > hit.node.range[0] && /\s/.test(k.text[to - 1])) to--;
      splices.push({ from: hit.node.range[0], to, text });
    } else fresh.push(e);
  }
  if (fresh.length) {
    if (isSeq(seq) && !seq.flow && seq.items.length > 0 && seq.range) {
      const items = seq.items.filter(isMap) as YAMLMap[];
      const first = items[0] ?? (seq.items[0] as Node);
      const dashCol = columnAt(k.text, k.text.lastIndexOf('-', (first as Node).range![0]));
      const names = items.map((i) => String((i.toJSON() as { name?: unknown }).name ?? ''));
      const sorted = names.every((n, i) => i === 0 || names[i - 1] <= n);
      for (const e of [...fresh].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        // before the first greater name when the list is sorted, else after the last item
        const before = sorted ? items.find((_, i) => names[i] > e.name) : undefined;
        if (before) {
          const dash = k.text.lastIndexOf('-', before.range![0]);
          const lineStart = commentsAbove(k.text, dash - dashCol);
          splices.push({ from: lineStart, to: lineStart, text: `${' '.repeat(dashCol)}${imageItemText(e, dashCol)}\n` });
        } else {
          const last = seq.items[seq.items.length - 1] as Node;
          const end = lineEnd(k.text, last.range![1] - 1 < last.range![0] ? last.range![0] : last.range![1] - 1);
          splices.push({ from: end, to: end, text: `\n${' '.repeat(dashCol)}${imageItemText(e, dashCol)}` });
        }
      }
    } else {
      const block = fresh.sort((a, b) => (a.name < b.name ? -1 : 1)).map((e) => imageItemText(e, 0)).join('\n');
      const all = [...(isSeq(seq) ? (seq.toJSON() as ImageEntry[]) : []), ...fresh];
      if (pair && isSeq(seq) && seq.flow && seq.items.length > 0) {
        // a flow list: rewrite it as a block list of its entries and the new ones
        splices.push({ from: (pair.key as Node).range![0], to: seq.range![1], text: `images:\n${all.map((e) => imageItemText(e, 0)).join('\n')}` });
      } else if (pair) {
        const keyNode = pair.key as Node;
        const valueEnd = (seq as Node | null)?.range?.[1] ?? keyNode.range![1];
        splices.push({ from: keyNode.range![0], to: lineEnd(k.text, valueEnd - 1 < keyNode.range![0] ? keyNode.range![1] : valueEnd - 1), text: `images:\n${block}` });
      } else {
        const a = appendTopLevel(k, `images:\n${block}\n`);
        splices.push({ from: a.at, to: a.at, text: a.insert });
      }
    }
  }
  return { ...(splices.length ? { text: apply(k.text, splices) } : {}), diagnostics: [], notes };
}

function describe(e: ImageEntry): string {
  return `${e.name}${e.newName ? ` → ${e.newName}` : ''}${e.newTag ? `:${e.newTag}` : ''}${e.digest ? `@${e.digest}` : ''}`;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `edit set namespace NS`. */
export function setNamespace(k: Loaded, ns: string): Edit {
  if (ns.length > 63 || !DNS_LABEL.test(ns)) {
    return { diagnostics: [diag('KF1006', `"${ns}" is not a valid namespace name`, { hint: "a namespace is a DNS-1123 label: lower-case letters, digits and '-', at most 63 characters, e.g. kforge-prod" })], notes: [] };
  }
  const pair = pairOf(k.root, 'namespace');
  if (pair && isScalar(pair.value) && pair.value.value === ns) return { diagnostics: [], notes: [] };
  const notes = [`${k.rel}: namespace: ${ns}${pair && isScalar(pair.value) && pair.value.value ? ` (was ${String(pair.value.value)})` : ''}`];
  if (pair && isScalar(pair.value) && pair.value.range) {
    return { text: apply(k.text, [{ from: pair.value.range[0], to: pair.value.range[1], text: scalarText(ns) }]), diagnostics: [], notes };
  }
  if (pair && (pair.value === null || pair.value === undefined)) {
    const keyEnd = (pair.key as Node).range![1];
    const colon = k.text.indexOf(':', keyEnd);
    return { text: apply(k.text, [{ from: colon + 1, to: colon + 1, text: ` ${scalarText(ns)}` }]), diagnostics: [], notes };
  }
  // after `kind:` (or `apiVersion:`), where kustomize writes it, else at the end
  const after = pairOf(k.root, 'kind') ?? pairOf(k.root, 'apiVersion');
  if (after && isScalar(after.value) && after.value.range) {
    const end = lineEnd(k.text, after.value.range[1] - 1);
    return { text: apply(k.text, [{ from: end, to: end, text: `\nnamespace: ${scalarText(ns)}` }]), diagnostics: [], notes };
  }
  const a = appendTopLevel(k, `namespace: ${scalarText(ns)}\n`);
  return { text: apply(k.text, [{ from: a.at, to: a.at, text: a.insert }]), diagnostics: [], notes };
}

/** Go's filepath.Match for one path segment. */
function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = seg.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        re += `[${seg.slice(i + 1, close).replace(/^\^/, '^').replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Glob relative to dir (no `**`), sorted as Go's filepath.Glob. */
export function glob(dir: string, pattern: string): string[] {
  if (!/[*?[]/.test(pattern)) return fs.existsSync(path.resolve(dir, pattern)) ? [pattern] : [];
  const segs = pattern.split('/');
  let paths = [pattern.startsWith('/') ? '/' : ''];
  if (pattern.startsWith('/')) segs.shift();
  for (const seg of segs) {
    const next: string[] = [];
    for (const p of paths) {
      const base = path.resolve(dir, p || '.');
      if (!/[*?[]/.test(seg)) {
        const q = p ? path.posix.join(p, seg) : seg;
        if (fs.existsSync(path.resolve(dir, q))) next.push(q);
        continue;
      }
      let names: string[] = [];
      try {
        names = fs.readdirSync(base);
      } catch {
        continue;
      }
      const re = segmentRegex(seg);
      for (const n of names.sort()) if (re.test(n) && (seg.startsWith('.') || !n.startsWith('.'))) next.push(p ? path.posix.join(p, n) : n);
    }
    paths = next;
  }
  return paths.sort();
}

/** `edit add resource PATH…`: globs from the kustomization's folder; already listed entries skipped. */
export function addResources(k: Loaded, patterns: string[], opts: { noVerify?: boolean } = {}): Edit {
  const dir = path.dirname(k.file);
  const ds: Diagnostic[] = [];
  const found: string[] = [];
  for (const p of patterns) {
    if (opts.noVerify) {
      found.push(p);
      continue;
    }
    const m = glob(dir, p);
    if (m.length === 0) {
      ds.push(diag('KF1002', `${p} has no match in ${path.relative(process.cwd(), dir) || '.'}`, { hint: 'paths are relative to the kustomization\'s folder; --no-verify adds it as written' }));
      continue;
    }
    found.push(...m);
  }
  if (ds.length) return { diagnostics: ds, notes: [] };
  const pair = pairOf(k.root, 'resources');
  const seq = pair?.value;
  if (pair && seq !== null && seq !== undefined && !isSeq(seq) && !(isScalar(seq) && (seq.value === null || seq.value === ''))) {
    return { diagnostics: [diag('KF1006', 'resources must be a list', { location: locOf(k, (seq as Node).range?.[0] ?? 0) })], notes: [] };
  }
  const listed = new Set(isSeq(seq) ? seq.items.map((i) => (isScalar(i) ? String(i.value) : '')) : []);
  const add: string[] = [];
  const notes: string[] = [];
  for (const r of found) {
    if (path.resolve(dir, r) === k.file) continue;
    if (listed.has(r) || add.includes(r)) {
      notes.push(`${k.rel}: resource ${r} already listed`);
      continue;
    }
    add.push(r);
    notes.push(`${k.rel}: resources: + ${r}`);
  }
  if (add.length === 0) return { diagnostics: [], notes };
  if (isSeq(seq) && !seq.flow && seq.items.length > 0) {
    const first = seq.items[0] as Node;
    const dashCol = columnAt(k.text, k.text.lastIndexOf('-', first.range![0]));
    const last = seq.items[seq.items.length - 1] as Node;
    const end = lineEnd(k.text, Math.max(last.range![0], last.range![1] - 1));
    return { text: apply(k.text, [{ from: end, to: end, text: add.map((r) => `\n${' '.repeat(dashCol)}- ${scalarText(r)}`).join('') }]), diagnostics: [], notes };
  }
  const all = [...(isSeq(seq) ? (seq.toJSON() as string[]) : []), ...add];
  const block = `resources:\n${all.map((r) => `- ${scalarText(r)}`).join('\n')}`;
  if (pair) {
    const keyNode = pair.key as Node;
    const v = seq as Node | null;
    const to = v?.range ? lineEnd(k.text, Math.max(v.range[0], v.range[1] - 1)) : lineEnd(k.text, keyNode.range![0]);
    return { text: apply(k.text, [{ from: keyNode.range![0], to, text: block }]), diagnostics: [], notes };
  }
  const a = appendTopLevel(k, `${block}\n`);
  return { text: apply(k.text, [{ from: a.at, to: a.at, text: a.insert }]), diagnostics: [], notes };
}

/** Re-reads an edited text to make sure the splice left valid YAML with the intended values. */
export function verifyEdit(text: string): boolean {
  const d = parseDocument(text);
  return d.errors.length === 0;
}

/**
 * Sets `KEY=VALUE` among the `literals` of the configMapGenerator entry `name` (replacing the
 * KEY's literal, else adding one); without such an entry, adds `{ name, behavior: merge,
 * literals: [KEY=VALUE] }`. Used by promotion for the ConfigMap keys an environment declares.
 */
export function setGeneratorLiteral(k: Loaded, name: string, key: string, value: string): Edit {
  const literal = `${key}=${value}`;
  const note = [`${k.rel}: configMapGenerator ${name}: ${literal}`];
  const pair = pairOf(k.root, 'configMapGenerator');
  const seq = pair?.value;
  const entryText = (col: number) => {
    const pad = ' '.repeat(col + 2);
    return `- name: ${scalarText(name)}\n${pad}behavior: merge\n${pad}literals:\n${pad}- ${scalarText(literal)}`;
  };
  if (!pair) {
    const a = appendTopLevel(k, `configMapGenerator:\n${entryText(0)}\n`);
    return { text: apply(k.text, [{ from: a.at, to: a.at, text: a.insert }]), diagnostics: [], notes: note };
  }
  if (!isSeq(seq) || seq.flow || seq.items.length === 0) {
    return { diagnostics: [diag('KF1006', 'configMapGenerator must be a block list to promote into it', { location: locOf(k, (pair.key as Node).range![0]), hint: `add - name: ${name} with literals: [${literal}] by hand` })], notes: [] };
  }
  const entry = seq.items.find((i) => isMap(i) && (i.toJSON() as { name?: unknown }).name === name) as YAMLMap | undefined;
  if (!entry) {
    const first = seq.items[0] as Node;
    const dashCol = columnAt(k.text, k.text.lastIndexOf('-', first.range![0]));
    const last = seq.items[seq.items.length - 1] as Node;
    const end = lineEnd(k.text, Math.max(last.range![0], last.range![1] - 1));
    return { text: apply(k.text, [{ from: end, to: end, text: `\n${' '.repeat(dashCol)}${entryText(dashCol)}` }]), diagnostics: [], notes: note };
  }
  const lits = pairOf(entry, 'literals')?.value;
  if (!isSeq(lits) || lits.flow || lits.items.length === 0) {
    return { diagnostics: [diag('KF1006', `configMapGenerator ${name} has no block literals: list to promote ${key} into`, { location: locOf(k, entry.range![0]), hint: `add literals:\n- ${literal}` })], notes: [] };
  }
  const hit = lits.items.find((i) => isScalar(i) && typeof i.value === 'string' && i.value.startsWith(`${key}=`)) as (Node & { value: string }) | undefined;
  if (hit) {
    if (hit.value === literal) return { diagnostics: [], notes: [] };
    return { text: apply(k.text, [{ from: hit.range![0], to: hit.range![1], text: scalarText(literal) }]), diagnostics: [], notes: [`${note[0]} (was ${hit.value})`] };
  }
  const first = lits.items[0] as Node;
  const dashCol = columnAt(k.text, k.text.lastIndexOf('-', first.range![0]));
  const last = lits.items[lits.items.length - 1] as Node;
  const end = lineEnd(k.text, Math.max(last.range![0], last.range![1] - 1));
  return { text: apply(k.text, [{ from: end, to: end, text: `\n${' '.repeat(dashCol)}- ${scalarText(literal)}` }]), diagnostics: [], notes: note };
}

/** Re-reads a loaded kustomization from edited text (to chain edits). */
export function reload(k: Loaded, text: string): Loaded {
  const doc = parseDocument(text, { uniqueKeys: false });
  return { ...k, text, doc, root: isMap(doc.contents) ? doc.contents : (doc.createNode({}) as YAMLMap) };
}
