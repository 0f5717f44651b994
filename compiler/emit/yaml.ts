/**
 * kforge's YAML writer: byte-identical to `kustomize build` (v5.5) stdout, i.e. the
 * go-yaml v3 encoder as kyaml drives it — keys in go-yaml's natural order (numbers
 * inside keys compare by value: e2 < e10), 2-space indentation, block
 * sequences at the same indentation as their parent key, go-yaml's choice of scalar
 * style (plain, single, double, literal) and its folding of long scalars at 80 columns.
 */
import type { Json, JsonObject } from '../types.js';
import { escapeSegment } from '../schema/models.js';
import { isTimestamp, resolvePlain } from '../load/yaml/index.js';

const BEST_WIDTH = 80;

// ---------------------------------------------------------------------------
// Kustomize's JSON step
// ---------------------------------------------------------------------------
//
// Kustomize prints a resource by encoding it as JSON (Go) and reading that JSON text
// back as YAML (sigs.k8s.io/yaml on go-yaml v2) before writing it. Go's encoder
// escapes control characters below U+0020, U+2028 and U+2029 but writes U+007F..U+009F
// and U+FFFE/U+FFFF raw, and the YAML reader then refuses U+007F..U+009F (except
// U+0085) and U+FFFE/U+FFFF ("control characters are not allowed") and reads a raw
// U+0085 (NEL) as a line break inside the double-quoted string, folding it.
// Generators go through the same step before their name hash is taken.

const UNWRITABLE_RE = /[\u007f-\u0084\u0086-\u009f\ufffe\uffff]/;

/**
 * What the JSON step makes of a string: each run of spaces and NELs holding n NELs
 * becomes one space (n = 1) or n-1 line feeds (YAML's folding of line breaks).
 */
export function foldNel(s: string): string {
  if (s.indexOf('\u0085') < 0) return s;
  return s.replace(/ *\u0085[ \u0085]*/g, (m) => {
    let n = 0;
    for (let i = 0; i < m.length; i++) if (m.charCodeAt(i) === 0x85) n++;
    return n === 1 ? ' ' : '\n'.repeat(n - 1);
  });
}

/**
 * The JSON pointer of the first key or string value holding a character the JSON
 * step refuses, and that character's code; undefined when there is none.
 */
export function unwritableString(v: Json): { pointer: string; code: number } | undefined {
  // a scan that allocates nothing first (this runs over every key and string of every
  // resource, and almost none holds such a character); the walk below finds where
  if (!hasUnwritable(v)) return undefined;
  // the path is kept as keys and made a pointer only when a character is found: this runs
  // over every string of every resource, and almost none holds one
  const path: string[] = [];
  const found = (code: number) => ({ pointer: path.map((k) => `/${escapeSegment(k)}`).join(''), code });
  const walk = (x: Json): { pointer: string; code: number } | undefined => {
    if (typeof x === 'string') {
      const m = UNWRITABLE_RE.exec(x);
      return m ? found(m[0].charCodeAt(0)) : undefined;
    }
    if (x === null || typeof x !== 'object') return undefined;
    if (Array.isArray(x)) {
      for (let i = 0; i < x.length; i++) {
        path.push(String(i));
        const r = walk(x[i]);
        if (r) return r;
        path.pop();
      }
      return undefined;
    }
    for (const k of Object.keys(x)) {
      path.push(k);
      const m = UNWRITABLE_RE.exec(k);
      if (m) return found(m[0].charCodeAt(0));
      const r = walk(x[k] as Json);
      if (r) return r;
      path.pop();
    }
    return undefined;
  };
  return walk(v);
}

/** Whether a key or string of `x` holds a character UNWRITABLE_RE matches (keys of undefined values included, as the walk). */
function hasUnwritable(x: Json | undefined): boolean {
  if (typeof x === 'string') return unwritableIn(x);
  if (x === null || typeof x !== 'object') return false;
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) if (hasUnwritable(x[i])) return true;
    return false;
  }
  for (const k in x) if (unwritableIn(k) || hasUnwritable(x[k])) return true;
  return false;
}

/** UNWRITABLE_RE.test(s), without a regular expression call per string. */
function unwritableIn(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x7f && (c <= 0x9f ? c !== 0x85 : c >= 0xfffe)) return true;
  }
  return false;
}

