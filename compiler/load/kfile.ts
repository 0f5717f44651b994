import type { Document, Node as YNode, YAMLError } from 'yaml';
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseAllDocuments, parseDocument } from './yaml/package.js';
import type { Diagnostic, Json, JsonObject, SourceLocation } from '../types.js';
import { MERGE, NOT_JSON, parseComplete, parseWithPositions, parseYamlDocuments, resolvePlain, type PNode, type PPair } from './yaml/index.js';

export type { PNode, PPair };

/** Positions of the nodes of a positioned tree that was read from (or placed in) `file`. */
export class NodeView {
  constructor(
    readonly file: string,
    readonly text: string,
  ) {}

  /** The file position of a node (a fresh object). */
  at(node: PNode | null | undefined, fallback?: SourceLocation): SourceLocation {
    if (!node) return fallback ?? { file: this.file, line: 1, column: 1 };
    return { file: this.file, line: node.line, column: node.column };
  }

  /** The file position of a mapping entry's key. */
  keyAt(pair: PPair): SourceLocation {
    return { file: this.file, line: pair.keyLine, column: pair.keyColumn };
  }

  /** The position of an offset in the text; here only the file's start (see PositionedYaml). */
  offsetAt(_offset: number): SourceLocation {
    return { file: this.file, line: 1, column: 1 };
  }
}

/**
 * A small positioned view over a YAML file, used for kforge's own inputs
 * (kustomization files and the files they name): every value keeps the line and
 * column it was written at, as a tree of `PNode`s.
 *
 * The tree comes from the fast line reader (compiler/load/yaml/fast.ts) when it handles
 * the text, otherwise from the `yaml` package, which also reports the errors. Both give
 * the same tree (test/load/kfile.test.ts). Plain scalars are resolved with go-yaml's
 * rules (`resolvePlain`), except that one that stays a string keeps its text.
 */
export class PositionedYaml extends NodeView {
  /** The root value; null for an empty document (or when `errors` is not empty). */
  readonly root: PNode | null;
  /** YAML errors (from the `yaml` package); empty when the text was read. */
  readonly errors: readonly YAMLError[];
  /**
   * Set when the text parses but cannot be used: an unknown alias (KF1003) or aliases
   * that expand to too many values (KF1012). `root` is then null.
   */
  readonly diagnostic: Diagnostic | undefined;
  /** Whether the fast reader read the text. */
  readonly fast: boolean;
  private lines: LineCounter | undefined;

  constructor(file: string, text: string, options: { fast?: boolean; uniqueKeys?: boolean } = {}) {
    super(file, text);
    const fast = options.fast === false ? undefined : parseWithPositions(text);
    if (fast && fast.root) {
      this.root = fast.root;
      this.errors = [];
      this.diagnostic = undefined;
      this.fast = true;
      return;
    }
    this.fast = false;
    this.lines = new LineCounter();
    // `uniqueKeys: false` reads a repeated key as its own entry (the caller decides which wins).
    const doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: options.uniqueKeys !== false, prettyErrors: false, strict: true });
    this.errors = doc.errors;
    this.diagnostic = undefined;
    if (doc.errors.length) {
      this.root = null;
      return;
    }
    const contents = doc.contents as YNode | null;
    const st: Walk = { doc, lc: this.lines, memo: new Map(), active: new Set(), aliases: false };
    this.root = contents === null || contents === undefined ? null : fromYaml(contents, st);
    if (st.aliases) {
      // Aliases share their anchor's node here; the complete reader checks that each
      // one is defined and that expanding them stays within the limits.
      const check = parseComplete(text, file);
      if (!check.value) {
        this.diagnostic = check.diagnostics[0];
        this.root = null;
      }
    }
  }

  override offsetAt(offset: number): SourceLocation {
    const lc = (this.lines ??= lineCounterOf(this.text));
    const p = lc.linePos(offset);
    return { file: this.file, line: p.line, column: p.col };
  }
}

/**
 * Every non-empty document of a text as a positioned tree, for small multi-document inputs
 * (builtin plugin configurations). YAML errors come from the resource reader, which places
 * them best; `docs` is then undefined.
 */
export function positionedDocuments(file: string, text: string): { docs?: { root: PNode; index: number }[]; diagnostics: Diagnostic[] } {
  const checked = parseYamlDocuments(text, file);
  if (!checked.value) return { diagnostics: checked.diagnostics };
  const lc = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false, strict: true });
  const all = (Array.isArray(parsed) ? parsed : [parsed]) as Document.Parsed[];
  const docs: { root: PNode; index: number }[] = [];
  all.forEach((doc, index) => {
    const contents = doc.contents as YNode | null;
    if (contents === null || contents === undefined) return;
    docs.push({ root: fromYaml(contents, { doc, lc, memo: new Map(), active: new Set(), aliases: false }), index });
  });
  return { docs, diagnostics: [] };
}

/** A JSON value as a tree whose every node is placed at `at` (for objects that have no text of their own). */
export function jsonToPNode(v: Json, at: { line: number; column: number }): PNode {
  if (Array.isArray(v)) return { kind: 'seq', ...at, items: v.map((x) => jsonToPNode(x, at)) };
  if (v !== null && typeof v === 'object') {
    return { kind: 'map', ...at, pairs: Object.entries(v).map(([key, x]) => ({ key, keyLine: at.line, keyColumn: at.column, value: jsonToPNode(x, at) })) };
  }
  return { kind: 'scalar', ...at, value: v, source: v === null ? '' : String(v) };
}

