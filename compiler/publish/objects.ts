/**
 * Writing a render's git objects: the changed blobs, the trees and the commit.
 *
 * API
 *   new ObjectWriter(git, tmp)           state kept across the retries of one publish (blob ids, what is written)
 *   writer.commit(spec): Promise<Written | undefined>
 *       spec.base       the parent commit (undefined: a root commit)
 *       spec.stale      paths to delete (files kforge owned last time and does not write now)
 *       spec.files      path → content of every file of the render
 *       spec.message    the commit message, byte for byte
 *       spec.author / spec.committer   { name, email, date } with date as "<unix seconds> <±hhmm>"
 *       spec.via        'fast-import' (default) or 'index' (tests: force the plumbing path)
 *       spec.sign       sign it: the tree is written as usual, then `git commit-tree -S` writes the same commit signed
 *       spec.force      commit even when the tree equals the base's (a repair)
 *     → { tree, commit }, or undefined when the tree would equal the base's (nothing to commit).
 *
 * The default path is one `git fast-import` stream: `from <base>`, a `D` per stale path and an
 * `M` per path whose content or mode differs from the base tree (inline data for content git does
 * not have yet, the blob id otherwise), then `reset <temporary ref>` to the null id, so no ref is
 * ever written. fast-import builds the trees in memory and writes blobs, trees and the commit into
 * one pack: no temporary file and no loose object per blob or tree (at 5,000 app folders,
 * `write-tree` alone wrote 5,000 loose trees). Only the changed paths cross the pipe, so a render
 * that changes one app writes a few objects whatever the size of the branch.
 *
 * The fallback (when fast-import fails, or on request) is the plumbing sequence with a temporary
 * index: read-tree, hash-object over temporary files, update-index, write-tree, commit-tree. Both
 * paths give the same commit id for the same input (a test holds them to it).
 *
 * Nothing here moves a branch: the caller moves it by compare-and-swap.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { Git, gitEnv, type GitEnvExtra } from './git.js';
import type { SourceInfo } from '../emit/plan.js';

export interface Person {
  name: string;
  email: string;
  /** "<unix seconds> <±hhmm>" (git's raw date format). */
  date: string;
}

export interface CommitSpec {
  base: string | undefined;
  stale: string[];
  files: Map<string, string>;
  message: string;
  author: Person;
  committer: Person;
  via?: 'fast-import' | 'index';
  /** Commit even when the tree equals the base's (a repair: the head must become kforge's own commit). */
  force?: boolean;
  /** The base tree's entries when the caller has read them already (ls-tree -r --full-tree). */
  baseEntries?: ReadonlyMap<string, { mode: string; type: string; id: string }>;
  /** Sign the commit (git commit-tree -S with the repository's signing configuration). */
  sign?: boolean;
}

export interface Written {
  tree: string;
  commit: string;
  via: 'fast-import' | 'index';
  /** Why fast-import was not used (git's message), when it failed and the index path wrote the commit. */
  fallbackReason?: string;
}

interface Blob {
  buf: Buffer;
  /** id computed here with the repository's hash */
  id: string;
}

const REGULAR = '100644';

/** "<seconds> <±hhmm>" from git's raw date, or from an ISO 8601 date with an offset. */
export function rawDate(raw: string | undefined, iso: string): string | undefined {
  if (raw && /^\d+ [+-]\d{4}$/.test(raw)) return raw;
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return undefined;
  const m = /(Z|([+-])(\d\d):?(\d\d))$/.exec(iso);
  if (!m) return undefined;
  const tz = m[1] === 'Z' ? '+0000' : `${m[2]}${m[3]}${m[4]}`;
  return `${Math.floor(ms / 1000)} ${tz}`;
}

/**
 * Author and committer of a commit kforge makes beside the deploy commits (the hydrator note,
 * promotion's initial commit): the source commit's author, with its author and committer
 * dates, so that the same source gives the same commit.
 */
