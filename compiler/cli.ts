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
import * as fs from 'node:fs';
import { realpathSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatDiagnostic, hasErrors, diag } from './diagnostics.js';
import type { Diagnostic, Environment, JsonObject } from './types.js';
import { diffRenderings, type DiffResource } from './diff/engine.js';
import { formatTerminal, formatMarkdown, formatJson as formatDiffJson, type EnvDiff } from './diff/format.js';
import { readDeployBranch, renderAtRef, toDiffResources, redactKeyFor } from './diff/sources.js';
import { runBootstrap } from './bootstrap/cli.js';
import { buildDir } from './index.js';
import { renderEnvironment, fileLocator } from './render.js';
import { publish, planRender } from './publish/index.js';
import { DEFAULT_KUBERNETES_VERSION } from './env.js';
import { runChecks, formatText, formatJson as formatFindingsJson, formatSarif, formatGithub, serializeBaseline, CHECKS, type Report } from '../policies/index.js';
import { parseWaivers } from '../policies/waivers.js';
import { parseBaseline } from '../policies/baseline.js';

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

function today(): string {
  return process.env.KFORGE_TODAY ?? new Date().toISOString().slice(0, 10);
}

/** Minimal flag parser: --flag, --flag value, --flag=value; the rest are positionals. */
export function parseArgs(argv: string[], valued: string[]): { flags: Map<string, string | true>; rest: string[]; unknown: string[] } {
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
  return { flags, rest, unknown: [] };
}

function flagStr(flags: Map<string, string | true>, name: string): string | undefined {
  const v = flags.get(name);
  return typeof v === 'string' ? v : undefined;
}

function checkUnknownFlags(flags: Map<string, string | true>, known: string[], io: Io, cmd: string): boolean {
  for (const f of flags.keys()) {
    if (!known.includes(f)) {
      io.err(formatDiagnostic(diag('KF1006', `unknown option --${f} for kforge ${cmd}`, { hint: `options: ${known.map((k) => `--${k}`).join(' ')}` }), io.color) + '\n');
      return false;
    }
  }
  return true;
}

/** `check ENV` names an overlay (overlays/ENV); anything with a slash or an existing directory is a DIR. */
function isEnvName(arg: string, repoRoot: string): boolean {
  return /^[a-z0-9][a-z0-9-]*$/.test(arg) && fs.existsSync(path.join(repoRoot, 'overlays', arg));
}

function printReport(report: Report, format: string, io: Io): void {
  if (format === 'json') io.out(formatFindingsJson(report));
  else if (format === 'sarif') io.out(formatSarif(report, CHECKS, kforgeVersion()));
  else io.out(formatText(report, { color: io.color }));
  if (process.env.GITHUB_ACTIONS === 'true') io.err(formatGithub(report));
}

async function cmdCheck(argv: string[], io: Io): Promise<number> {
  const known = ['format', 'baseline', 'write-baseline', 'waivers', 'env'];
  const { flags, rest } = parseArgs(argv, ['format', 'baseline', 'write-baseline', 'waivers', 'env']);
  if (!checkUnknownFlags(flags, known, io, 'check')) return EXIT.usage;
  const format = flagStr(flags, 'format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format) || rest.length !== 1) {
    io.err('usage: kforge check ENV|DIR [--format text|json|sarif] [--baseline FILE] [--write-baseline FILE] [--waivers FILE]\n');
    return EXIT.usage;
  }
  const repoRoot = process.cwd();
  const target = rest[0];
  let report: Report | undefined;
  const ds: Diagnostic[] = [];
  if (isEnvName(target, repoRoot)) {
    const res = await renderEnvironment(repoRoot, target, {
      today: today(),
      ...(flagStr(flags, 'waivers') ? { waiversFile: flagStr(flags, 'waivers') } : {}),
      ...(flagStr(flags, 'baseline') ? { baselineFile: flagStr(flags, 'baseline') } : {}),
    });
    ds.push(...res.diagnostics);
    report = res.value?.report;
  } else {
    const built = buildDir(target);
    ds.push(...built.diagnostics);
    if (built.resources && !hasErrors(ds)) {
      const envName = flagStr(flags, 'env') ?? path.basename(path.resolve(target));
      const env: Environment = { name: envName, kubernetesVersion: DEFAULT_KUBERNETES_VERSION };
      const wf = flagStr(flags, 'waivers');
      let waivers: ReturnType<typeof parseWaivers>['waivers'] = [];
      if (wf) {
        if (!fs.existsSync(wf)) ds.push(diag('KF1002', `waivers file ${wf} not found`, { hint: 'check the path given to --waivers' }));
        else {
          const p = parseWaivers(fs.readFileSync(wf, 'utf8'), wf);
          ds.push(...p.diagnostics);
          waivers = p.waivers;
        }
      }
      const bf = flagStr(flags, 'baseline');
      let baseline;
      if (bf) {
        if (!fs.existsSync(bf)) ds.push(diag('KF1002', `baseline file ${bf} not found`, { hint: 'write one with --write-baseline FILE first' }));
        else {
          const p = parseBaseline(fs.readFileSync(bf, 'utf8'), bf);
          ds.push(...p.diagnostics);
          baseline = p.entries;
        }
      }
      if (!hasErrors(ds)) {
        report = runChecks(built.resources, env, { waivers, today: today(), locateField: fileLocator(repoRoot), ...(baseline ? { baseline } : {}) });
        ds.push(...report.diagnostics);
      }
    }
  }
  printDiagnostics(ds.filter((d) => !report || !report.diagnostics.includes(d)), io);
  if (!report || hasErrors(ds)) {
    if (report) printDiagnostics(report.diagnostics, io);
    return EXIT.usage;
  }
  printReport(report, format, io);
  const wb = flagStr(flags, 'write-baseline');
  if (wb) fs.writeFileSync(wb, serializeBaseline(report.findings.filter((f) => !f.waived)));
  return report.counts.error > 0 ? EXIT.findings : EXIT.ok;
}

