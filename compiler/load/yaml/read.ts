/**
 * kforge's YAML reader. It yields the values Kustomize v5.5 holds after reading a
 * file: go-yaml v3 decoding (YAML 1.2 grammar with go-yaml's own plain-scalar
 * resolution, which keeps a few YAML 1.1 habits such as `0644` octal) followed by a
 * JSON round trip (timestamps become RFC 3339 strings, `.inf`/`.nan` and non-string
 * keys are refused, as Kustomize fails on them).
 *
 * Two readers: a fast line reader for the common subset of YAML (fast.ts) and, for
 * any document it does not handle or any error, the complete reader (complete.ts):
 * the `yaml` package parses with the failsafe schema (every scalar a string) and one
 * walk resolves plain scalars, tags, anchors, aliases and `<<` merge keys. Both give
 * identical results (test/yaml/fastpath.test.ts). This file is the entry that picks
 * between them.
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
 * the value YAML defines (see "Block scalars as Kustomize keeps them" in scalars.ts).
 *
 * Known differences from Kustomize: integers beyond 2^53 lose precision (JSON numbers
 * are doubles here); a raw U+0085/U+2028/U+2029 in the text is content here but a
 * line break for go-yaml. (A folded (`>`) annotation value of a resource that a JSON
 * 6902 patch touches gets the folded-writer round trip then: load/folded-mark.ts.)
 */
import type { Result } from '../../types.js';
import { checkSeparators, checkText, decodeUtf8, MAX_YAML_NODES, type YamlDoc, type YamlLimits } from './common.js';
import { parseComplete } from './complete.js';
import { fastParse } from './fast.js';

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
