/**
 * The complete reader: the `yaml` package parses with the failsafe schema (every
 * scalar a string) and one walk resolves plain scalars, tags, anchors, aliases and
 * `<<` merge keys with go-yaml's rules (scalars.ts). It reads any YAML and reports
 * every error with its position; read.ts runs it for what the fast reader leaves.
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument } from './package.js';
import type { Document, Node as YNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { diag } from '../../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Result } from '../../types.js';
import { Abort, type Budget, checkText, hasOwn, MAX_YAML_DEPTH, MAX_YAML_NODES, PARSE_OPTIONS, setKey, spendAliasValues, tooDeep, tooManyAliasValues, tooManyValues, type YamlDoc, type YamlLimits } from './common.js';
import { copyBareNulls, markBareNull } from '../bare-null.js';
import { markFoldedAnnotation } from '../folded-mark.js';
import { blockScalarAsKustomizeKeepsIt, checkTabStart, isTimestamp, MERGE, NOT_JSON, parseTimestamp, resolvePlain, type Resolved } from './scalars.js';

interface WalkCtx {
  file: string;
  text: string;
  lc: LineCounter;
  anchors: Map<string, Json>;
  /** The file's value count, shared with the fast reader and the file's other documents. */
  budget: Budget;
  /** Collections open around the node being converted. */
  depth: number;
}

function locAt(ctx: { file: string; lc: LineCounter }, offset: number) {
  const p = ctx.lc.linePos(offset);
  return { file: ctx.file, line: p.line, column: p.col };
}

function tooMany(ctx: WalkCtx, offset: number): never {
  const p = locAt(ctx, offset);
  throw new Abort(tooManyValues(ctx.budget, p.line, p.column));
}

/** Counts one value an alias expands to, against the file's and the build's budgets. */
function countAliasValue(ctx: WalkCtx, offset: number): void {
  if (++ctx.budget.used > ctx.budget.max) tooMany(ctx, offset);
  if (!spendAliasValues(1)) {
    const p = locAt(ctx, offset);
    throw new Abort(tooManyAliasValues(ctx.file, p.line, p.column));
  }
}

function cloneCounted(v: Json, ctx: WalkCtx, offset: number): Json {
  countAliasValue(ctx, offset);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) {
    const out: Json[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneCounted(v[i], ctx, offset);
    return out;
  }
  const out: JsonObject = {};
  for (const k of Object.keys(v)) setKey(out, k, cloneCounted(v[k], ctx, offset));
  copyBareNulls(v, out);
  return out;
}

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  return goUtf8(Buffer.from(clean, 'base64'));
}

/**
 * Bytes as a Go program turns them into JSON text (Kustomize's round trip): valid
 * UTF-8 kept, every byte of an invalid sequence replaced by U+FFFD (one per byte, as
 * Go's utf8.DecodeRune reads them, not the WHATWG "maximal subpart" rule).
 */
export function goUtf8(b: Uint8Array): string {
  const out: string[] = [];
  let start = 0;
  let i = 0;
  const n = b.length;
  while (i < n) {
    const c = b[i];
    let len = 0;
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3;
    else if (c >= 0xf0 && c <= 0xf4) len = 4;
    let ok = len > 0 && i + len <= n;
    if (ok && len > 1) {
      const c1 = b[i + 1];
      const lo = c === 0xe0 ? 0xa0 : c === 0xf0 ? 0x90 : 0x80;
      const hi = c === 0xed ? 0x9f : c === 0xf4 ? 0x8f : 0xbf;
      if (c1 < lo || c1 > hi) ok = false;
      for (let k = 2; ok && k < len; k++) if ((b[i + k] & 0xc0) !== 0x80) ok = false;
    }
    if (ok) {
      i += len;
      continue;
    }
    if (i > start) out.push(Buffer.from(b.subarray(start, i)).toString('utf8'));
    out.push('\ufffd');
    i++;
    start = i;
  }
  if (start < n) out.push(Buffer.from(b.subarray(start, n)).toString('utf8'));
  return out.join('');
}

function scalarText(node: Scalar): string {
  const v = node.value as unknown;
  if (typeof v === 'string') return v;
  const src = (node as { source?: string }).source;
  return typeof src === 'string' ? src : String(v);
}

