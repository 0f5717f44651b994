/**
 * Where remote bases live on this machine, and how they get there. A content-addressed
 * cache outside the repository: `$KFORGE_CACHE`, else `$XDG_CACHE_HOME/kforge`, else
 * `~/.cache/kforge`, holding `trees/<sha256>/` (a repository checkout, without `.git`)
 * and `files/<sha256>/<name>` (an HTTP body), each named by its content digest and never
 * changed once written (written to a temporary name, then renamed).
 *
 * Repositories are fetched with the system git, shallow, the one ref only (`git init`,
 * `git fetch --depth 1 <repo> <ref>`, `git checkout FETCH_HEAD`; a commit the server will
 * not hand out by id is found by a full fetch), with the allow-listed environment of
 * publishing (publish/git.ts gitEnv) and the entry's timeout per git command.
 */
import { childProcess, nodeCrypto } from '../../deps.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GitSpec } from './spec.js';

export function cacheDir(): string {
  if (process.env.KFORGE_CACHE) return path.resolve(process.env.KFORGE_CACHE);
  const xdg = process.env.XDG_CACHE_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache'), 'kforge');
}

export const treeDir = (digest: string): string => path.join(cacheDir(), 'trees', hexOf(digest));
export const fileDir = (digest: string): string => path.join(cacheDir(), 'files', hexOf(digest));
const hexOf = (digest: string): string => digest.replace(/^sha256:/, '');

/** A failure to fetch, with git's or the server's own words. */
export class FetchError extends Error {}

async function git(args: string[], cwd: string, timeoutMs: number): Promise<string> {
  // publishing's allow-listed environment (loaded on demand: a build without remotes never pays for it)
  const { gitEnv } = await import('../../publish/git.js');
  return new Promise((resolve, reject) => {
    childProcess().execFile(
      'git',
      ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'advice.detachedHead=false', ...args],
      { cwd, env: { ...gitEnv(), GIT_TERMINAL_PROMPT: process.env.GIT_TERMINAL_PROMPT ?? '0' }, timeout: timeoutMs, maxBuffer: 16 << 20, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean; signal?: string };
        if (e.code === 'ENOENT') return reject(new FetchError('cannot run git: install git and put it on the PATH'));
        if (e.killed || e.signal === 'SIGTERM') return reject(new FetchError(`git ${args[0]} timed out after ${timeoutMs / 1000}s (raise it with ?timeout=)`));
        reject(new FetchError((stderr || stdout || e.message).trim().split('\n').slice(-3).join('; ')));
      },
    );
  });
}

/**
 * The digest of a checkout: sha256 over its files (`.git` left out) in byte order of their
 * paths, each as path, kind (file, executable file, symlink) and contents (a symlink's
 * target), lengths included so that no two trees share a stream.
 */
export function treeDigest(root: string): string {
  const h = nodeCrypto().createHash('sha256');
  const walk = (rel: string): void => {
    const names = fs.readdirSync(path.join(root, rel)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    for (const name of names) {
      if (name === '.git') continue;
      const r = rel ? `${rel}/${name}` : name;
      const abs = path.join(root, r);
      const st = fs.lstatSync(abs);
      if (st.isDirectory()) walk(r);
      else {
        const kind = st.isSymbolicLink() ? 'link' : st.mode & 0o111 ? 'exec' : 'file';
        const body = st.isSymbolicLink() ? Buffer.from(fs.readlinkSync(abs)) : fs.readFileSync(abs);
        h.update(`${Buffer.byteLength(r)}:${r}\0${kind}\0${body.length}\0`);
        h.update(body);
      }
    }
  };
  walk('');
  return `sha256:${h.digest('hex')}`;
}

export function bytesDigest(b: Uint8Array): string {
  return `sha256:${nodeCrypto().createHash('sha256').update(b).digest('hex')}`;
}

function tempDir(kind: string): string {
  const base = path.join(cacheDir(), 'tmp');
  fs.mkdirSync(base, { recursive: true });
  return fs.mkdtempSync(path.join(base, `${kind}-`));
}

/** Moves a finished temporary directory to its content address (another process may have won: fine). */
function settle(tmp: string, dest: string): void {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  if (fs.existsSync(dest)) {
    fs.rmSync(tmp, { recursive: true, force: true });
    return;
  }
  try {
    fs.renameSync(tmp, dest);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!fs.existsSync(dest)) throw e;
  }
}