/** A value with foldNel applied to every key and string (the same value when none has a NEL). */
export function foldNelDeep(v: Json): Json {
  if (typeof v === 'string') return foldNel(v);
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(foldNelDeep);
  const out: JsonObject = {};
  for (const k of Object.keys(v)) out[foldNel(k)] = foldNelDeep(v[k] as Json);
  return out;
}

/** Several documents, as `kustomize build` prints them: `---` between, final newline. */
export function emitYaml(docs: Json[]): string {
  const out: string[] = [];
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) out.push('---\n');
    out.push(emitYamlDocument(docs[i]));
  }
  return out.join('');
}

/** One document, ending with a newline. */
export function emitYamlDocument(doc: Json): string {
  const w = new Writer();
  if (doc !== null && typeof doc === 'object') {
    if (Array.isArray(doc)) {
      if (doc.length === 0) w.out.push('[]');
      else w.seq(doc, 0, false);
    } else {
      const keys = sortedKeys(doc);
      if (keys.length === 0) w.out.push('{}');
      else w.map(doc, keys, 0, false);
    }
  } else {
    w.column = 0;
    w.scalar(doc, 0, false);
  }
  w.out.push('\n');
  return w.out.join('');
}

/** Keys in go-yaml's order; keys whose value is `undefined` are left out, as JSON does. */
function sortedKeys(o: JsonObject): string[] {
  const keys = Object.keys(o);
  let k = 0;
  for (let i = 0; i < keys.length; i++) if (o[keys[i]] !== undefined) keys[k++] = keys[i];
  keys.length = k;
  return keys.sort(compareKeys);
}

const LETTER_RE = /\p{L}/u;
const DIGIT_RE = /\p{Nd}/u;

function isLetterCp(c: number): boolean {
  if (c < 0x80) return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
  return LETTER_RE.test(String.fromCodePoint(c));
}
function isDigitCp(c: number): boolean {
  if (c < 0x80) return c >= 48 && c <= 57;
  return DIGIT_RE.test(String.fromCodePoint(c));
}
/** go-yaml adds `rune - '0'` for every digit, Unicode digits included. */
function digitValue(c: number): number {
  return c - 48;
}

function toRunes(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.codePointAt(i)!;
    out.push(c);
    if (c > 0xffff) i++;
  }
  return out;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * go-yaml's map key order (a "natural" order): letters compare by code point, runs of
 * digits compare by numeric value, other characters come before letters (checked
 * pairwise with kubectl: a10 < a1B, a1- < a1b). This order is not transitive for some key
 * sets (then Kustomize's own output varies from run to run); for the others any
 * sort gives go-yaml's result.
 */
export function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const ar = isAscii(a) ? a : toRunes(a);
  const br = isAscii(b) ? b : toRunes(b);
  // Of two different keys exactly one is less: the first difference decides the same way
  // from either side (or the length does), so one comparison suffices.
  return lessRunes(ar, br) ? -1 : 1;
}

function at(x: string | number[], i: number): number {
  return typeof x === 'string' ? x.charCodeAt(i) : x[i];
}

function lessRunes(ar: string | number[], br: string | number[]): boolean {
  const n = Math.min(ar.length, br.length);
  for (let i = 0; i < n; i++) {
    const ca = at(ar, i);
    const cb = at(br, i);
    if (ca === cb) continue;
    const al = isLetterCp(ca);
    const bl = isLetterCp(cb);
    if (al && bl) return ca < cb;
    if (al || bl) return bl; // a non-letter sorts first
    let an = 0;
    let bn = 0;
    if (ca === 48 || cb === 48) {
      for (let j = i - 1; j >= 0 && isDigitCp(at(ar, j)); j--) {
        if (at(ar, j) !== 48) {
          an = 1;
          bn = 1;
          break;
        }
      }
    }
    let ai = i;
    for (; ai < ar.length && isDigitCp(at(ar, ai)); ai++) an = an * 10 + digitValue(at(ar, ai));
    let bi = i;
    for (; bi < br.length && isDigitCp(at(br, bi)); bi++) bn = bn * 10 + digitValue(at(br, bi));
    if (an !== bn) return an < bn;
    if (ai !== bi) return ai < bi;
    return ca < cb;
  }
  return ar.length < br.length;
}

