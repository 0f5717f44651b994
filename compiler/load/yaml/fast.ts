/**
 * The fast line reader. It reads, in one pass over the lines, the YAML that Kubernetes
 * manifests and kustomizations are written in: block mappings and sequences; plain and
 * quoted scalars (multi-line ones too); literal and folded block scalars with any
 * chomping (`-`, `+`) and indentation (1-9) indicator; flow mappings and sequences,
 * over several lines, nested, with trailing commas and comments inside; anchors and
 * aliases (`&a`, `*a`, each alias a copy counted against the file's and the build's
 * limits, KF1012) and `<<` merge keys (a mapping, an alias or a list of them); comments
 * after values, between items and at any indentation. Its values, marks (bare nulls,
 * folded annotations) and positions equal the complete reader's
 * (test/yaml/fastpath.test.ts, fastpath-styles.test.ts).
 *
 * What it leaves to the complete reader (complete.ts), for the document concerned (or the
 * whole text where said), because it is rare or an error whose diagnostic that reader words:
 *   - tags (`!!str`, `!`, `!custom`) and directives (`%YAML`, `%TAG`; whole text);
 *   - complex keys (`? `), flow collections, aliases or anchors as keys (`&a key: v`),
 *     keys that are not plain strings (`1:`, `true:`, a date), a quoted `"<<"` key, `<<`
 *     inside a flow mapping or twice in one mapping, a merge of something not a mapping;
 *   - duplicate keys, unknown aliases, and every other error;
 *   - a tab in indentation (whole text) or between flow tokens; anchor names with
 *     characters other than letters, digits, `_`, `.`, `-`; an anchor with no value in a flow;
 *   - in flow collections: multi-line plain or quoted scalars, a key with `:` in it or
 *     whose `:` is on another line, `{a}` / `{a: }` entries, continuation lines not indented
 *     past the owning block collection (a line that only closes the outermost collection
 *     may sit at its indentation);
 *   - block scalars: an indentation indicator at a document's root, leading blank lines
 *     more indented than an auto-detected content, `|#`, content starting with a tab;
 *   - a double-quoted multi-line scalar with an escape at a line end; a value `.inf`/`.nan`;
 *   - when positions are recorded (parseWithPositions, for locate.ts): anchors, aliases,
 *     merge keys and an empty value followed by a comment.
 * Limits are not given up on: more values than the file's budget, or nesting beyond
 * MAX_YAML_DEPTH, is KF1012 at once (common.ts).
 */