async function cmdRender(argv: string[], io: Io): Promise<number> {
  const known = ['push', 'remote', 'allow-dirty', 'allow-diverged', 'out', 'waivers', 'source-ref', 'repo-url'];
  const { flags, rest } = parseArgs(argv, ['remote', 'out', 'waivers', 'source-ref', 'repo-url']);
  if (!checkUnknownFlags(flags, known, io, 'render')) return EXIT.usage;
  if (rest.length !== 1) {
    io.err('usage: kforge render ENV [--push] [--remote NAME] [--allow-dirty] [--allow-diverged] [--out DIR]\n');
    return EXIT.usage;
  }
  const repoRoot = process.cwd();
  const t0 = Date.now();
  const res = await renderEnvironment(repoRoot, rest[0], { today: today(), ...(flagStr(flags, 'waivers') ? { waiversFile: flagStr(flags, 'waivers') } : {}) });
  const report = res.value?.report;
  printDiagnostics(res.diagnostics.filter((d) => !report || !report.diagnostics.includes(d) || d.severity === 'error'), io);
  if (!res.value || hasErrors(res.diagnostics)) return EXIT.usage;
  const rendered = res.value;
  if (report && report.counts.error > 0) {
    io.err(formatText(report, { color: io.color }));
    if (process.env.GITHUB_ACTIONS === 'true') io.err(formatGithub(report));
    io.err(formatDiagnostic(diag('KF5006', `${report.counts.error} policy error(s) in ${rest[0]}: nothing was published`, { hint: `fix them (npm run check -- ${rest[0]}), or waive them with a reason in policies/waivers.yaml` }), io.color) + '\n');
    return EXIT.findings;
  }
  const env = rendered.definition.environment;
  const policy = { errors: report?.counts.error ?? 0, warnings: report?.counts.warning ?? 0, waived: report?.counts.waived ?? 0 };
  const out = flagStr(flags, 'out');
  const result = await publish({
    repoDir: repoRoot,
    environment: env,
    plan: (source) => planRender({ environment: env, apps: rendered.apps, source, kforgeVersion: kforgeVersion(), policy, allowDirty: flags.has('allow-dirty') }),
    push: flags.has('push'),
    ...(flagStr(flags, 'remote') ? { remote: flagStr(flags, 'remote') } : {}),
    allowDirty: flags.has('allow-dirty'),
    allowDiverged: flags.has('allow-diverged'),
    ...(out ? { outDir: path.resolve(out) } : {}),
    ...(flagStr(flags, 'source-ref') ? { sourceRef: flagStr(flags, 'source-ref') } : {}),
    ...(flagStr(flags, 'repo-url') ? { repoURL: flagStr(flags, 'repo-url') } : {}),
    onProgress: process.stderr.isTTY ? (e) => process.stderr.write(`\r\x1b[K${e.phase}: ${e.message}`) : undefined,
  });
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  printDiagnostics(result.diagnostics, io);
  if (policy.warnings || policy.waived) io.out(`policy: ${policy.warnings} warning(s), ${policy.waived} waived\n`);
  for (const line of result.summary.text) io.out(line + '\n');
  if (result.status === 'published' || result.status === 'up-to-date' || result.status === 'superseded') {
    io.out(`${result.status} in ${Date.now() - t0} ms\n`);
    return EXIT.ok;
  }
  return result.status === 'refused' ? EXIT.usage : EXIT.publishFailed;
}


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

function listEnvironments(repoRoot: string): string[] {
  const dir = path.join(repoRoot, 'overlays');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => fs.existsSync(path.join(dir, d, 'kustomization.yaml')) || fs.existsSync(path.join(dir, d, 'kustomization.yml')) || fs.existsSync(path.join(dir, d, 'Kustomization')))
    .sort();
}

/** Drops namespaces, to compare two environments that live in different ones (promotion). */
function withoutNamespace(rs: DiffResource[]): DiffResource[] {
  // The Namespace objects themselves are what differs by design between environments.
  return rs.filter((r) => r.kind !== 'Namespace').map((r) => {
    const { namespace: _ns, ...rest } = r;
    const meta = { ...((r.object.metadata as JsonObject | undefined) ?? {}) };
    delete meta.namespace;
    return { ...rest, object: { ...r.object, metadata: meta } };
  });
}

