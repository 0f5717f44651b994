/**
 * go-yaml's rules for scalars, where kforge's values follow Kustomize rather than the
 * YAML specification: plain scalar resolution (go-yaml v3, and v2's YAML 1.1 reading),
 * and block scalars as Kustomize's write-and-read-again round trip leaves them. Both
 * readers (complete.ts, fast.ts) and the emitter use these.
 */
import { diag } from '../../diagnostics.js';
import type { Json } from '../../types.js';
import { Abort } from './common.js';

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
  // (every spelling in YAML11_BOOLS has at most 5 characters: a longer string is not looked up,
  // which spares the property lookup on a fresh string, its hashing, for nearly every value)
  if (s.length <= 5 && Object.prototype.hasOwnProperty.call(YAML11_BOOLS, s)) return YAML11_BOOLS[s];
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
export function blockScalarAsKustomizeKeepsIt(
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
export function checkTabStart(v: string, where: () => { file: string; line: number; column: number }): void {
  if (v.charCodeAt(0) !== 9 || !v3BlockAllowed(v)) return;
  throw new Abort(
    diag('KF1003', 'a multi-line value starting with a tab: Kustomize writes it as a block scalar it cannot read back ("found a tab character where an indentation space is expected")', {
      location: where(),
      hint: 'start the value with something other than a tab, or indent its first line with spaces',
    }),
  );
}