function removeGitDirs(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.name === '.git') fs.rmSync(p, { recursive: true, force: true });
    else if (e.isDirectory()) removeGitDirs(p);
  }
}

/**
 * Fetches `spec`'s repository at `commit` (when the lock names one) or at its ref, into the
 * cache. Returns the commit it checked out and the digest (the tree's cache address).
 */
export async function fetchGit(spec: GitSpec, commit?: string): Promise<{ commit: string; digest: string; dir: string }> {
  const tmp = tempDir('git');
  try {
    const t = spec.timeoutMs;
    await git(['init', '--quiet'], tmp, t);
    await git(['remote', 'add', 'origin', spec.repo], tmp, t);
    const want = commit ?? (spec.ref || 'HEAD');
    try {
      await git(['fetch', '--quiet', '--depth=1', '--no-tags', 'origin', want], tmp, t);
      await git(['checkout', '--quiet', 'FETCH_HEAD'], tmp, t);
    } catch (e) {
      // a commit id the server does not hand out directly (or an abbreviated one): fetch it all
      if (!/^[0-9a-f]{7,40}$/i.test(want)) throw e;
      await git(['fetch', '--quiet', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'], tmp, t);
      await git(['checkout', '--quiet', `${want}^{commit}`], tmp, t);
    }
    const got = (await git(['rev-parse', 'HEAD'], tmp, t)).trim();
    if (spec.submodules && fs.existsSync(path.join(tmp, '.gitmodules'))) {
      await git(['submodule', '--quiet', 'update', '--init', '--recursive', '--depth=1'], tmp, t);
    }
    removeGitDirs(tmp);
    const digest = treeDigest(tmp);
    const dir = treeDir(digest);
    settle(tmp, dir);
    return { commit: got, digest, dir };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

export const HTTP_TIMEOUT_MS = 30_000;
export const HTTP_MAX_BYTES = 16 << 20;

/** GETs a file resource into the cache: its digest and path. */
export async function fetchHttp(url: string, timeoutMs = HTTP_TIMEOUT_MS, maxBytes = HTTP_MAX_BYTES): Promise<{ digest: string; file: string }> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), timeoutMs);
  let body: Buffer;
  try {
    const res = await fetch(url, { signal: ctl.signal, redirect: 'follow' });
    if (res.status < 200 || res.status > 299) throw new FetchError(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    const len = Number(res.headers.get('content-length') ?? '0');
    if (len > maxBytes) throw new FetchError(`the file is ${len} bytes, more than the ${maxBytes} kforge reads`);
    const chunks: Buffer[] = [];
    let total = 0;
    if (res.body) {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        total += chunk.length;
        if (total > maxBytes) {
          ctl.abort();
          throw new FetchError(`the file is more than the ${maxBytes} bytes kforge reads`);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    body = Buffer.concat(chunks);
  } catch (e) {
    if (e instanceof FetchError) throw e;
    if (ctl.signal.aborted) throw new FetchError(`no answer within ${timeoutMs / 1000}s`);
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new FetchError(cause?.code ?? cause?.message ?? (e as Error).message);
  } finally {
    clearTimeout(timer);
  }
  const digest = bytesDigest(body);
  return { digest, file: storeFile(digest, url, body) };
}

function fileName(url: string): string {
  let base = '';
  try {
    base = path.posix.basename(new URL(url).pathname);
  } catch {
    /* keep the default */
  }
  return /^[A-Za-z0-9._-]+$/.test(base) && base !== '.' && base !== '..' ? base : 'resource.yaml';
}

/** The cached file of an HTTP resource with this digest, if there is one. */
export function cachedFile(digest: string, url: string): string | undefined {
  const f = path.join(fileDir(digest), fileName(url));
  return fs.existsSync(f) ? f : undefined;
}

function storeFile(digest: string, url: string, body: Buffer): string {
  const dest = fileDir(digest);
  const file = path.join(dest, fileName(url));
  if (fs.existsSync(file)) return file;
  const tmp = tempDir('file');
  fs.writeFileSync(path.join(tmp, fileName(url)), body);
  settle(tmp, dest);
  return fs.existsSync(file) ? file : (fs.writeFileSync(file, body), file);
}

/** The cached tree with this digest, if there is one. */
export function cachedTree(digest: string): string | undefined {
  const d = treeDir(digest);
  return fs.existsSync(d) ? d : undefined;
}
