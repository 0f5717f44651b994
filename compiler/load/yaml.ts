/**
 * kforge's YAML reader. It yields the values Kustomize v5.5 holds after reading a
 * file: go-yaml v3 decoding (YAML 1.2 grammar with go-yaml's own plain-scalar
 * resolution, which keeps a few YAML 1.1 habits such as `0644` octal) followed by a
 * JSON round trip (timestamps become RFC 3339 strings, `.inf`/`.nan` and non-string
 * keys are refused, as Kustomize fails on them).
 *
 * Two readers: a fast line reader for the common subset of YAML (see "Fast path"
 * below) and, for any document it does not handle or any error, the complete reader:
 * the `yaml` package parses with the failsafe schema (every scalar a string) and one
 * walk resolves plain scalars, tags, anchors, aliases and `<<` merge keys. Both give
 * identical results (test/yaml/fastpath.test.ts).
 *
 * Input: a string (already decoded; a leading BOM is dropped) or the file's bytes
 * (`Uint8Array`), which must be UTF-8 (KF1011). A NUL byte is KF1011 ("binary"),
 * other control characters go-yaml refuses are KF1003.
 *
 * Documents: `YamlDoc.index` is the position of the document among *all* documents
 * of the text as the YAML grammar splits them (empty ones included), which is the
 * index `locatePointer` expects; empty documents (nothing, only comments, or `null`)
 * are not returned.
 *
 * Block scalars are given the value Kustomize ends up printing, which is not always
 * the value YAML defines (see "Block scalars as Kustomize keeps them").
 *
 * Known differences from Kustomize: integers beyond 2^53 lose precision (JSON numbers
 * are doubles here); a raw U+0085/U+2028/U+2029 in the text is content here but a
 * line break for go-yaml. (A folded (`>`) annotation value of a resource that a JSON
 * 6902 patch touches gets the folded-writer round trip then: load/folded-mark.ts.)
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseAllDocuments, parseDocument } from 'yaml';
import type { Document, Node as YNode, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { diag } from '../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Result } from '../types.js';
import { copyBareNulls, markBareNull } from './bare-null.js';
import { markFoldedAnnotation } from './folded-mark.js';

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

const YAML11_BOOLS: Record<string, boolean> = {
  y: true, Y: true, yes: true, Yes: true, YES: true, on: true, On: true, ON: true, true: true, True: true, TRUE: true,
  n: false, N: false, no: false, No: false, NO: false, off: false, Off: false, OFF: false, false: false, False: false, FALSE: false,
};
const YAML11_INT = /^[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|[0-9]+)$/;
const YAML11_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;

/**
 * go-yaml v2's reading (YAML 1.1, as sigs.k8s.io/yaml reads kustomization files and JSON
 * 6902 patches written in YAML) of a plain scalar that `resolvePlain` left a string:
 * `y`, `yes`, `on`, `n`, `no`, `off` (and their Title/UPPER forms) are booleans, `1_000`,
 * `0x1F`, `0b101`, `017` numbers. (A timestamp stays its text there.)
 */
export function yaml11Plain(s: string): boolean | number | string {
  if (Object.prototype.hasOwnProperty.call(YAML11_BOOLS, s)) return YAML11_BOOLS[s];
  const c = s.charCodeAt(0);
  const numeric = (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46; // digit + - .
  if (!numeric) return s;
  const plain = s.replace(/_/g, '');
  if (YAML11_INT.test(plain)) {
    const sign = plain[0] === '-' ? -1 : 1;
    const body = plain.replace(/^[-+]/, '');
    const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : /^0[bB]/.test(body) ? parseInt(body.slice(2), 2) : /^0[oO]/.test(body) ? parseInt(body.slice(2), 8) : /^0[0-7]+$/.test(body) ? parseInt(body, 8) : Number(body);
    return sign * n;
  }
  if (YAML11_FLOAT.test(plain)) return Number(plain);
  return s;
}

/**
 * What a map key becomes when Kustomize writes it into a resource as a plain scalar and
 * go-yaml reads it back ('a number', 'a boolean', 'null', 'a timestamp', 'a merge key'),
 * or undefined when it stays a string. Kustomize fails on all of these (labels,
 * annotations, generated data keys).
 */
export function plainKeyProblem(key: string): string | undefined {
  if (key === '') return undefined;
  const r = resolvePlain(key);
  if (r === MERGE) return 'a merge key';
  if (r === NOT_JSON || typeof r === 'number') return 'a number';
  if (typeof r === 'boolean') return 'a boolean';
  if (r === null) return 'null';
  if (isTimestamp(key)) return 'a timestamp';
  return undefined;
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
// Block scalars as Kustomize keeps them
// ---------------------------------------------------------------------------
//
// Kustomize writes every resource back as YAML with go-yaml v3 (kyaml's
// RNode.String(), each scalar in the style it was read in) and reads that text again
// before its JSON step. For literal (`|`) and folded (`>`) scalars that round trip is
// not faithful, and the value Kustomize prints is the value after it:
//   - the folded writer adds an extra line break after a line unless the *value*
//     starts (after its leading breaks) with a blank: it looks at the value's start
//     where it means the next line's, so a more-indented line or a trailing `>+` blank
//     line gains a break;
//   - a value whose first character is a tab is written with no indentation
//     indicator and cannot be read back ("found a tab character where an indentation
//     space is expected");
//   - a `|+`/`>+` value ending in blank lines that is the last node of its document,
//     followed by a comment, gains a line break (the comment is written after a blank
//     line that the block then absorbs).
// Values holding a character the v3 writer escapes (or a space before a line break,
// or a trailing space) are written double-quoted and survive unchanged.

function isBreakChar(c: number): boolean {
  return c === 10 || c === 13 || c === 0x85 || c === 0x2028 || c === 0x2029;
}

/** Whether go-yaml v3's writer keeps a literal or folded style for s. */
export function v3BlockAllowed(s: string): boolean {
  const n = s.length;
  if (n === 0 || s.charCodeAt(n - 1) === 32) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c === 32) {
      if (isBreakChar(s.charCodeAt(i + 1))) return false;
    } else if (!(c === 9 || c === 10 || (c > 32 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff))) {
      return false; // characters outside the BMP count as "special" for the v3 writer
    }
  }
  return true;
}

