/**
 * Vendored CustomResourceDefinitions: a folder the environment names (`crds: 'policies/crds'`
 * in overlays/<env>/environment.ts, or `kforge check DIR --crds FOLDER`) holding the CRDs of
 * the operators a team runs (External Secrets, cert-manager…), as YAML or JSON files. Loaded
 * as resources with their file and line, so the schema checks can say where a CRD came from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, JsonObject, Resource } from '../../compiler/types.js';
import { newResourceRecord } from '../../compiler/resource-map.js';
import { pdiag } from '../codes.js';
import { loadAdmissionDir } from '../admission/load.js';
import { readYamlFile } from '../../compiler/load/yaml/index.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...filesUnder(p));
    else if (/\.(ya?ml|json)$/i.test(e.name)) out.push(p);
  }
  return out;
}

/** The CRDs of a folder (relative to `repoRoot`, or absolute), sorted by file; other kinds are skipped. */
export function loadCrdFolder(repoRoot: string, folder: string): { crds: Resource[]; diagnostics: Diagnostic[] } {
  const dir = path.resolve(repoRoot, folder);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    return { crds: [], diagnostics: [pdiag('KF4112', 'error', `CRD folder ${folder} does not exist`, undefined, 'vendor the CRDs of the operators you run into that folder, or fix the crds setting')] };
  }
  const r = loadObjects(dir, new Set(['CustomResourceDefinition']));
  return { crds: r.objects, diagnostics: r.diagnostics };
}

/**
 * The repository's admission policies: ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding
 * objects (and the params they name) in `policies/admission/*.yaml` (absent folder: none), read
 * as admission-policy reads them itself (policies/admission/load.ts); for RunOptions.admission.
 */
export function loadAdmissionFolder(repoRoot: string, folder = path.join('policies', 'admission')): { objects: Resource[]; diagnostics: Diagnostic[] } {
  const r = loadAdmissionDir(path.resolve(repoRoot, folder));
  return { objects: r.resources, diagnostics: r.diagnostics };
}

/** Every object (or those of `kinds`) in the YAML/JSON files under a folder, with file and line. */
export function loadObjects(dir: string, kinds?: ReadonlySet<string>): { objects: Resource[]; diagnostics: Diagnostic[] } {
  const crds: Resource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of filesUnder(dir)) {
    const shown = path.relative(process.cwd(), file) || file;
    // kforge's own reader, bounded as a build's files are (size before reading, aliases,
    // values, nesting: KF1012); any problem of the file is KF4112, at its line
    const parsed = readYamlFile(file, shown);
    for (const d of parsed.diagnostics) {
      diagnostics.push(d.severity === 'error' ? pdiag('KF4112', 'error', `${shown}: ${d.message}`, d.location ?? { file: shown, line: 1, column: 1 }, d.hint) : d);
    }
    for (const doc of parsed.value ?? []) {
      const obj = doc.value;
      if (!obj || typeof obj !== 'object' || Array.isArray(obj) || typeof obj.kind !== 'string' || (kinds && !kinds.has(obj.kind))) continue;
      crds.push(newResourceRecord(obj, { location: { file: shown, line: doc.line, column: doc.column }, documentIndex: doc.index, kustomizations: [], fieldSources: [] }));
    }
  }
  return { objects: crds, diagnostics };
}
