/**
 * `kforge bootstrap argocd|flux [--env NAME]... [--repo-url URL] [--out DIR] [--stdout|--check]`
 *
 * Exit codes: 0 written, printed, or up to date (`--check`); 1 `--check` found stale files;
 * 2 a user's mistake (diagnostics on stderr).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, Environment } from '../types.js';
import { diag, formatDiagnostic, hasErrors } from '../diagnostics.js';
import { loadEnvironment, syncBranchOf } from '../env.js';
import { bootstrap, type BootstrapEnv, type BootstrapTarget } from './index.js';

export const BOOTSTRAP_USAGE = `usage: kforge bootstrap argocd|flux [options]

Writes the objects that make a cluster follow each environment's deploy branch:
per environment an AppProject (allowing only what the environment renders) and an
ApplicationSet (argocd), or a GitRepository and one Kustomization per app (flux).
Each environment is rendered to learn its namespaces, cluster-scoped objects and apps.

options:
  --env NAME        an environment (repeatable); default: every overlays/<env>/ with a kustomization
  --repo-url URL    the repository the cluster clones; default: git remote get-url origin
  --out DIR         output folder; default: deploy/<target>/
  --stdout          print one YAML stream instead of writing files
  --check           write nothing; exit 1 when the files in the output folder are stale
  --server URL      Argo CD destination cluster (default: https://kubernetes.default.svc)
  --namespace NS    namespace of Argo CD or Flux (default: argocd / flux-system)
`;

interface Io {
  out(s: string): void;
  err(s: string): void;
}

interface Args {
  target?: BootstrapTarget;
  envs: string[];
  repoURL?: string;
  out?: string;
  stdout: boolean;
  check: boolean;
  server?: string;
  namespace?: string;
  help: boolean;
}

function parseArgs(argv: string[], ds: Diagnostic[]): Args {
  const a: Args = { envs: [], stdout: false, check: false, help: false };
  const valued: Record<string, (v: string) => void> = {
    '--env': (v) => a.envs.push(v),
    '--repo-url': (v) => (a.repoURL = v),
    '--out': (v) => (a.out = v),
    '--server': (v) => (a.server = v),
    '--namespace': (v) => (a.namespace = v),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag in valued) {
      const v = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (v === undefined || v === '' || (eq < 0 && v.startsWith('--'))) {
        ds.push(diag('KF1006', `${flag} needs a value`, { hint: BOOTSTRAP_USAGE.split('\n')[0] }));
        if (eq < 0 && v !== undefined && v.startsWith('--')) i--;
        continue;
      }
      valued[flag](v);
    } else if (arg === '--stdout') a.stdout = true;
    else if (arg === '--check') a.check = true;
    else if (arg === '-h' || arg === '--help') a.help = true;
    else if (arg === 'argocd' || arg === 'flux') {
      if (a.target && a.target !== arg) ds.push(diag('KF1006', 'give one target: argocd or flux'));
      a.target = arg;
    } else if (arg.startsWith('-')) ds.push(diag('KF1006', `unknown option ${arg}`, { hint: 'kforge bootstrap --help' }));
    else ds.push(diag('KF1006', `unknown target "${arg}": expected argocd or flux`, { hint: 'kforge bootstrap argocd' }));
  }
  return a;
}


function hasKustomization(dir: string): boolean {
  return ['kustomization.yaml', 'kustomization.yml', 'Kustomization'].some((f) => fs.existsSync(path.join(dir, f)));
}

/** Every overlays/<env>/ holding a kustomization file, sorted (overlays/components/ holds none itself). */
export function discoverEnvironments(repoDir: string): string[] {
  const root = path.join(repoDir, 'overlays');
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.') && hasKustomization(path.join(root, d.name)))
    .map((d) => d.name)
    .sort();
}