// ---------------------------------------------------------------------------
// Scalar analysis (what the go-yaml emitter allows for a string)
// ---------------------------------------------------------------------------

const OLD_BOOLS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const BASE60_RE = /^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$/;

const enum Style {
  Plain,
  Single,
  Double,
  Literal,
}

function isPrintable(c: number): boolean {
  return c === 0x0a || (c >= 0x20 && c <= 0x7e) || (c >= 0xa0 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff);
}
function isBreak(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x85 || c === 0x2028 || c === 0x2029;
}
function isBlankz(c: number): boolean {
  // NaN (past the end) counts as the end of the string.
  return c === 0x20 || c === 0x09 || isBreak(c) || c !== c || c === 0;
}

interface Analysis {
  plain: boolean; // block plain allowed
  single: boolean;
  block: boolean;
  multiline: boolean;
}

function analyze(s: string): Analysis {
  if (s.length === 0) return { plain: true, single: true, block: false, multiline: false };
  let blockIndicators = false;
  let special = false;
  let lineBreaks = false;
  let leadingSpace = false;
  let leadingBreak = false;
  let trailingSpace = false;
  let trailingBreak = false;
  let breakSpace = false;
  let spaceBreak = false;
  let previousSpace = false;
  let previousBreak = false;
  if (s.startsWith('---') || s.startsWith('...')) blockIndicators = true;
  let precededByWhitespace = true;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    let width = 1;
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
      c = s.codePointAt(i)!;
      width = 2;
    }
    const next = s.charCodeAt(i + width);
    const followedByWhitespace = isBlankz(next);
    const first = i === 0;
    const last = i + width >= n;
    if (first) {
      switch (c) {
        case 0x23: case 0x2c: case 0x5b: case 0x5d: case 0x7b: case 0x7d: case 0x26: case 0x2a:
        case 0x21: case 0x7c: case 0x3e: case 0x27: case 0x22: case 0x25: case 0x40: case 0x60:
          blockIndicators = true;
          break;
        case 0x3f: case 0x3a:
          if (followedByWhitespace) blockIndicators = true;
          break;
        case 0x2d:
          if (followedByWhitespace) blockIndicators = true;
          break;
      }
    } else {
      if (c === 0x3a) {
        if (followedByWhitespace) blockIndicators = true;
      } else if (c === 0x23) {
        if (precededByWhitespace) blockIndicators = true;
      }
    }
    if (!isPrintable(c)) special = true;
    if (isBreak(c)) lineBreaks = true;
    if (c === 0x20) {
      if (first) leadingSpace = true;
      if (last) trailingSpace = true;
      if (previousBreak) breakSpace = true;
      previousSpace = true;
      previousBreak = false;
    } else if (isBreak(c)) {
      if (first) leadingBreak = true;
      if (last) trailingBreak = true;
      if (previousSpace) spaceBreak = true;
      previousBreak = true;
      previousSpace = false;
    } else {
      previousSpace = false;
      previousBreak = false;
    }
    precededByWhitespace = isBlankz(c);
    i += width - 1;
  }
  let plain = true;
  let single = true;
  let block = true;
  if (leadingSpace || leadingBreak || trailingSpace || trailingBreak) plain = false;
  if (trailingSpace) block = false;
  if (breakSpace) {
    plain = false;
    single = false;
  }
  if (spaceBreak || special) {
    plain = false;
    single = false;
    block = false;
  }
  if (lineBreaks) plain = false;
  if (blockIndicators) plain = false;
  return { plain, single, block, multiline: lineBreaks };
}

// Strings made only of these characters (not starting with '-' or '...') can be
// written plain unless they read back as another type.
const SIMPLE_RE = /^[A-Za-z0-9_./][A-Za-z0-9_./-]*$/;
// one cache for values, one for keys: a key looked up as a prefixed string would be a new
// string (hashed anew) at every lookup
const styleCache = new Map<string, Style>();
const keyStyleCache = new Map<string, Style>();

