/**
 * kforge's YAML reader. It yields the values Kustomize v5.5 holds after reading a
 * file: go-yaml v3 decoding (YAML 1.2 grammar with go-yaml's own plain-scalar
 * resolution, which keeps a few YAML 1.1 habits such as `0644` octal) followed by a
 * JSON round trip (timestamps become RFC 3339 strings, `.inf`/`.nan` cannot be held).
 *
 * The `yaml` package parses with the failsafe schema (every scalar a string) and one
 * walk below resolves plain scalars, tags, anchors, aliases and `<<` merge keys.
 *
 * Input: a string (already decoded) or the file's bytes (`Uint8Array`), which are
 * checked to be UTF-8 without NUL bytes (KF1011); a string holding a NUL is refused too.
 *
 * Documents: `YamlDoc.index` is the position of the document among *all* documents
 * of the text as the YAML grammar splits them (empty ones included), which is the
 * index `locatePointer` expects; empty documents (nothing, only comments, or `null`)
 * are not returned.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { diag } from '../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Result } from '../types.js';

export interface YamlDoc {
  value: Json;
  /** Position among all documents of the text (0-based, empty documents counted). */
  index: number;
  /** Where the document's content starts (1-based). */
  line: number;
  column: number;
}

/** Documents larger than this are refused (KF1012). */
export const MAX_YAML_BYTES = 64 * 1024 * 1024;
/** Values (after alias expansion) per file beyond which reading stops (KF1012). */
export const MAX_YAML_NODES = 1_000_000;

/**
 * The `yaml` parser reads `process.env.LOG_TOKENS` once per token, which costs about
 * a third of the parse time (process.env is a slow native accessor). Parsing is
 * synchronous, so the real environment is swapped for a plain snapshot during the
 * call and restored right after; nothing else can observe the swap.
 */
function withFastEnv<T>(f: () => T): T {
  const real = process.env;
  let swapped = false;
  try {
    process.env = { ...(real.LOG_TOKENS !== undefined ? { LOG_TOKENS: real.LOG_TOKENS } : {}) };
    swapped = process.env !== real;
  } catch {
    swapped = false;
  }
  try {
    return f();
  } finally {
    if (swapped) process.env = real;
  }
}

const PARSE_OPTIONS = {
  schema: 'failsafe',
  uniqueKeys: false,
  merge: false,
  keepSourceTokens: false,
  prettyErrors: false,
  strict: false,
} as const;

// ---------------------------------------------------------------------------
// Plain scalar resolution (go-yaml v3 rules)
// ---------------------------------------------------------------------------

/** Marker for the `<<` merge key. */
export const MERGE = Symbol('merge');
/** Marker for +/-Inf and NaN, which the JSON round trip refuses. */
export const NOT_JSON = Symbol('not-json');

export type Resolved = Json | typeof MERGE | typeof NOT_JSON;

const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/;
const TWO63 = 9223372036854775808n;
const TWO64 = 18446744073709551616n;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Go's strconv.ParseInt(s, 0, 64) then ParseUint(s, 0, 64); undefined when neither accepts s. */
function goParseInt(s: string): number | undefined {
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) {
    neg = c0 === 45;
    i = 1;
  }
  if (i >= s.length) return undefined;
  let base = 10;
  if (s.charCodeAt(i) === 48 && i + 1 < s.length) {
    const p = s.charCodeAt(i + 1) | 0x20;
    if (p === 120) base = 16;
    else if (p === 111) base = 8;
    else if (p === 98) base = 2;
    else base = -8; // legacy leading-zero octal
    i += base === -8 ? 1 : 2;
    if (base === -8) base = 8;
    if (i >= s.length) return undefined;
  }
  const digits = s.slice(i);
  for (let k = 0; k < digits.length; k++) {
    const c = digits.charCodeAt(k);
    let v: number;
    if (c >= 48 && c <= 57) v = c - 48;
    else if (c >= 97 && c <= 102) v = c - 87;
    else if (c >= 65 && c <= 70) v = c - 55;
    else return undefined;
    if (v >= base) return undefined;
  }
  if (base === 10 && digits.length <= 15) {
    const n = Number(digits);
    return neg ? (n === 0 ? 0 : -n) : n;
  }
  const prefix = base === 16 ? '0x' : base === 8 ? '0o' : base === 2 ? '0b' : '';
  const big = BigInt(prefix + digits);
  if (neg) {
    if (big > TWO63) return undefined;
    return big === 0n ? 0 : -Number(big);
  }
  // ParseUint accepts no sign; ParseInt accepts '+' up to 2^63-1.
  if (c0 === 43 ? big >= TWO63 : big >= TWO64) return undefined;
  return Number(big);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