export function sourcePersonEnv(s: SourceInfo): GitEnvExtra {
  const a = rawDate(s.author.dateRaw, s.author.date);
  const c = rawDate(s.committerDateRaw, s.committerDate);
  return {
    GIT_AUTHOR_NAME: s.author.name,
    GIT_AUTHOR_EMAIL: s.author.email,
    GIT_COMMITTER_NAME: s.author.name,
    GIT_COMMITTER_EMAIL: s.author.email,
    ...(a ? { GIT_AUTHOR_DATE: `@${a}` } : {}),
    ...(c ? { GIT_COMMITTER_DATE: `@${c}` } : {}),
  };
}

/**
 * A path as fast-import reads it: C-style quoted when it holds a quote, a backslash, a
 * control character or starts with a quote; verbatim otherwise (UTF-8 bytes pass as they are).
 */
export function fastImportPath(p: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/["\\\x00-\x1f\x7f]/.test(p)) return p;
  let out = '"';
  for (const ch of p) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\' + c.toString(8).padStart(3, '0');
    else out += ch;
  }
  return out + '"';
}

export class ObjectWriter {
  private algo: 'sha1' | 'sha256' | undefined;
  private blobs: Map<string, Blob> | undefined;
  /** blob ids git is known to have (in a base tree, or written by an earlier attempt) */
  private readonly known = new Set<string>();

  constructor(
    private readonly git: Git,
    private readonly tmp: string,
  ) {}

  private async hashAlgo(): Promise<'sha1' | 'sha256'> {
    if (!this.algo) {
      const f = (await this.git.tryRun(['rev-parse', '--show-object-format']))?.trim();
      this.algo = f === 'sha256' ? 'sha256' : 'sha1';
    }
    return this.algo;
  }

  private async blobsOf(files: Map<string, string>): Promise<Map<string, Blob>> {
    if (this.blobs) return this.blobs;
    const algo = await this.hashAlgo();
    const blobs = new Map<string, Blob>();
    for (const [p, content] of files) {
      const buf = Buffer.from(content, 'utf-8');
      blobs.set(p, { buf, id: createHash(algo).update(`blob ${buf.length}\0`).update(buf).digest('hex') });
    }
    this.blobs = blobs;
    return blobs;
  }

  /** mode and id of every entry under the base tree (one `ls-tree -r`; blobs, and submodule links). */
  private async baseEntries(base: string | undefined, given?: CommitSpec['baseEntries']): Promise<Map<string, { mode: string; id: string }>> {
    const entries = new Map<string, { mode: string; id: string }>();
    if (!base) return entries;
    const add = (p: string, mode: string, type: string, id: string) => {
      entries.set(p, { mode, id });
      if (type === 'blob') this.known.add(id);
    };
    if (given) {
      for (const [p, e] of given) add(p, e.mode, e.type, e.id);
      return entries;
    }
    for (const [p, e] of await this.git.treeEntries(`${base}^{tree}`)) add(p, e.mode, e.type, e.id);
    return entries;
  }

  async commit(spec: CommitSpec): Promise<Written | undefined> {
    const blobs = await this.blobsOf(spec.files);
    const baseEntries = await this.baseEntries(spec.base, spec.baseEntries);
    const stale = spec.stale.filter((p) => !spec.files.has(p) && baseEntries.has(p));
    const changed: string[] = [];
    for (const [p, b] of blobs) {
      const e = baseEntries.get(p);
      if (!e || e.id !== b.id || e.mode !== REGULAR) changed.push(p);
    }
    // the base tree holds exactly these files already: the commit would change nothing
    if (spec.base && !stale.length && !changed.length && !spec.force) return undefined;
    let fallbackReason: string | undefined;
    let w: Written | undefined;
    if (spec.via !== 'index') {
      const f = await this.viaFastImport(spec, stale, changed, blobs);
      if (typeof f !== 'string') w = f;
      else fallbackReason = f;
    }
    w ??= await this.viaIndex(spec, stale, blobs);
    if (spec.sign) w = { ...w, commit: await this.signed(spec, w.tree) };
    return fallbackReason === undefined ? w : { ...w, fallbackReason };
  }

