/**
 * Reading a resource file ahead, in the read-ahead worker (compiler/fs-read-ahead.ts; issue 15).
 * At N = 5,000 apps the build's main thread spent about a tenth of its time reading the
 * YAML of 15,000 small resource files. The worker, which has already read a base's files by
 * the time the build reaches them, reads their YAML too and hands over the documents as
 * JSON text, which the build turns back into values several times faster (JSON.parse) than
 * it reads YAML.
 *
 * Only what survives that trip unchanged is handed over: a file that is UTF-8 without a NUL,
 * reads without a single diagnostic and without an alias (aliases count against the build's
 * budget, which is the build's to count), and whose values are plain JSON (no marks kept on
 * the side, such as a bare `key:` or a folded annotation; no -0). Anything else is left to the
 * build, which reads the bytes as it always has, so the result is the same either way.
 */
import type { Json, JsonObject } from '../../types.js';
import { aliasValuesSpent, resetBuildBudget, UTF8, type YamlDoc } from './common.js';
import { parseYamlDocuments } from './read.js';

/**
 * The documents parseYamlDocuments gives for `bytes`, as JSON text; undefined when the build must
 * read them itself. For the worker (and tests): it starts an alias budget of its own, so never
 * call it in the middle of a build on the build's thread.
 */
export function preParse(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    return undefined;
  }
  // within a build's budget, an alias shows as values spent
  resetBuildBudget();
  const r = parseYamlDocuments(text, '');
  if (r.value === undefined || r.diagnostics.length > 0 || aliasValuesSpent() !== 0) return undefined;
  for (const d of r.value) if (!plainJson(d.value)) return undefined;
  return JSON.stringify(r.value);
}

/** The documents preParse handed over. */
export function fromPreParsed(json: string): YamlDoc[] {
  return JSON.parse(json) as YamlDoc[];
}

/** Whether `v` comes back from JSON.stringify and JSON.parse as it is. */
export function plainJson(v: Json): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (typeof v !== 'object') return false;
  if (Object.getOwnPropertySymbols(v).length > 0) return false;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!(i in v) || !plainJson(v[i])) return false;
    return true;
  }
  if (Object.getPrototypeOf(v) !== Object.prototype) return false;
  const o = v as JsonObject;
  for (const k in o) if (!plainJson(o[k])) return false;
  return true;
}
