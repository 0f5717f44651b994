import * as nodefs from 'node:fs';
import * as path from 'node:path';
import { diag, DiagnosticError } from './diagnostics.js';
import { MAX_YAML_BYTES } from './load/yaml/common.js';
import { DATA_FILE, lstatKind, OPENED, openFirstRead, ReadAhead, readInto, type Kind } from './fs-read-ahead.js';

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
  /**
   * A hint: the build will soon ask about these absolute paths, in this order (for a
   * directory, about its kustomization file, one of `kustomizationFiles`, and the files it
   * names). nodeFs reads a long list ahead in a worker thread.
   */
  readAhead?(paths: readonly string[], kustomizationFiles?: readonly string[]): void;
  /**
   * The YAML documents of the file readFile just gave, when the read-ahead worker already
   * read them (as parseYamlDocuments gives them, without a diagnostic: load/yaml/pre-parse.ts),
   * as JSON text; else undefined, and the caller reads the bytes itself. Given once.
   */
  parsedAhead?(p: string): string | undefined;
}

export function nodeFs(): FileSystem & { readAheadStats(): { answered: number; bytes: number } } {
  // One build reads a tree that does not change under it: lstat, stat and realpath answers
  // are memoised. A path's real path is its directory's (resolved once per directory, up the
  // chain) joined with its name, unless lstat says the name itself is a symlink: one lstat
  // per file instead of libc realpath's readlink per path component (and for a YAML or JSON
  // file, no lstat: openFirst below).
  const lstats = new Map<string, Kind | undefined>();
  const stats = new Map<string, 'file' | 'dir' | undefined>();
  const reals = new Map<string, string | undefined>();
  const scratch = Buffer.allocUnsafeSlow(64 * 1024);
  /** The first `n` bytes of the scratch buffer, as a buffer of their own. */
  const scratchCopy = (n: number): Buffer => {
    const out = Buffer.allocUnsafeSlow(n);
    scratch.copy(out, 0, 0, n);
    return out;
  };
  /** Files read by openFirst (or read ahead), until readFile asks for them. */
  const contents = new Map<string, Uint8Array>();
  /** The YAML of files read ahead, as JSON text, until parsedAhead asks for it (after readFile). */
  const parsed = new Map<string, string>();
  let ahead: ReadAhead | undefined;
  /**
   * A YAML or JSON file the build asks about is nearly always a regular file it reads next:
   * instead of lstat then open, it is opened without following a final symlink (and without
   * blocking on a FIFO) and read, which answers lstat (a file; or a symlink, ELOOP; or
   * missing) and keeps the bytes for readFile: no Stats object and one system call fewer
   * per file (N = 5,000: 20,000 lstat calls). Anything else — a directory, a file that fills
   * the scratch buffer, one that reads empty (fstat tells a FIFO or a device from an empty
   * file), an error other than missing — is left to lstat, as before.
   */
  const openFirst = (p: string): void => {
    const got = openFirstRead(nodefs, scratch, p, readInto);
    if (got === OPENED.link) lstats.set(p, 'link');
    else if (got === OPENED.missing) lstats.set(p, undefined);
    else if (got > 0) {
      lstats.set(p, 'file');
      contents.set(p, scratchCopy(got));
    }
    // else lstat decides
  };
  const lstatOf = (p: string): Kind | undefined => {
    if (ahead !== undefined && !lstats.has(p)) ahead.settle(p);
    if (lstats.has(p)) return lstats.get(p);
    const s = lstatKind(nodefs, p);
    lstats.set(p, s);
    return s;
  };
  const libcRealPath = (p: string): string | undefined => {
    try {
      return nodefs.realpathSync.native(p);
    } catch {
      return undefined;
    }
  };
  const kindOf = (s: nodefs.Stats): 'file' | 'dir' | undefined => (s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined);
  const realPath = (p: string): string | undefined => {
    if (reals.has(p)) return reals.get(p);
    let out: string | undefined;
    const parent = path.dirname(p);
    if (parent === p || !isNormal(p)) {
      // the root, or a path not in normal absolute form: libc realpath, one call
      out = libcRealPath(p);
    } else {
      const l = lstatOf(p);
      if (l === undefined) out = undefined;
      else if (l === 'link') out = libcRealPath(p);
      else {
        const dir = realPath(parent);
        // the real directory (normal, absolute) and the name: joined without path.join's
        // normalising pass, which a big tree paid tens of thousands of times
        const name = p.slice(parent.length + (parent.endsWith(path.sep) ? 0 : 1));
        out = dir === undefined ? undefined : dir.endsWith(path.sep) ? dir + name : dir + path.sep + name;
      }
    }
    reals.set(p, out);
    return out;
  };
  return {
    readFile(p) {
      if (ahead !== undefined && !contents.has(p)) ahead.settle(p);
      const held = contents.get(p);
      if (held !== undefined) {
        contents.delete(p);
        return held;
      }
      // A file is read into a scratch buffer first: one that ends within it (nearly every
      // manifest) costs one open, the read, the read that returns 0 and one close, and no
      // fstat (whose Stats object was 27 MB of a 5,000-app build's allocation). A longer one
      // is sized with fstat before the rest is read: a huge file is refused having read
      // only the scratch buffer's 64 KiB of it, not held in memory.
      let fd: number;
      try {
        fd = nodefs.openSync(p, 'r');
      } catch {
        return undefined;
      }
      try {
        let got: number;
        try {
          got = readInto(nodefs, fd, scratch, 0);
        } catch {
          return undefined; // a directory (EISDIR), or unreadable
        }
        if (got < scratch.length) return scratchCopy(got);
        let st: nodefs.Stats;
        try {
          st = nodefs.fstatSync(fd);
        } catch {
          return undefined;
        }
        if (st.size > MAX_YAML_BYTES) throw new DiagnosticError(tooLarge(p, st.size));
        try {
          if (!st.isFile() || st.size === 0) {
            // not a regular file, or one whose size fstat does not know (procfs): read to the end
            return Buffer.concat([scratch.subarray(0, got), nodefs.readFileSync(fd)]);
          }
          const buf = Buffer.allocUnsafeSlow(Math.max(st.size, got));
          scratch.copy(buf, 0, 0, got);
          got = readInto(nodefs, fd, buf, got);
          // as readFileSync: a regular file is read up to the size fstat gave
          return got < buf.length ? buf.subarray(0, got) : buf;
        } catch {
          return undefined;
        }
      } finally {
        closeQuietly(fd);
      }
    },
    stat(p) {
      if (stats.has(p)) return stats.get(p);
      let out: 'file' | 'dir' | undefined;
      if (ahead !== undefined && !lstats.has(p)) ahead.settle(p);
      if (O_NOFOLLOW !== undefined && !lstats.has(p) && DATA_FILE.test(p) && path.isAbsolute(p)) openFirst(p);
      const l = path.isAbsolute(p) ? lstatOf(p) : undefined;
      if (l !== undefined && l !== 'link') out = l === 'other' ? undefined : l;
      else if (l === undefined && path.isAbsolute(p)) out = undefined; // lstat failed: so would stat
      else {
        try {
          out = kindOf(nodefs.statSync(p));
        } catch {
          out = undefined;
        }
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
    realPath,
    readAhead(paths, kustomizationFiles) {
      // POSIX only: the worker reads as openFirst does, which needs O_NOFOLLOW
      if (O_NOFOLLOW === undefined || path.sep !== '/') return;
      ahead ??= new ReadAhead({
        known(p, kind, bytes, json) {
          if (lstats.has(p)) return;
          lstats.set(p, kind);
          if (bytes === undefined) return;
          contents.set(p, bytes);
          // the documents of exactly these bytes: readFile gives them and nothing else for p
          if (json !== undefined) parsed.set(p, json);
        },
        has: (p) => lstats.has(p),
      });
      ahead.request(paths.filter((p) => isNormalAbsolute(p)), kustomizationFiles);
    },
    parsedAhead(p) {
      const json = parsed.get(p);
      if (json !== undefined) parsed.delete(p);
      return json;
    },
    /** How many paths the read-ahead worker has answered so far, and the bytes it read (tests). */
    readAheadStats: () => ahead?.stats() ?? { answered: 0, bytes: 0 },
  };
}

/** O_NOFOLLOW where the platform has it (not Windows): openFirst is skipped without it. */
const O_NOFOLLOW: number | undefined = nodefs.constants.O_NOFOLLOW;

function closeQuietly(fd: number): void {
  try {
    nodefs.closeSync(fd);
  } catch {
    /* closed */
  }
}

/**
 * The git directory a checkout folder `dir` holds: `dir/.git` when it is a directory, or where
 * a `.git` file's `gitdir:` line points (a worktree, a submodule); undefined when neither.
 */
export function gitDirAt(dir: string): string | undefined {
  const dotGit = path.join(dir, '.git');
  let st: nodefs.Stats | undefined;
  try {
    st = nodefs.statSync(dotGit);
  } catch {
    return undefined;
  }
  if (st.isDirectory()) return dotGit;
  if (!st.isFile()) return undefined;
  try {
    const named = /^gitdir: *(.+?)\s*$/m.exec(nodefs.readFileSync(dotGit, 'utf8'))?.[1];
    const target = named === undefined ? undefined : path.resolve(dir, named);
    return target !== undefined && nodefs.statSync(target).isDirectory() ? target : undefined;
  } catch {
    return undefined;
  }
}

/** A POSIX absolute path path.resolve leaves as it is: no `.` or `..` segment, no `//`, no trailing `/`. */
export function isNormalAbsolute(p: string): boolean {
  if (p.charCodeAt(0) !== 47) return false;
  if (p.length === 1) return true;
  if (p.charCodeAt(p.length - 1) === 47) return false;
  return !NOT_NORMAL.test(p);
}
const NOT_NORMAL = /\/\/|\/\.\.?(?:\/|$)/;
/** An absolute path in normal form (isNormalAbsolute; on Windows, as path.normalize leaves it). */
const isNormal = (p: string): boolean => (path.sep === '/' ? isNormalAbsolute(p) : path.isAbsolute(p) && path.normalize(p) === p);

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
