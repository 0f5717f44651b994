/**
 * What the kustomization reader (loader.ts) and the plugin config reader (plugins.ts)
 * share, and the transform stage uses too: the reading context, the paths an entry names
 * (shown relative to the cwd, remote or local, inside the load restrictor's root, a
 * sibling to suggest), a patch file's text, where an inline value's text starts, and the
 * names of value types for messages. Its own module so that the two readers do not
 * import each other.
 */
import * as path from 'node:path';
import type { Diagnostic, SourceLocation } from '../types.js';
import { diag, didYouMean } from '../diagnostics.js';
import type { PNode, PositionedYaml } from './kfile.js';
import { isNormalAbsolute, type FileSystem } from '../fs.js';
import { outsideRoot } from './restrictor.js';
import { UTF8 } from './yaml/index.js';
import { remoteDisplay } from './remote/roots.js';

/** What the field readers need of a positioned YAML text (PositionedYaml, or a plugin config's view). */
export type YamlView = Pick<PositionedYaml, 'file' | 'text' | 'at' | 'keyAt' | 'offsetAt'>;

/** The state of reading one kustomization (or a file it names): positions, diagnostics, where paths resolve. */
export type LoadCtx = { y: YamlView; ds: Diagnostic[]; dir: string; fs: FileSystem; root: string };
type Ctx = LoadCtx;

/**
 * Whether Kustomize reads a `resources`/`components` entry as a remote (git or HTTP) one, as
 * its repo-spec parser does: after an optional `git::`, an ssh://, https://, http:// or
 * file:// URL; or scp style, a `user@` or `github.com/` / `github.com:` start, a host and a
 * repository path (two segments, or one marked by `_git/`, `//` or `.git`). Anything else
 * is a local path, even `example.com/team/app` or `gitlab.com/org/repo`.
 */
export function isRemote(entry: string): boolean {
  // Every remote form has a `:` (a scheme, `git::`, scp's `host:`), an `@` (`user@`) or starts
  // with `github.com/`: a plain local path, nearly every entry, is answered without the string
  // splitting and regular expressions below (isRemoteByRules).
  if (!entry.includes(':') && !entry.includes('@') && !startsWithGithubSlash(entry)) return false;
  return isRemoteByRules(entry);
}

/** Whether `s` starts with `github.com/`, in any letter case. */
function startsWithGithubSlash(s: string): boolean {
  return s.length >= 11 && s.charCodeAt(10) === 47 && s.slice(0, 10).toLowerCase() === 'github.com';
}

