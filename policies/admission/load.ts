/**
 * The repository's own admission objects: `policies/admission/*.yaml` (policies, bindings and
 * the objects they take as params), read with kforge's located YAML reader so that findings
 * and compile errors point at their lines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, JsonObject, Resource } from '../../compiler/types.js';
import { splitApiVersion } from '../../compiler/types.js';
import { readYamlFile } from '../../compiler/load/yaml/index.js';
import { newResourceRecord } from '../../compiler/resource-map.js';

/** A resource read from a file outside the build (same shape, origin at its document). */
export function looseResource(object: JsonObject, file: string, documentIndex: number, line: number, column: number): Resource | undefined {
  const apiVersion = object.apiVersion;
  const kind = object.kind;
  const meta = object.metadata;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !meta || typeof meta !== 'object' || Array.isArray(meta) || typeof meta.name !== 'string') return undefined;
  const { group, version } = splitApiVersion(apiVersion);
  const namespace = typeof meta.namespace === 'string' ? meta.namespace : undefined;
  const id = { group, version, kind, name: meta.name, ...(namespace ? { namespace } : {}) };
  return newResourceRecord(object, { location: { file, line, column }, documentIndex, kustomizations: [], fieldSources: [] }, id);
}

/** The repository root of a rendered tree: the folder holding the `overlays/` its resources were built in. */
export function repoRootOf(resources: readonly Resource[]): string | undefined {
  for (const r of resources) {
    const ks = r.origin?.kustomizations;
    const overlay = ks && ks.length ? ks[ks.length - 1] : undefined;
    if (!overlay) continue;
    const abs = path.resolve(overlay);
    const parts = abs.split(path.sep);
    const i = parts.lastIndexOf('overlays');
    if (i > 0) return parts.slice(0, i).join(path.sep) || path.sep;
  }
  return undefined;
}

export interface LoadedAdmission {
  resources: Resource[];
  diagnostics: Diagnostic[];
}

/** Reads every `*.yaml` / `*.yml` of a folder (sorted); a missing folder is empty. */
export function loadAdmissionDir(dir: string): LoadedAdmission {
  const out: LoadedAdmission = { resources: [], diagnostics: [] };
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const abs = path.join(dir, n);
    const shown = path.relative(process.cwd(), abs) || abs;
    const parsed = readYamlFile(abs, shown);
    out.diagnostics.push(...parsed.diagnostics);
    for (const d of parsed.value ?? []) {
      if (!d.value || typeof d.value !== 'object' || Array.isArray(d.value)) continue;
      const r = looseResource(d.value, shown, d.index, d.line, d.column);
      if (r) out.resources.push(r);
      else {
        out.diagnostics.push({
          code: 'KF4120',
          severity: 'error',
          message: `${shown}: document ${d.index + 1} is not a Kubernetes object (apiVersion, kind and metadata.name are needed)`,
          location: { file: shown, line: d.line, column: d.column },
          hint: 'policies/admission holds ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding objects and their params',
        });
      }
    }
  }
  return out;
}