/** Name → branch and deploy path, from overlays/<env>/environment.ts when compiled, else the defaults. */
export async function resolveEnvironments(repoDir: string, names: string[], distDir?: string): Promise<{ envs: BootstrapEnv[]; diagnostics: Diagnostic[] }> {
  const envs: BootstrapEnv[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const name of names) {
    const r = await loadEnvironment(repoDir, name, distDir ? { distDir } : {});
    if (r.value) {
      const env = r.value.environment;
      envs.push({
        name,
        branch: syncBranchOf(env),
        ...(env.deployPath ? { deployPath: env.deployPath } : {}),
        ...(env.signatureKeys?.length ? { signatureKeys: env.signatureKeys } : {}),
        ...(env.promoteByPullRequest && !env.deployBranch ? { promotedByPullRequest: true } : {}),
      });
      continue;
    }
    // An environment.ts that is not compiled (KF4003) is an error here: its signatureKeys,
    // branch and typed patches decide what the cluster may accept.
    diagnostics.push(...r.diagnostics);
  }
  return { envs, diagnostics };
}

export async function runBootstrap(argv: string[], io: Io, opts: { repoDir?: string; distDir?: string; color?: boolean } = {}): Promise<number> {
  const print = (ds: readonly Diagnostic[]) => {
    for (const d of ds) io.err(formatDiagnostic(d, opts.color ?? false) + '\n');
  };
  const ds: Diagnostic[] = [];
  const args = parseArgs(argv, ds);
  if (args.help) {
    io.out(BOOTSTRAP_USAGE);
    return 0;
  }
  if (args.stdout && args.check) ds.push(diag('KF1006', 'give --stdout or --check, not both'));
  if (!args.target && !hasErrors(ds)) ds.push(diag('KF1006', 'kforge bootstrap needs a target: argocd or flux', { hint: 'kforge bootstrap argocd' }));
  if (hasErrors(ds) || !args.target) {
    print(ds);
    io.err('\n' + BOOTSTRAP_USAGE);
    return 2;
  }
  const repoDir = path.resolve(opts.repoDir ?? process.cwd());
  const names = args.envs.length ? [...new Set(args.envs)] : discoverEnvironments(repoDir);
  if (names.length === 0) {
    print([diag('KF4002', 'no environments found: no overlays/<env>/kustomization.yaml', { hint: 'run from the repository root, or pass --env NAME' })]);
    return 2;
  }
  const resolved = await resolveEnvironments(repoDir, names, opts.distDir);
  if (hasErrors(resolved.diagnostics)) {
    print(resolved.diagnostics);
    return 2;
  }
  const res = await bootstrap({
    repoDir,
    target: args.target,
    envs: resolved.envs,
    ...(args.repoURL !== undefined ? { repoURL: args.repoURL } : {}),
    stdout: args.stdout,
    check: args.check,
    ...(opts.distDir ? { distDir: opts.distDir } : {}),
    ...(args.out !== undefined ? { outDir: path.resolve(args.out) } : {}),
    ...(args.server !== undefined ? { server: args.server } : {}),
    ...(args.namespace !== undefined ? (args.target === 'argocd' ? { argocdNamespace: args.namespace } : { fluxNamespace: args.namespace }) : {}),
  });
  const all = [...resolved.diagnostics, ...res.diagnostics];
  print(all);
  if (hasErrors(all)) return 2;
  if (args.stdout) {
    io.out(res.stream ?? '');
    return 0;
  }
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  if (args.check) {
    const stale = res.stale ?? [];
    if (stale.length === 0) {
      io.out(`${rel(res.outDir ?? '.')} is up to date\n`);
      return 0;
    }
    for (const s of stale) io.out(`${s.state === 'missing' ? 'missing' : s.state === 'extra' ? 'no longer generated' : 'stale'}: ${rel(path.join(res.outDir ?? '.', s.file))}\n`);
    io.out(`run kforge bootstrap ${args.target} to update ${rel(res.outDir ?? '.')}\n`);
    return 1;
  }
  for (const p of res.written) io.out(`wrote ${rel(p)}\n`);
  io.out(`apply it with: kubectl apply -k ${rel(res.outDir ?? '.')}\n`);
  return 0;
}