import type { Json, JsonObject } from '../../types.js';
import { Abort, aliasValuesSpent, type Budget, findControl, hasOwn, MAX_YAML_DEPTH, MAX_YAML_NODES, restoreAliasValuesSpent, setKey, spendAliasValues, tooDeep, tooManyAliasValues, tooManyValues } from './common.js';
import { copyBareNulls } from '../bare-null.js';
import { markFoldedAnnotation } from '../folded-mark.js';
import { markBareNull } from '../bare-null.js';
import { blockScalarAsKustomizeKeepsIt, isTimestamp, MERGE, NOT_JSON, resolvePlain } from './scalars.js';

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
const CLOSE_ONLY = /^ *(?:#.*)?$/;

/**
 * Where a node sits, as the complete reader's `At` tracks it: the values of a
 * resource's `metadata.annotations` are rebuilt by Kustomize (no folded round trip,
 * and a folded one is marked: folded-mark.ts).
 */
const AT_OTHER = 0;
const AT_ROOT = 1;
const AT_METADATA = 2;
const AT_ANNOTATIONS = 3;
const AT_ANNOTATION = 4;
const AT_ITEMS = 5;

/** Characters of an anchor or alias name the fast reader takes (others: complete reader). */
const ANCHOR_CHAR = /[A-Za-z0-9_.-]/;

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
  /** Collections open around the current node. */
  private depth = 0;
  /** Where the node about to be read sits (AT_*). */
  private at = AT_OTHER;
  /** Set when the value just read was written bare (`key:` and nothing, not `null` or `~`). */
  private bare = false;
  /** Set when the value just read is a folded block scalar. */
  private folded = false;
  /** The last block scalar as go-yaml reads it (recorded with positions). */
  private blockRead: string | undefined;
  /** The current document's anchors (the value each names, as read). */
  private anchors = new Map<string, Json>();

  constructor(
    private readonly text: string,
    /** The file's value count (shared with the complete reader for what this one leaves). */
    private readonly budget: Budget,
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

  /** Counts one value against the file's budget (keys are not values). */
  private count(): void {
    if (++this.budget.used > this.budget.max) throw new Abort(tooManyValues(this.budget, this.line + 1, this.col + 1));
  }

  /** Opens a collection at (line, column) (0-based), refusing nesting beyond MAX_YAML_DEPTH. */
  private enter(line: number, column: number): void {
    if (++this.depth > MAX_YAML_DEPTH) throw new Abort(tooDeep(this.budget.file, line + 1, column + 1));
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
      this.depth = 0;
      this.at = AT_ROOT;
      if (this.anchors.size > 0) this.anchors = new Map();
      const offset = s + ind;
      const usedBefore = this.budget.used;
      const aliasBefore = aliasValuesSpent();
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
        // This document goes to the complete reader (which counts its values again):
        // up to the next marker line.
        this.budget.used = usedBefore;
        restoreAliasValuesSpent(aliasBefore);
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
    // A flow collection (`- {a: b}`, `[x]`): a value (as a key, `{a: b}: c`, it is refused later).
    if (c === 123 || c === 91) return false;
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
    this.enter(this.line, this.col);
    const node: PNode | undefined = this.rec ? { kind: 'map', line: this.line + 1, column: this.col + 1, pairs: [] } : undefined;
    const at = this.at;
    let merge: Json | undefined;
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
        if (key === '<<') {
          // A merge key: its value (a mapping, an alias of one, or a list of them) fills in
          // the keys this mapping does not write, after them (as the complete reader does).
          if (merge !== undefined || this.rec) throw BAIL;
          this.at = AT_OTHER;
          merge = this.value(k + 1, e, indent, true);
          if (merge === null) throw BAIL;
          const ind = this.nextContent();
          if (ind < 0 || ind < indent) return this.endMap(obj, merge);
          if (ind > indent) throw BAIL;
          if (!this.isMapLine(this.starts[this.line] + ind)) throw BAIL;
          continue;
        }
        if (!this.plainOk(key, false)) throw BAIL;
        const r = resolvePlain(key);
        if (typeof r !== 'string' || r !== key || isTimestamp(key)) throw BAIL;
        after = k + 1;
      }
      if (hasOwn.call(obj, key)) throw BAIL;
      this.at = at === AT_ROOT ? (key === 'metadata' ? AT_METADATA : key === 'items' ? AT_ITEMS : AT_OTHER) : at === AT_METADATA ? (key === 'annotations' ? AT_ANNOTATIONS : AT_OTHER) : at === AT_ANNOTATIONS ? AT_ANNOTATION : AT_OTHER;
      this.folded = false;
      this.bare = false;
      const v = this.value(after, e, indent, true);
      setKey(obj, key, v);
      if (v === null && this.bare) markBareNull(obj, key);
      else if (at === AT_ANNOTATIONS && this.folded && typeof v === 'string') markFoldedAnnotation(obj, key, v);
      if (node) (node.pairs as PPair[]).push({ key, keyLine, keyColumn: p - s + 1, value: this.node as PNode });
      const ind = this.nextContent();
      if (ind < 0 || ind < indent) {
        this.node = node;
        return this.endMap(obj, merge);
      }
      if (ind > indent) throw BAIL;
      if (!this.isMapLine(this.starts[this.line] + ind)) throw BAIL;
    }
  }

  /** Closes a block mapping: applies its merge key's mappings, if any. */
  private endMap(obj: JsonObject, merge: Json | undefined): JsonObject {
    this.depth--;
    if (merge === undefined) return obj;
    const sources = Array.isArray(merge) ? merge : [merge];
    for (const src of sources) {
      if (src === null || typeof src !== 'object' || Array.isArray(src)) throw BAIL; // the complete reader reports it
      for (const k of Object.keys(src)) if (!hasOwn.call(obj, k)) setKey(obj, k, src[k]);
    }
    return obj;
  }

  private scalarNode(line: number, column: number, value: PNode['value'], source: string, block?: boolean, plain?: boolean): void {
    this.node = block ? { kind: 'scalar', line, column, value, source, block } : plain ? { kind: 'scalar', line, column, value, source, plain } : { kind: 'scalar', line, column, value, source };
  }

  private seq(indent: number): Json[] {
    const t = this.text;
    const arr: Json[] = [];
    this.count();
    this.enter(this.line, this.col);
    const node: PNode | undefined = this.rec ? { kind: 'seq', line: this.line + 1, column: this.col + 1, items: [] } : undefined;
    const itemAt = this.at === AT_ITEMS ? AT_ROOT : AT_OTHER;
    for (;;) {
      this.at = itemAt;
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
        if ((c === 45 && (q + 1 >= e || t.charCodeAt(q + 1) === 32)) || (c !== 38 && c !== 42 && this.isMapLine(q))) {
          arr.push(this.block(indent));
        } else {
          arr.push(this.value(q - 1, e, indent, false));
        }
      }
      if (node) (node.items as PNode[]).push(this.node as PNode);
      const ind = this.nextContent();
      if (ind < 0 || ind < indent) {
        this.node = node;
        this.depth--;
        return arr.slice();
      }
      if (ind > indent) throw BAIL;
      const p2 = this.starts[this.line] + ind;
      if (!(t.charCodeAt(p2) === 45 && (p2 + 1 >= this.ends[this.line] || t.charCodeAt(p2 + 1) === 32))) {
        this.node = node;
        this.depth--;
        return arr.slice(); // e.g. a compact sequence ends and its parent map continues at the same indent
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
    const c = t.charCodeAt(q);
    if ((c === 38 || c === 42) && q > p) {
      // `&name value` or `*name` (not in position-recording mode: locate.ts follows aliases itself)
      if (this.rec) throw BAIL;
      const nameEnd = this.anchorEnd(q + 1, e);
      const name = t.slice(q + 1, nameEnd);
      let r = nameEnd;
      while (r < e && t.charCodeAt(r) === 32) r++;
      if (r < e && (t.charCodeAt(r) === 38 || t.charCodeAt(r) === 42 || t.charCodeAt(r) === 33)) throw BAIL; // `&a *b`, `&a &b`, `&a !tag`
      if (c === 42) {
        const line = this.line + 1;
        const column = q - this.starts[this.line] + 1;
        if (!this.bareAfter(nameEnd, e)) throw BAIL;
        const v = this.alias(name, line, column);
        this.line++;
        const ind = this.nextContent();
        if (ind > indent) throw BAIL;
        return v;
      }
      const v = this.value(nameEnd, e, indent, inMap);
      this.anchors.set(name, v);
      this.bare = false; // `key: &a` holds an (anchored) empty value, not a bare one
      return v;
    }
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
      this.bare = true;
      return null;
    }
    if (q === p && inMap) throw BAIL; // `key:value` is not a mapping entry
    return this.inline(q, e, indent);
  }

  /** The end of an anchor or alias name starting at p (a space, the line's end or, in flow, `,]}`). */
  private anchorEnd(p: number, e: number): number {
    const t = this.text;
    let j = p;
    while (j < e && ANCHOR_CHAR.test(t[j])) j++;
    if (j === p) throw BAIL;
    if (j < e) {
      const d = t.charCodeAt(j);
      if (d !== 32 && d !== 44 && d !== 93 && d !== 125) throw BAIL;
    }
    return j;
  }

  /** The value of alias `*name`, a copy counted value by value (the file's and the build's budgets). */
  private alias(name: string, line: number, column: number): Json {
    if (!this.anchors.has(name)) throw BAIL; // unknown: the complete reader reports it
    return this.clone(this.anchors.get(name) as Json, line, column);
  }

  private clone(v: Json, line: number, column: number): Json {
    if (++this.budget.used > this.budget.max) throw new Abort(tooManyValues(this.budget, line, column));
    if (!spendAliasValues(1)) throw new Abort(tooManyAliasValues(this.budget.file, line, column));
    if (v === null || typeof v !== 'object') return v;
    if (Array.isArray(v)) {
      const out: Json[] = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = this.clone(v[i], line, column);
      return out;
    }
    const out: JsonObject = {};
    for (const k of Object.keys(v)) setKey(out, k, this.clone(v[k], line, column));
    copyBareNulls(v, out);
    return out;
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
    if (c === 124 || c === 62) {
      // literal or folded block scalar
      const lit = this.blockScalar(q, e, indent);
      // The positioned tree (kforge's own inputs, kfile.ts) holds the block as go-yaml reads
      // it, without the folded round trip of Kustomize's resource writer.
      if (this.rec) this.scalarNode(line, column, this.blockRead as string, this.blockRead as string, true);
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
      const r = this.flow(q, e, indent);
      v = r.value;
      end = r.end;
      e = this.ends[this.line];
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

  /**
   * A flow collection whose bracket is at p on the current line; returns its value and
   * the index after its closing bracket (on the line this.line then names). It may run
   * over several lines, each indented more than `indent` (the owning block collection's
   * indentation; a line that only closes may sit at it), with comments at line ends.
   */
  private flow(p: number, e: number, indent: number, nested = false): { value: Json; end: number } {
    const t = this.text;
    const open = t.charCodeAt(p);
    const isMap = open === 123;
    const close = isMap ? 125 : 93;
    this.count();
    this.enter(this.line, p - this.starts[this.line]);
    const arr: Json[] = [];
    const obj: JsonObject = {};
    const node: PNode | undefined = this.rec
      ? isMap
        ? { kind: 'map', line: this.line + 1, column: p - this.starts[this.line] + 1, pairs: [] }
        : { kind: 'seq', line: this.line + 1, column: p - this.starts[this.line] + 1, items: [] }
      : undefined;
    let i = p + 1;
    // Skips spaces, comments and line breaks (to the next line of the collection).
    const ws = () => {
      for (;;) {
        while (i < e && t.charCodeAt(i) === 32) i++;
        if (i < e) {
          if (t.charCodeAt(i) !== 35) return;
          // a comment: only after white space
          if (i > this.starts[this.line] && t.charCodeAt(i - 1) !== 32) throw BAIL;
          i = e;
        }
        this.line++;
        if (this.line >= this.starts.length || this.isMarker(this.line)) throw BAIL;
        const s = this.starts[this.line];
        e = this.ends[this.line];
        i = s;
        while (i < e && t.charCodeAt(i) === 32) i++;
        if (i === e || t.charCodeAt(i) === 35) continue;
        if (i - s <= indent) {
          const d = t.charCodeAt(i);
          // (a line that only closes the outermost collection may sit at the owner's indentation)
          if (nested || !(i - s === indent && d === close && CLOSE_ONLY.test(t.slice(i + 1, e)))) throw BAIL;
        }
      }
    };
    ws();
    if (t.charCodeAt(i) === close) {
      this.node = node;
      this.depth--;
      return { value: isMap ? obj : arr.slice(), end: i + 1 };
    }
    for (;;) {
      ws();
      let key: string | undefined;
      const keyLine = this.line + 1;
      const keyColumn = i - this.starts[this.line] + 1;
      if (isMap) {
        const k = this.flowScalar(i, e, true);
        if (typeof k.value !== 'string' || k.value === '<<') throw BAIL;
        if (k.plain) {
          const r = resolvePlain(k.value);
          if (typeof r !== 'string' || r !== k.value || isTimestamp(k.value)) throw BAIL;
        }
        key = k.value;
        i = k.end;
        while (i < e && t.charCodeAt(i) === 32) i++; // a key's `:` is on its line
        if (t.charCodeAt(i) !== 58) throw BAIL;
        i++;
        if (i < e && t.charCodeAt(i) !== 32) throw BAIL;
        ws();
        if (hasOwn.call(obj, key)) throw BAIL;
      }
      let v: Json;
      let anchor: string | undefined;
      let c = t.charCodeAt(i);
      if (c === 38) {
        if (this.rec) throw BAIL;
        const nameEnd = this.anchorEnd(i + 1, e);
        if (nameEnd >= e || t.charCodeAt(nameEnd) !== 32) throw BAIL; // `&a` with no value on its line
        anchor = t.slice(i + 1, nameEnd);
        i = nameEnd;
        while (i < e && t.charCodeAt(i) === 32) i++;
        c = t.charCodeAt(i);
        if (i >= e || c === 38 || c === 42 || c === 33 || c === 44 || c === close || c === 35) throw BAIL;
      }
      if (c === 42) {
        if (this.rec || anchor !== undefined) throw BAIL;
        const nameEnd = this.anchorEnd(i + 1, e);
        v = this.alias(t.slice(i + 1, nameEnd), this.line + 1, i - this.starts[this.line] + 1);
        i = nameEnd;
      } else if (c === 91 || c === 123) {
        const r = this.flow(i, e, indent, true);
        v = r.value;
        i = r.end;
        e = this.ends[this.line];
      } else {
        const r = this.flowScalar(i, e, false);
        v = r.value;
        i = r.end;
      }
      if (anchor !== undefined) this.anchors.set(anchor, v);
      if (isMap) setKey(obj, key as string, v);
      else arr.push(v);
      if (node) {
        if (isMap) (node.pairs as PPair[]).push({ key: key as string, keyLine, keyColumn, value: this.node as PNode });
        else (node.items as PNode[]).push(this.node as PNode);
      }
      ws();
      const d = t.charCodeAt(i);
      if (d === 44) {
        i++;
        ws();
        if (t.charCodeAt(i) !== close) continue; // else a trailing comma
      } else if (d !== close) throw BAIL;
      this.node = node;
      this.depth--;
      return { value: isMap ? obj : arr.slice(), end: i + 1 };
    }
  }

  private flowScalar(i: number, e: number, isKey: boolean): { value: Json; end: number; plain: boolean } {
    const t = this.text;
    const c = t.charCodeAt(i);
    if (!isKey) this.count();
    if (c === 34 || c === 39) {
      const end = this.quotedEnd(i, e);
      if (end < 0) throw BAIL;
      const s = this.quoted(i, end);
      if (this.rec) this.scalarNode(this.line + 1, i - this.starts[this.line] + 1, s, s);
      return { value: s, end, plain: false };
    }
    let j = i;
    for (; j < e; j++) {
      const d = t.charCodeAt(j);
      if (d === 44 || d === 91 || d === 93 || d === 123 || d === 125) break;
      if (d === 58 && (j + 1 >= e || t.charCodeAt(j + 1) === 32 || FLOW_PLAIN_STOP.test(t[j + 1]))) break;
      if (d === 35 && t.charCodeAt(j - 1) === 32) break; // a comment ends the scalar
    }
    let pe = j;
    while (pe > i && t.charCodeAt(pe - 1) === 32) pe--;
    const s = t.slice(i, pe);
    // (a `:` inside a value is text, `host:8080`; keys with one are left to the complete reader)
    if (s.length === 0 || !this.plainOk(s, true) || (isKey && s.indexOf(':') >= 0)) throw BAIL;
    if (isKey) return { value: s, end: pe, plain: true };
    const r = resolvePlain(s);
    if (r === MERGE || r === NOT_JSON) throw BAIL;
    if (this.rec) this.scalarNode(this.line + 1, i - this.starts[this.line] + 1, typeof r === 'string' ? s : (r as PNode['value']), s, false, true);
    return { value: r, end: pe, plain: true };
  }

  /**
   * A block scalar whose `|` or `>` is at q on the current line, with any chomping
   * (`-`, `+`) and indentation (1-9) indicator. The value is the `yaml` package's (its
   * resolveBlockScalar rules, folding included), then what Kustomize's round trip makes
   * of it (blockScalarAsKustomizeKeepsIt), exactly as the complete reader gives it.
   */
  private blockScalar(q: number, e: number, indent: number): string {
    const t = this.text;
    const folded = t.charCodeAt(q) === 62;
    let i = q + 1;
    let chomp = 0; // 0 clip, 45 strip, 43 keep
    let indicator = 0;
    for (let k = 0; k < 2 && i < e; k++) {
      const h = t.charCodeAt(i);
      if (chomp === 0 && (h === 45 || h === 43)) chomp = h;
      else if (indicator === 0 && h >= 49 && h <= 57) indicator = h - 48;
      else break;
      i++;
    }
    const headerEnd = i;
    while (i < e && t.charCodeAt(i) === 32) i++;
    if (i < e && t.charCodeAt(i) !== 35) throw BAIL; // junk after the header
    if (i < e && i === headerEnd) throw BAIL; // `|#`
    // At a document's root the indicator counts from the document's indentation.
    if (indicator > 0 && indent < 0) throw BAIL;
    this.count();
    const nLines = this.starts.length;
    let l = this.line + 1;
    let trim = indicator > 0 ? indent + indicator : -1;
    // Each line of the block: its indentation (spaces) and what follows ('' when blank).
    const inds: number[] = [];
    const contents: string[] = [];
    let maxLeadingBlank = 0;
    let started = false;
    for (; l < nLines; l++) {
      const s = this.starts[l];
      const le = this.ends[l];
      let p = s;
      while (p < le && t.charCodeAt(p) === 32) p++;
      const ind = p - s;
      if (p === le) {
        if (!started) maxLeadingBlank = Math.max(maxLeadingBlank, ind);
        inds.push(ind);
        contents.push('');
        continue;
      }
      if (!started) {
        if (ind <= indent) break;
        if (t.charCodeAt(p) === 9) throw BAIL;
        if (indicator > 0) {
          if (ind < trim) throw BAIL; // less indented than the indicator says
        } else {
          trim = ind;
          if (maxLeadingBlank > trim) throw BAIL;
        }
        started = true;
      } else if (ind < trim) break;
      if (ind === 0 && (t.startsWith('---', s) || t.startsWith('...', s))) {
        if (!this.isMarker(l)) throw BAIL;
        break;
      }
      inds.push(ind);
      contents.push(t.slice(p, le));
    }
    let out = '';
    if (!started) {
      // no content: only blank lines (or nothing)
      if (indicator > 0 && maxLeadingBlank > trim) throw BAIL;
      // (an unterminated last line adds no line break, unless it is the only one)
      if (chomp === 43) out = '\n'.repeat(l === nLines && !t.endsWith('\n') && inds.length > 1 ? inds.length - 1 : inds.length);
    } else {
      // An unterminated last line of the text adds no line break.
      let n = inds.length;
      if (l === nLines && !t.endsWith('\n') && n > 0 && contents[n - 1] === '' && inds[n - 1] <= trim) n--;
      let first = 0;
      while (contents[first] === '') first++;
      // Trailing blank lines are chomped, unless more indented than the content. (Unless
      // kept (`+`), those no more indented than the first content line are not part of the
      // block at all for the `yaml` package, even when an indicator sets a smaller indentation.)
      const keepAbove = chomp === 43 ? trim : inds[first];
      let last = n;
      while (last > 0 && contents[last - 1] === '' && inds[last - 1] <= keepAbove) last--;
      for (let k = 0; k < first; k++) out += inds[k] > trim ? ' '.repeat(inds[k] - trim) + '\n' : '\n';
      let sep = '';
      let prevMore = false;
      for (let k = first; k < last; k++) {
        const ind = inds[k];
        const c = contents[k];
        const extra = ind > trim ? ' '.repeat(ind - trim) : '';
        if (!folded) {
          out += sep + extra + c;
          sep = '\n';
        } else if (ind > trim || c.charCodeAt(0) === 9) {
          // a more-indented line: its line breaks are kept
          if (sep === ' ') sep = '\n';
          else if (!prevMore && sep === '\n') sep = '\n\n';
          out += sep + extra + c;
          sep = '\n';
          prevMore = true;
        } else if (c === '') {
          if (sep === '\n') out += '\n';
          else sep = '\n';
        } else {
          out += sep + c;
          sep = ' ';
          prevMore = false;
        }
      }
      if (chomp === 0) out += '\n';
      else if (chomp === 43) out += '\n'.repeat(n - last + 1);
    }
    if (out.charCodeAt(0) === 9) throw BAIL;
    const end = l < nLines ? this.starts[l] : t.length;
    const where = () => ({ file: this.budget.file, line: this.line + 1, column: q - this.starts[this.line] + 1 });
    if (this.rec) this.blockRead = blockScalarAsKustomizeKeepsIt(out, 'rebuilt', t, end, where);
    out = blockScalarAsKustomizeKeepsIt(out, this.at === AT_ANNOTATION ? 'rebuilt' : folded ? 'folded' : 'literal', t, end, where);
    if (folded) this.folded = true;
    this.line = l;
    const ind = this.nextContent();
    if (ind > indent) throw BAIL;
    return out;
  }
}

/**
 * The fast reader's documents, or undefined when the complete reader must run. Throws
 * Abort (KF1012) when the file holds more values than its budget or nests too deep.
 * `limit` is the file's budget (shared with the complete reader) or its size.
 */
export function fastParse(text: string, limit: Budget | number = MAX_YAML_NODES): FastDoc[] | undefined {
  if (text.indexOf('\t') >= 0 && /^[ ]*\t/m.test(text)) return undefined;
  const budget = typeof limit === 'number' ? { file: '', used: 0, max: limit } : limit;
  const before = budget.used;
  const aliasBefore = aliasValuesSpent();
  try {
    return new FastReader(text, budget).read();
  } catch (e) {
    if (e instanceof Bail || e instanceof RangeError) {
      budget.used = before;
      restoreAliasValuesSpent(aliasBefore);
      return undefined;
    }
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
    docs = new FastReader(text, { file: '', used: 0, max: maxNodes }, true).read();
  } catch (e) {
    // Too large or too deep (Abort): the complete reader reports it.
    if (e instanceof Bail || e instanceof RangeError || e instanceof Abort) return undefined;
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