/** isRemote's rules, without its shortcut (exported for the test that holds the shortcut to them). */
export function isRemoteByRules(entry: string): boolean {
  let n = entry.split('?')[0];
  if (path.isAbsolute(n)) return false;
  n = n.replace(/^git::/i, '');
  // a URL with a scheme is remote (a git repository, or a file fetched over HTTP)
  if (/^(ssh|https|http|file):\/\//i.test(n)) return true;
  const user = /^[a-zA-Z][a-zA-Z0-9-]*@/.exec(n)?.[0] ?? '';
  n = n.slice(user.length);
  if (user === '' && !/^github\.com[/:]/i.test(n)) return false;
  // scp style: host, then `:` or `/`, then the repository path
  const slash = n.indexOf('/');
  const colon = n.indexOf(':');
  const sep = slash === -1 || (colon > 0 && colon < slash) ? colon : slash;
  if (sep < 0) return false;
  const rest = n.slice(sep + 1);
  if (/_git\/|\/\/|\.git/.test(rest)) return true;
  const segments = rest.split('/');
  return segments.length >= 2 && segments[0] !== '';
}

/**
 * `path.resolve(dir, entry)`. For the usual entry of a kustomization — a relative path of plain
 * names, maybe led by `../` steps (`deployment.yaml`, `../../bases/app`) — under a normal
 * absolute `dir`, the answer is put together from strings, without path.resolve's
 * character-by-character normalisation (asked for every resource and patch file: at
 * N = 5,000, 25,000 times). Anything else (`./x`, `a/../b`, `a//b`, a trailing `/`, an
 * absolute entry, Windows) goes to path.resolve.
 */
export function resolveIn(dir: string, entry: string): string {
  if (path.sep !== '/' || !isNormalAbsolute(dir)) return path.resolve(dir, entry);
  let d = dir;
  let at = 0;
  while (entry.startsWith('../', at)) {
    d = d === '/' ? d : d.slice(0, d.lastIndexOf('/')) || '/';
    at += 3;
  }
  const rest = at === 0 ? entry : entry.slice(at);
  if (rest === '' || rest.charCodeAt(0) === 47 || rest.charCodeAt(rest.length - 1) === 47 || NOT_PLAIN_RELATIVE.test(rest)) return path.resolve(dir, entry);
  return d === '/' ? '/' + rest : d + '/' + rest;
}
/** A `.` or `..` name, or an empty one between two slashes. */
const NOT_PLAIN_RELATIVE = /(?:^|\/)\.\.?(?:\/|$)|\/\//;

/** Relative path for messages: relative to the process's cwd when inside it. */
export function displayPath(abs: string): string {
  const remote = remoteDisplay(abs);
  if (remote !== undefined) return remote;
  const cwd = process.cwd();
  // every resource and patch file is shown: a normal absolute path is placed against the
  // cwd by comparing strings, path.relative only for the others
  if (path.sep === '/' && isNormalAbsolute(abs) && cwd !== '/') {
    if (abs === cwd) return '.';
    if (abs.length > cwd.length && abs.charCodeAt(cwd.length) === 47 && abs.startsWith(cwd)) {
      const rel = abs.slice(cwd.length + 1);
      return rel.startsWith('..') ? abs : rel; // (path.relative's answer for a name starting with `..`, as before)
    }
    return abs;
  }
  const rel = path.relative(cwd, abs);
  return rel === '' ? '.' : rel.startsWith('..') ? abs : rel;
}

/** Resolves a local file path of a kustomization, enforcing the load restrictor. */
export function resolveLocalFile(ctx: { dir: string; fs: FileSystem; ds: Diagnostic[]; root: string }, entry: string, where: SourceLocation, what = 'file'): string | undefined {
  if (isRemote(entry)) {
    ctx.ds.push(diag('KF1009', `remote file "${entry}" refused: kforge never reaches the network at build time`, { location: where, hint: 'vendor the file into the repository and refer to it by a relative path' }));
    return undefined;
  }
  const abs = resolveIn(ctx.dir, entry);
  const kind = ctx.fs.stat(abs);
  if (kind === undefined) {
    ctx.ds.push(diag('KF1002', `${what} "${entry}" not found (looked for ${displayPath(abs)})`, { location: where, hint: suggestSibling(ctx.fs, abs) }));
    return undefined;
  }
  if (kind === 'dir') {
    ctx.ds.push(diag('KF1006', `"${entry}" is a directory, a file was expected here`, { location: where }));
    return undefined;
  }
  const real = ctx.fs.realPath(abs) ?? abs;
  const rootReal = ctx.fs.realPath(ctx.root) ?? ctx.root;
  if (outsideRoot(ctx.fs, real, rootReal)) {
    ctx.ds.push(
      diag('KF1008', `${what} "${entry}" is outside the kustomization root ${displayPath(rootReal)} (resolves to ${real})`, {
        location: where,
        hint: 'move the file under the kustomization directory, or make its directory a kustomization and list that directory instead',
      }),
    );
    return undefined;
  }
  return abs;
}

export { isWithin } from './restrictor.js';

export function suggestSibling(fs: FileSystem, abs: string): string {
  const dir = path.dirname(abs);
  const names = fs.readDir(dir);
  const guess = didYouMean(path.basename(abs), names);
  return guess ? `did you mean "${guess}"?` : `check the path; ${displayPath(dir)} holds: ${names.slice(0, 8).join(', ') || 'nothing'}`;
}

function readFileText(ctx: Ctx, abs: string, where: SourceLocation): string | undefined {
  const bytes = ctx.fs.readFile(abs);
  if (!bytes) {
    ctx.ds.push(diag('KF1002', `cannot read ${displayPath(abs)}`, { location: where }));
    return undefined;
  }
  try {
    return UTF8.decode(bytes);
  } catch {
    ctx.ds.push(diag('KF1011', `${displayPath(abs)} is not valid UTF-8 text`, { location: where, hint: 'save the file as UTF-8' }));
    return undefined;
  }
}

export function patchFromFile(ctx: Ctx, entry: string, where: SourceLocation, what?: string): { text: string; path: string; textLocation: SourceLocation } | undefined {
  const abs = resolveLocalFile(ctx, entry, where, what);
  if (!abs) return undefined;
  const text = readFileText(ctx, abs, where);
  if (text === undefined) return undefined;
  return { text, path: abs, textLocation: { file: displayPath(abs), line: 1, column: 1 } };
}

const linesCache = new Map<string, string[]>();
/** The file's lines, split once per text (a kustomization may hold thousands of inline patches). */
export function linesOf(text: string): string[] {
  let l = linesCache.get(text);
  if (!l) {
    if (linesCache.size > 64) linesCache.clear();
    linesCache.set(text, (l = text.split('\n')));
  }
  return l;
}

/** Where the text of an inline block scalar starts (the line after `|`). */
export function inlineLocation(ctx: Ctx, v: PNode): SourceLocation {
  const loc = ctx.y.at(v);
  if (v.kind === 'scalar' && v.block) {
    // The text starts on the next non-blank line, at its indentation: positions inside the
    // patch text are shifted by both (block scalars strip that indentation).
    const lines = linesOf(ctx.y.text);
    let n = loc.line; // 0-based index of the line after the indicator
    while (n < lines.length && lines[n].trim() === '') n++;
    const indent = n < lines.length ? lines[n].length - lines[n].trimStart().length : 0;
    return { file: loc.file, line: loc.line + 1, column: indent + 1 };
  }
  return loc;
}

export function isNull(v: PNode | null): boolean {
  return v === null || (v.kind === 'scalar' && v.value === null);
}

export function typeName(v: PNode): string {
  if (v.kind === 'map') return 'a mapping';
  if (v.kind === 'seq') return 'a list';
  return typeof v.value === 'string' ? 'a string' : `${typeof v.value} ${String(v.value)}`;
}
