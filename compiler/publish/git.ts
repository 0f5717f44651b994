/**
 * The few git operations publishing needs, through simple-git, with a minimal allow-listed
 * environment: LANG=C, LC_ALL=C, HOME, PATH, the variables git's transports need to reach a
 * remote (TRANSPORT_VARS: ssh agent, ssh command, askpass, proxies, XDG config), and per call
 * GIT_INDEX_FILE and the author/committer variables. Nothing else from process.env reaches git:
 * no GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE or GIT_CONFIG_* of the caller's shell.
 */
import { spawn } from 'node:child_process';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { Diagnostic } from '../types.js';
import { diag } from '../diagnostics.js';

/**
 * Passed through when set: they decide how git reaches a remote (`--push` over SSH with an
 * agent, a corporate proxy, a credential prompt in CI), never what objects it writes.
 */
export const TRANSPORT_VARS = [
  'SSH_AUTH_SOCK',
  'SSH_ASKPASS',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_SSH_VARIANT',
  'GIT_ASKPASS',
  'GIT_TERMINAL_PROMPT',
  'XDG_CONFIG_HOME',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'NO_PROXY',
  'ALL_PROXY',
  'http_proxy',
  'https_proxy',
  'no_proxy',
  'all_proxy',
] as const;

/**
 * Passed through when set, for signed deploy commits (`sign`): where GnuPG keeps its keys and
 * which terminal its pinentry uses. An SSH signing key in an agent uses SSH_AUTH_SOCK (above);
 * the key itself is named by git's own configuration (user.signingkey, gpg.format, gpg.ssh.program).
 */
export const SIGNING_VARS = ['GNUPGHOME', 'GPG_TTY', 'GPG_AGENT_INFO'] as const;

export const ZERO_ID = '0000000000000000000000000000000000000000';

const EXIT_MARK = 'kforge-git-exit=';

export class GitCommandError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly args: string[],
  ) {
    super(message);
  }
}

/** git could not be started: tryRun does not turn this into "no such object". */
export class GitUnavailableError extends Error {
  constructor(
    message: string,
    readonly args: string[],
  ) {
    super(message);
    this.name = 'GitUnavailableError';
  }
}

/** What git says when a fetched ref is not on the remote. */
export const MISSING_REMOTE_REF = /couldn't find remote ref|no such ref|does not match any/i;

export function gitUnavailable(e: GitUnavailableError): Diagnostic {
  return diag('KF5005', `cannot run git (${e.message.split('\n')[0]})`, { hint: 'install git 2.25 or newer and make sure it is on the PATH' });
}

/** One entry of `git ls-tree`: mode (100644, 040000, 160000…), type (blob, tree, commit) and object id. */
export interface TreeEntry {
  mode: string;
  type: string;
  id: string;
}

export interface GitEnvExtra {
  GIT_INDEX_FILE?: string;
  GIT_AUTHOR_NAME?: string;
  GIT_AUTHOR_EMAIL?: string;
  GIT_AUTHOR_DATE?: string;
  GIT_COMMITTER_NAME?: string;
  GIT_COMMITTER_EMAIL?: string;
  GIT_COMMITTER_DATE?: string;
}

