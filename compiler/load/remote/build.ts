/** `build` and `buildDir` with remote bases: the session, the fetch rounds, the lock file. */
import type { FileSystem } from '../../fs.js';
import type { Diagnostic, Resource } from '../../types.js';
import { hasErrors } from '../../diagnostics.js';
import { build, type BuildResult } from '../../transform/index.js';
import { emitYaml } from '../../emit/yaml.js';
import type { LoadRestrictor } from '../restrictor.js';
import { RemoteSession, withRemotes, type RemoteOptions } from './index.js';

export type { RemoteOptions } from './index.js';

export async function buildWithRemotes(
  dir: string,
  opts: RemoteOptions & { fs?: FileSystem; session?: RemoteSession; loadRestrictor?: LoadRestrictor; fieldSources?: boolean } = {},
): Promise<{ value?: BuildResult; diagnostics: Diagnostic[]; session: RemoteSession }> {
  const session = opts.session ?? new RemoteSession(dir, { warnUnpinned: true, ...opts });
  const res = await withRemotes(session, (s) => build(dir, { ...(opts.fs ? { fs: opts.fs } : {}), ...(opts.loadRestrictor ? { loadRestrictor: opts.loadRestrictor } : {}), ...(opts.fieldSources === false ? { fieldSources: false } : {}), remotes: s }));
  return { ...res, session };
}

/** `kforge build DIR`: the rendered YAML, or diagnostics. */
export async function buildDirWithRemotes(dir: string, opts: RemoteOptions & { loadRestrictor?: LoadRestrictor; fieldSources?: boolean } = {}): Promise<{ output?: string; resources?: Resource[]; diagnostics: Diagnostic[] }> {
  const res = await buildWithRemotes(dir, opts);
  if (!res.value || hasErrors(res.diagnostics)) return { diagnostics: res.diagnostics };
  return { output: emitYaml(res.value.resources.map((r) => r.object)), resources: res.value.resources, diagnostics: res.diagnostics };
}
