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
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hasErrors } from './diagnostics.js';
import { EXIT, parseArgs, printDiagnostics, useColor, kforgeVersion, type Io } from './cli-util.js';
import { COMMANDS, checkFlagValues, checkCommandInputs } from './cli-usage.js';
import { LOAD_RESTRICTORS, type LoadRestrictor } from './load/restrictor.js';

export { EXIT, printDiagnostics, parseArgs, kforgeVersion } from './cli-util.js';

// Commands load their modules on demand: \`kforge build\` does not pay for policies, git or diff.
const USAGE = `usage: kforge <command> [options]     (kforge COMMAND --help: its options; kforge --version)

commands:
  build DIR        print the rendered YAML of the kustomization in DIR (like kustomize build;
                   --load-restrictor LoadRestrictionsRootOnly|LoadRestrictionsNone, --offline)
  lock [DIR|ENV…]  pin the remote bases the builds use in kforge.lock (--update moves every pin)
  check ENV|DIR    build and run the policy checks (--format text|json|sarif, --baseline FILE)
  render ENV       build overlays/ENV, check it, commit it to its deploy branch (--push, --out DIR)
  bootstrap argocd|flux  write the AppProject + ApplicationSet (Argo CD) or GitRepository + one Kustomization
                   per app (Flux) that sync the deploy branches (--stdout, --check, --repo-url URL, --out DIR)
  edit set image NAME=NEWNAME:TAG|NAME@DIGEST…, edit add resource PATH…, edit set namespace NS
                   kustomize edit on --env ENV or --dir DIR, keeping comments and layout
  promote FROM TO  write FROM's image references (and declared config) into TO's kustomization and
                   print TO's rendered diff (--image NAME, --dry-run, --format text|markdown|json)
  diff ENV         the rendered change against the deploy branch (--against REF, --all, --envs FROM TO,
                   --format text|markdown|json); exit 1 when something changes

exit codes: 0 ok, 1 findings or changes, 2 invalid input or refused, 3 internal error, 4 publish failed
`;

/**
 * Runs a command. Exit 2 means nothing on stdout: what a command printed there goes to stderr
 * when it ends with exit 2 (a refused render's summary, say).
 */
export async function main(argv: string[], io: Io): Promise<number> {
  const buffered: string[] = [];
  let code: number;
  try {
    code = await dispatch(argv, { ...io, out: (s) => void buffered.push(s) });
  } catch (e) {
    io.out(buffered.join(''));
    throw e;
  }
  const text = buffered.join('');
  if (text) (code === EXIT.usage ? io.err : io.out)(text);
  return code;
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === '--version' || cmd === '-V' || cmd === 'version') {
    io.out(`kforge ${kforgeVersion()}\n`);
    return EXIT.ok;
  }
  if (cmd === 'help' && rest.length) return dispatch([rest[0], '--help'], io);
  const spec = cmd ? COMMANDS[cmd] : undefined;
  if (spec?.usage && (rest.includes('--help') || rest.includes('-h'))) {
    io.out(spec.usage);
    return EXIT.ok;
  }
  if (spec) {
    const bad = checkFlagValues(cmd, rest) ?? checkCommandInputs(cmd, rest, process.cwd());
    if (bad) {
      printDiagnostics([bad], io);
      return EXIT.usage;
    }
  }
  switch (cmd) {
    case 'build': {
      const { flags, rest: args } = parseArgs(rest, ['load-restrictor']);
      const unknown = [...flags.keys()].find((f) => f !== 'load-restrictor' && f !== 'offline');
      if (unknown !== undefined) {
        io.err(`error KF1006: unknown option --${unknown} for kforge build\n\n${COMMANDS.build.usage}`);
        return EXIT.usage;
      }
      const dirs = args.filter((a) => !a.startsWith('-'));
      if (dirs.length !== 1) {
        io.err('error KF1001: kforge build needs exactly one directory\n  hint: kforge build overlays/prod\n');
        return EXIT.usage;
      }
      // Kustomize's flag (its default is LoadRestrictionsRootOnly).
      const restrictor = flags.get('load-restrictor');
      if (restrictor !== undefined && !LOAD_RESTRICTORS.includes(restrictor as LoadRestrictor)) {
        io.err(`error KF1006: invalid --load-restrictor ${restrictor === true ? '(no value)' : JSON.stringify(restrictor)}\n  hint: ${LOAD_RESTRICTORS.join(' or ')}\n`);
        return EXIT.usage;
      }
      const { buildDirWithRemotes } = await import('./load/remote/build.js');
      // only YAML is printed: no field sources for the policy checks' locations
      const res = await buildDirWithRemotes(dirs[0], { offline: rest.includes('--offline'), loadRestrictor: restrictor as LoadRestrictor | undefined, fieldSources: false });
      printDiagnostics(res.diagnostics, io);
      if (res.output === undefined || hasErrors(res.diagnostics)) return EXIT.usage;
      io.out(res.output);
      return EXIT.ok;
    }
    case 'lock':
      return (await import('./commands/lock.js')).cmdLock(rest, io);
    case 'check':
      return (await import('./commands/check.js')).cmdCheck(rest, io);
    case 'render':
      return (await import('./commands/render.js')).cmdRender(rest, io);
    case 'diff':
      return (await import('./commands/diff.js')).cmdDiff(rest, io);
    case 'bootstrap':
      return (await import('./bootstrap/cli.js')).runBootstrap(rest, io, { color: io.color });
    case 'promote':
      return (await import('./commands/promote.js')).cmdPromote(rest, io);
    case 'edit':
      return (await import('./commands/edit.js')).cmdEdit(rest, io);
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

/** The CLI on process.argv, as the `kforge` bin runs it (dist/kforge/kforge.js calls it in build.cjs). */
export async function run(): Promise<void> {
  // `kforge build … | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  const io: Io = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    color: useColor(process.stderr),
  };
  let code: number;
  try {
    code = await main(process.argv.slice(2), io);
  } catch (e) {
    if ((e as Error)?.name === 'GitUnavailableError') {
      const { gitUnavailable, GitUnavailableError } = await import('./publish/git.js');
      if (e instanceof GitUnavailableError) {
        printDiagnostics([gitUnavailable(e)], io);
        process.exitCode = EXIT.usage;
        return;
      }
    }
    io.err(`internal error KF9001: kforge crashed; this is a bug in kforge, not in your files.\n  ${(e as Error)?.message ?? String(e)}\n`);
    if (process.env.KFORGE_DEBUG) io.err(`${(e as Error)?.stack ?? ''}\n`);
    else io.err('  hint: run again with KFORGE_DEBUG=1 and report the output\n');
    code = EXIT.internal;
  }
  process.exitCode = code;
}

const self = fileURLToPath(import.meta.url);
const invoked = process.argv[1] ? (() => { try { return realpathSync(process.argv[1]); } catch { return process.argv[1]; } })() : '';
if (invoked === self) void run();
