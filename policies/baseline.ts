import type { Diagnostic } from '../compiler/types.js';
import type { Finding } from './types.js';
import { pdiag } from './codes.js';

/**
 * A baseline records accepted findings by check id, resource (group, kind, namespace, name)
 * and pointer — not by line, so it survives edits that move lines.
 */
export interface BaselineEntry {
  id: string;
  group: string;
  kind: string;
  namespace?: string;
  name: string;
  pointer?: string;
}

function groupOf(apiVersion: string): string {
  const i = apiVersion.lastIndexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

export function baselineKey(e: BaselineEntry): string {
  return [e.id, e.group, e.kind, e.namespace ?? '', e.name, e.pointer ?? ''].join('|');
}

export function entryOf(f: Finding): BaselineEntry {
  return {
    id: f.id,
    group: groupOf(f.resource.apiVersion),
    kind: f.resource.kind,
    ...(f.resource.namespace ? { namespace: f.resource.namespace } : {}),
    name: f.resource.name,
    ...(f.pointer !== undefined ? { pointer: f.pointer } : {}),
  };
}

/** Stable JSON text (sorted, deduplicated, trailing newline) of the findings not waived. */
export function serializeBaseline(findings: readonly Finding[]): string {
  const m = new Map<string, BaselineEntry>();
  for (const f of findings) if (!f.waived) m.set(baselineKey(entryOf(f)), entryOf(f));
  const keys = [...m.keys()].sort();
  return JSON.stringify({ version: 1, findings: keys.map((k) => m.get(k)) }, null, 2) + '\n';
}

export function parseBaseline(text: string, file = 'baseline.json'): { entries: BaselineEntry[]; diagnostics: Diagnostic[] } {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    return { entries: [], diagnostics: [pdiag('KF4107', 'error', `baseline is not JSON: ${(e as Error).message}`, { file, line: 1, column: 1 })] };
  }
  const list = Array.isArray(data) ? data : (data as { findings?: unknown })?.findings;
  if (!Array.isArray(list)) return { entries: [], diagnostics: [pdiag('KF4107', 'error', 'baseline must hold a `findings` list', { file, line: 1, column: 1 })] };
  const entries: BaselineEntry[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const x of list) {
    const e = x as Partial<BaselineEntry> & { resource?: { apiVersion?: string; kind?: string; namespace?: string; name?: string } };
    // accept both our own entries and the JSON report format (resource: {apiVersion, kind, namespace, name})
    const kind = e.kind ?? e.resource?.kind;
    const name = e.name ?? e.resource?.name;
    if (typeof e.id !== 'string' || typeof kind !== 'string' || typeof name !== 'string') {
      diagnostics.push(pdiag('KF4107', 'warning', 'baseline entry without id, kind or name skipped', { file, line: 1, column: 1 }));
      continue;
    }
    const namespace = e.namespace ?? e.resource?.namespace;
    entries.push({
      id: e.id,
      group: e.group ?? groupOf(e.resource?.apiVersion ?? ''),
      kind,
      ...(namespace ? { namespace } : {}),
      name,
      ...(typeof e.pointer === 'string' ? { pointer: e.pointer } : {}),
    });
  }
  return { entries, diagnostics };
}

/** Splits findings into those not in the baseline and the count of those in it. */
export function filterBaseline<T extends Finding>(findings: T[], baseline: readonly (BaselineEntry | Finding)[]): { kept: T[]; baselined: number } {
  const keys = new Set(baseline.map((b) => baselineKey('resource' in b ? entryOf(b as Finding) : (b as BaselineEntry))));
  const kept: T[] = [];
  let baselined = 0;
  for (const f of findings) {
    if (keys.has(baselineKey(entryOf(f)))) baselined++;
    else kept.push(f);
  }
  return { kept, baselined };
}
