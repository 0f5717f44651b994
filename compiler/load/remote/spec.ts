/**
 * What a remote `resources:`/`components:` entry names, read as Kustomize v5.5 reads it
 * (its repo-spec rules, written here from their description): an optional `git::` prefix
 * (stripped), a scheme (ssh://, https://, http://, file://) or an scp-style `user@host:`
 * or `github.com/`…; the repository path (up to `_git/<name>`, a `//`, or a `.git`,
 * otherwise two segments, or all of a file:// path); the rest is the kustomization's
 * directory inside the repository, which may not climb out of it. The query gives `ref`
 * (or `version`; `ref` wins), `timeout` (seconds, or a Go duration; 27s by default) and
 * `submodules` (a Go boolean; true by default); anything unreadable keeps the default.
 *
 * An http(s) URL with no mark of a repository (`//` subpath, `.git`, `_git/`, a ref or
 * version, a github.com host) is a plain file resource, fetched over HTTP; when that
 * fetch fails, it is tried as a git repository (Kustomize tries the file first, then a
 * repository).
 */
import * as path from 'node:path';

export const DEFAULT_TIMEOUT_MS = 27_000;

export interface GitSpec {
  type: 'git';
  /** The entry as written. */
  raw: string;
  /** What `git fetch` is given: scheme, user and host, then the repository path. */
  repo: string;
  /** The kustomization directory inside the repository ('' for its root), no leading or trailing slash. */
  path: string;
  /** The ref to fetch ('' for the remote's HEAD). */
  ref: string;
  timeoutMs: number;
  submodules: boolean;
}

export interface HttpSpec {
  type: 'http';
  raw: string;
  url: string;
  /** The same entry read as a repository, tried when the HTTP fetch fails. */
  git?: GitSpec;
}

export type RemoteSpec = GitSpec | HttpSpec;