/** Reads 1 or 2 digits at s[i]; returns [value, next index] or undefined. */
function num12(s: string, i: number): [number, number] | undefined {
  if (i >= s.length || !isDigit(s.charCodeAt(i))) return undefined;
  if (i + 1 < s.length && isDigit(s.charCodeAt(i + 1))) return [(s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48, i + 2];
  return [s.charCodeAt(i) - 48, i + 1];
}

/**
 * go-yaml v3 timestamps (Go time.Parse of `2006-1-2T15:4:5.999999999Z07:00`, the same
 * with `t`, `2006-1-2 15:4:5.999999999`, `2006-1-2`) printed as Go's RFC 3339 (nano)
 * string, which is what the JSON round trip leaves. Undefined if s is not one.
 */
export function parseTimestamp(s: string): string | undefined {
  if (s.length < 8 || s.charCodeAt(4) !== 45) return undefined;
  for (let k = 0; k < 4; k++) if (!isDigit(s.charCodeAt(k))) return undefined;
  const year = Number(s.slice(0, 4));
  let r = num12(s, 5);
  if (!r) return undefined;
  const month = r[0];
  let i = r[1];
  if (s.charCodeAt(i) !== 45) return undefined;
  r = num12(s, i + 1);
  if (!r) return undefined;
  const day = r[0];
  i = r[1];
  if (month < 1 || month > 12) return undefined;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const dim = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (day < 1 || day > dim) return undefined;
  const date = `${s.slice(0, 4)}-${pad2(month)}-${pad2(day)}`;
  if (i === s.length) return `${date}T00:00:00Z`;
  const sep = s.charCodeAt(i);
  const spaceForm = sep === 32;
  if (sep !== 84 && sep !== 116 && !spaceForm) return undefined;
  r = num12(s, i + 1);
  if (!r) return undefined;
  const hour = r[0];
  if (s.charCodeAt(r[1]) !== 58) return undefined;
  r = num12(s, r[1] + 1);
  if (!r) return undefined;
  const minute = r[0];
  if (s.charCodeAt(r[1]) !== 58) return undefined;
  r = num12(s, r[1] + 1);
  if (!r) return undefined;
  const second = r[0];
  i = r[1];
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  let frac = '';
  const fc = s.charCodeAt(i);
  if ((fc === 46 || fc === 44) && isDigit(s.charCodeAt(i + 1))) {
    let j = i + 1;
    while (j < s.length && isDigit(s.charCodeAt(j))) j++;
    frac = s.slice(i + 1, Math.min(j, i + 10)).replace(/0+$/, '');
    i = j;
  }
  let zone: string;
  if (spaceForm) {
    if (i !== s.length) return undefined;
    zone = 'Z';
  } else {
    const z = s.charCodeAt(i);
    if (z === 90 && i + 1 === s.length) zone = 'Z';
    else if ((z === 43 || z === 45) && i + 6 === s.length && s.charCodeAt(i + 3) === 58) {
      const hh = s.slice(i + 1, i + 3);
      const mm = s.slice(i + 4, i + 6);
      if (!/^[0-9]{2}$/.test(hh) || !/^[0-9]{2}$/.test(mm)) return undefined;
      if (Number(hh) > 24 || Number(mm) > 60) return undefined;
      zone = hh === '00' && mm === '00' ? 'Z' : s.slice(i, i + 6);
    } else return undefined;
  }
  return `${date}T${pad2(hour)}:${pad2(minute)}:${pad2(second)}${frac ? '.' + frac : ''}${zone}`;
}

/** Whether go-yaml reads the plain scalar s as a timestamp. */
export function isTimestamp(s: string): boolean {
  return s.length >= 8 && s.charCodeAt(4) === 45 && isDigit(s.charCodeAt(0)) && parseTimestamp(s) !== undefined;
}

function resolveNumeric(s: string): Resolved {
  const plain = s.indexOf('_') >= 0 ? s.replace(/_/g, '') : s;
  if (plain.length === 0) return s;
  const n = goParseInt(plain);
  if (n !== undefined) return n;
  if (FLOAT_RE.test(plain)) {
    const f = Number(plain);
    if (Number.isFinite(f)) return f === 0 ? 0 : f;
  }
  return s;
}

/**
 * What go-yaml v3 makes of an untagged plain scalar, after the JSON round trip:
 * null, a boolean, a number, a timestamp string, the string itself, MERGE for `<<`,
 * or NOT_JSON for infinities and NaN.
 */
export function resolvePlain(s: string): Resolved {
  if (s.length === 0) return null;
  const c = s.charCodeAt(0);
  switch (c) {
    case 126: // ~
      return s === '~' ? null : s;
    case 110: // n
    case 78: // N
      return s === 'null' || s === 'Null' || s === 'NULL' ? null : s;
    case 116: // t
    case 84: // T
      return s === 'true' || s === 'True' || s === 'TRUE' ? true : s;
    case 102: // f
    case 70: // F
      return s === 'false' || s === 'False' || s === 'FALSE' ? false : s;
    case 60: // <
      return s === '<<' ? MERGE : s;
    case 46: // .
      if (s === '.inf' || s === '.Inf' || s === '.INF' || s === '.nan' || s === '.NaN' || s === '.NAN') return NOT_JSON;
      return resolveNumeric(s);
    case 43: // +
    case 45: // -
      if (s.length === 5 && (s.endsWith('.inf') || s.endsWith('.Inf') || s.endsWith('.INF'))) return NOT_JSON;
      return resolveNumeric(s);
    default:
      if (c >= 48 && c <= 57) {
        if (s.length >= 8 && s.charCodeAt(4) === 45) {
          const t = parseTimestamp(s);
          if (t !== undefined) return t;
        }
        return resolveNumeric(s);
      }
      return s;
  }
}

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

class Abort extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

interface WalkCtx {
  file: string;
  lc: LineCounter;
  anchors: Map<string, Json>;
  nodes: number;
  maxNodes: number;
}

function locAt(ctx: { file: string; lc: LineCounter }, offset: number) {
  const p = ctx.lc.linePos(offset);
  return { file: ctx.file, line: p.line, column: p.col };
}

function tooMany(ctx: WalkCtx, offset: number): never {
  throw new Abort(
    diag('KF1012', `more than ${ctx.maxNodes} values after expanding aliases`, {
      location: locAt(ctx, offset),
      hint: 'aliases that repeat aliases grow exponentially ("billion laughs"); expand the data or split the file',
    }),
  );
}

function cloneCounted(v: Json, ctx: WalkCtx, offset: number): Json {
  if (v === null || typeof v !== 'object') {
    if (++ctx.nodes > ctx.maxNodes) tooMany(ctx, offset);
    return v;
  }
  if (++ctx.nodes > ctx.maxNodes) tooMany(ctx, offset);
  if (Array.isArray(v)) {
    const out: Json[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = cloneCounted(v[i], ctx, offset);
    return out;
  }
  const out: JsonObject = {};
  for (const k of Object.keys(v)) setKey(out, k, cloneCounted(v[k], ctx, offset));
  return out;
}

function setKey(o: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

const hasOwn = Object.prototype.hasOwnProperty;

function decodeBase64(s: string): string | undefined {
  const clean = s.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 !== 0) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(clean, 'base64'));
  } catch {
    return undefined;
  }
}