/** go-yaml's style for a string value (simpleKey: written as a mapping key). */
function styleFor(s: string, simpleKey: boolean): Style {
  if (s.length <= 64) {
    const cache = simpleKey ? keyStyleCache : styleCache;
    let st = cache.get(s);
    if (st === undefined) {
      st = computeStyle(s, simpleKey);
      if (cache.size > 50000) cache.clear();
      cache.set(s, st);
    }
    return st;
  }
  return computeStyle(s, simpleKey);
}

function computeStyle(s: string, simpleKey: boolean): Style {
  if (SIMPLE_RE.test(s) && !s.startsWith('...')) {
    const r = resolvePlain(s);
    if (typeof r !== 'string' || r !== s || isTimestamp(s) || BASE60_RE.test(s) || OLD_BOOLS.has(s)) return Style.Double;
    return Style.Plain;
  }
  let requested: Style;
  if (s.indexOf('\n') >= 0) {
    requested = Style.Literal;
  } else {
    if (s !== '<<') {
      const r = resolvePlain(s);
      if (typeof r !== 'string' || r !== s || isTimestamp(s) || BASE60_RE.test(s) || OLD_BOOLS.has(s)) return Style.Double;
    }
    requested = Style.Plain;
  }
  const a = analyze(s);
  let style: Style = requested;
  if (style === Style.Plain) {
    if (!a.plain) style = Style.Single;
  }
  if (style === Style.Single && !a.single) style = Style.Double;
  if (style === Style.Literal && (!a.block || simpleKey)) style = Style.Double;
  return style;
}

// ---------------------------------------------------------------------------
// Writer
// ---------------------------------------------------------------------------

/**
 * Numbers as Kustomize prints them after its JSON round trip: integers that fit in
 * int64/uint64 in full, others as Go's strconv.FormatFloat(n, 'g', -1, 64)
 * (exponent form below 1e-4 and from 1e6 up, for values that are not such integers).
 */
function formatNumber(n: number): string {
  if (!Number.isFinite(n)) return n !== n ? '.nan' : n > 0 ? '.inf' : '-.inf';
  if (n === 0) return '0';
  if (Number.isInteger(n) && n >= -9223372036854775808 && n < 18446744073709551616) {
    return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  }
  const e = n.toExponential(); // shortest digits, e.g. "1.2345675e+6"
  const epos = e.indexOf('e');
  const exp = Number(e.slice(epos + 1));
  if (exp >= -4 && exp < 6) return String(n);
  const ae = Math.abs(exp);
  return `${e.slice(0, epos)}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' + ae : ae}`;
}

function codeLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) n--;
  }
  return n;
}

function hex(c: number, width: number): string {
  return c.toString(16).toUpperCase().padStart(width, '0');
}

/** A line break and `i` spaces of indentation, for the usual depths. */
const NEWLINES = Array.from({ length: 64 }, (_, i) => '\n' + ' '.repeat(i));
function lineBreak(indent: number): string {
  return indent < NEWLINES.length ? NEWLINES[indent] : '\n' + ' '.repeat(indent);
}

/** The written text of simple keys (Writer.key). */
const keyTexts = new Map<string, { text: string; cols: number }>();

class Writer {
  out: string[] = [];
  column = 0;

  private put(s: string, cols: number): void {
    this.out.push(s);
    this.column += cols;
  }

  private newline(indent: number): void {
    this.out.push(lineBreak(indent));
    this.column = indent;
  }

