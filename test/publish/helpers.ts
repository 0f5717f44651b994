/** Throw-away git repositories for the publish tests. */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Environment } from '../../compiler/types.js';
import { planRender, type RenderedApp, type RenderPlan, type SourceInfo } from '../../compiler/emit/plan.js';

const ENV = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  HOME: os.tmpdir(),
  LANG: 'C',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada Dev',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Dev',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};

const made: string[] = [];

export function tmp(prefix = 'kforge-pt-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanup(): void {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

let tick = 0;
/** Runs git in dir (test setup only); commits get distinct, fixed dates. */
export function git(dir: string, ...args: string[]): string {
  const date = `${1_700_000_000 + tick * 60} +0000`;
  return execFileSync('git', args, {
    cwd: dir,
    env: { ...ENV, GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date },
    encoding: 'utf-8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** App spec in `apps.json` of the source repository: app → list of ConfigMap names → value. */
export type AppsSpec = Record<string, Record<string, string>>;

export function writeApps(dir: string, spec: AppsSpec): void {
  fs.writeFileSync(path.join(dir, 'apps.json'), JSON.stringify(spec, null, 2) + '\n');
}

export function commitAll(dir: string, message: string): string {
  tick++;
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD').trim();
}

export function initSource(spec: AppsSpec, message = 'initial'): { dir: string; sha: string } {
  const dir = tmp();
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'commit.gpgSign', 'false');
  writeApps(dir, spec);
  fs.writeFileSync(path.join(dir, '.gitignore'), 'out/\n');
  return { dir, sha: commitAll(dir, message) };
}

export function configMap(name: string, value: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: demo\ndata:\n  value: "${value}"\n`;
}

export function appsFromSpec(spec: AppsSpec): RenderedApp[] {
  return Object.entries(spec).map(([app, cms]) => ({
    app,
    resources: Object.entries(cms).map(([name, value]) => ({
      id: { group: '', version: 'v1', kind: 'ConfigMap', namespace: 'demo', name },
      yaml: configMap(name, value),
    })),
  }));
}

/** The injected build: reads apps.json of the checkout (which is the source commit). */
export function planFrom(dir: string, environment: Environment, allowDirty = false): (s: SourceInfo) => RenderPlan {
  return (source) =>
    planRender({
      environment,
      apps: appsFromSpec(JSON.parse(fs.readFileSync(path.join(dir, 'apps.json'), 'utf-8')) as AppsSpec),
      source,
      kforgeVersion: '0.1.0-test',
      policy: { errors: 0, warnings: 1, waived: 0 },
      allowDirty,
    });
}

export const prod: Environment = { name: 'prod', kubernetesVersion: '1.31' };

/** Files of a commit: path → content. */
export function filesAt(dir: string, rev: string): Map<string, string> {
  const out = new Map<string, string>();
  const list = git(dir, 'ls-tree', '-r', '-z', '--name-only', rev).split('\0').filter(Boolean);
  for (const p of list) out.set(p, git(dir, 'cat-file', 'blob', `${rev}:${p}`));
  return out;
}

export function revParse(dir: string, rev: string): string | undefined {
  try {
    return git(dir, 'rev-parse', '--verify', '-q', rev).trim();
  } catch {
    return undefined;
  }
}

/**
 * A PATH whose `git` refuses what an older git refuses: for arguments matching `refuses` (a
 * shell test on "$@", `$1` the command) it prints `message` on stderr and exits with `code`,
 * counting each refusal; anything else runs the real git.
 */
export function olderGitPath(refuses: string, message: string, code: number): { PATH: string; refusals: () => number } {
  const bin = tmp('kforge-oldgit-');
  const real = (process.env.PATH ?? '/usr/bin:/bin')
    .split(path.delimiter)
    .map((d) => path.join(d, 'git'))
    .find((f) => fs.existsSync(f))!;
  const log = path.join(bin, 'refused.log');
  fs.writeFileSync(
    path.join(bin, 'git'),
    `#!/bin/sh\nfor a in "$@"; do\n  if ${refuses}; then\n    echo x >> '${log}'\n    echo '${message.replace(/'/g, "'\\''")}' >&2\n    exit ${code}\n  fi\ndone\nexec '${real}' "$@"\n`,
    { mode: 0o755 },
  );
  return { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`, refusals: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0) };
}

/** Runs `f` with process.env.PATH set to `PATH` (in-process git calls spawn with it). */
export async function withPath<T>(PATH: string, f: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = PATH;
  try {
    return await f();
  } finally {
    process.env.PATH = saved;
  }
}
