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
import type { Diagnostic, Result } from '../../types.js';
import { Abort, type Budget, checkSeparators, checkText, decodeUtf8, MAX_YAML_NODES, type YamlDoc, type YamlLimits } from './common.js';
import { parseComplete } from './complete.js';
import { fastParse } from './fast.js';
import { diag, DiagnosticError } from '../../diagnostics.js';
import { nodeFs } from '../../fs.js';

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
 * Reads a file that is not part of a build (the policy folders: vendored CRDs, admission
 * objects, waivers) with the bound a build's files have: the size is checked before the file
 * is read (KF1012). A file that cannot be read is KF1002.
 */
export function readBoundedFile(abs: string, shown: string): Result<Uint8Array> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = nodeFs().readFile(abs);
  } catch (e) {
    if (e instanceof DiagnosticError) return { value: undefined, diagnostics: e.diagnostics.map((d) => (d.location ? { ...d, location: { ...d.location, file: shown } } : d)) };
    throw e;
  }
  if (bytes === undefined) {
    // listed a moment before, so there but unreadable (permissions), or gone since: said, not skipped
    return { value: undefined, diagnostics: [diag('KF1002', `cannot read ${shown}`, { location: { file: shown, line: 1, column: 1 }, hint: 'check that the file exists and that kforge may read it' })] };
  }
  return { value: bytes, diagnostics: [] };
}

/**
 * Reads and parses a YAML file that is not part of a build (readBoundedFile), then counts
 * aliases, values and nesting as parseYamlDocuments counts them.
 */
export function readYamlFile(abs: string, shown: string): Result<YamlDoc[]> {
  const read = readBoundedFile(abs, shown);
  return read.value === undefined ? { value: undefined, diagnostics: read.diagnostics } : parseYamlDocuments(read.value, shown);
}

/** The lines kyaml's kio reader splits a file at: each starting with `---`, after a line break. */
const pieceSeparators = (): RegExp => /\n---[^\n]*\n/g;

/** Whether kio's reader takes `text` as one piece (no line splits it; firstPerPiece). */
export function isOnePiece(text: string): boolean {
  return !pieceSeparators().test(text);
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
  const re = pieceSeparators();
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
  // One count of values for the whole file, whichever reader reads each document.
  const budget: Budget = { file, used: 0, max: limits.maxNodes ?? MAX_YAML_NODES };
  let fast: ReturnType<typeof fastParse>;
  try {
    fast = fastParse(text, budget);
  } catch (e) {
    if (e instanceof Abort) return { value: undefined, diagnostics: [e.diagnostic], text };
    throw e;
  }
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
      const part = parseComplete(text.slice(d.offset, d.end), file, limits, budget);
      // A limit reached (KF1012) is reported where the part says, not by reading the whole
      // text again (which would count from zero, and costs memory on a huge file).
      if (!part.value && part.diagnostics.some((x) => x.code === 'KF1012')) return { value: undefined, diagnostics: part.diagnostics.map((x) => shifted(x, line - 1)), text };
      if (!part.value || part.value.length > 1) return { ...parseComplete(text, file, limits), text };
      for (const p of part.value) out.push({ value: p.value, index: d.index, line: line + p.line - 1, column: p.column });
    }
    return { value: out, diagnostics: [], text };
  }
  return { ...parseComplete(text, file, limits), text };
}

/** A diagnostic of a part of the text that starts at a line start, placed in the whole text. */
function shifted(d: Diagnostic, lines: number): Diagnostic {
  const at = d.location;
  return at && at.line !== undefined ? { ...d, location: { ...at, line: at.line + lines } } : d;
}