function scalarText(node: Scalar): string {
  const v = node.value as unknown;
  if (typeof v === 'string') return v;
  const src = (node as { source?: string }).source;
  return typeof src === 'string' ? src : String(v);
}

function scalarValue(node: Scalar, ctx: WalkCtx): Resolved {
  const str = scalarText(node);
  const tag = node.tag;
  const offset = node.range ? node.range[0] : 0;
  if (tag === undefined || tag === '!') {
    if (node.type === 'PLAIN' && tag === undefined) return resolvePlain(str);
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
    const str = scalarText(node);
    const tag = node.tag;
    if (tag === undefined && node.type === 'PLAIN') {
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

function convert(node: YNode | null, ctx: WalkCtx): Json {
  if (node === null) return null;
  if (++ctx.nodes > ctx.maxNodes) tooMany(ctx, node.range ? node.range[0] : 0);
  let out: Json;
  if (isScalar(node)) {
    const r = scalarValue(node, ctx);
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
    out = convertMap(node as YAMLMap<YNode | null, YNode | null>, ctx);
  } else if (isSeq(node)) {
    const items = (node as YAMLSeq<YNode | null>).items;
    const arr: Json[] = new Array(items.length);
    for (let i = 0; i < items.length; i++) arr[i] = convert(items[i], ctx);
    out = arr;
  } else if (isAlias(node)) {
    const v = ctx.anchors.get(node.source);
    const off = node.range ? node.range[0] : 0;
    if (v === undefined) unknownAlias(ctx, node.source, off);
    ctx.nodes--;
    return cloneCounted(v as Json, ctx, off);
  } else {
    out = null;
  }
  const anchor = (node as { anchor?: string }).anchor;
  if (anchor) ctx.anchors.set(anchor, out);
  return out;
}

function convertMap(node: YAMLMap<YNode | null, YNode | null>, ctx: WalkCtx): JsonObject {
  const obj: JsonObject = {};
  const mapOffset = node.range ? node.range[0] : 0;
  let merges: Json[] | undefined;
  let keyPos: Map<string, number> | undefined;
  for (const pair of node.items) {
    const kNode = pair.key as YNode | null;
    const k = keyString(kNode, ctx, mapOffset);
    if (k === MERGE) {
      const v = convert(pair.value as YNode | null, ctx);
      (merges ??= []).push(v);
      continue;
    }
    if (hasOwn.call(obj, k)) {
      keyPos ??= new Map();
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
    setKey(obj, k, convert(pair.value as YNode | null, ctx));
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

// Characters go-yaml's reader refuses ("control characters are not allowed").
const CONTROL_RE = /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export interface YamlLimits {
  /** Largest text accepted, in UTF-16 code units (default 64 MiB). */
  maxBytes?: number;
  /** Most values after alias expansion, per file (default 1,000,000). */
  maxNodes?: number;
}

function lineCol(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

function checkText(text: string, file: string, maxBytes = MAX_YAML_BYTES): Diagnostic | undefined {
  const nul = text.indexOf('\0');
  if (nul >= 0) {
    return diag('KF1011', 'the file holds a NUL byte: it is binary, not YAML', {
      location: { file, ...lineCol(text, nul) },
      hint: 'list only YAML files as resources; binary data belongs in a generator with `files:`',
    });
  }
  if (text.length > maxBytes) {
    return diag('KF1012', `the YAML text is larger than ${Math.round((maxBytes / 1024 / 1024) * 100) / 100} MiB`, {
      location: { file, line: 1, column: 1 },
      hint: 'split the file into smaller ones',
    });
  }
  const m = CONTROL_RE.exec(text);
  if (m) {
    const code = m[0].charCodeAt(0);
    return diag('KF1003', `control character U+${code.toString(16).toUpperCase().padStart(4, '0')} is not allowed in YAML`, {
      location: { file, ...lineCol(text, m.index) },
      hint: 'remove the character or write it as an escape inside a double-quoted string',
    });
  }
  return undefined;
}

/** Decodes bytes as UTF-8 (a leading BOM dropped); KF1011 at the first bad byte. */
export function decodeUtf8(bytes: Uint8Array, file: string): Result<string> {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      const prefix = bytesPrefix(bytes, i);
      return {
        value: undefined,
        diagnostics: [
          diag('KF1011', 'the file holds a NUL byte: it is binary, not YAML', {
            location: { file, ...lineCol(prefix, prefix.length) },
            hint: 'list only YAML files as resources; binary data belongs in a generator with `files:`',
          }),
        ],
      };
    }
  }
  try {
    let text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    return { value: text, diagnostics: [] };
  } catch {
    // Find the first invalid sequence for the position.
    let i = 0;
    let bad = bytes.length;
    while (i < bytes.length) {
      const b = bytes[i];
      const n = b < 0x80 ? 1 : b >= 0xc2 && b < 0xe0 ? 2 : b >= 0xe0 && b < 0xf0 ? 3 : b >= 0xf0 && b < 0xf5 ? 4 : 0;
      if (n === 0 || i + n > bytes.length) {
        bad = i;
        break;
      }
      let ok = true;
      for (let k = 1; k < n; k++) if ((bytes[i + k] & 0xc0) !== 0x80) ok = false;
      if (ok && n > 1) {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(i, i + n));
        } catch {
          ok = false;
        }
      }
      if (!ok) {
        bad = i;
        break;
      }
      i += n;
    }
    const prefix = bytesPrefix(bytes, bad);
    const { line, column } = lineCol(prefix, prefix.length);
    return {
      value: undefined,
      diagnostics: [
        diag('KF1011', `the file is not valid UTF-8 (byte 0x${bytes[bad]?.toString(16).padStart(2, '0') ?? '??'} at offset ${bad})`, {
          location: { file, line, column },
          hint: 'save the file as UTF-8',
        }),
      ],
    };
  }
}

function bytesPrefix(bytes: Uint8Array, end: number): string {
  return new TextDecoder('utf-8').decode(bytes.subarray(0, end));
}

/**
 * Reads every document of a YAML text. On error, `value` is undefined and the
 * diagnostics say why (KF1003 syntax, KF1015 duplicate key, KF1012 too large,
 * KF1011 binary/not UTF-8).
 */
export function parseYamlDocuments(input: string | Uint8Array, file: string, limits: YamlLimits = {}): Result<YamlDoc[]> {
  let text: string;
  if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    const d = decodeUtf8(input, file);
    if (d.value === undefined) return { value: undefined, diagnostics: d.diagnostics };
    text = d.value;
  }
  const bad = checkText(text, file, limits.maxBytes);
  if (bad) return { value: undefined, diagnostics: [bad] };
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = withFastEnv(() => parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lc })) as unknown as Document.Parsed[];
  } catch (e) {
    return { value: undefined, diagnostics: [diag('KF1003', `cannot parse YAML: ${(e as Error).message}`, { location: { file, line: 1, column: 1 } })] };
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  const diagnostics: Diagnostic[] = [];
  for (const d of docs) {
    for (const e of d.errors) {
      let off = Math.min(e.pos[0], text.length);
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
      }
      diagnostics.push(diag('KF1003', message, { location: locAt({ file, lc }, off), hint }));
      break;
    }
    if (diagnostics.length) break;
  }
  if (diagnostics.length) return { value: undefined, diagnostics };
  const out: YamlDoc[] = [];
  const ctx: WalkCtx = { file, lc, anchors: new Map(), nodes: 0, maxNodes: limits.maxNodes ?? MAX_YAML_NODES };
  for (let i = 0; i < docs.length; i++) {
    const contents = docs[i].contents as YNode | null;
    if (contents === null) continue;
    ctx.anchors = new Map();
    let value: Json;
    try {
      value = convert(contents, ctx);
    } catch (e) {
      if (e instanceof Abort) return { value: undefined, diagnostics: [e.diagnostic] };
      if (e instanceof RangeError) {
        return {
          value: undefined,
          diagnostics: [diag('KF1012', 'the YAML nesting is too deep', { location: locAt(ctx, contents.range ? contents.range[0] : 0), hint: 'flatten the data' })],
        };
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

/**
 * The exact position (1-based) of the node at a JSON pointer inside document
 * `docIndex` (the `YamlDoc.index` numbering). For a map entry it is the key's
 * position. Undefined if the text does not parse or the path is absent. Merge keys
 * and aliases are followed to the text that defines the value.
 */
export function locatePointer(text: string, docIndex: number, pointer: string): { line: number; column: number } | undefined {
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = withFastEnv(() => parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lc })) as unknown as Document.Parsed[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  const doc = docs[docIndex];
  if (!doc) return undefined;
  const parts =
    pointer === '' ? [] : pointer.replace(/^\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: YNode | null = doc.contents as YNode | null;
  let at: number | undefined = node && node.range ? node.range[0] : undefined;
  const deref = (n: YNode | null): YNode | null => {
    for (let guard = 0; n && isAlias(n) && guard < 100; guard++) n = n.resolve(doc) as YNode | null;
    return n;
  };
  for (const part of parts) {
    node = deref(node);
    if (!node) return undefined;
    if (isMap(node)) {
      const found = findInMap(node as YAMLMap<YNode | null, YNode | null>, part, deref);
      if (!found) return undefined;
      at = found.at;
      node = found.value;
    } else if (isSeq(node)) {
      const items = (node as YAMLSeq<YNode | null>).items;
      const idx = part === '-' ? items.length - 1 : Number(part);
      if (!Number.isInteger(idx) || idx < 0 || idx >= items.length) return undefined;
      node = items[idx];
      if (!node || !node.range) return undefined;
      at = node.range[0];
    } else return undefined;
  }
  if (at === undefined) return undefined;
  const p = lc.linePos(at);
  return { line: p.line, column: p.col };
}

function findInMap(
  map: YAMLMap<YNode | null, YNode | null>,
  key: string,
  deref: (n: YNode | null) => YNode | null,
): { at: number; value: YNode | null } | undefined {
  const merges: YNode[] = [];
  for (const pair of map.items) {
    const k = pair.key;
    if (isScalar(k)) {
      const s = String(k.value);
      if (k.type === 'PLAIN' && s === '<<') {
        if (pair.value) merges.push(pair.value);
        continue;
      }
      if (s === key) return { at: k.range ? k.range[0] : 0, value: pair.value };
    }
  }
  for (const m of merges) {
    const target = deref(m);
    const list = target && isSeq(target) ? (target as YAMLSeq<YNode | null>).items.map(deref) : [target];
    for (const t of list) {
      if (t && isMap(t)) {
        const f = findInMap(t as YAMLMap<YNode | null, YNode | null>, key, deref);
        if (f) return f;
      }
    }
  }
  return undefined;
}
