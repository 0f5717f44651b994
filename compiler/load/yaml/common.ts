/**
 * What every part of kforge's YAML reader shares (see index.ts for the map): the result
 * and limit types, the `yaml` package's parse options, the input checks made before
 * any reader runs (UTF-8, size, NUL and control characters, `---` separators), and
 * the error that carries a diagnostic out of a walk.
 */
import { diag } from '../../diagnostics.js';
import type { Diagnostic, Json, JsonObject, Result } from '../../types.js';

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
/** Values made by alias expansion in one build, all files together (KF1012). */
export const MAX_BUILD_ALIAS_VALUES = 1_000_000;
/**
 * Nesting (collections inside collections) beyond which a document is refused (KF1012),
 * by both readers alike: deeper documents would exhaust the call stack of the `yaml`
 * package (about 800 levels) and of the stages after reading.
 */
export const MAX_YAML_DEPTH = 512;

/**
 * What one file may still hold: the count of values read so far, shared by both readers
 * and all documents of the file (a file's documents cannot each start again at zero).
 */
export interface Budget {
  file: string;
  used: number;
  max: number;
}

/**
 * Values made by alias expansion since the current build started, or undefined outside a
 * build (a reader called on its own has only the per-file limit).
 */
let buildAliasValues: number | undefined;
let buildGeneration = 0;

/**
 * Starts a build's alias budget (compiler/transform's build() calls it first). A build is
 * synchronous, so the budget ends with the current task: a microtask closes it.
 */
export function resetBuildBudget(): void {
  buildAliasValues = 0;
  const mine = ++buildGeneration;
  queueMicrotask(() => {
    if (buildGeneration === mine) buildAliasValues = undefined;
  });
}

/** Counts `n` values made by expanding an alias; false when the build's budget is spent. */
export function spendAliasValues(n: number): boolean {
  if (buildAliasValues === undefined) return true;
  buildAliasValues += n;
  return buildAliasValues <= MAX_BUILD_ALIAS_VALUES;
}

/** The build's alias values spent so far (undefined outside a build), to undo a reader's work it gives up on. */
export function aliasValuesSpent(): number | undefined {
  return buildAliasValues;
}

/** Puts back what aliasValuesSpent returned (a document the fast reader left to the complete one). */
export function restoreAliasValuesSpent(n: number | undefined): void {
  if (n !== undefined && buildAliasValues !== undefined) buildAliasValues = n;
}

/** KF1012 for a file with more values than its budget allows. */
export function tooManyValues(budget: Budget, line: number, column: number): Diagnostic {
  return diag('KF1012', `the file holds more than ${budget.max} values (each alias counted as the values it expands to)`, {
    location: { file: budget.file, line, column },
    hint: 'split the data into several files; aliases that repeat aliases grow exponentially ("billion laughs")',
  });
}

/** KF1012 for a build whose aliases, over all its files, expand to too many values. */
export function tooManyAliasValues(file: string, line: number, column: number): Diagnostic {
  return diag('KF1012', `the aliases of this build expand to more than ${MAX_BUILD_ALIAS_VALUES} values (all files together)`, {
    location: { file, line, column },
    hint: 'write the data out instead of repeating it through aliases ("billion laughs")',
  });
}

/** KF1012 for a document nested deeper than MAX_YAML_DEPTH. */
export function tooDeep(file: string, line: number, column: number): Diagnostic {
  return diag('KF1012', `the YAML nesting is too deep (more than ${MAX_YAML_DEPTH} levels)`, {
    location: { file, line, column },
    hint: 'flatten the data: collections may nest at most ' + MAX_YAML_DEPTH + ' levels deep',
  });
}

export const PARSE_OPTIONS = {
  schema: 'failsafe',
  uniqueKeys: false,
  merge: false,
  keepSourceTokens: false,
  prettyErrors: false,
  strict: false,
} as const;

/** A user error found in a walk: carries its diagnostic out to the reader's caller. */
export class Abort extends Error {
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

export function setKey(o: JsonObject, k: string, v: Json): void {
  if (k === '__proto__') Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

export const hasOwn = Object.prototype.hasOwnProperty;

// Characters go-yaml's reader refuses ("control characters are not allowed").
const CONTROL_RE = /[\x01-\x08\x0B\x0C\x0E-\x1F\x7F-\x84\x86-\x9F\uFFFE\uFFFF\uD800-\uDFFF]/g;

/** Offset of the first character go-yaml refuses (controls, lone surrogates), or -1. */
export function findControl(text: string): number {
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

export function checkText(text: string, file: string, maxBytes = MAX_YAML_BYTES): Diagnostic | undefined {
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
export function checkSeparators(text: string, file: string): Diagnostic | undefined {
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

/** A character's Unicode name for messages: `U+0080`. */
export function codePointName(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The one strict UTF-8 decoder every file is read with (a leading BOM dropped; it keeps no
 * state between calls without `stream`).
 */
export const UTF8 = new TextDecoder('utf-8', { fatal: true });

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
    let text = UTF8.decode(bytes);
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
          UTF8.decode(bytes.subarray(i, i + n));
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
