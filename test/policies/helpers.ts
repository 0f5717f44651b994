import { LineCounter, parseAllDocuments } from 'yaml';
import type { Environment, JsonObject, Origin, Resource } from '../../compiler/types.js';
import { idFromObject } from '../../compiler/resource-map.js';
import { locateInText } from '../../policies/locate.js';
import { runChecks } from '../../policies/index.js';
import type { LocateField, Report } from '../../policies/types.js';
import type { RunOptions } from '../../policies/engine.js';

function deepFreeze<T>(x: T): T {
  if (x && typeof x === 'object') {
    Object.freeze(x);
    for (const v of Object.values(x as object)) deepFreeze(v);
  }
  return x;
}

/** Rendered resources from YAML text, each with a fake origin: the file and the line of its document. */
export function fromYaml(text: string, file = 'test.yaml', origin: Partial<Origin> = {}): Resource[] {
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lc });
  if (!Array.isArray(docs)) throw new Error('bad yaml');
  const out: Resource[] = [];
  docs.forEach((doc, i) => {
    if (doc.errors.length) throw new Error(doc.errors[0].message);
    const obj = doc.toJSON() as JsonObject | null;
    if (!obj) return;
    const start = doc.contents?.range?.[0] ?? 0;
    const pos = lc.linePos(start);
    const id = idFromObject(obj);
    out.push(
      deepFreeze({
        id,
        originalId: id,
        previousNames: [],
        previousNamespaces: [],
    previousIds: [],
        prefixes: [],
        suffixes: [],
        object: obj,
        origin: { location: { file, line: pos.line, column: pos.col }, documentIndex: i, kustomizations: [], fieldSources: [], ...origin },
      }),
    );
  });
  return out;
}

/** A locateField over in-memory files. */
export function locateFieldFrom(files: Record<string, string>): LocateField {
  return (file, docIndex, pointer) => (files[file] === undefined ? undefined : locateInText(files[file], docIndex, pointer));
}

export function env(name = 'dev', extra: Partial<Environment> = {}): Environment {
  return { name, kubernetesVersion: '1.31', ...extra };
}

export const TODAY = '2026-11-21';

/** Runs only `check` over the YAML (one file) in an environment. */
export function run(check: string | undefined, yaml: string, envName = 'dev', extra: Partial<Environment> = {}, opts: Partial<RunOptions> = {}): Report {
  const rs = fromYaml(yaml, 'test.yaml');
  return runChecks(rs, env(envName, extra), {
    today: TODAY,
    locateField: locateFieldFrom({ 'test.yaml': yaml }),
    ...(check ? { only: [check] } : {}),
    ...opts,
  });
}

/** `id@line` of each active finding, in report order. */
export function hits(r: Report): string[] {
  return r.findings.filter((f) => !f.waived).map((f) => `${f.id}@${f.source?.line ?? '?'}`);
}

/** Line number (1-based) of the first line containing `needle`. */
export function lineOf(text: string, needle: string, from = 0): number {
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`not found: ${needle}`);
  return text.slice(0, i).split('\n').length;
}
