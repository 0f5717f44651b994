#!/usr/bin/env node
/**
 * kforge's command line: the only place that prints, colours and picks the exit code.
 *
 * Exit codes (documented in README.md):
 *   0  success (build printed; check found no error; render published or up to date; diff found no change)
 *   1  policy errors (check, render) or changes found (diff)
 *   2  a user's mistake: invalid input, diagnostics on stderr, nothing on stdout
 *   3  an internal error in kforge (a bug): please report it with KFORGE_DEBUG=1 output
 */
import { formatDiagnostic, hasErrors } from './diagnostics.js';
import type { Diagnostic } from './types.js';
import { buildDir } from './index.js';

export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

function useColor(stream: NodeJS.WriteStream): boolean {
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

const USAGE = `usage: kforge <command> [options]

commands:
  build DIR        print the rendered YAML of the kustomization in DIR (like kustomize build)

exit codes: 0 ok, 1 findings or changes, 2 invalid input, 3 internal error
`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'build': {
      const dirs = rest.filter((a) => !a.startsWith('-'));
      if (dirs.length !== 1) {
        io.err('error KF1001: kforge build needs exactly one directory\n  hint: kforge build overlays/prod\n');
        return EXIT.usage;
      }
      const res = buildDir(dirs[0]);
      printDiagnostics(res.diagnostics, io);
      if (res.output === undefined || hasErrors(res.diagnostics)) return EXIT.usage;
      io.out(res.output);
      return EXIT.ok;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      (cmd === undefined ? io.err : io.out)(USAGE);
      return cmd === undefined ? EXIT.usage : EXIT.ok;
    default:
      io.err(`error: unknown command "${cmd}"\n\n${USAGE}`);
      return EXIT.usage;
  }
}

async function run(): Promise<void> {
  const io: Io = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    color: useColor(process.stderr),
  };
  let code: number;
  try {
    code = await main(process.argv.slice(2), io);
  } catch (e) {
    io.err(`internal error KF9001: kforge crashed; this is a bug in kforge, not in your files.\n  ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.KFORGE_DEBUG) io.err(`${(e as Error)?.stack ?? ''}\n`);
    else io.err('  hint: run again with KFORGE_DEBUG=1 and report the output\n');
    code = EXIT.internal;
  }
  process.exitCode = code;
}

import { fileURLToPath } from 'node:url';
import { realpathSync } from 'node:fs';
const self = fileURLToPath(import.meta.url);
const invoked = process.argv[1] ? (() => { try { return realpathSync(process.argv[1]); } catch { return process.argv[1]; } })() : '';
if (invoked === self) void run();