  map(o: JsonObject, keys: string[], indent: number, inline: boolean): void {
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (i > 0 || !inline) {
        if (this.out.length > 0) this.newline(indent);
        else this.column = indent;
      }
        const v = o[k];
      this.key(k, indent);
      this.value(v, indent);
    }
  }

  private key(key: string, indent: number): void {
    // A key is written as one piece of text whatever the column (a simple key never folds,
    // and the complex form starts on its own line at `indent`): the text of a simple key,
    // and the columns it takes, are kept per key (most keys recur in every resource).
    const known = keyTexts.get(key);
    if (known !== undefined) {
      this.out.push(known.text);
      this.column += known.cols;
      return;
    }
    const start = this.out.length;
    const col = this.column;
    const simple = this.keyText(key, indent);
    if (simple && key.length <= 256) {
      if (keyTexts.size > 50000) keyTexts.clear();
      const text = this.out.length === start + 1 ? this.out[start] : this.out.slice(start).join('');
      keyTexts.set(key, { text, cols: this.column - col });
    }
  }

  /** Writes a key and its `:`; true when it is a simple key (written the same at any column and indentation). */
  private keyText(key: string, indent: number): boolean {
    const k = foldNel(key);
    if (utf8Length(k) > 128 || hasBreak(k)) {
      // go-yaml writes long or multi-line keys as complex keys: `? key` then `: value`.
      this.put('? ', 2);
      this.string(k, indent + 2, false);
      this.newline(indent);
      this.put(':', 1);
      return false;
    }
    this.string(k, indent, true);
    this.put(':', 1);
    return true;
  }

  /** The value of a mapping entry whose key (and `:`) has just been written. */
  private value(v: Json, indent: number): void {
    if (v !== null && typeof v === 'object') {
      if (Array.isArray(v)) {
        if (v.length === 0) this.put(' []', 3);
        else this.seq(v, indent, false);
      } else {
        const keys = sortedKeys(v);
        if (keys.length === 0) this.put(' {}', 3);
        else this.map(v, keys, indent + 2, false);
      }
      return;
    }
    this.put(' ', 1);
    this.scalar(v, indent + 2, false);
  }

  seq(a: Json[], indent: number, inline: boolean): void {
    for (let i = 0; i < a.length; i++) {
      if (i > 0 || !inline) {
        if (this.out.length > 0) this.newline(indent);
        else this.column = indent;
      }
        this.put('-', 1);
      const v = a[i];
      if (v !== null && typeof v === 'object') {
        if (Array.isArray(v)) {
          if (v.length === 0) this.put(' []', 3);
          else {
            this.put(' ', 1);
            this.seq(v, indent + 2, true);
          }
        } else {
          const keys = sortedKeys(v);
          if (keys.length === 0) this.put(' {}', 3);
          else {
            this.put(' ', 1);
            this.map(v, keys, indent + 2, true);
          }
        }
      } else {
        this.put(' ', 1);
        this.scalar(v, indent + 2, false);
      }
    }
  }

  scalar(v: Json, indent: number, simpleKey: boolean): void {
    if (v === null || v === undefined) this.put('null', 4);
    else if (typeof v === 'boolean') this.put(v ? 'true' : 'false', v ? 4 : 5);
    else if (typeof v === 'number') {
      const s = formatNumber(v);
      this.put(s, s.length);
    } else this.string(v as string, indent, simpleKey);
  }

  private string(str: string, indent: number, simpleKey: boolean): void {
    const s = foldNel(str);
    const style = styleFor(s, simpleKey);
    switch (style) {
      case Style.Plain:
        return this.plain(s, indent, !simpleKey);
      case Style.Single:
        return this.single(s, indent, !simpleKey);
      case Style.Double:
        return this.double(s, indent, !simpleKey);
      case Style.Literal:
        return this.literal(s, indent);
    }
  }

  private plain(s: string, indent: number, allowBreaks: boolean): void {
    const len = codeLength(s);
    if (!allowBreaks || this.column + len <= BEST_WIDTH + 1 || s.indexOf(' ') < 0) {
      this.put(s, len);
      return;
    }
    let start = 0;
    let spaces = false;
    let col = this.column;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        if (!spaces && col > BEST_WIDTH && s.charCodeAt(i + 1) !== 0x20) {
          this.out.push(s.slice(start, i));
          this.newline(indent);
          col = indent;
          start = i + 1;
        } else col++;
        spaces = true;
      } else {
        if (!(c >= 0xdc00 && c <= 0xdfff)) col++;
        spaces = false;
      }
    }
    this.out.push(s.slice(start));
    this.column = col;
  }

  // single() and double() write the runs of characters that stay as they are in one piece
  // (a slice), and only breaks, doubled quotes and escapes apart.
  private single(s: string, indent: number, allowBreaks: boolean): void {
    let out = "'";
    let start = 0;
    let col = this.column + 1;
    let spaces = false;
    let breaks = false;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c === 0x20) {
        if (allowBreaks && !spaces && col > BEST_WIDTH && i !== 0 && i !== n - 1 && s.charCodeAt(i + 1) !== 0x20) {
          out += s.slice(start, i) + lineBreak(indent);
          start = i + 1;
          col = indent;
        } else col++;
        spaces = true;
      } else if (c === 0x2028 || c === 0x2029) {
        // A line separator is written as is; the next line is indented.
        col = 0;
        breaks = true;
        spaces = false;
      } else {
        if (breaks) {
          out += s.slice(start, i) + ' '.repeat(indent);
          start = i;
          col = indent;
          breaks = false;
        }
        if (c === 0x27) {
          out += s.slice(start, i) + "''";
          start = i + 1;
          col += 2;
        } else if (!(c >= 0xdc00 && c <= 0xdfff)) col++;
        spaces = false;
      }
    }
    this.out.push(out + s.slice(start) + "'");
    this.column = col + 1;
  }

  private double(s: string, indent: number, allowBreaks: boolean): void {
    let out = '"';
    let start = 0;
    // go-yaml escapes every character of a string that starts with a BOM.
    const bom = s.charCodeAt(0) === 0xfeff;
    let col = this.column + 1;
    let spaces = false;
    const n = s.length;
    for (let i = 0; i < n; i++) {
      let c = s.charCodeAt(i);
      let width = 1;
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < n) {
        c = s.codePointAt(i)!;
        width = 2;
      }
      if (bom || !isPrintable(c) || isBreak(c) || c === 0x22 || c === 0x5c) {
        let esc: string;
        switch (c) {
          case 0x00: esc = '\\0'; break;
          case 0x07: esc = '\\a'; break;
          case 0x08: esc = '\\b'; break;
          case 0x09: esc = '\\t'; break;
          case 0x0a: esc = '\\n'; break;
          case 0x0b: esc = '\\v'; break;
          case 0x0c: esc = '\\f'; break;
          case 0x0d: esc = '\\r'; break;
          case 0x1b: esc = '\\e'; break;
          case 0x22: esc = '\\"'; break;
          case 0x5c: esc = '\\\\'; break;
          case 0x85: esc = '\\N'; break;
          case 0xa0: esc = '\\_'; break;
          case 0x2028: esc = '\\L'; break;
          case 0x2029: esc = '\\P'; break;
          default:
            esc = c <= 0xff ? '\\x' + hex(c, 2) : c <= 0xffff ? '\\u' + hex(c, 4) : '\\U' + hex(c, 8);
        }
        out += s.slice(start, i) + esc;
        start = i + width;
        col += esc.length;
        spaces = false;
      } else if (c === 0x20) {
        if (allowBreaks && !spaces && col > BEST_WIDTH && i !== 0 && i !== n - 1) {
          out += s.slice(start, i) + lineBreak(indent);
          start = i + 1;
          col = indent;
          if (s.charCodeAt(i + 1) === 0x20) {
            out += '\\';
            col++;
          }
        } else col++;
        spaces = true;
      } else {
        col++;
        spaces = false;
      }
      i += width - 1;
    }
    this.out.push(out + s.slice(start) + '"');
    this.column = col + 1;
  }

  private literal(s: string, indent: number): void {
    let header = '|';
    const c0 = s.charCodeAt(0);
    if (c0 === 0x20 || isBreak(c0)) header += '2';
    const n = s.length;
    const last = s.charCodeAt(n - 1);
    if (!isBreak(last)) header += '-';
    else if (n === 1 || isBreak(s.charCodeAt(n - 2))) {
      header += '+';
    }
    // The final line break, if any, is the one the writer puts before whatever follows.
    const body = isBreak(last) ? s.slice(0, n - 1) : s;
    const pad = ' '.repeat(indent);
    const parts: string[] = [header];
    let start = 0;
    for (;;) {
      const nl = body.indexOf('\n', start);
      const line = nl < 0 ? body.slice(start) : body.slice(start, nl);
      parts.push(line.length > 0 ? '\n' + pad + line : '\n');
      if (nl < 0) break;
      start = nl + 1;
    }
    this.out.push(parts.join(''));
    this.column = indent;
  }
}

function hasBreak(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (isBreak(s.charCodeAt(i))) return true;
  return false;
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
