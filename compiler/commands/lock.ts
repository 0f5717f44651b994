/**
 * `kforge lock [DIR|ENV…] [--update]`: builds each kustomization (by default every
 * `overlays/*` of the current directory, else the current directory), fetching its remote
 * bases, and writes the pins they resolved to in kforge.lock: missing entries only, or
 * with `--update` every remote those builds use, moved to what its ref names now.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hasErrors } from '../diagnostics.js';
import { EXIT, parseArgs, checkUnknownFlags, isEnvName, printDiagnostics, type Io } from '../cli-util.js';
import type { Diagnostic } from '../types.js';
import { RemoteSession } from '../load/remote/index.js';
import { buildWithRemotes } from '../load/remote/build.js';
import { lockPathFor } from '../load/remote/lock.js';

export async function cmdLock(argv: string[], io: Io): Promise<number> {
  const { flags, rest } = parseArgs(argv, []);
  if (!checkUnknownFlags(flags, ['update'], io, 'lock')) return EXIT.usage;
  const cwd = process.cwd();
  let dirs = rest.map((a) => (isEnvName(a, cwd) ? path.join('overlays', a) : a));
  if (dirs.length === 0) {
    const overlays = path.join(cwd, 'overlays');
    const envs = fs.existsSync(overlays) ? fs.readdirSync(overlays).sort().filter((e) => fs.existsSync(path.join(overlays, e, 'kustomization.yaml'))) : [];
    dirs = envs.length ? envs.map((e) => path.join('overlays', e)) : ['.'];
  }
  const sessions = new Map<string, RemoteSession>();
  const ds: Diagnostic[] = [];
  for (const dir of dirs) {
    const lockFile = lockPathFor(dir);
    let session = sessions.get(lockFile);
    if (!session) sessions.set(lockFile, (session = new RemoteSession(dir, { lockFile, update: flags.has('update') })));
    const res = await buildWithRemotes(dir, { session });
    ds.push(...res.diagnostics);
  }
  printDiagnostics(ds, io);
  if (hasErrors(ds)) {
    io.err('kforge.lock left unchanged\n');
    return EXIT.usage;
  }
  for (const [file, s] of sessions) {
    const shown = path.relative(cwd, file) || file;
    const used = [...s.used].filter((k) => s.fetched.has(k) || s.pinned.has(k));
    const moved = [...s.fetched.values()].filter((e) => {
      const p = s.pinned.get(e.source);
      return !p || p.digest !== e.digest || p.commit !== e.commit;
    });
    if (!s.lockChanged() && (fs.existsSync(file) || used.length === 0)) {
      io.out(`${shown}: up to date (${used.length} remote${used.length === 1 ? '' : 's'})\n`);
      continue;
    }
    s.writeLock();
    io.out(`${shown}: ${used.length} remote${used.length === 1 ? '' : 's'}, ${moved.length} pinned or moved\n`);
    for (const e of moved) io.out(`  ${e.source} → ${e.commit ? e.commit.slice(0, 12) : e.digest.slice(0, 19)}\n`);
  }
  return EXIT.ok;
}