/** go-yaml v3's chomping indicator for s: keep (`+`) when s ends in two breaks (or is one). */
function keepChomped(s: string): boolean {
  const n = s.length;
  return n > 0 && isBreakChar(s.charCodeAt(n - 1)) && (n === 1 || isBreakChar(s.charCodeAt(n - 2)));
}

/** The value go-yaml v3 reads back after writing v as a folded (`>`) scalar. */
export function v3FoldedRoundTrip(v: string): string {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 13 || c === 0x85 || c === 0x2028 || c === 0x2029) return v;
  }
  const n = v.length;
  // The writer: lines of the block body (indentation left out, each line ends with a break).
  // (It looks past the value's leading breaks, from the value's start, for a blank.)
  let k = 0;
  while (k < n && v.charCodeAt(k) === 10) k++;
  const firstBlank = k >= n || v.charCodeAt(k) === 32 || v.charCodeAt(k) === 9;
  const lines: string[] = [];
  let line = '';
  let breaks = true;
  let leadingSpaces = true;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c === 10) {
      if (!breaks && !leadingSpaces && !firstBlank) {
        lines.push(line);
        line = '';
      }
      lines.push(line);
      line = '';
      breaks = true;
    } else {
      if (breaks) leadingSpaces = c === 32 || c === 9;
      line += v[i];
      breaks = false;
    }
  }
  if (!breaks) lines.push(line); // the next token starts on a new line
  const chomp = !isBreakChar(v.charCodeAt(n - 1)) ? 'strip' : keepChomped(v) ? 'keep' : 'clip';
  // The reader (go-yaml's folded block scalar rules).
  let s = '';
  let leadingBreak = '';
  let trailingBreaks = '';
  let leadingBlank = false;
  let i = 0;
  for (; i < lines.length && lines[i] === ''; i++) trailingBreaks += '\n';
  while (i < lines.length) {
    const l = lines[i];
    const blank = l.charCodeAt(0) === 32 || l.charCodeAt(0) === 9;
    if (!leadingBlank && !blank && leadingBreak === '\n') {
      if (trailingBreaks === '') s += ' ';
    } else s += leadingBreak;
    s += trailingBreaks;
    trailingBreaks = '';
    leadingBlank = blank;
    s += l;
    leadingBreak = '\n';
    for (i++; i < lines.length && lines[i] === ''; i++) trailingBreaks += '\n';
  }
  if (chomp !== 'strip') s += leadingBreak;
  if (chomp === 'keep') s += trailingBreaks;
  return s;
}

/**
 * Whether only blank lines and comments (at least one) follow `from` (a line start)
 * up to the end of the document.
 */
function onlyCommentsFollow(text: string, from: number): boolean {
  let comment = false;
  const n = text.length;
  let p = from;
  while (p < n) {
    let e = text.indexOf('\n', p);
    if (e < 0) e = n;
    let q = p;
    while (q < e && (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9)) q++;
    if (q < e && text.charCodeAt(q) !== 13) {
      if (text.charCodeAt(q) === 35) comment = true;
      else if (q === p && (text.startsWith('---', p) || text.startsWith('...', p)) && (e - p === 3 || /[ \t\r]/.test(text[p + 3]))) break;
      else return false;
    }
    p = e + 1;
  }
  return comment;
}

/**
 * A literal or folded block scalar's value as Kustomize ends up with it (see above).
 * `end` is the offset right after the block (a line start, or the text's end).
 */
function blockScalarAsKustomizeKeepsIt(
  value: string,
  style: 'literal' | 'folded' | 'rebuilt',
  text: string,
  end: number,
  where: () => { file: string; line: number; column: number },
): string {
  let v = value;
  // go-yaml has no line break to keep after a last line the file does not end.
  if (end >= text.length && v.endsWith('\n')) {
    const lastNl = text.lastIndexOf('\n');
    if (lastNl < text.length - 1 && text.slice(lastNl + 1).trim() !== '') v = v.slice(0, -1);
  }
  // go-yaml's reader: blank lines that end a document before a comment keep a break more.
  if (keepChomped(v) && v3BlockAllowed(v) && onlyCommentsFollow(text, end)) v += '\n';
  if (style === 'rebuilt') return v; // written again as a new node: see checkTabStart
  checkTabStart(v, where);
  if (style === 'folded' && v3BlockAllowed(v)) v = v3FoldedRoundTrip(v);
  return v;
}

/**
 * A value go-yaml v3 writes as a block scalar (literal or folded style, or any new
 * node holding a line break) cannot start with a tab: it is written without an
 * indentation indicator and Kustomize fails reading it back.
 */
function checkTabStart(v: string, where: () => { file: string; line: number; column: number }): void {
  if (v.charCodeAt(0) !== 9 || !v3BlockAllowed(v)) return;
  throw new Abort(
    diag('KF1003', 'a multi-line value starting with a tab: Kustomize writes it as a block scalar it cannot read back ("found a tab character where an indentation space is expected")', {
      location: where(),
      hint: 'start the value with something other than a tab, or indent its first line with spaces',
    }),
  );
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
  text: string;
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
  copyBareNulls(v, out);
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
  if (++ctx.nodes > ctx.maxNodes) tooMany(ctx, node.range ? node.range[0] : 0);
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
    out = convertMap(node as YAMLMap<YNode | null, YNode | null>, ctx, at);
  } else if (isSeq(node)) {
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
      ctx.nodes++;
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
const CONTROL_RE = /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF\uD800-\uDFFF]/g;

/** Offset of the first character go-yaml refuses (controls, lone surrogates), or -1. */
function findControl(text: string): number {
  CONTROL_RE.lastIndex = 0;
  for (let m = CONTROL_RE.exec(text); m; m = CONTROL_RE.exec(text)) {
    const i = m.index;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        CONTROL_RE.lastIndex = i + 2;
        continue;
      }
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      // a low surrogate not consumed with its high one above is alone
    }
    return i;
  }
  return -1;
}

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
  const at = findControl(text);
  if (at >= 0) {
    const code = text.charCodeAt(at);
    return diag('KF1003', `control character ${codePointName(code)} is not allowed in YAML`, {
      location: { file, ...lineCol(text, at) },
      hint: 'remove the character or write it as an escape inside a double-quoted string',
    });
  }
  return undefined;
}

/**
 * Kustomize splits a file at every line that starts with `---` (after the first line)
 * and refuses such a line with anything but a comment after the dashes ("invalid
 * document separator"), even `--- value`, which YAML allows.
 */