/**
 * Double-quoted escapes where go-yaml and the `yaml` package disagree: go-yaml
 * refuses `\\/` and `\\u`/`\\U` escapes naming a surrogate (KF1003 here too) and
 * accepts `\\'` (a single quote), which the `yaml` package refuses (that error is
 * skipped in parseComplete and the scalar decoded again here). Returns the value.
 */
function doubleQuoted(value: string, ctx: WalkCtx, from: number, to: number): string {
  const t = ctx.text;
  let squote = false;
  for (let i = t.indexOf('\\', from); i >= 0 && i < to; i = t.indexOf('\\', i + 2)) {
    const c = t.charCodeAt(i + 1);
    let bad: string | undefined;
    if (c === 47) bad = '\\/ is not an escape go-yaml knows';
    else if (c === 39) squote = true;
    else if (c === 117 || c === 85) {
      const hex = t.slice(i + 2, i + (c === 117 ? 6 : 10));
      const cp = parseInt(hex, 16);
      if (cp >= 0xd800 && cp <= 0xdfff) bad = `\\${t[i + 1]}${hex} names a UTF-16 surrogate, not a character`;
    }
    if (bad) {
      throw new Abort(
        diag('KF1003', bad, {
          location: locAt(ctx, i),
          hint: c === 47 ? 'write / without a backslash' : 'write the character itself, or \\U with its full code point',
        }),
      );
    }
  }
  if (!squote) return value;
  const raw = t.slice(from, to).replace(/\\(.)/gs, (m, c: string) => (c === "'" ? '\\x27' : m));
  const d = parseDocument(raw, PARSE_OPTIONS);
  const v = d.errors.length === 0 && isScalar(d.contents) ? d.contents.value : undefined;
  return typeof v === 'string' ? v : value;
}

/** A `yaml` package error for a `\\'` escape, which go-yaml accepts. */
function isSingleQuoteEscapeError(e: { code: string; pos: [number, number] }, text: string): boolean {
  return e.code === 'BAD_DQ_ESCAPE' && text.charCodeAt(e.pos[0]) === 92 && text.charCodeAt(e.pos[0] + 1) === 39;
}

