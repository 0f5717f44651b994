/**
 * Runs the real `kforge` command line in-process (`main(argv, io)` of compiler/cli.ts) from the
 * repository root, with the environment variables the CLI reads pinned for each call, so the
 * tests do not depend on the shell (a CI runner sets GITHUB_ACTIONS, a terminal NO_COLOR…).
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { main } from '../../compiler/cli.js';
import { kforgeCli, repoRoot } from '../helpers.js';

export const ROOT = repoRoot();
/** Fixture trees, relative to the repository root (the CLI prints paths relative to the cwd). */
export const FIX = 'test/fixtures/policies-e2e';
/** The date the CLI sees unless a test says otherwise: fixed, so waivers expiring in 2029 stay valid. */
export const TODAY = '2026-06-01';

export interface Run {
  code: number;
  out: string;
  err: string;
}

const PINNED = ['KFORGE_TODAY', 'GITHUB_ACTIONS', 'NO_COLOR', 'FORCE_COLOR', 'KFORGE_DEBUG'];

/** `kforge ARGV` in this process; `env` sets (string) or unsets (undefined) variables for the call. */
export async function kforge(argv: string[], env: Record<string, string | undefined> = {}, color = false): Promise<Run> {
  const saved = new Map<string, string | undefined>();
  const want: Record<string, string | undefined> = { KFORGE_TODAY: TODAY, GITHUB_ACTIONS: undefined, NO_COLOR: undefined, FORCE_COLOR: undefined, KFORGE_DEBUG: undefined, ...env };
  for (const k of new Set([...PINNED, ...Object.keys(env)])) {
    saved.set(k, process.env[k]);
    if (want[k] === undefined) delete process.env[k];
    else process.env[k] = want[k];
  }
  const cwd = process.cwd();
  process.chdir(ROOT);
  let out = '';
  let err = '';
  try {
    const code = await main(argv, { out: (s) => void (out += s), err: (s) => void (err += s), color });
    return { code, out, err };
  } finally {
    process.chdir(cwd);
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** `kforge ARGV` as a child process (stdout and stderr are pipes, not TTYs), with exactly `env` on top of PATH. */
export function kforgeProcess(argv: string[], env: Record<string, string> = {}): Run {
  const res = spawnSync(process.execPath, [kforgeCli(), ...argv], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', KFORGE_TODAY: TODAY, ...env },
  });
  return { code: res.status ?? -1, out: res.stdout, err: res.stderr };
}

export interface JsonFinding {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  hint: string;
  resource: { apiVersion: string; kind: string; namespace?: string; name: string };
  source?: { file: string; line: number; column: number };
  pointer?: string;
}

export function parseFindings(out: string): JsonFinding[] {
  return JSON.parse(out) as JsonFinding[];
}

/** `id severity file:line` of each finding, in report order. */
export function where(fs: readonly JsonFinding[]): string[] {
  return fs.map((f) => `${f.id} ${f.severity} ${f.source ? `${f.source.file}:${f.source.line}` : '-'}`);
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[[0-9;]*m/;
