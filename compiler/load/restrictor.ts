import * as path from 'node:path';
import { isNormalAbsolute, type FileSystem } from '../fs.js';

/**
 * Kustomize's load restrictor (`kustomize build --load-restrictor`): with
 * `LoadRestrictionsRootOnly`, the default, a file a kustomization reads (resource, patch,
 * generator source, configuration…) must lie under that kustomization's directory once
 * symlinks are resolved (KF1008); `LoadRestrictionsNone` lifts that. Directories (bases)
 * outside the root are allowed either way. As in Kustomize, where the restrictor sits on
 * the file loader, the setting travels with the FileSystem a build reads through.
 */
export type LoadRestrictor = 'LoadRestrictionsRootOnly' | 'LoadRestrictionsNone';

export const LOAD_RESTRICTORS: readonly LoadRestrictor[] = ['LoadRestrictionsRootOnly', 'LoadRestrictionsNone'];

const UNRESTRICTED = new WeakSet<FileSystem>();

/** The same file system, with the load restrictor `r` (a new object; `fs` is unchanged). */
export function withLoadRestrictor(fs: FileSystem, r: LoadRestrictor): FileSystem {
  if (r === 'LoadRestrictionsRootOnly') return fs;
  const out: FileSystem = {
    readFile: (p) => fs.readFile(p),
    stat: (p) => fs.stat(p),
    readDir: (p) => fs.readDir(p),
    realPath: (p) => fs.realPath(p),
    ...(fs.readAhead ? { readAhead: (ps: readonly string[], k?: readonly string[]) => fs.readAhead!(ps, k) } : {}),
    ...(fs.parsedAhead ? { parsedAhead: (p: string) => fs.parsedAhead!(p) } : {}),
  };
  UNRESTRICTED.add(out);
  return out;
}

/** True when the restrictor of `fs` refuses the file `real` for the root `rootReal` (both resolved). */
export function outsideRoot(fs: FileSystem, real: string, rootReal: string): boolean {
  return !isWithin(real, rootReal) && !UNRESTRICTED.has(fs);
}

/** True when `p` is `dir` or below it. */
export function isWithin(p: string, dir: string): boolean {
  // asked for every file a build reads: normal absolute paths are compared as strings
  if (path.sep === '/' && isNormalAbsolute(p) && isNormalAbsolute(dir)) {
    if (p === dir) return true;
    const start = dir === '/' ? 1 : dir.length + 1;
    if (dir !== '/' && !(p.length > dir.length && p.charCodeAt(dir.length) === 47 && p.startsWith(dir))) return false;
    // (path.relative's answer: a first name starting with `..` counts as outside, as before)
    return !(p.charCodeAt(start) === 46 && p.charCodeAt(start + 1) === 46);
  }
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