function checkSeparators(text: string, file: string): Diagnostic | undefined {
  const re = /\n---([^\n]*)\n/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const rest = m[1].trim();
    if (rest !== '' && rest[0] !== '#') {
      return diag('KF1003', `invalid document separator: ${('---' + m[1]).trim()}`, {
        location: { file, ...lineCol(text, m.index + 1) },
        hint: 'put the document\'s content on the line after ---',
      });
    }
  }
  return undefined;
}

/** Decodes bytes as UTF-8 (a leading BOM dropped); KF1011 at the first bad byte. */
/** A character's Unicode name for messages: `U+0080`. */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

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
  const r = readDocuments(input, file, limits);
  return r.value && r.text !== undefined ? { value: firstPerPiece(r.value, r.text), diagnostics: r.diagnostics } : { value: r.value, diagnostics: r.diagnostics };
}

/**
 * Kustomize (kyaml's kio reader) splits a file at each line starting with `---` that
 * follows a line break, and decodes only the first document of each piece: a document
 * after `...` without its own separator, or after a `--- x` on the last line, is never
 * read.
 */
function firstPerPiece(docs: YamlDoc[], text: string): YamlDoc[] {
  if (docs.length < 2) return docs;
  const sepLines: number[] = [];
  const re = /\n---[^\n]*\n/g;
  let line = 1;
  let from = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    for (let nl = text.indexOf('\n', from); nl >= 0 && nl <= m.index; nl = text.indexOf('\n', nl + 1)) {
      line++;
      from = nl + 1;
    }
    sepLines.push(line); // the separator's own line
  }
  const out: YamlDoc[] = [];
  let lastPiece = -1;
  let k = 0;
  for (const d of docs) {
    while (k < sepLines.length && sepLines[k] < d.line) k++;
    if (k === lastPiece) continue;
    lastPiece = k;
    out.push(d);
  }
  return out;
}

function readDocuments(input: string | Uint8Array, file: string, limits: YamlLimits): Result<YamlDoc[]> & { text?: string } {
  let text: string;
  if (typeof input === 'string') {
    text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  } else {
    const d = decodeUtf8(input, file);
    if (d.value === undefined) return { value: undefined, diagnostics: d.diagnostics };
    text = d.value;
  }
  const bad = checkText(text, file, limits.maxBytes) ?? checkSeparators(text, file);
  if (bad) return { value: undefined, diagnostics: [bad] };
  // A BOM that starts a `---`-separated piece is skipped as at the start of a file.
  if (text.indexOf('\ufeff') >= 0) text = text.replace(/(\n---[^\n]*\n)\ufeff/g, '$1');
  // go-yaml takes a lone CR (old-Mac line endings) for a line break: so do we, one
  // character for one, so offsets and lines still match the file.
  if (text.indexOf('\r') >= 0) text = text.replace(/\r(?!\n)/g, '\n');
  const fast = fastParse(text, limits.maxNodes ?? MAX_YAML_NODES);
  if (fast) {
    const out: YamlDoc[] = [];
    let line = 1;
    let from = 0;
    const advance = (off: number) => {
      for (let nl = text.indexOf('\n', from); nl >= 0 && nl < off; nl = text.indexOf('\n', nl + 1)) {
        line++;
        from = nl + 1;
      }
    };
    for (const d of fast) {
      advance(d.offset);
      if (d.end === undefined) {
        out.push({ value: d.value, index: d.index, line, column: d.offset - from + 1 });
        continue;
      }
      // A document the fast reader does not handle: the complete reader reads it alone.
      // (It starts at a line start, so columns need no shift.) On any problem the whole
      // text is read again so that diagnostics carry exact positions.
      const part = parseComplete(text.slice(d.offset, d.end), file, limits);
      if (!part.value || part.value.length > 1) return { ...parseComplete(text, file, limits), text };
      for (const p of part.value) out.push({ value: p.value, index: d.index, line: line + p.line - 1, column: p.column });
    }
    return { value: out, diagnostics: [], text };
  }
  return { ...parseComplete(text, file, limits), text };
}

/** The complete reader (the `yaml` package), skipping the fast path. */
export function parseComplete(text: string, file: string, limits: YamlLimits = {}): Result<YamlDoc[]> {
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
  const ctx: WalkCtx = { file, text, lc, anchors: new Map(), nodes: 0, maxNodes: limits.maxNodes ?? MAX_YAML_NODES };
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
  // Single-document texts the fast reader handles: positions without the yaml package
  // (20x faster; policy findings locate thousands of fields).
  if (docIndex === 0) {
    const pos = parseWithPositions(text)?.at(pointer);
    if (pos) return pos;
  }
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    docs = parseAllDocuments(text, { ...PARSE_OPTIONS, lineCounter: lc }) as unknown as Document.Parsed[];
  } catch {
    return undefined;
  }
  if (!Array.isArray(docs)) docs = [docs as unknown as Document.Parsed];
  const doc = docs[docIndex];
  if (!doc || doc.errors.length > 0) return undefined;
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

// ---------------------------------------------------------------------------
// Fast path
// ---------------------------------------------------------------------------
//
// Most Kubernetes YAML uses a small part of the language: block mappings and
// sequences, one-line plain and quoted scalars, literal blocks, small one-line flow
// collections and comments. This reader handles exactly that, in one pass over the
// lines, and gives up (returns undefined) on anything else — anchors, tags, folded
// blocks, multi-line flow or quoted scalars, odd indentation, duplicate keys, errors —
// in which case the complete reader above runs. Its results are checked against the
// complete reader in test/yaml/fastpath.test.ts.

class Bail extends Error {}
const BAIL = new Bail();

interface FastDoc {
  value: Json;
  /** The positioned tree, when the reader records positions. */
  node?: PNode;
  index: number;
  /** Where the document's content starts. */
  offset: number;
  /** Set when this document must be read by the complete reader: the text range [offset, end). */
  end?: number;
}

const FLOW_PLAIN_STOP = /[,[\]{}]/;

/**
 * A value with the position (1-based) where it is written: for a mapping, its first
 * key; for a block sequence, its first `-`; for a flow collection, its bracket; for a
 * scalar, its first character (the quote of a quoted one, the `|`/`>` of a block one;
 * for an empty value, the place right after its indicator). Scalars keep their text
 * (`source`) as well as their value: plain scalars are resolved with go-yaml's rules,
 * except that a scalar that stays a string keeps its text (timestamps are not rewritten).
 */
