/** What every command shares: exit codes, flags, printing. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, diag } from './diagnostics.js';
import type { Diagnostic } from './types.js';

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3, publishFailed: 4 } as const;

/** The root of the kforge package (holds dist/ with the compiled environment definitions). */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function kforgeVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

export function today(): string {
  return process.env.KFORGE_TODAY ?? new Date().toISOString().slice(0, 10);
}

/** Minimal flag parser: --flag, --flag value, --flag=value; the rest are positionals. */
export function parseArgs(argv: string[], valued: string[]): { flags: Map<string, string | true>; rest: string[] } {
  const flags = new Map<string, string | true>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      rest.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (eq > 0) flags.set(name, a.slice(eq + 1));
    else if (valued.includes(name) && i + 1 < argv.length) flags.set(name, argv[++i]);
    else flags.set(name, true);
  }
  return { flags, rest };
}

export function flagStr(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

export function checkUnknownFlags(flags: Map<string, string | true>, known: string[], io: Io, cmd: string): boolean {
  for (const f of flags.keys()) {
    if (!known.includes(f)) {
      io.err(formatDiagnostic(diag('KF1006', `unknown option --${f} for kforge ${cmd}`, { hint: `options: ${known.map((k) => `--${k}`).join(' ')}` }), io.color) + '\n');
      return false;
    }
  }
  return true;
}

/** `check ENV` names an overlay (overlays/ENV); anything with a slash or an existing directory is a DIR. */
export function isEnvName(arg: string, repoRoot: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(arg) && fs.existsSync(path.join(repoRoot, 'overlays', arg));
}


export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

export function useColor(stream: NodeJS.WriteStream): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR) return true;
  return Boolean(stream.isTTY);
}

export function printDiagnostics(ds: readonly Diagnostic[], io: Io): void {
  for (const d of ds) {
    // Kustomize prints its deprecation warnings verbatim: so do we.
    if (d.code === 'KF1017') io.err(d.message + '\n');
    else io.err(formatDiagnostic(d, io.color) + '\n');
  }
}