export function gitEnv(extra: GitEnvExtra = {}): Record<string, string> {
  const env: Record<string, string> = { LANG: 'C', LC_ALL: 'C' };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  if (process.env.PATH !== undefined) env.PATH = process.env.PATH;
  for (const k of TRANSPORT_VARS) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  for (const k of SIGNING_VARS) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

/**
 * `git update-ref [-m MSG] [--no-deref] [-d] REF [NEW [OLD]]` as the options and stdin of one
 * `update-ref --stdin` transaction (`create` when OLD is empty: the ref must not exist), or
 * undefined for any other command or form.
 */
export function updateRefTransaction(args: readonly string[]): { options: string[]; input: string } | undefined {
  if (args[0] !== 'update-ref') return undefined;
  const options: string[] = [];
  const pos: string[] = [];
  let del = false;
  for (let i = 1; i < args.length; i++) {
    const a = args[i];
    if (a === '-m' && i + 1 < args.length) options.push(a, args[++i]);
    else if (a === '--no-deref') options.push(a);
    else if (a === '-d') del = true;
    else if (a.startsWith('-')) return undefined;
    else pos.push(a);
  }
  if (pos.some((p) => /[\s\0]/.test(p)) || pos[0] === undefined || pos[0] === '') return undefined;
  let cmd: string;
  if (del) {
    if (pos.length > 2 || pos[1] === '') return undefined;
    cmd = pos.length === 2 ? `delete ${pos[0]} ${pos[1]}` : `delete ${pos[0]}`;
  } else {
    if (pos.length < 2 || pos.length > 3 || pos[1] === '') return undefined;
    cmd = pos.length === 2 ? `update ${pos[0]} ${pos[1]}` : pos[2] === '' ? `create ${pos[0]} ${pos[1]}` : `update ${pos[0]} ${pos[1]} ${pos[2]}`;
  }
  return { options, input: `start\n${cmd}\ncommit\n` };
}

/**
 * Whether `git args…` can exit having printed nothing, on success or on a failure its caller
 * expects (simple-git then waits 50 ms: see Git.run): `notes add` of a new note, `status
 * --porcelain` of a clean tree (without `--branch`), `merge-base` of unrelated commits, a
 * `rev-parse --quiet` that finds nothing, `read-tree`, plain `update-ref`, `remote` with no
 * remote, `archive --output`. Leading global options (`--no-optional-locks`) are skipped.
 */
export function mayPrintNothing(args: readonly string[]): boolean {
  let i = 0;
  while (i < args.length && args[i].startsWith('-')) i += args[i] === '-c' || args[i] === '-C' ? 2 : 1;
  const rest = args.slice(i + 1);
  switch (args[i]) {
    case 'notes':
      return rest.find((a) => !a.startsWith('-')) === 'add';
    case 'status':
      return !rest.includes('--branch') && !rest.includes('-b');
    case 'rev-parse':
      return rest.includes('--quiet') || rest.includes('-q');
    case 'archive':
      return rest.some((a) => a.startsWith('--output') || a === '-o');
    case 'merge-base':
    case 'read-tree':
    case 'update-ref':
    case 'remote':
      return true;
    default:
      return false;
  }
}

/** What every git kforge runs is told (`-c`): never let background maintenance or signing make a publish slow or nondeterministic. */
const GIT_CONFIG = ['gc.auto=0', 'maintenance.auto=false', 'commit.gpgSign=false', 'core.quotePath=false'];

/**
 * A git runner bound to a repository; rejects with GitCommandError on any non-zero exit.
 * simple-git waits 50 ms after a command that printed nothing (its completion detection; no
 * option turns it off): such commands (mayPrintNothing) are spawned with runWithInput instead.
 */
export class Git {
  private readonly base: SimpleGit;
  private readonly byEnv = new Map<string, SimpleGit>();

  constructor(readonly dir: string) {
    this.base = this.make(gitEnv());
  }

  private make(env: Record<string, string>): SimpleGit {
    return simpleGit({
      baseDir: this.dir,
      maxConcurrentProcesses: 4,
      trimmed: false,
      // simple-git refuses these variables unless told: here they come only from the user's own
      // environment (TRANSPORT_VARS), never from the repository, and kforge's arguments never
      // set core.sshCommand or an askpass program
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeAskPass: true },
      config: GIT_CONFIG,
      // simple-git's own detection runs first and keeps only stderr's text; a git that ran and
      // failed (exit code > 0) gets the code carried in the text, a git that never ran keeps
      // simple-git's error (run() turns that into GitUnavailableError)
      errors(error, result) {
        if (!(result.exitCode > 0)) return error;
        const text = Buffer.concat([...result.stdErr, ...result.stdOut]).toString('utf-8').trim();
        return Buffer.from(`${EXIT_MARK}${result.exitCode}\n${text || `git exited with ${result.exitCode}`}`);
      },
    }).env(env);
  }

  private with(extra?: GitEnvExtra): SimpleGit {
    if (!extra) return this.base;
    const key = JSON.stringify(extra);
    let g = this.byEnv.get(key);
    if (!g) {
      g = this.make(gitEnv(extra));
      this.byEnv.set(key, g);
    }
    return g;
  }

  /** stdout of `git args…`. */
  async run(args: string[], extra?: GitEnvExtra): Promise<string> {
    const tx = this.updateRefStdin ? updateRefTransaction(args) : undefined;
    if (tx) {
      const out = await this.runUpdateRefStdin(args, tx, extra);
      if (out !== undefined) return out;
    }
    if (mayPrintNothing(args)) return this.runQuiet(args, extra);
    try {
      return await this.with(extra).raw(args);
    } catch (e) {
      const text = e instanceof Error ? e.message : String(e);
      const at = text.indexOf(EXIT_MARK);
      // git did not run at all (not installed, not on the PATH): no exit code to go by
      if (at < 0) throw new GitUnavailableError(text, args);
      const rest = text.slice(at + EXIT_MARK.length);
      const nl = rest.indexOf('\n');
      throw new GitCommandError(rest.slice(nl + 1), parseInt(rest.slice(0, nl), 10), args);
    }
  }

  /** Whether `update-ref` goes through `--stdin` (false once git said it has no `start`: git < 2.28). */
  private updateRefStdin = true;

  /**
   * `update-ref` as a one-update transaction on stdin. simple-git waits 50 ms after every git
   * command that prints nothing, as `update-ref` does; the transaction's `start: ok` and
   * `commit: ok` lines spare that wait (a publish moves three or four refs) and it is spawned
   * with runWithInput, since simple-git cannot feed stdin. The same checks (compare and
   * swap, must not exist), the same reflog message and the same exit codes; git's message on a
   * failed swap still says "cannot lock ref". A git without `start` (before 2.28; 2.25 is the
   * documented minimum) is asked the plain way from then on: undefined.
   */
  private async runUpdateRefStdin(args: string[], tx: { options: string[]; input: string }, extra?: GitEnvExtra): Promise<string | undefined> {
    const r = await this.runWithInput(['update-ref', ...tx.options, '--stdin'], tx.input, extra);
    const { code, stderr } = r;
    if (code === 'unavailable') throw new GitUnavailableError(stderr, args);
    const stdout = r.stdout.toString('utf-8');
    if (code === 0) return stdout;
    if (/unknown command:? .?start/i.test(stderr)) {
      this.updateRefStdin = false;
      return undefined;
    }
    const said = stdout
      .split('\n')
      .filter((l) => l && !/^\w+: ok$/.test(l))
      .join('\n');
    throw new GitCommandError(`${stderr}${said}`.trim() || `git exited with ${code}`, code, args);
  }

  /**
   * `git args…` as run() answers it (stdout, or GitCommandError / GitUnavailableError), without
   * simple-git's wait: spawned with runWithInput and an empty stdin, told the same `-c` settings.
   * A `git notes add` gives the same note, tree, commit and ref (its arguments are unchanged).
   */
  private async runQuiet(args: string[], extra?: GitEnvExtra): Promise<string> {
    const r = await this.runWithInput([...GIT_CONFIG.flatMap((c) => ['-c', c]), ...args], '', extra);
    if (r.code === 'unavailable') throw new GitUnavailableError(r.stderr, args);
    const stdout = r.stdout.toString('utf-8');
    if (r.code === 0) return stdout;
    // as the simple-git path words it: stderr then stdout, trimmed
    throw new GitCommandError(`${r.stderr}${stdout}`.trim() || `git exited with ${r.code}`, r.code, args);
  }

  /**
   * `git args…` with `input` on its stdin, which simple-git cannot feed: its exit code
   * ('unavailable' when git did not start), its stdout and its stderr (with the spawn error).
   */
  private async runWithInput(args: string[], input: string, extra?: GitEnvExtra): Promise<{ code: number | 'unavailable'; stdout: Buffer; stderr: string }> {
    const child = spawn('git', args, { cwd: this.dir, env: gitEnv(extra), stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => undefined);
    const code = await new Promise<number | 'unavailable'>((resolve) => {
      child.on('error', (e) => {
        stderr += String(e);
        resolve('unavailable');
      });
      child.on('close', (c) => resolve(c ?? -1));
      child.stdin.end(input);
    });
    return { code, stdout: Buffer.concat(chunks), stderr };
  }

  /** Like run, but returns undefined when git exits non-zero. */
  async tryRun(args: string[], extra?: GitEnvExtra): Promise<string | undefined> {
    try {
      return await this.run(args, extra);
    } catch (e) {
      if (e instanceof GitCommandError) return undefined;
      throw e;
    }
  }

  /** The commit id a ref or revision names, or undefined. */
  async resolve(rev: string): Promise<string | undefined> {
    // without --quiet: a missing ref prints on stderr, so simple-git need not wait for silent output
    const out = await this.tryRun(['rev-parse', '--verify', `${rev}^{commit}`]);
    return out?.trim() || undefined;
  }

  /**
   * How `a` relates to `b`: 'same', 'ancestor' (a is older), 'descendant' (a is newer), 'diverged',
   * or 'unknown' (an object is missing). One merge-base call (git prints a commit, so simple-git
   * need not wait for silent output).
   */
  async relation(a: string, b: string): Promise<'same' | 'ancestor' | 'descendant' | 'diverged' | 'unknown'> {
    if (a === b) return 'same';
    try {
      const mb = (await this.run(['merge-base', a, b])).trim();
      return mb === a ? 'ancestor' : mb === b ? 'descendant' : 'diverged';
    } catch (e) {
      if (e instanceof GitCommandError && e.exitCode === 1) return 'diverged'; // no common history
      return 'unknown';
    }
  }

  /**
   * `git fetch REMOTE REFSPEC…` that writes only the refspecs' destinations: no tags, no
   * submodules, no configured refmap, no FETCH_HEAD. `--no-write-fetch-head` needs git 2.29; an
   * older git (2.25 is the documented minimum) is asked again without it, and then writes
   * FETCH_HEAD and nothing else. 'absent' when the remote has no such ref (MISSING_REMOTE_REF);
   * any other failure throws GitCommandError.
   */
  async fetchRefs(remote: string, refspecs: string[], opts: { depth?: number } = {}): Promise<'fetched' | 'absent'> {
    const flags = ['--no-tags', '--no-recurse-submodules', '--refmap=', '--verbose', ...(opts.depth ? [`--depth=${opts.depth}`] : [])];
    try {
      try {
        await this.run(['fetch', '--no-write-fetch-head', ...flags, remote, ...refspecs]);
      } catch (e) {
        if (e instanceof GitCommandError && /no-write-fetch-head/.test(e.message)) await this.run(['fetch', ...flags, remote, ...refspecs]);
        else throw e;
      }
      return 'fetched';
    } catch (e) {
      if (e instanceof GitCommandError && MISSING_REMOTE_REF.test(e.message)) return 'absent';
      throw e;
    }
  }

  /** A commit's tree, parents and message (one `cat-file commit`). */
  async readCommit(commit: string): Promise<{ tree: string; parents: string[]; message: string }> {
    const raw = await this.run(['cat-file', 'commit', commit]);
    const sep = raw.indexOf('\n\n');
    const header = sep >= 0 ? raw.slice(0, sep) : raw;
    return {
      tree: /^tree ([0-9a-f]+)$/m.exec(header)?.[1] ?? '',
      parents: [...header.matchAll(/^parent ([0-9a-f]+)$/gm)].map((m) => m[1]),
      message: sep >= 0 ? raw.slice(sep + 2) : '',
    };
  }

  /** Every entry of a tree, recursively (one `ls-tree -r -z --full-tree`): path → mode, type, id. */
  async treeEntries(treeish: string): Promise<Map<string, TreeEntry>> {
    const entries = new Map<string, TreeEntry>();
    const out = await this.run(['ls-tree', '-r', '-z', '--full-tree', treeish]);
    for (const rec of out.split('\0')) {
      const tab = rec.indexOf('\t');
      if (tab < 0) continue;
      const [mode, type, id] = rec.slice(0, tab).split(' ');
      entries.set(rec.slice(tab + 1), { mode, type, id });
    }
    return entries;
  }

  async hasCommit(sha: string): Promise<boolean> {
    return (await this.tryRun(['cat-file', '-t', `${sha}^{commit}`])) !== undefined;
  }

  /**
   * Contents of many objects in one `git cat-file --batch` process (id → bytes; a missing
   * object is left out). One process whatever the count: at 5,000 apps, one call instead of 5,000.
   */
  async readObjects(ids: string[]): Promise<Map<string, Buffer>> {
    const out = new Map<string, Buffer>();
    const want = [...new Set(ids)];
    if (!want.length) return out;
    const r = await this.runWithInput(['cat-file', '--batch', '--buffer'], want.join('\n') + '\n');
    const code = r.code === 'unavailable' ? -1 : r.code;
    if (code !== 0) throw new GitCommandError(r.stderr || `git cat-file --batch exited with ${code}`, code, ['cat-file', '--batch']);
    const buf = r.stdout;
    let at = 0;
    while (at < buf.length) {
      const nl = buf.indexOf(0x0a, at);
      if (nl < 0) break;
      const header = buf.toString('utf-8', at, nl).split(' ');
      at = nl + 1;
      if (header.length !== 3) continue; // "<id> missing"
      const size = Number(header[2]);
      out.set(header[0], buf.subarray(at, at + size));
      at += size + 1;
    }
    return out;
  }
}