export interface PNode {
  kind: 'map' | 'seq' | 'scalar';
  line: number;
  column: number;
  /** Scalar value. */
  value?: string | number | boolean | null;
  /** Scalar text (for plain scalars, before resolution). */
  source?: string;
  /**
   * An untagged plain scalar (written without quotes, block indicator or tag, and not
   * empty): its text is what a YAML 1.1 reader types on its own (`yes` a boolean, a
   * timestamp a time). Set by both readers (the fast one and kfile.ts's).
   */
  plain?: boolean;
  /** A literal or folded block scalar. */
  block?: boolean;
  /** Sequence items. */
  items?: PNode[];
  /** Mapping entries, in order. */
  pairs?: PPair[];
}

export interface PPair {
  key: string;
  keyLine: number;
  keyColumn: number;
  value: PNode;
}

class FastReader {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  /** Set when positions are recorded: the node of the value the last reading call returned. */
  private node: PNode | undefined;
  private line = 0;
  /** Column where the current line's content starts (may be past an inline `- `). */
  private col = 0;
  nodes = 0;

  constructor(
    private readonly text: string,
    private readonly maxNodes: number,
    private readonly rec = false,
  ) {
    let start = 0;
    const n = text.length;
    while (start < n) {
      let nl = text.indexOf('\n', start);
      if (nl < 0) nl = n;
      this.starts.push(start);
      this.ends.push(nl > start && text.charCodeAt(nl - 1) === 13 ? nl - 1 : nl);
      start = nl + 1;
    }
  }

  /** Indentation of line i, or -1 for blank/comment-only lines; bails on tabs in indentation. */
  private indentOf(i: number): number {
    const t = this.text;
    const s = this.starts[i];
    const e = this.ends[i];
    let p = s;
    while (p < e && t.charCodeAt(p) === 32) p++;
    if (p === e) return -1;
    const c = t.charCodeAt(p);
    if (c === 35) return -1; // #
    if (c === 9) throw BAIL;
    return p - s;
  }

  private lineText(i: number): string {
    return this.text.slice(this.starts[i], this.ends[i]);
  }

  private count(): void {
    if (++this.nodes > this.maxNodes) throw BAIL;
  }