async function cmdDiff(argv: string[], io: Io): Promise<number> {
  const known = ['against', 'all', 'envs', 'format'];
  const { flags, rest } = parseArgs(argv, ['against', 'format']);
  if (!checkUnknownFlags(flags, known, io, 'diff')) return EXIT.usage;
  const format = flagStr(flags, 'format') ?? (process.stdout.isTTY ? 'text' : 'text');
  const repoRoot = process.cwd();
  const usage = 'usage: kforge diff ENV | --all | --envs FROM TO  [--against REF] [--format text|markdown|json]\n';
  if (!['text', 'markdown', 'json'].includes(format)) {
    io.err(usage);
    return EXIT.usage;
  }
  const ds: Diagnostic[] = [];
  const diffs: EnvDiff[] = [];
  const key = redactKeyFor(repoRoot);
  const todayStr = today();
  const current = async (env: string) => {
    const r = await renderEnvironment(repoRoot, env, { today: todayStr });
    ds.push(...r.diagnostics.filter((d) => d.severity === 'error'));
    return r.value;
  };
  const policyOf = (r: { report?: Report }) => (r.report ? { errors: r.report.counts.error, warnings: r.report.counts.warning, waived: r.report.counts.waived } : undefined);
  if (flags.has('envs')) {
    if (rest.length !== 2) {
      io.err(usage);
      return EXIT.usage;
    }
    const [from, to] = rest;
    const a = await current(from);
    const b = await current(to);
    if (!a || !b || hasErrors(ds)) {
      printDiagnostics(ds, io);
      return EXIT.usage;
    }
    const opts = { redactKey: key, ignoreFields: b.definition.environment.diffIgnore?.fields ?? [] };
    const cs = diffRenderings(withoutNamespace(toDiffResources(b)), withoutNamespace(toDiffResources(a)), opts);
    diffs.push({ env: `${from} → ${to}`, base: `${to} (working tree)`, head: `${from} (working tree)`, changes: cs, ...(policyOf(b) ? { policy: policyOf(b)! } : {}) });
  } else {
    const envs = flags.has('all') ? listEnvironments(repoRoot) : rest;
    if (envs.length === 0 || (!flags.has('all') && rest.length !== 1)) {
      io.err(usage);
      return EXIT.usage;
    }
    for (const env of envs) {
      const head = await current(env);
      if (!head) continue;
      const e = head.definition.environment;
      let before: DiffResource[] = [];
      let label = '';
      const against = flagStr(flags, 'against');
      if (against) {
        const other = await renderAtRef(repoRoot, against, env, todayStr);
        ds.push(...other.diagnostics);
        if (!other.value) continue;
        before = other.value.resources;
        label = other.value.label;
      } else {
        const branch = await readDeployBranch(repoRoot, e);
        ds.push(...branch.diagnostics);
        if (!branch.value) continue;
        before = branch.value.resources;
        label = branch.value.label;
      }
      const cs = diffRenderings(before, toDiffResources(head), {
        redactKey: key,
        ignoreFields: e.diffIgnore?.fields ?? [],
        ...(e.diffIgnore?.resources ? { ignoreResources: e.diffIgnore.resources.map((r) => ({ ...(r.kind ? { kind: r.kind } : {}), ...(r.name ? { name: r.name } : {}), ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
      });
      diffs.push({ env, base: label, head: 'working tree', changes: cs, ...(policyOf(head) ? { policy: policyOf(head)! } : {}) });
    }
  }
  printDiagnostics(ds, io);
  if (hasErrors(ds)) return EXIT.usage;
  if (format === 'json') io.out(formatDiffJson(diffs));
  else if (format === 'markdown') io.out(formatMarkdown(diffs));
  else io.out(formatTerminal(diffs, useColor(process.stdout)));
  const changed = diffs.some((d) => d.changes.changes.length > 0);
  return changed ? EXIT.findings : EXIT.ok;
}

const USAGE = `usage: kforge <command> [options]

commands:
  build DIR        print the rendered YAML of the kustomization in DIR (like kustomize build)
  check ENV|DIR    build and run the policy checks (--format text|json|sarif, --baseline FILE)
  render ENV       build overlays/ENV, check it, commit it to its deploy branch (--push, --out DIR)
  bootstrap argocd|flux  write the ApplicationSet (Argo CD) or GitRepository + Kustomization (Flux)
                   that sync the deploy branches (--stdout, --repo-url URL, --out DIR)
  diff ENV         the rendered change against the deploy branch (--against REF, --all, --envs FROM TO,
                   --format text|markdown|json); exit 1 when something changes

exit codes: 0 ok, 1 findings or changes, 2 invalid input or refused, 3 internal error, 4 publish failed
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
    case 'check':
      return cmdCheck(rest, io);
    case 'render':
      return cmdRender(rest, io);
    case 'diff':
      return cmdDiff(rest, io);
    case 'bootstrap':
      return runBootstrap(rest, io, { color: io.color });
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
