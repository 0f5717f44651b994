/**
 * Vendored CustomResourceDefinitions: a folder the environment names (`crds: 'policies/crds'`
 * in overlays/<env>/environment.ts, or `kforge check DIR --crds FOLDER`) holding the CRDs of
 * the operators a team runs (External Secrets, cert-manager…), as YAML or JSON files. Loaded
 * as resources with their file and line, so the schema checks can say where a CRD came from.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';
import type { Diagnostic, JsonObject, Resource } from '../../compiler/types.js';
import { newResourceRecord } from '../../compiler/resource-map.js';
import { pdiag } from '../codes.js';
import { loadAdmissionDir } from '../admission/load.js';

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
    const lc = new LineCounter();
    const docs = parseAllDocuments(fs.readFileSync(file, 'utf8'), { lineCounter: lc });
    const list = Array.isArray(docs) ? docs : [docs];
    list.forEach((doc, i) => {
      if (doc.errors.length) {
        const pos = lc.linePos(doc.errors[0].pos[0]);
        diagnostics.push(pdiag('KF4112', 'error', `${shown}: ${doc.errors[0].message.split('\n')[0]}`, { file: shown, line: pos.line, column: pos.col }));
        return;
      }
      const obj = doc.toJSON() as JsonObject | null;
      if (!obj || typeof obj !== 'object' || Array.isArray(obj) || typeof obj.kind !== 'string' || (kinds && !kinds.has(obj.kind))) return;
      const start = lc.linePos(doc.contents?.range?.[0] ?? 0);
      crds.push(newResourceRecord(obj, { location: { file: shown, line: start.line, column: start.col }, documentIndex: i, kustomizations: [], fieldSources: [] }));
    });
  }
  return { objects: crds, diagnostics };
}
