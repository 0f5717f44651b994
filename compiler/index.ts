import type { FileSystem } from './fs.js';
import type { Diagnostic, Resource } from './types.js';
import { hasErrors } from './diagnostics.js';
import { build } from './transform/index.js';
import { emitYaml } from './emit/yaml.js';
import type { LoadRestrictor } from './load/restrictor.js';

export { build } from './transform/index.js';
export type { Diagnostic, Resource } from './types.js';

/**
 * `kustomize build DIR`, kforge's way: the rendered multi-document YAML, or
 * diagnostics (and no output) when the tree has an error.
 */
export function buildDir(dir: string, opts: { fs?: FileSystem; loadRestrictor?: LoadRestrictor; fieldSources?: boolean } = {}): { output?: string; resources?: Resource[]; diagnostics: Diagnostic[] } {
  const res = build(dir, opts);
  if (!res.value || hasErrors(res.diagnostics)) return { diagnostics: res.diagnostics };
  const output = emitYaml(res.value.resources.map((r) => r.object));
  return { output, resources: res.value.resources, diagnostics: res.diagnostics };
}