  read(): FastDoc[] {
    const docs: FastDoc[] = [];
    const t = this.text;
    let index = -1;
    let started = false;
    const nLines = this.starts.length;
    let i = 0;
    while (i < nLines) {
      const s = this.starts[i];
      const e = this.ends[i];
      const len = e - s;
      if (len >= 3 && t.startsWith('---', s) && (len === 3 || t.charCodeAt(s + 3) === 32 || t.charCodeAt(s + 3) === 9)) {
        if (len > 3 && !/^---[ \t]*(#.*)?$/.test(this.lineText(i))) throw BAIL;
        index++;
        started = true;
        i++;
        continue;
      }
      if (len >= 3 && t.startsWith('...', s)) {
        if (!/^\.\.\.[ \t]*(#.*)?$/.test(this.lineText(i))) throw BAIL;
        started = false;
        i++;
        continue;
      }
      if (len > 0 && t.charCodeAt(s) === 37) throw BAIL; // % directive
      const ind = this.indentOf(i);
      if (ind < 0) {
        i++;
        continue;
      }
      if (!started) {
        index++;
        started = true;
      }
      this.line = i;
      this.col = ind;
      const offset = s + ind;
      try {
        const value = this.block(-1);
        // After a document's root node only blank lines, comments or markers may follow.
        i = this.line;
        if (i < nLines) {
          const ind2 = this.indentOf(i);
          const ls = this.starts[i];
          if (ind2 >= 0 && !(t.startsWith('---', ls) || t.startsWith('...', ls))) throw BAIL;
        }
        if (value !== null) docs.push(this.rec ? { value, index, offset, node: this.node } : { value, index, offset });
      } catch (err) {
        if (!(err instanceof Bail)) throw err;
        // This document goes to the complete reader: up to the next marker line.
        let j = i + 1;
        while (j < nLines && !this.isMarker(j)) j++;
        docs.push({ value: null, index, offset: s, end: j < nLines ? this.starts[j] : t.length });
        i = j;
      }
    }
    return docs;
  }

  private isMarker(i: number): boolean {
    const t = this.text;
    const s = this.starts[i];
    const len = this.ends[i] - s;
    if (len < 3 || !(t.startsWith('---', s) || t.startsWith('...', s))) return false;
    if (len === 3) return true;
    const c = t.charCodeAt(s + 3);
    return c === 32 || c === 9;
  }

  /** Skips blank and comment lines; returns the next content line's indentation, or -1 at a document end. */
  private nextContent(): number {
    const nLines = this.starts.length;
    const t = this.text;
    while (this.line < nLines) {
      const s = this.starts[this.line];
      if ((t.startsWith('---', s) || t.startsWith('...', s)) && (this.ends[this.line] - s === 3 || t.charCodeAt(s + 3) === 32)) return -1;
      const ind = this.indentOf(this.line);
      if (ind >= 0) {
        this.col = ind;
        return ind;
      }
      this.line++;
    }
    return -1;
  }

  /** A block node whose first line is the current one, starting at this.col (> parentIndent). */
  private block(parentIndent: number): Json {
    const t = this.text;
    const p = this.starts[this.line] + this.col;
    const c = t.charCodeAt(p);
    const next = t.charCodeAt(p + 1);
    if (c === 45 && (p + 1 >= this.ends[this.line] || next === 32)) return this.seq(this.col);
    if (this.isMapLine(p)) return this.map(this.col);
    // A scalar or flow node on its own line.
    const v = this.inline(p, this.ends[this.line], parentIndent);
    return v;
  }

  /** Whether the content at p begins `key:` followed by a space or the end of the line. */
  private isMapLine(p: number): boolean {
    const t = this.text;
    const e = this.ends[this.line];
    const c = t.charCodeAt(p);
    if (c === 34 || c === 39) {
      const q = this.quotedEnd(p, e);
      if (q < 0) return false;
      return t.charCodeAt(q) === 58 && (q + 1 === e || t.charCodeAt(q + 1) === 32);
    }
    const k = this.keyEnd(p, e);
    return k >= 0;
  }

  /** Index of the `:` ending a plain key starting at p, or -1. */
  private keyEnd(p: number, e: number): number {
    const t = this.text;
    for (let i = p; i < e; i++) {
      const c = t.charCodeAt(i);
      if (c === 58) {
        if (i + 1 === e || t.charCodeAt(i + 1) === 32) return i;
      } else if (c === 35 && i > p && t.charCodeAt(i - 1) === 32) return -1;
    }
    return -1;
  }

  /** Index just past the closing quote of a one-line quoted scalar at p, or -1. */
  private quotedEnd(p: number, e: number): number {
    const t = this.text;
    const q = t.charCodeAt(p);
    for (let i = p + 1; i < e; i++) {
      const c = t.charCodeAt(i);
      if (q === 34) {
        if (c === 92) i++;
        else if (c === 34) return i + 1;
      } else if (c === 39) {
        if (t.charCodeAt(i + 1) === 39) i++;
        else return i + 1;
      }
    }
    return -1;
  }

  private map(indent: number): JsonObject {
    const t = this.text;
    const obj: JsonObject = {};
    this.count();
    const node: PNode | undefined = this.rec ? { kind: 'map', line: this.line + 1, column: this.col + 1, pairs: [] } : undefined;
    for (;;) {
      const s = this.starts[this.line];
      const e = this.ends[this.line];
      const p = s + this.col;
      const keyLine = this.line + 1;
      let key: string;
      let after: number; // index just past the ':'
      const c = t.charCodeAt(p);
      if (c === 34 || c === 39) {
        const q = this.quotedEnd(p, e);
        if (q < 0 || t.charCodeAt(q) !== 58) throw BAIL;
        key = this.quoted(p, q);
        if (key === '<<') throw BAIL;
        after = q + 1;
      } else {
        const k = this.keyEnd(p, e);
        if (k < 0) throw BAIL;
        let ke = k;
        while (ke > p && t.charCodeAt(ke - 1) === 32) ke--;
        key = t.slice(p, ke);
        if (!this.plainOk(key, false) || key === '<<') throw BAIL;
        const r = resolvePlain(key);
        if (typeof r !== 'string' || r !== key || isTimestamp(key)) throw BAIL;
        after = k + 1;
      }
      if (hasOwn.call(obj, key)) throw BAIL;
      this.count();
      const v = this.value(after, e, indent, true);
      setKey(obj, key, v);
      if (v === null && this.bareAfter(after, e)) markBareNull(obj, key);
      if (node) (node.pairs as PPair[]).push({ key, keyLine, keyColumn: p - s + 1, value: this.node as PNode });
      const ind = this.nextContent();
      if (ind < 0 || ind < indent) {
        this.node = node;
        return obj;
      }
      if (ind > indent) throw BAIL;
      if (!this.isMapLine(this.starts[this.line] + ind)) throw BAIL;
    }
  }

  private scalarNode(line: number, column: number, value: PNode['value'], source: string, block?: boolean, plain?: boolean): void {
    this.node = block ? { kind: 'scalar', line, column, value, source, block } : plain ? { kind: 'scalar', line, column, value, source, plain } : { kind: 'scalar', line, column, value, source };
  }

  private seq(indent: number): Json[] {
    const t = this.text;
    const arr: Json[] = [];
    this.count();
    const node: PNode | undefined = this.rec ? { kind: 'seq', line: this.line + 1, column: this.col + 1, items: [] } : undefined;
    for (;;) {
      const s = this.starts[this.line];
      const e = this.ends[this.line];
      const p = s + this.col; // at '-'
      let q = p + 1;
      while (q < e && t.charCodeAt(q) === 32) q++;
      if (q >= e || (t.charCodeAt(q) === 35 && q > p + 1)) {
        // `-` alone: the item is on the next lines (or null).
        const dashLine = this.line + 1;
        this.line++;
        const ind = this.nextContent();
        if (ind > indent) arr.push(this.block(indent));
        else {
          arr.push(null);
          if (node) {
            if (q < e) throw BAIL; // `- # comment`: leave the empty item's position to the complete reader
            this.scalarNode(dashLine, q - s + 1, null, '');
          }
        }
      } else {
        this.col = q - s;
        const c = t.charCodeAt(q);
        if ((c === 45 && (q + 1 >= e || t.charCodeAt(q + 1) === 32)) || this.isMapLine(q)) {
          arr.push(this.block(indent));
        } else {
          arr.push(this.value(q - 1, e, indent, false));
        }
      }
      if (node) (node.items as PNode[]).push(this.node as PNode);
      const ind = this.nextContent();
      if (ind < 0 || ind < indent) {
        this.node = node;
        return arr;
      }
      if (ind > indent) throw BAIL;
      const p2 = this.starts[this.line] + ind;
      if (!(t.charCodeAt(p2) === 45 && (p2 + 1 >= this.ends[this.line] || t.charCodeAt(p2 + 1) === 32))) {
        this.node = node;
        return arr; // e.g. a compact sequence ends and its parent map continues at the same indent
      }
    }
  }

  /** Nothing but spaces (and maybe a comment) from p to the end of its line: a bare `key:`. */
  private bareAfter(p: number, e: number): boolean {
    const t = this.text;
    let q = p;
    while (q < e && t.charCodeAt(q) === 32) q++;
    return q >= e || (t.charCodeAt(q) === 35 && q > p);
  }

  /**
   * The value after `key:` (or after `- `) starting at p on the current line; moves
   * past the lines it uses. `indent` is the indentation of the owning collection.
   */
  private value(p: number, e: number, indent: number, inMap: boolean): Json {
    const t = this.text;
    let q = p;
    while (q < e && t.charCodeAt(q) === 32) q++;
    if (q >= e || (t.charCodeAt(q) === 35 && q > p)) {
      // Nested block on the following lines, or null.
      const keyLine = this.line + 1;
      this.line++;
      const ind = this.nextContent();
      if (ind > indent) return this.block(indent);
      if (inMap && ind === indent) {
        const p2 = this.starts[this.line] + ind;
        if (t.charCodeAt(p2) === 45 && (p2 + 1 >= this.ends[this.line] || t.charCodeAt(p2 + 1) === 32)) return this.seq(indent);
      }
      this.count();
      if (this.rec) {
        if (q < e) throw BAIL; // `key: # comment`: leave the empty value's position to the complete reader
        this.scalarNode(keyLine, q - this.starts[keyLine - 1] + 1, null, '');
      }
      return null;
    }
    if (q === p && inMap) throw BAIL; // `key:value` is not a mapping entry
    return this.inline(q, e, indent);
  }

  /**
   * The folded continuation lines of a plain scalar (more indented than `indent`),
   * leaving this.line on the last one; undefined when there are none.
   */
  private plainContinuation(indent: number): string | undefined {
    const t = this.text;
    const nLines = this.starts.length;
    let out: string | undefined;
    let empty = 0;
    let last = this.line;
    for (let l = this.line + 1; l < nLines; l++) {
      if (this.isMarker(l)) break;
      const s = this.starts[l];
      const e = this.ends[l];
      let p = s;
      while (p < e && t.charCodeAt(p) === 32) p++;
      if (p === e) {
        empty++;
        continue;
      }
      if (p - s <= indent || t.charCodeAt(p) === 35) break;
      let pe = e;
      while (pe > p && (t.charCodeAt(pe - 1) === 32 || t.charCodeAt(pe - 1) === 9)) pe--;
      const piece = t.slice(p, pe);
      if (piece.indexOf(': ') >= 0 || piece.endsWith(':') || piece.indexOf(' #') >= 0 || piece.indexOf('\t') >= 0) throw BAIL;
      out = (out ?? '') + (empty === 0 ? ' ' : '\n'.repeat(empty)) + piece;
      empty = 0;
      last = l;
    }
    if (out === undefined) return undefined;
    this.line = last;
    return out;
  }

  /** A node written inline starting at q (scalar, flow collection or block scalar header). */
  private inline(q: number, e: number, indent: number): Json {
    const t = this.text;
    const c = t.charCodeAt(q);
    let v: Json;
    let end: number;
    const line = this.line + 1;
    const column = q - this.starts[this.line] + 1;
    if (c === 124) {
      // literal block scalar
      const lit = this.literal(q, e, indent);
      if (this.rec) this.scalarNode(line, column, lit, lit, true);
      return lit;
    } else if (c === 34 || c === 39) {
      end = this.quotedEnd(q, e);
      if (end >= 0) v = this.quoted(q, end);
      else {
        const m = this.quotedMulti(q, indent);
        v = m.value;
        end = m.end;
        e = this.ends[this.line];
      }
      if (this.rec) this.scalarNode(line, column, v, v);
      this.count();
    } else if (c === 91 || c === 123) {
      const r = this.flow(q, e);
      v = r.value;
      end = r.end;
    } else {
      // plain scalar up to a comment
      end = e;
      for (let i = q; i < e; i++) {
        if (t.charCodeAt(i) === 35 && t.charCodeAt(i - 1) === 32) {
          end = i;
          break;
        }
      }
      let pe = end;
      while (pe > q && t.charCodeAt(pe - 1) === 32) pe--;
      let s = t.slice(q, pe);
      if (!this.plainOk(s, true)) throw BAIL;
      if (end === e) {
        const more = this.plainContinuation(indent);
        if (more !== undefined) {
          s += more;
          e = end = pe = this.ends[this.line];
        }
      }
      const r = resolvePlain(s);
      if (r === MERGE || r === NOT_JSON) throw BAIL;
      v = r;
      if (this.rec) this.scalarNode(line, column, typeof r === 'string' ? s : (r as PNode['value']), s, false, true);
      this.count();
      end = pe;
    }
    // Only spaces and a comment may follow on the line.
    let k = end;
    while (k < e && t.charCodeAt(k) === 32) k++;
    if (k < e && !(t.charCodeAt(k) === 35 && k > end)) throw BAIL;
    this.line++;
    // A following, more indented content line would continue the scalar (or be an error).
    const ind = this.nextContent();
    if (ind > indent && ind >= 0) throw BAIL;
    return v;
  }

  /** Whether s may be written as a one-line plain scalar (block context). */
  private plainOk(s: string, value: boolean): boolean {
    if (s.length === 0) return !value ? false : true;
    const c = s.charCodeAt(0);
    switch (c) {
      case 35: case 44: case 91: case 93: case 123: case 125: case 38: case 42: case 33: case 124:
      case 62: case 39: case 34: case 37: case 64: case 96:
        return false;
      case 45: case 63: case 58:
        if (s.length === 1 || s.charCodeAt(1) === 32) return false;
    }
    if (s.indexOf('\t') >= 0) return false;
    if (s.indexOf(': ') >= 0 || s.endsWith(':')) return false;
    if (s.indexOf(' #') >= 0) return false;
    return true;
  }

  private quoted(p: number, end: number): string {
    return this.unescape(this.text.slice(p + 1, end - 1), this.text.charCodeAt(p) === 34);
  }

  /**
   * A quoted scalar running over several lines (the quote at q on the current line):
   * lines are folded (one break is a space, n empty lines are n breaks), each line
   * trimmed. Leaves this.line on the closing line; returns the value and the index
   * after the closing quote.
   */
  private quotedMulti(q: number, indent: number): { value: string; end: number } {
    const t = this.text;
    const dbl = t.charCodeAt(q) === 34;
    const nLines = this.starts.length;
    const trimRight = (a: number, b: number) => {
      while (b > a && (t.charCodeAt(b - 1) === 32 || t.charCodeAt(b - 1) === 9)) b--;
      // An escape right before the trimmed whitespace (or a line-ending `\`) changes
      // the folding rules: leave those to the complete reader.
      if (dbl && b > a && t.charCodeAt(b - 1) === 92) throw BAIL;
      return t.slice(a, b);
    };
    const parts: string[] = [trimRight(q + 1, this.ends[this.line])];
    let empty = 0;
    for (let l = this.line + 1; l < nLines; l++) {
      if (this.isMarker(l)) throw BAIL;
      const s = this.starts[l];
      const e = this.ends[l];
      let p = s;
      while (p < e && t.charCodeAt(p) === 32) p++;
      if (p === e) {
        empty++;
        continue;
      }
      if (t.charCodeAt(p) === 9 || p - s <= indent) throw BAIL;
      // Look for the closing quote on this line.
      let close = -1;
      for (let i = p; i < e; i++) {
        const c = t.charCodeAt(i);
        if (dbl) {
          if (c === 92) i++;
          else if (c === 34) {
            close = i;
            break;
          }
        } else if (c === 39) {
          if (t.charCodeAt(i + 1) === 39) i++;
          else {
            close = i;
            break;
          }
        }
      }
      parts.push(empty === 0 ? ' ' : '\n'.repeat(empty));
      empty = 0;
      if (close >= 0) {
        parts.push(t.slice(p, close));
        this.line = l;
        return { value: this.unescape(parts.join(''), dbl), end: close + 1 };
      }
      parts.push(trimRight(p, e));
    }
    throw BAIL;
  }

  private unescape(body: string, dbl: boolean): string {
    const v = this.unescape1(body, dbl);
    // A multi-line value starting with a tab may be refused (checkTabStart): complete reader.
    if (v.charCodeAt(0) === 9 && v.indexOf('\n') > 0) throw BAIL;
    return v;
  }

  private unescape1(body: string, dbl: boolean): string {
    if (!dbl) return body.indexOf("''") >= 0 ? body.replace(/''/g, "'") : body;
    if (body.indexOf('\\') < 0) return body;
    const out: string[] = [];
    let last = 0;
    for (let i = 0; i < body.length; i++) {
      if (body.charCodeAt(i) !== 92) continue;
      out.push(body.slice(last, i));
      const c = body[i + 1];
      let add: string;
      let skip = 1;
      switch (c) {
        case '0': add = '\0'; break;
        case 'a': add = '\x07'; break;
        case 'b': add = '\b'; break;
        case 't': case '\t': add = '\t'; break;
        case 'n': add = '\n'; break;
        case 'v': add = '\v'; break;
        case 'f': add = '\f'; break;
        case 'r': add = '\r'; break;
        case 'e': add = '\x1b'; break;
        case ' ': add = ' '; break;
        case '"': add = '"'; break;
        case "'": add = "'"; break;
        case '\\': add = '\\'; break;
        case 'N': add = '\u0085'; break;
        case '_': add = '\u00a0'; break;
        case 'L': add = '\u2028'; break;
        case 'P': add = '\u2029'; break;
        case 'x': case 'u': case 'U': {
          const n = c === 'x' ? 2 : c === 'u' ? 4 : 8;
          const hex = body.slice(i + 2, i + 2 + n);
          if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) throw BAIL;
          const cp = parseInt(hex, 16);
          if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw BAIL;
          add = String.fromCodePoint(cp);
          skip = 1 + n;
          break;
        }
        default:
          throw BAIL;
      }
      out.push(add);
      i += skip;
      last = i + 1;
    }
    out.push(body.slice(last));
    return out.join('');
  }

  /** A one-line flow collection at p; returns its value and the index after it. */
  private flow(p: number, e: number): { value: Json; end: number } {
    const t = this.text;
    const open = t.charCodeAt(p);
    const isMap = open === 123;
    const close = isMap ? 125 : 93;
    this.count();
    const arr: Json[] = [];
    const obj: JsonObject = {};
    const ls = this.starts[this.line];
    const node: PNode | undefined = this.rec
      ? isMap
        ? { kind: 'map', line: this.line + 1, column: p - ls + 1, pairs: [] }
        : { kind: 'seq', line: this.line + 1, column: p - ls + 1, items: [] }
      : undefined;
    let i = p + 1;
    const skipSpaces = () => {
      while (i < e && t.charCodeAt(i) === 32) i++;
    };
    skipSpaces();
    if (t.charCodeAt(i) === close) {
      this.node = node;
      return { value: isMap ? obj : arr, end: i + 1 };
    }
    for (;;) {
      skipSpaces();
      if (i >= e) throw BAIL;
      let key: string | undefined;
      const keyColumn = i - ls + 1;
      if (isMap) {
        const k = this.flowScalar(i, e, true);
        if (typeof k.value !== 'string' || k.value === '<<') throw BAIL;
        if (k.plain) {
          const r = resolvePlain(k.value);
          if (typeof r !== 'string' || r !== k.value || isTimestamp(k.value)) throw BAIL;
        }
        key = k.value;
        i = k.end;
        skipSpaces();
        if (t.charCodeAt(i) !== 58) throw BAIL;
        i++;
        if (i < e && t.charCodeAt(i) !== 32) throw BAIL;
        skipSpaces();
        if (hasOwn.call(obj, key)) throw BAIL;
      }
      let v: Json;
      const c = t.charCodeAt(i);
      if (c === 91 || c === 123) {
        const r = this.flow(i, e);
        v = r.value;
        i = r.end;
      } else {
        const r = this.flowScalar(i, e, false);
        v = r.value;
        i = r.end;
      }
      if (isMap) setKey(obj, key as string, v);
      else arr.push(v);
      if (node) {
        if (isMap) (node.pairs as PPair[]).push({ key: key as string, keyLine: node.line, keyColumn, value: this.node as PNode });
        else (node.items as PNode[]).push(this.node as PNode);
      }
      skipSpaces();
      const d = t.charCodeAt(i);
      if (d === 44) {
        i++;
        skipSpaces();
        if (t.charCodeAt(i) === close) throw BAIL; // trailing comma
        continue;
      }
      if (d === close) {
        this.node = node;
        return { value: isMap ? obj : arr, end: i + 1 };
      }
      throw BAIL;
    }
  }

  private flowScalar(i: number, e: number, isKey: boolean): { value: Json; end: number; plain: boolean; raw: string } {
    const t = this.text;
    const c = t.charCodeAt(i);
    this.count();
    if (c === 34 || c === 39) {
      const end = this.quotedEnd(i, e);
      if (end < 0) throw BAIL;
      const s = this.quoted(i, end);
      if (this.rec) this.scalarNode(this.line + 1, i - this.starts[this.line] + 1, s, s);
      return { value: s, end, plain: false, raw: t.slice(i, end) };
    }
    let j = i;
    for (; j < e; j++) {
      const d = t.charCodeAt(j);
      if (d === 44 || d === 91 || d === 93 || d === 123 || d === 125) break;
      if (d === 58 && (j + 1 >= e || t.charCodeAt(j + 1) === 32 || FLOW_PLAIN_STOP.test(t[j + 1]))) break;
      if (d === 35 && t.charCodeAt(j - 1) === 32) throw BAIL;
    }
    let pe = j;
    while (pe > i && t.charCodeAt(pe - 1) === 32) pe--;
    const s = t.slice(i, pe);
    if (s.length === 0 || !this.plainOk(s, true) || s.indexOf(':') >= 0) throw BAIL;
    if (isKey) return { value: s, end: pe, plain: true, raw: s };
    const r = resolvePlain(s);
    if (r === MERGE || r === NOT_JSON) throw BAIL;
    if (this.rec) this.scalarNode(this.line + 1, i - this.starts[this.line] + 1, typeof r === 'string' ? s : (r as PNode['value']), s, false, true);
    return { value: r, end: pe, plain: true, raw: s };
  }

  /** A literal block scalar whose `|` is at q on the current line. */
  private literal(q: number, e: number, indent: number): string {
    const t = this.text;
    let i = q + 1;
    let chomp = 'clip';
    const h = t.charCodeAt(i);
    if (h === 45) {
      chomp = 'strip';
      i++;
    } else if (h === 43) {
      chomp = 'keep';
      i++;
    }
    while (i < e && t.charCodeAt(i) === 32) i++;
    if (i < e && t.charCodeAt(i) !== 35) throw BAIL; // indentation indicator or junk
    if (i < e && i === q + 1 + (chomp === 'clip' ? 0 : 1)) throw BAIL; // `|#`
    this.count();
    // Content lines
    const nLines = this.starts.length;
    let l = this.line + 1;
    let contentIndent = -1;
    const lines: string[] = [];
    let maxLeadingBlank = 0;
    for (; l < nLines; l++) {
      const s = this.starts[l];
      const le = this.ends[l];
      let p = s;
      while (p < le && t.charCodeAt(p) === 32) p++;
      const ind = p - s;
      if (p === le) {
        // blank line (spaces only)
        if (contentIndent < 0) maxLeadingBlank = Math.max(maxLeadingBlank, ind);
        lines.push(contentIndent >= 0 && ind > contentIndent ? t.slice(s + contentIndent, le) : '');
        continue;
      }
      if (contentIndent < 0) {
        if (ind <= indent) break;
        if (t.charCodeAt(p) === 9) throw BAIL;
        contentIndent = ind;
        if (maxLeadingBlank > contentIndent) throw BAIL;
      } else if (ind < contentIndent) break;
      if (ind === 0 && (t.startsWith('---', s) || t.startsWith('...', s))) break;
      lines.push(t.slice(s + contentIndent, le));
    }
    if (contentIndent < 0) {
      // no content: only blank lines (or nothing)
      this.line = l;
      this.nextContent();
      if (chomp === 'keep') return lines.map(() => '\n').join('');
      return '';
    }
    // An unterminated last line of the text adds no line break.
    if (l === nLines && !t.endsWith('\n') && lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    let last = lines.length;
    while (last > 0 && lines[last - 1] === '') last--;
    const body = lines.slice(0, last).join('\n');
    let out: string;
    if (chomp === 'strip') out = body;
    else if (chomp === 'clip') out = body + '\n';
    else out = body + '\n' + '\n'.repeat(lines.length - last);
    if (out.charCodeAt(0) === 9) throw BAIL;
    const end = l < nLines ? this.starts[l] : t.length;
    const where = () => ({ file: '', line: this.line + 1, column: q - this.starts[this.line] + 1 });
    out = blockScalarAsKustomizeKeepsIt(out, 'literal', t, end, where);
    this.line = l;
    const ind = this.nextContent();
    if (ind > indent) throw BAIL;
    return out;
  }
}

/** The fast reader's documents, or undefined when the complete reader must run. */
export function fastParse(text: string, maxNodes = MAX_YAML_NODES): FastDoc[] | undefined {
  if (text.indexOf('\t') >= 0 && /^[ ]*\t/m.test(text)) return undefined;
  try {
    return new FastReader(text, maxNodes).read();
  } catch (e) {
    if (e instanceof Bail || e instanceof RangeError) return undefined;
    throw e;
  }
}

/** A single-document text read by the fast reader, with the position of every value. */
export interface PositionedDoc {
  value: Json;
  /** The root node (undefined for an empty document). */
  root: PNode | undefined;
  /** Position of the node at a JSON pointer (for a mapping entry, its key). */
  at(pointer: string): { line: number; column: number } | undefined;
}

const MARKER_LINE_RE = /^(?:---|\.\.\.)(?:[ \t]|$)/m;

/**
 * Reads a single-document text with the fast reader, recording positions. Undefined
 * when the fast reader does not handle the text (or it holds several documents,
 * markers, directives or characters YAML refuses): the caller then uses the complete
 * reader, which also reports errors.
 */
export function parseWithPositions(text: string, maxNodes = MAX_YAML_NODES): PositionedDoc | undefined {
  if (text.charCodeAt(0) === 0xfeff) return undefined;
  if (text.indexOf('\t') >= 0 && /^[ ]*\t/m.test(text)) return undefined;
  if (text.indexOf('\0') >= 0 || findControl(text) >= 0 || MARKER_LINE_RE.test(text)) return undefined;
  let docs: FastDoc[];
  try {
    docs = new FastReader(text, maxNodes, true).read();
  } catch (e) {
    if (e instanceof Bail || e instanceof RangeError) return undefined;
    throw e;
  }
  if (docs.length > 1) return undefined;
  const d = docs[0];
  if (d === undefined) {
    // Nothing, only comments, or a null document: the complete reader says which.
    return undefined;
  }
  if (d.end !== undefined || d.index !== 0 || !d.node) return undefined;
  const root = d.node;
  return {
    value: d.value,
    root,
    at(pointer: string) {
      const parts = pointer === '' ? [] : pointer.replace(/^\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      let n: PNode = root;
      let at = { line: n.line, column: n.column };
      for (const part of parts) {
        if (n.kind === 'map') {
          const pair = (n.pairs as PPair[]).find((x) => x.key === part);
          if (!pair) return undefined;
          at = { line: pair.keyLine, column: pair.keyColumn };
          n = pair.value;
        } else if (n.kind === 'seq') {
          const items = n.items as PNode[];
          const idx = part === '-' ? items.length - 1 : Number(part);
          if (!Number.isInteger(idx) || idx < 0 || idx >= items.length) return undefined;
          n = items[idx];
          at = { line: n.line, column: n.column };
        } else return undefined;
      }
      return at;
    },
  };
}
