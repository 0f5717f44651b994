/**
 * Position lookup: where the value at a JSON pointer is written in a YAML text (for
 * diagnostics and policy findings). The fast reader's positions when it handles the
 * text, else the `yaml` package's nodes.
 */
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from './package.js';
import type { Document, Node as YNode, YAMLMap, YAMLSeq } from 'yaml';
import { PARSE_OPTIONS } from './common.js';
import { parseWithPositions } from './fast.js';

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
  return locateWithYaml(text, docIndex, pointer);
}

/** locatePointer through the `yaml` package's nodes only (what the fast reader's positions must equal). */
export function locateWithYaml(text: string, docIndex: number, pointer: string): { line: number; column: number } | undefined {
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