/** Parses a remote entry; `error` says why it is not a repository or file URL Kustomize accepts. */
export function parseRemote(entry: string): { value?: RemoteSpec; error?: string } {
  const git = parseGitSpec(entry);
  const scheme = /^(?:git::)?(https?):\/\//i.exec(entry);
  if (scheme && !/^git::/i.test(entry)) {
    const url = entry;
    const marked = git.value !== undefined && (hasRepoMark(entry) || /^https?:\/\/github\.com\//i.test(entry));
    if (!marked) return { value: { type: 'http', raw: entry, url, ...(git.value ? { git: git.value } : {}) } };
  }
  return git;
}

function hasRepoMark(entry: string): boolean {
  const [n, query = ''] = splitOnce(entry, '?');
  const afterHost = n.replace(/^[a-z]+:\/\/[^/]*\//i, '');
  if (/_git\/|\/\/|\.git/.test(afterHost)) return true;
  const q = parseQuery(query);
  return q.ref !== '';
}

/** A repository spec, Kustomize's way. */
export function parseGitSpec(raw: string): { value?: GitSpec; error?: string } {
  if (path.isAbsolute(raw)) return { error: 'an absolute path is not a URL' };
  const [beforeQuery, query = ''] = splitOnce(raw, '?');
  const q = parseQuery(query);
  // handed to git as an argument: never as an option
  if (q.ref.startsWith('-')) return { error: `the ref "${q.ref}" starts with "-"` };
  const host = splitHost(beforeQuery);
  if (typeof host === 'string') return { error: host };
  const parts = splitRepoPath(host.rest, host.host.startsWith('file://') ? 'all' : 2);
  if (typeof parts === 'string') return { error: parts };
  return { value: { type: 'git', raw, repo: host.host + parts.repo, path: parts.path, ref: q.ref, timeoutMs: q.timeoutMs, submodules: q.submodules } };
}

function splitOnce(s: string, sep: string): [string, string?] {
  const i = s.indexOf(sep);
  return i < 0 ? [s] : [s.slice(0, i), s.slice(i + sep.length)];
}

const SCHEMES = ['ssh://', 'https://', 'http://', 'file://'];

function splitHost(n: string): { host: string; rest: string } | string {
  if (/^git::/i.test(n)) n = n.slice(5);
  let scheme = '';
  for (const s of SCHEMES) {
    if (n.slice(0, s.length).toLowerCase() === s) {
      scheme = s;
      n = n.slice(s.length);
      break;
    }
  }
  if (scheme === '' && /^[a-z][a-z0-9+.-]*:\/\//i.test(n)) return `unsupported scheme "${n.slice(0, n.indexOf('://') + 3)}"`;
  let user = /^[a-zA-Z][a-zA-Z0-9-]*@/.exec(n)?.[0] ?? '';
  n = n.slice(user.length);
  const github = /^github\.com[/:]/i.test(n);
  const scp = scheme === '' && (user !== '' || github);
  if (scheme === '' && !scp) return 'no scheme (ssh://, https://, http://, file://) and not an scp-style user@host:path';
  // a file:// URL has no host: all of it is the repository path (and subpath)
  if (scheme === 'file://') return { host: scheme, rest: user + n };
  let sep = n.indexOf('/');
  if (scp) {
    const colon = n.indexOf(':');
    if (sep === -1 || (colon > 0 && colon < sep)) sep = colon;
  }
  let host = sep >= 0 ? n.slice(0, sep + 1) : n;
  const rest = sep >= 0 ? n.slice(sep + 1) : '';
  if (github) {
    // github.com over ssh (or with a user) is always git@github.com:org/repo; otherwise https
    if (scheme === 'ssh://' || user !== '') {
      scheme = '';
      host = 'github.com:';
    } else {
      scheme = 'https://';
      user = '';
      host = 'github.com/';
    }
  }
  if (host === '') return 'no host';
  return { host: scheme + user + host, rest };
}

function splitRepoPath(n: string, segments: number | 'all'): { repo: string; path: string } | string {
  let repo: string | undefined;
  let sub = '';
  const gitRoot = n.indexOf('_git/');
  const dslash = n.indexOf('//');
  const dotGit = n.indexOf('.git');
  if (gitRoot >= 0) {
    // Azure DevOps style: …/_git/<repository>/<path>
    const after = n.slice(gitRoot + 5).split('/');
    repo = n.slice(0, gitRoot + 5) + after[0];
    sub = after.slice(1).join('/');
  } else if (dslash >= 0) {
    repo = n.slice(0, dslash);
    sub = n.slice(dslash + 2);
  } else if (dotGit >= 0) {
    repo = n.slice(0, dotGit + 4);
    sub = n.slice(dotGit + 4);
  } else if (segments === 'all') {
    repo = n;
  } else {
    const parts = n.split('/');
    if (parts.length >= segments) {
      repo = parts.slice(0, segments).join('/');
      sub = parts.slice(segments).join('/');
    }
  }
  if (repo === undefined || repo === '') return 'no repository path (expected host/org/repo, a "//" before the path, or a ".git")';
  const cleaned = path.posix.normalize('/' + sub.replace(/^\/+/, '')).slice(1);
  // a subpath may not climb out of the repository
  const first = path.posix.normalize(sub.replace(/^\/+/, '') || '.').split('/')[0];
  if (first === '..') return `the path "${sub}" leaves the repository`;
  return { repo, path: cleaned.replace(/\/+$/, '') };
}

/** `ref`/`version`, `timeout`, `submodules`, as Go's url.ParseQuery and Kustomize read them. */
export function parseQuery(query: string): { ref: string; timeoutMs: number; submodules: boolean } {
  const out = { ref: '', timeoutMs: DEFAULT_TIMEOUT_MS, submodules: true };
  if (query === '') return out;
  const values = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    // Go refuses a semicolon in a query, and a bad %-escape: the whole query is then ignored
    if (part.includes(';')) return out;
    const [k, v = ''] = splitOnce(part, '=');
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(k.replace(/\+/g, ' '));
      value = decodeURIComponent(v.replace(/\+/g, ' '));
    } catch {
      return out;
    }
    if (!values.has(key)) values.set(key, value);
  }
  out.ref = values.get('ref') || values.get('version') || '';
  const t = values.get('timeout') ?? '';
  if (t !== '') {
    if (/^[+-]?\d+$/.test(t) && parseInt(t, 10) > 0) out.timeoutMs = parseInt(t, 10) * 1000;
    else {
      const d = goDuration(t);
      if (d !== undefined && d > 0) out.timeoutMs = d;
    }
  }
  const s = values.get('submodules') ?? '';
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) out.submodules = true;
  else if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) out.submodules = false;
  return out;
}

const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A Go duration ("1m30s", "500ms", "1.5h") in milliseconds, or undefined. */
export function goDuration(s: string): number | undefined {
  const m = /^([+-]?)((?:\d*\.?\d+(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(s);
  if (!m) return s === '0' ? 0 : undefined;
  let total = 0;
  for (const part of m[2].matchAll(/(\d*\.?\d+)(ns|us|µs|μs|ms|s|m|h)/g)) total += parseFloat(part[1]) * UNITS[part[2]];
  return m[1] === '-' ? -total : total;
}

/** The lock file's key of a remote: the repository and the ref (git), or the URL (http). */
export function lockKey(spec: RemoteSpec): string {
  return spec.type === 'git' ? (spec.ref ? `${spec.repo}?ref=${spec.ref}` : spec.repo) : spec.url;
}