function scalarValue(node: Scalar, ctx: WalkCtx, rebuilt = false): Resolved {
  let str = scalarText(node);
  const tag = node.tag;
  const offset = node.range ? node.range[0] : 0;
  const where = () => locAt(ctx, offset);
  if (node.type === 'QUOTE_DOUBLE' && node.range) str = doubleQuoted(str, ctx, node.range[0], node.range[1]);
  else if ((node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') && node.range) {
    str = blockScalarAsKustomizeKeepsIt(str, rebuilt ? 'rebuilt' : node.type === 'BLOCK_FOLDED' ? 'folded' : 'literal', ctx.text, node.range[1], where);
  }
  if (rebuilt && str.indexOf('\n') > 0) checkTabStart(str, where);
  if (tag === undefined || tag === '!') {
    // go-yaml resolves a plain scalar with the non-specific tag `!` like an untagged one.
    if (node.type === 'PLAIN') return resolvePlain(str);
    return str;
  }
  const bad = (what: string): never => {
    throw new Abort(
      diag('KF1003', `cannot read ${JSON.stringify(str)} as ${what}`, {
        location: locAt(ctx, offset),
        hint: `remove the ${tag} tag or fix the value`,
      }),
    );
  };
  switch (tag) {
    case 'tag:yaml.org,2002:str':
      return str;
    case 'tag:yaml.org,2002:int': {
      const r = resolvePlain(str);
      if (typeof r !== 'number' || !Number.isInteger(r)) bad('an integer');
      return r;
    }
    case 'tag:yaml.org,2002:float': {
      const r = resolvePlain(str);
      if (r === NOT_JSON) return r;
      if (typeof r !== 'number') bad('a float');
      return r;
    }
    case 'tag:yaml.org,2002:bool': {
      const r = resolvePlain(str);
      if (typeof r !== 'boolean') bad('a boolean');
      return r;
    }
    case 'tag:yaml.org,2002:null': {
      const r = resolvePlain(str);
      if (r !== null) bad('null');
      return null;
    }
    case 'tag:yaml.org,2002:timestamp': {
      const t = parseTimestamp(str);
      if (t === undefined) bad('a timestamp');
      return t as string;
    }
    case 'tag:yaml.org,2002:binary': {
      const d = decodeBase64(str);
      if (d === undefined) bad('base64 text');
      return d as string;
    }
    default:
      // Custom tags: go-yaml keeps the text.
      return str;
  }
}

/**
 * The key of a mapping entry. Kustomize (the JSON round trip) fails on keys that are
 * not strings — plain `1`, `true`, `~`, a date, `!!int "1"` — so those are KF1003.
 */
function keyString(node: YNode | null, ctx: WalkCtx, mapOffset: number): string | typeof MERGE {
  const off = node && node.range ? node.range[0] : mapOffset;
  const notString = (shown: string): never => {
    throw new Abort(
      diag('KF1003', `mapping key ${shown} is not a string`, {
        location: locAt(ctx, off),
        hint: `quote the key (e.g. "${shown}"); Kustomize fails on non-string keys ("json: unsupported type")`,
      }),
    );
  };
  if (node === null) return notString('null');
  if (isScalar(node)) {
    let str = scalarText(node);
    if (node.type === 'QUOTE_DOUBLE' && node.range) str = doubleQuoted(str, ctx, node.range[0], node.range[1]);
    const tag = node.tag;
    if (node.anchor) ctx.anchors.set(node.anchor, str);
    if ((tag === undefined || tag === '!') && node.type === 'PLAIN') {
      if (str === '<<') return MERGE;
      const r = resolvePlain(str);
      if (typeof r !== 'string' || r !== str || isTimestamp(str)) notString(str === '' ? 'null' : str);
      return str;
    }
    if (
      tag === 'tag:yaml.org,2002:int' ||
      tag === 'tag:yaml.org,2002:float' ||
      tag === 'tag:yaml.org,2002:bool' ||
      tag === 'tag:yaml.org,2002:null' ||
      tag === 'tag:yaml.org,2002:timestamp'
    ) {
      notString(str);
    }
    return str;
  }
  if (isAlias(node)) {
    const v = ctx.anchors.get(node.source);
    if (v === undefined) unknownAlias(ctx, node.source, off);
    if (typeof v === 'string') return v;
    if (v === null || typeof v !== 'object') notString(String(v));
  }
  throw new Abort(
    diag('KF1003', 'a mapping key must be a scalar', {
      location: locAt(ctx, off),
      hint: 'Kubernetes objects only have string keys; quote the key or restructure the data',
    }),
  );
}

function unknownAlias(ctx: WalkCtx, name: string, offset: number): never {
  throw new Abort(
    diag('KF1003', `unknown anchor '${name}' referenced`, {
      location: locAt(ctx, offset),
      hint: `define &${name} earlier in the same document (anchors do not cross documents and cannot refer to themselves)`,
    }),
  );
}

/**
 * Where a node sits, as far as Kustomize's treatment of node styles goes: the values
 * of `metadata.annotations` (of a document, or of an item of a List) are rebuilt by
 * Kustomize as new nodes, so they lose their source style before being written.
 */
const enum At {
  Other,
  Root,
  Metadata,
  Annotations,
  Annotation,
  Items,
}

function convert(node: YNode | null, ctx: WalkCtx, at: At = At.Other): Json {
  if (node === null) return null;
  if (isAlias(node)) {
    const v = ctx.anchors.get(node.source);
    const off = node.range ? node.range[0] : 0;
    if (v === undefined) unknownAlias(ctx, node.source, off);
    return cloneCounted(v as Json, ctx, off);
  }
  if (++ctx.budget.used > ctx.budget.max) tooMany(ctx, node.range ? node.range[0] : 0);
  let out: Json;
  if (isScalar(node)) {
    const r = scalarValue(node, ctx, at === At.Annotation);
    if (r === NOT_JSON) {
      throw new Abort(
        diag('KF1003', `${String(node.value)} (infinity or NaN) cannot be represented in JSON`, {
          location: locAt(ctx, node.range ? node.range[0] : 0),
          hint: 'Kustomize fails on such values ("json: unsupported value"); quote it to keep a string',
        }),
      );
    }
    out = r === MERGE ? '<<' : r;
  } else if (isMap(node)) {
    if (++ctx.depth > MAX_YAML_DEPTH) nestedTooDeep(ctx, node);
    out = convertMap(node as YAMLMap<YNode | null, YNode | null>, ctx, at);
    ctx.depth--;
  } else if (isSeq(node)) {
    if (++ctx.depth > MAX_YAML_DEPTH) nestedTooDeep(ctx, node);
    const items = (node as YAMLSeq<YNode | null>).items;
    const arr: Json[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) {
      const it = items[i] as unknown;
      if (isPair(it)) {
        // `!!omap`/`!!pairs` entries: one-key mappings.
        const one: JsonObject = {};
        const k = keyString(it.key as YNode | null, ctx, node.range ? node.range[0] : 0);
        setKey(one, k === MERGE ? '<<' : k, convert(it.value as YNode | null, ctx));
        arr[i] = one;
      } else arr[i] = convert(items[i], ctx, at === At.Items ? At.Root : At.Other);
    }
    ctx.depth--;
    out = arr;
  } else {
    out = null;
  }
  const anchor = (node as { anchor?: string }).anchor;
  if (anchor) ctx.anchors.set(anchor, out);
  return out;
}

function nestedTooDeep(ctx: WalkCtx, node: YNode): never {
  const p = locAt(ctx, node.range ? node.range[0] : 0);
  throw new Abort(tooDeep(ctx.file, p.line, p.column));
}

function convertMap(node: YAMLMap<YNode | null, YNode | null>, ctx: WalkCtx, at: At): JsonObject {
  const obj: JsonObject = {};
  const mapOffset = node.range ? node.range[0] : 0;
  let merges: Json[] | undefined;
  // kyaml (deAnchor) then clears the first entry whose key reads `<<`, merge key or
  // quoted string alike: a quoted "<<" key before any merge key is dropped.
  let clearedLtLt = false;
  for (const pair of node.items) {
    const kNode = pair.key as YNode | null;
    const k = keyString(kNode, ctx, mapOffset);
    if (k === MERGE) {
      clearedLtLt = true;
      if (merges) {
        throw new Abort(
          diag('KF1003', 'a second << merge key in the same mapping', {
            location: locAt(ctx, kNode && kNode.range ? kNode.range[0] : mapOffset),
            hint: 'Kustomize refuses duplicate merge keys ("duplicate merge key"); merge several mappings with `<<: [*a, *b]`',
          }),
        );
      }
      merges = [convert(pair.value as YNode | null, ctx)];
      continue;
    }
    if (k === '<<' && !clearedLtLt) {
      clearedLtLt = true;
      convert(pair.value as YNode | null, ctx); // still read: it may define anchors
      continue;
    }
    if (hasOwn.call(obj, k)) {
      const here = kNode && kNode.range ? kNode.range[0] : mapOffset;
      const first = findKeyOffset(node, k, ctx, mapOffset);
      const firstLine = first !== undefined ? ctx.lc.linePos(first).line : undefined;
      throw new Abort(
        diag('KF1015', `mapping key ${JSON.stringify(k)} already defined${firstLine ? ` at line ${firstLine}` : ''}`, {
          location: locAt(ctx, here),
          hint: 'remove one of the two entries (Kustomize refuses duplicate keys)',
        }),
      );
    }
    const vNode = pair.value as YNode | null;
    if (node.flow && isEmptyPlain(vNode)) {
      // go-yaml reads a missing value in a flow mapping ({a} or {a: }) as "".
      if (++ctx.budget.used > ctx.budget.max) tooMany(ctx, mapOffset);
      setKey(obj, k, '');
    } else {
      const next =
        at === At.Root ? (k === 'metadata' ? At.Metadata : k === 'items' ? At.Items : At.Other)
        : at === At.Metadata ? (k === 'annotations' ? At.Annotations : At.Other)
        : at === At.Annotations ? At.Annotation
        : At.Other;
      setKey(obj, k, convert(vNode, ctx, next));
      if (isEmptyPlain(vNode)) markBareNull(obj, k);
      else if (at === At.Annotations && isScalar(vNode) && vNode.type === 'BLOCK_FOLDED' && typeof obj[k] === 'string') markFoldedAnnotation(obj, k, obj[k] as string);
    }
  }
  if (merges) {
    const explicit = new Set(Object.keys(obj));
    for (const m of merges) {
      const sources = Array.isArray(m) ? m : [m];
      for (const src of sources) {
        if (src === null || typeof src !== 'object' || Array.isArray(src)) {
          throw new Abort(
            diag('KF1003', 'a << merge key needs a mapping or a list of mappings', {
              location: locAt(ctx, mapOffset),
              hint: 'write `<<: *anchor` where &anchor names a mapping',
            }),
          );
        }
        for (const k of Object.keys(src)) {
          if (explicit.has(k) || hasOwn.call(obj, k)) continue;
          setKey(obj, k, src[k]);
        }
      }
    }
  }
  return obj;
}

function isEmptyPlain(n: YNode | null): boolean {
  if (n === null) return true;
  return isScalar(n) && n.type === 'PLAIN' && n.tag === undefined && !n.anchor && scalarText(n) === '';
}

function findKeyOffset(node: YAMLMap<YNode | null, YNode | null>, k: string, ctx: WalkCtx, mapOffset: number): number | undefined {
  for (const pair of node.items) {
    const kn = pair.key as YNode | null;
    let s: string | typeof MERGE;
    try {
      s = keyString(kn, ctx, mapOffset);
    } catch {
      continue;
    }
    if (s === k) return kn && kn.range ? kn.range[0] : mapOffset;
  }
  return undefined;
}

/**
 * A key under `- name:` indented differently from `name` (the commonest slip in a kustomization:
 * `- name: x` then ` newTag: 1`): the hint says how many spaces the line needs.
 */
function listItemIndentHint(text: string, off: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', off - 1) + 1;
  const indent = off - lineStart;
  if (!/^[A-Za-z_][\w.-]*\s*:/.test(text.slice(off, off + 200))) return undefined;
  // the nearest non-blank, non-comment line above
  let end = lineStart - 1;
  while (end > 0) {
    const start = text.lastIndexOf('\n', end - 1) + 1;
    const line = text.slice(start, end);
    if (line.trim() !== '' && !line.trim().startsWith('#')) {
      const m = /^(\s*)(- +)?[A-Za-z_][\w.-]*\s*:/.exec(line);
      if (!m) return undefined;
      const want = m[1].length + (m[2]?.length ?? 0);
      if (want === indent || !m[2]) return undefined;
      const lineNo = text.slice(0, start).split('\n').length;
      return `indent it by ${want} spaces, like the key after "- " on line ${lineNo} (the keys of one list item line up)`;
    }
    end = start - 1;
  }
  return undefined;
}

const ERROR_HINTS: Record<string, string> = {
  TAB_AS_INDENT: 'YAML indentation must use spaces; replace the tab with spaces',
  BAD_INDENT: 'align this line with its siblings (same number of spaces)',
  MISSING_CHAR: 'a quote, bracket or brace is not closed',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line; check the indentation and the `:` of the previous lines',
  MULTILINE_IMPLICIT_KEY: 'a key must fit on one line; check for a missing `:` or wrong indentation',
  UNEXPECTED_TOKEN: 'check the indentation and the `-`/`:` indicators around this line',
  DUPLICATE_KEY: 'remove one of the two entries',
  BAD_ALIAS: 'an alias is `*name` where `&name` was defined earlier in the document',
  BAD_DIRECTIVE: 'remove or fix the `%` directive',
  BLOCK_IN_FLOW: 'block collections cannot appear inside [ ] or { }',
  TAG_RESOLVE_FAILED: 'check the tag',
};

/**
 * The complete reader (the `yaml` package), skipping the fast path. `budget` is the
 * file's value count when the fast reader has read part of the file already.
 */
export function parseComplete(text: string, file: string, limits: YamlLimits = {}, budget?: Budget): Result<YamlDoc[]> {
  const bad = checkText(text, file, limits.maxBytes);
  if (bad) return { value: undefined, diagnostics: [bad] };
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lc }) as unknown as Document.Parsed[];
  } catch (e) {
    return { value: undefined, diagnostics: [diag('KF1003', `cannot parse YAML: ${(e as Error).message}`, { location: { file, line: 1, column: 1 } })] };
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  const diagnostics: Diagnostic[] = [];
  for (const d of docs) {
    for (const e of d.errors) {
      if (isSingleQuoteEscapeError(e, text)) continue;
      let off = Math.min(e.pos[0], text.length);
      if (/call stack/i.test(e.message)) {
        // The `yaml` package ran out of stack: nesting far beyond MAX_YAML_DEPTH.
        const p = lc.linePos(off);
        diagnostics.push(tooDeep(file, p.line, p.col));
        break;
      }
      let message = firstLine(e.message);
      let hint = ERROR_HINTS[e.code] ?? 'fix the YAML syntax at this position';
      if (e.code === 'MISSING_CHAR' && /quote/.test(message)) {
        const q = message.includes("'") ? "'" : '"';
        const open = findOpeningQuote(text, off, q);
        if (open >= 0) {
          off = open;
          message = `missing closing ${q} for the string that starts here`;
          hint = `end the string with ${q}${q === '"' ? ' (write \\" for a quote inside it)' : " (write '' for a quote inside it)"}`;
        }
      } else {
        // Point at the content of the line rather than at its indentation.
        while (off < text.length && text.charCodeAt(off) === 32) off++;
        const misindented = e.code === 'MISSING_CHAR' || e.code === 'UNEXPECTED_TOKEN' || e.code === 'BAD_INDENT' ? listItemIndentHint(text, off) : undefined;
        if (misindented) {
          message = 'this line is not indented like the list item above it';
          hint = misindented;
        }
      }
      diagnostics.push(diag('KF1003', message, { location: locAt({ file, lc }, off), hint }));
      break;
    }
    if (diagnostics.length) break;
  }
  if (diagnostics.length) return { value: undefined, diagnostics };
  const out: YamlDoc[] = [];
  const ctx: WalkCtx = { file, text, lc, anchors: new Map(), budget: budget ?? { file, used: 0, max: limits.maxNodes ?? MAX_YAML_NODES }, depth: 0 };
  for (let i = 0; i < docs.length; i++) {
    const dirs = docs[i].directives;
    if (dirs && (dirs.yaml.explicit || Object.keys(dirs.tags).some((h) => h !== '!!' && h !== '!'))) {
      const at = /^%/m.exec(text);
      return {
        value: undefined,
        diagnostics: [
          diag('KF1003', 'YAML directives (%YAML, %TAG) are not supported', {
            location: locAt(ctx, at ? at.index : 0),
            hint: 'remove the directive line; Kustomize fails on it ("did not find expected <document start>" or "found incompatible YAML document")',
          }),
        ],
      };
    }
    const contents = docs[i].contents as YNode | null;
    if (contents === null) continue;
    ctx.anchors = new Map();
    let value: Json;
    try {
      value = convert(contents, ctx, At.Root);
    } catch (e) {
      if (e instanceof Abort) return { value: undefined, diagnostics: [e.diagnostic] };
      if (e instanceof RangeError) {
        const p = locAt(ctx, contents.range ? contents.range[0] : 0);
        return { value: undefined, diagnostics: [tooDeep(file, p.line, p.column)] };
      }
      throw e;
    }
    if (value === null) continue;
    const start = contents.range ? contents.range[0] : 0;
    const p = lc.linePos(start);
    out.push({ value, index: i, line: p.line, column: p.col });
  }
  return { value: out, diagnostics: [] };
}

/** The quote that opens the unterminated string ending at `end`, or -1. */
function findOpeningQuote(text: string, end: number, q: string): number {
  let i = Math.min(end, text.length) - 1;
  for (; i >= 0; i--) {
    if (text[i] !== q) continue;
    if (q === '"') {
      let bs = 0;
      for (let k = i - 1; k >= 0 && text[k] === '\\'; k--) bs++;
      if (bs % 2 === 1) continue;
    } else if (text[i - 1] === "'") {
      i--;
      continue;
    }
    return i;
  }
  return -1;
}

function firstLine(msg: string): string {
  const at = msg.indexOf(' at line ');
  const s = at > 0 ? msg.slice(0, at) : msg.split('\n')[0];
  return s;
}
