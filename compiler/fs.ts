import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { diag, DiagnosticError } from './diagnostics.js';
import { MAX_YAML_BYTES } from './load/yaml/common.js';

/**
 * The only way the loader reads files. `nodeFs()` for real, `memFs(tree)` for tests.
 * Paths are absolute, POSIX style.
 */
export interface FileSystem {
  /** File contents as bytes, or undefined if there is no such file. */
  readFile(p: string): Uint8Array | undefined;
  /** 'file' | 'dir' | undefined (missing). Follows symlinks. */
  stat(p: string): 'file' | 'dir' | undefined;
  /** Entries of a directory (names), sorted. */
  readDir(p: string): string[];
  /** The path with symlinks resolved; undefined if it does not exist. */
  realPath(p: string): string | undefined;
}

export function nodeFs(): FileSystem {
  // One build reads a tree that does not change under it: stat and realpath answers are
  // memoised (a kustomization root is resolved once, not once per resource file).
  const stats = new Map<string, 'file' | 'dir' | undefined>();
  const reals = new Map<string, string | undefined>();
  return {
    readFile(p) {
      // The size is checked before the file is read: a huge file is refused without
      // holding it in memory (a build reads nothing larger than a YAML text may be).
      let size: number;
      try {
        size = nodefs.statSync(p).size;
      } catch {
        return undefined;
      }
      if (size > MAX_YAML_BYTES) throw new DiagnosticError(tooLarge(p, size));
      try {
        return nodefs.readFileSync(p);
      } catch {
        return undefined;
      }
    },
    stat(p) {
      if (stats.has(p)) return stats.get(p);
      let out: 'file' | 'dir' | undefined;
      try {
        const s = nodefs.statSync(p);
        out = s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
      } catch {
        out = undefined;
      }
      stats.set(p, out);
      return out;
    },
    readDir(p) {
      try {
        return nodefs.readdirSync(p).sort();
      } catch {
        return [];
      }
    },
    realPath(p) {
      if (reals.has(p)) return reals.get(p);
      // libc realpath: one call, instead of an lstat per path component.
      let out: string | undefined;
      try {
        out = nodefs.realpathSync.native(p);
      } catch {
        out = undefined;
      }
      reals.set(p, out);
      return out;
    },
  };
}

/** An in-memory tree: keys are absolute paths ("/a/kustomization.yaml"), values are file text. */
export function memFs(tree: Record<string, string | Uint8Array>): FileSystem {
  const files = new Map<string, Uint8Array>();
  const dirs = new Set<string>(['/']);
  for (const [k, v] of Object.entries(tree)) {
    const p = path.posix.normalize(k);
    files.set(p, typeof v === 'string' ? new TextEncoder().encode(v) : v);
    let d = path.posix.dirname(p);
    while (!dirs.has(d)) {
      dirs.add(d);
      d = path.posix.dirname(d);
    }
  }
  return {
    readFile: (p) => files.get(path.posix.normalize(p)),
    stat: (p) => {
      const n = path.posix.normalize(p);
      return files.has(n) ? 'file' : dirs.has(n) ? 'dir' : undefined;
    },
    readDir: (p) => {
      const n = path.posix.normalize(p);
      const prefix = n === '/' ? '/' : n + '/';
      const out = new Set<string>();
      for (const k of [...files.keys(), ...dirs]) {
        if (k.startsWith(prefix) && k !== n) out.add(k.slice(prefix.length).split('/')[0]);
      }
      return [...out].sort();
    },
    realPath: (p) => {
      const n = path.posix.normalize(p);
      return files.has(n) || dirs.has(n) ? n : undefined;
    },
  };
}

/** KF1012 for a file larger than kforge reads (MAX_YAML_BYTES). */
function tooLarge(p: string, size: number): ReturnType<typeof diag> {
  const rel = path.relative(process.cwd(), p);
  const shown = rel === '' ? '.' : rel.startsWith('..') ? p : rel;
  const mib = (n: number) => `${Math.round((n / 1024 / 1024) * 10) / 10} MiB`;
  return diag('KF1012', `the file is ${mib(size)}, larger than the ${mib(MAX_YAML_BYTES)} kforge reads`, {
    location: { file: shown, line: 1, column: 1 },
    hint: 'split the file into smaller ones',
  });
}