/** Moves every position of a tree by `lines` and `columns` (a text embedded in another file). */
export function shiftPNode(n: PNode, lines: number, columns: number, seen = new Set<PNode>()): void {
  if (seen.has(n)) return; // an alias shares its anchor's tree
  seen.add(n);
  n.line += lines;
  n.column += columns;
  for (const it of n.items ?? []) shiftPNode(it, lines, columns, seen);
  for (const p of n.pairs ?? []) {
    p.keyLine += lines;
    p.keyColumn += columns;
    shiftPNode(p.value, lines, columns, seen);
  }
}

function lineCounterOf(text: string): LineCounter {
  const lc = new LineCounter();
  lc.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lc.addNewLine(i + 1);
  return lc;
}

function scalarOf(v: unknown): PNode['value'] {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return String(v);
}

interface Walk {
  doc: Document.Parsed;
  lc: LineCounter;
  /** Trees of anchored nodes already built: an alias shares its anchor's tree. */
  memo: Map<YNode, PNode>;
  /** Nodes being built (an alias to one of them is a cycle). */
  active: Set<YNode>;
  aliases: boolean;
}

/** The tree of a `yaml` package node (an alias gives the tree of its anchored node). */
function fromYaml(n: YNode, st: Walk): PNode {
  const { doc, lc } = st;
  const pos = (x: unknown, or?: { line: number; column: number }): { line: number; column: number } => {
    const range = (x as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return or ?? { line: 1, column: 1 };
    const p = lc.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
  const here = pos(n);
  if (isAlias(n)) {
    st.aliases = true;
    const target = n.resolve(doc) as YNode | undefined;
    if (!target || st.active.has(target)) return { kind: 'scalar', ...here, value: null, source: '' };
    const done = st.memo.get(target);
    if (done) return done;
    return fromYaml(target, st);
  }
  const anchored = !!(n as { anchor?: string }).anchor;
  if (anchored) st.active.add(n);
  const out = fromYamlNode(n, here, st);
  if (anchored) {
    st.active.delete(n);
    st.memo.set(n, out);
  }
  return out;
}

function fromYamlNode(n: YNode, here: { line: number; column: number }, st: Walk): PNode {
  const { lc } = st;
  const pos = (x: unknown, or?: { line: number; column: number }): { line: number; column: number } => {
    const range = (x as { range?: [number, number, number] } | null | undefined)?.range;
    if (!range) return or ?? { line: 1, column: 1 };
    const p = lc.linePos(range[0]);
    return { line: p.line, column: p.col };
  };
  if (isMap(n)) {
    const pairs: PPair[] = [];
    for (const p of n.items) {
      const k = p.key as YNode | null;
      const key = isScalar(k) ? String(k.value) : isAlias(k) ? String(fromYaml(k, st).value) : '';
      const kp = pos(k, here);
      const v = p.value as YNode | null;
      pairs.push({ key, keyLine: kp.line, keyColumn: kp.column, value: v ? fromYaml(v, st) : { kind: 'scalar', ...kp, value: null, source: '' } });
    }
    return { kind: 'map', ...here, pairs };
  }
  if (isSeq(n)) {
    const items: PNode[] = [];
    for (const it of n.items as unknown[]) {
      if (isPair(it)) {
        // `!!omap`/`!!pairs` entries: one-key mappings.
        const k = it.key as YNode | null;
        const kp = pos(k, here);
        const v = it.value as YNode | null;
        items.push({
          kind: 'map',
          ...kp,
          pairs: [{ key: isScalar(k) ? String(k.value) : '', keyLine: kp.line, keyColumn: kp.column, value: v ? fromYaml(v, st) : { kind: 'scalar', ...kp, value: null, source: '' } }],
        });
      } else if (it === null || it === undefined) items.push({ kind: 'scalar', ...here, value: null, source: '' });
      else items.push(fromYaml(it as YNode, st));
    }
    return { kind: 'seq', ...here, items };
  }
  if (isScalar(n)) {
    const source = typeof n.source === 'string' ? n.source : typeof n.value === 'string' ? n.value : String(n.value ?? '');
    let value: PNode['value'];
    if (n.type === 'PLAIN' && n.tag === undefined) {
      const r = resolvePlain(source);
      value = r === MERGE ? '<<' : r === NOT_JSON ? scalarOf(n.value) : typeof r === 'string' ? source : (r as PNode['value']);
    } else value = scalarOf(n.value);
    const node: PNode = { kind: 'scalar', ...here, value, source };
    if (n.type === 'BLOCK_LITERAL' || n.type === 'BLOCK_FOLDED') node.block = true;
    else if (n.type === 'PLAIN' && n.tag === undefined && source !== '') node.plain = true;
    return node;
  }
  return { kind: 'scalar', ...here, value: null, source: '' };
}

/** The plain value of a tree (mappings become objects, sequences arrays). */
export function toJson(n: PNode | null): Json {
  if (n === null) return null;
  if (n.kind === 'scalar') return n.value ?? null;
  if (n.kind === 'seq') return (n.items as PNode[]).map(toJson);
  const o: JsonObject = {};
  for (const p of n.pairs as PPair[]) {
    const v = toJson(p.value);
    if (p.key === '__proto__') Object.defineProperty(o, p.key, { value: v, enumerable: true, writable: true, configurable: true });
    else o[p.key] = v;
  }
  return o;
}

/** The entry of a mapping node with this key (the first one). */
export function pairOf(m: PNode, key: string): PPair | undefined {
  return m.pairs?.find((p) => p.key === key);
}

export const isMapNode = (n: PNode | null | undefined): n is PNode => !!n && n.kind === 'map';
export const isSeqNode = (n: PNode | null | undefined): n is PNode => !!n && n.kind === 'seq';
export const isScalarNode = (n: PNode | null | undefined): n is PNode => !!n && n.kind === 'scalar';
