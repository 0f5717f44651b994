/**
 * The CLI contract, in one place: each command's usage (every flag it takes), which flags take
 * a value and which values they accept. `kforge COMMAND --help` prints the usage on stdout (exit
 * 0); a flag missing its value or with a value it does not accept is a usage error (exit 2) that
 * says what was wrong. Unknown flags stay each command's own check (checkUnknownFlags).
 */
import * as fs from 'node:fs';
import { childProcess } from './deps.js';
import { diag } from './diagnostics.js';
import type { Diagnostic } from './types.js';

export interface CommandSpec {
  usage: string;
  /** Flags that take a value: the values accepted (undefined: any). */
  valued: Record<string, readonly string[] | undefined>;
}

export const COMMANDS: Record<string, CommandSpec> = {
  build: {
    usage: `usage: kforge build DIR [options]

Prints the rendered multi-document YAML of the kustomization in DIR, byte-identical to
kustomize build DIR; diagnostics on stderr.

options:
  --load-restrictor R   LoadRestrictionsRootOnly (default) or LoadRestrictionsNone, as kustomize build
  --offline             remote bases from kforge.lock and the cache only; nothing is fetched
  -h, --help            this help
`,
    valued: { 'load-restrictor': ['LoadRestrictionsRootOnly', 'LoadRestrictionsNone'] },
  },
  check: {
    usage: `usage: kforge check ENV|DIR [options]

Builds overlays/ENV (or the kustomization in DIR) and runs the policy checks.
Exit 0 no policy error, 1 policy errors, 2 invalid input.

options:
  --format F              text (default), json or sarif
  --baseline FILE         findings recorded in FILE (--write-baseline) do not count
  --write-baseline FILE   write the current findings to FILE
  --waivers FILE          waivers file (default policies/waivers.yaml)
  --include-waived        report waived findings too (SARIF: with suppressions on every result)
  --env NAME              the environment name checks see, for a DIR
  --crds FOLDER           vendored CRDs to validate custom resources against, for a DIR
  --offline               remote bases from kforge.lock and the cache only; nothing is fetched
  -h, --help              this help
`,
    valued: { format: ['text', 'json', 'sarif'], baseline: undefined, 'write-baseline': undefined, waivers: undefined, env: undefined, crds: undefined },
  },
  render: {
    usage: `usage: kforge render ENV [options]

Builds overlays/ENV with its environment definition, checks it (a policy error stops it) and
commits the manifests to the environment's deploy branch.

options:
  --push              push the deploy branch to the remote (fetches and follows it first)
  --remote NAME       the remote for --push (default origin)
  --allow-dirty       render uncommitted changes (the deploy commit records it)
  --allow-diverged    publish even when the deploy branch moved away from its source
  --repair            the deploy head is not one kforge can prove it wrote (KF5007): commit a fresh
                      render on top of it (history kept, foreign files removed)
  --sign              sign the deploy commit with git's signing configuration (or sign: true in
                      environment.ts)
  --out DIR           write the files to folder DIR instead of committing (DIR is created; not an existing file)
  --waivers FILE      waivers file (default policies/waivers.yaml)
  --source-ref REF    the source branch or ref to record in the deploy commit, for a detached
                      CI checkout (refs/heads/main); it must name a commit
  --repo-url URL      the source repository URL to record (default: the remote's URL)
  --timings           one line on stderr with each phase's milliseconds
  --offline           remote bases from kforge.lock and the cache only; nothing is fetched
  -h, --help          this help
`,
    valued: { remote: undefined, out: undefined, waivers: undefined, 'source-ref': undefined, 'repo-url': undefined },
  },
  diff: {
    usage: `usage: kforge diff ENV | --all | --envs FROM TO [options]

The rendered change of ENV against its deploy branch head (exit 1 when something changes).

options:
  --against REF     render both sides: ENV at REF (a commit with overlays/) against the working tree
  --all             every environment
  --envs FROM TO    what TO would change if FROM's promotable values were promoted (kforge promote --dry-run)
  --format F        text (default), markdown or json
  --remote NAME     the remote whose deploy branch to compare with (default origin, as render --push)
  --no-fetch        compare with what is already local (the remote-tracking ref, else the local branch)
  -h, --help        this help
`,
    valued: { against: undefined, format: ['text', 'markdown', 'json'], remote: undefined },
  },
  lock: {
    usage: `usage: kforge lock [DIR|ENV…] [options]

Builds each tree (default: every overlays/*, else .) and pins the remote bases it uses in
kforge.lock: the commit each ref resolved to and a content digest.

options:
  --update      move every pin those builds use to what its ref names now
  -h, --help    this help
`,
    valued: {},
  },
  promote: { usage: '', valued: { image: undefined, format: ['text', 'markdown', 'json'] } },
  edit: { usage: '', valued: { env: undefined, dir: undefined } },
};

function orList(xs: readonly string[]): string {
  return xs.length <= 1 ? xs.join('') : `${xs.slice(0, -1).join(', ')} or ${xs[xs.length - 1]}`;
}

/** A flag missing its value, or a value the flag does not take. */
export function checkFlagValues(cmd: string, argv: readonly string[]): Diagnostic | undefined {
  const spec = COMMANDS[cmd];
  if (!spec) return undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') break;
    if (!a.startsWith('--')) continue;
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in spec.valued)) continue;
    let value: string | undefined;
    if (eq > 0) value = a.slice(eq + 1);
    else {
      value = argv[i + 1];
      if (value !== undefined && value.startsWith('--')) value = undefined;
      else i++;
    }
    if (value === undefined || value === '') return diag('KF1006', `--${name} needs a value`, { hint: `kforge ${cmd} --help` });
    const allowed = spec.valued[name];
    if (allowed && !allowed.includes(value)) return diag('KF1006', `unknown ${name} ${value}; ${orList(allowed)}`, { hint: `kforge ${cmd} --help` });
  }
  return undefined;
}

function flagValue(argv: readonly string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

function resolves(cwd: string, ref: string): boolean {
  try {
    childProcess().execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd, stdio: ['ignore', 'pipe', 'ignore'] });
    return true;
  } catch {
    return false;
  }
}

/** Checks of flag values that need the file system or git, before a command runs. */
export function checkCommandInputs(cmd: string, argv: readonly string[], cwd: string): Diagnostic | undefined {
  if (cmd === 'render') {
    const out = flagValue(argv, 'out');
    if (out !== undefined && fs.existsSync(out) && !fs.statSync(out).isDirectory()) {
      return diag('KF1006', `--out ${out} is a file: render writes a folder of manifests`, { hint: 'name a folder (it is created when missing), or remove the file' });
    }
    const ref = flagValue(argv, 'source-ref');
    if (ref !== undefined && !resolves(cwd, ref) && !resolves(cwd, `origin/${ref.replace(/^refs\/heads\//, '')}`)) {
      return diag('KF1006', `--source-ref ${ref} does not name a commit in this repository`, { hint: 'give the branch the checkout came from, e.g. --source-ref refs/heads/main (fetch it first in a shallow CI checkout)' });
    }
  }
  if (cmd === 'diff') {
    const ref = flagValue(argv, 'against');
    if (ref !== undefined && resolves(cwd, ref)) {
      try {
        childProcess().execFileSync('git', ['cat-file', '-e', `${ref}^{commit}:overlays`], { cwd, stdio: 'ignore' });
      } catch {
        return diag('KF6001', `${ref} has no overlays/ folder: there is nothing to render at it`, { hint: 'name a commit of this repository that holds overlays/<env>/ (git log -- overlays)' });
      }
    }
  }
  return undefined;
}