  /**
   * The same commit (tree, parent, author, committer, message), signed: fast-import cannot sign, so
   * `git commit-tree -S` writes it with git's own signing configuration. Throws SigningError.
   */
  private async signed(spec: CommitSpec, tree: string): Promise<string> {
    const msgFile = path.join(this.tmp, 'message-signed');
    fs.writeFileSync(msgFile, spec.message);
    try {
      return (await this.git.run(['commit-tree', '-S', tree, ...(spec.base ? ['-p', spec.base] : []), '-F', msgFile], who(spec))).trim();
    } catch (e) {
      throw new SigningError((e as Error).message);
    }
  }

  /** The commit written, or why fast-import failed (its crash report is removed). */
  private async viaFastImport(spec: CommitSpec, stale: string[], changed: string[], blobs: Map<string, Blob>): Promise<Written | string> {
    const algo = await this.hashAlgo();
    const zero = '0'.repeat(algo === 'sha256' ? 64 : 40);
    const tmpRef = `refs/kforge/tmp/${process.pid}-${createHash('sha1').update(`${Date.now()} ${Math.random()}`).digest('hex').slice(0, 12)}`;
    const marks = path.join(this.tmp, `marks-${path.basename(tmpRef)}`);
    const child = spawn('git', ['-c', 'gc.auto=0', 'fast-import', '--quiet', '--done', '--date-format=raw', `--export-marks=${marks}`], {
      cwd: this.git.dir,
      env: { ...gitEnv(), GLIBC_TUNABLES: FAST_IMPORT_MALLOC },
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((resolve) => {
      child.on('error', () => resolve(-1));
      child.on('close', (code) => resolve(code ?? -1));
    });
    child.stdin.on('error', () => undefined);
    // chunks are gathered and written in ~1 MiB pieces, waiting for 'drain' between them
    let parts: (Buffer | string)[] = [];
    let size = 0;
    const flush = async () => {
      if (!parts.length) return;
      const chunk = Buffer.concat(parts.map((x) => (typeof x === 'string' ? Buffer.from(x, 'utf-8') : x)));
      parts = [];
      size = 0;
      if (child.stdin.write(chunk)) return;
      // wait for the pipe to drain, or for git to go away (then the exit code tells)
      await new Promise<void>((resolve) => {
        const done = () => {
          child.stdin.off('drain', done);
          child.stdin.off('close', done);
          resolve();
        };
        child.stdin.on('drain', done);
        child.stdin.on('close', done);
      });
    };
    const put = async (x: Buffer | string) => {
      parts.push(x);
      size += x.length;
      if (size >= 1 << 20) await flush();
    };
    const msg = Buffer.from(spec.message, 'utf-8');
    await put(`reset ${tmpRef}\n`);
    await put(`commit ${tmpRef}\nmark :1\n`);
    await put(`author ${spec.author.name} <${spec.author.email}> ${spec.author.date}\n`);
    await put(`committer ${spec.committer.name} <${spec.committer.email}> ${spec.committer.date}\n`);
    await put(`data ${msg.length}\n`);
    await put(msg);
    await put('\n');
    if (spec.base) await put(`from ${spec.base}\n`);
    for (const p of stale) await put(`D ${fastImportPath(p)}\n`);
    for (const p of changed) {
      const b = blobs.get(p)!;
      if (this.known.has(b.id)) {
        await put(`M ${REGULAR} ${b.id} ${fastImportPath(p)}\n`);
      } else {
        await put(`M ${REGULAR} inline ${fastImportPath(p)}\ndata ${b.buf.length}\n`);
        await put(b.buf);
        await put('\n');
      }
    }
    await put(`\nreset ${tmpRef}\nfrom ${zero}\n\ndone\n`);
    await flush();
    child.stdin.end();
    const code = await exited;
    let commit: string | undefined;
    try {
      if (code === 0) commit = /^:1 ([0-9a-f]+)$/m.exec(fs.readFileSync(marks, 'utf8'))?.[1];
    } catch {
      commit = undefined;
    } finally {
      fs.rmSync(marks, { force: true });
    }
    if (!commit) {
      // a failed fast-import leaves .git/fast_import_crash_<pid>: not ours to keep
      const gitDir = (await this.git.tryRun(['rev-parse', '--absolute-git-dir']))?.trim();
      if (gitDir && child.pid) fs.rmSync(path.join(gitDir, `fast_import_crash_${child.pid}`), { force: true });
      return stderr.trim().split('\n')[0] || `git fast-import exited with ${code}`;
    }
    for (const p of changed) this.known.add(blobs.get(p)!.id);
    const tree = (await this.git.run(['rev-parse', `${commit}^{tree}`])).trim();
    return { tree, commit, via: 'fast-import' };
  }

  private async viaIndex(spec: CommitSpec, stale: string[], blobs: Map<string, Blob>): Promise<Written> {
    const index = path.join(this.tmp, `index-${spec.base ?? 'root'}`);
    fs.rmSync(index, { force: true });
    const env = { GIT_INDEX_FILE: index };
    if (spec.base) await this.git.run(['read-tree', `${spec.base}^{tree}`], env);
    else await this.git.run(['read-tree', '--empty'], env);

    const todo = [...blobs].filter(([, b]) => !this.known.has(b.id));
    const files: string[] = [];
    todo.forEach(([, b], i) => {
      const f = path.join(this.tmp, `b${i}`);
      fs.writeFileSync(f, b.buf);
      files.push(f);
    });
    let k = 0;
    for (const batch of batches(files)) {
      const out = (await this.git.run(['hash-object', '-w', '--no-filters', '--', ...batch])).split('\n').filter(Boolean);
      for (const id of out) {
        const [p, b] = todo[k++];
        if (id !== b.id) throw new Error(`git hashed ${p} as ${id}, kforge as ${b.id}`);
        this.known.add(id);
      }
    }
    for (const f of files) fs.rmSync(f, { force: true });
    // --verbose: git prints each path, so simple-git need not wait for silent output
    for (const batch of batches(stale)) await this.git.run(['update-index', '--verbose', '--force-remove', '--', ...batch], env);
    const infos = [...blobs].map(([p, b]) => `${REGULAR},${b.id},${p}`);
    for (const batch of batches(infos)) {
      const args = ['update-index', '--verbose', '--add', '--replace'];
      for (const b of batch) args.push('--cacheinfo', b);
      await this.git.run(args, env);
    }
    const tree = (await this.git.run(['write-tree'], env)).trim();
    const msgFile = path.join(this.tmp, 'message');
    fs.writeFileSync(msgFile, spec.message);
    const commit = (await this.git.run(['commit-tree', '--no-gpg-sign', tree, ...(spec.base ? ['-p', spec.base] : []), '-F', msgFile], who(spec))).trim();
    return { tree, commit, via: 'index' };
  }
}

/** git could not sign the commit (no key configured, agent unreachable, gpg failing): git's message. */
export class SigningError extends Error {}

function who(spec: CommitSpec) {
  return {
    GIT_AUTHOR_NAME: spec.author.name,
    GIT_AUTHOR_EMAIL: spec.author.email,
    GIT_AUTHOR_DATE: `@${spec.author.date}`,
    GIT_COMMITTER_NAME: spec.committer.name,
    GIT_COMMITTER_EMAIL: spec.committer.email,
    GIT_COMMITTER_DATE: `@${spec.committer.date}`,
  };
}

/**
 * glibc settings for the fast-import child. With glibc's defaults fast-import grows and
 * trims its heap once per object (80,049 brk calls for 15,000 blobs in 5,000 folders, 4 s
 * of system time: 5.9 s in all); keeping 64 MiB of headroom and trimming only above 256 MiB
 * writes the same pack in 0.3 s. Other C libraries ignore the variable.
 */
const FAST_IMPORT_MALLOC = 'glibc.malloc.top_pad=67108864:glibc.malloc.trim_threshold=268435456';

/** Splits args into batches whose total length stays well under the OS limit. */
function batches(items: string[], maxChars = 60_000): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let n = 0;
  for (const it of items) {
    if (cur.length && n + it.length + 1 > maxChars) {
      out.push(cur);
      cur = [];
      n = 0;
    }
    cur.push(it);
    n += it.length + 1;
  }
  if (cur.length) out.push(cur);
  return out;
}
