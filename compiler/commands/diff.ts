import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, diag } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, isEnvName, printDiagnostics, today, kforgeVersion, useColor, type Io } from '../cli-util.js';
import type { Diagnostic, JsonObject } from '../types.js';
import type { Report } from '../../policies/index.js';
import { diffRenderings, type DiffResource } from '../diff/engine.js';
import { formatTerminal, formatMarkdown, formatJson as formatDiffJson, type EnvDiff } from '../diff/format.js';
import { readDeployBranch, renderAtRef, toDiffResources, redactKeyFor, type DiffBase } from '../diff/sources.js';
import { resolveDeployRefs, type DeployRef } from '../publish/deploy-ref.js';
import { deployBranchOf } from '../env.js';
import { renderEnvironment, type RenderedEnvironment } from '../render.js';

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

export async function cmdDiff(argv: string[], io: Io): Promise<number> {
  const known = ['against', 'all', 'envs', 'format', 'remote', 'no-fetch'];
  const { flags, rest } = parseArgs(argv, ['against', 'format', 'remote']);
  if (!checkUnknownFlags(flags, known, io, 'diff')) return EXIT.usage;
  const format = flagStr(flags, 'format') ?? (process.stdout.isTTY ? 'text' : 'text');
  const repoRoot = process.cwd();
  const usage = 'usage: kforge diff ENV | --all | --envs FROM TO  [--against REF] [--remote NAME] [--no-fetch] [--format text|markdown|json]\n';
  if (!['text', 'markdown', 'json'].includes(format) || flags.get('remote') === true) {
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
    const label = `${to} (working tree)`;
    diffs.push({ env: `${from} → ${to}`, base: label, head: `${from} (working tree)`, changes: cs, baseInfo: { ref: null, commit: null, source: 'working-tree', label } satisfies DiffBase, ...(policyOf(b) ? { policy: policyOf(b)! } : {}) });
  } else {
    const envs = flags.has('all') ? listEnvironments(repoRoot) : rest;
    if (envs.length === 0 || (!flags.has('all') && rest.length !== 1)) {
      io.err(usage);
      return EXIT.usage;
    }
    // every environment's rendering first, then its base: one fetch for all deploy branches
    const heads: RenderedEnvironment[] = [];
    for (const env of envs) {
      const head = await current(env);
      if (head) heads.push(head);
    }
    const against = flagStr(flags, 'against');
    let refs: Map<string, DeployRef> | undefined;
    if (!against && heads.length) {
      const remote = flagStr(flags, 'remote');
      const branches = new Map(heads.map((h) => [deployBranchOf(h.definition.environment), h.definition.environment.name]));
      const r = await resolveDeployRefs(repoRoot, [...branches.keys()], { ...(remote ? { remote, explicitRemote: true } : {}), fetch: !flags.has('no-fetch'), envs: branches });
      ds.push(...r.diagnostics);
      refs = r.value;
    }
    for (const head of heads) {
      const e = head.definition.environment;
      let before: DiffResource[] = [];
      let label = '';
      let baseInfo: DiffBase | undefined;
      let notes: string[] = [];
      if (against) {
        const other = await renderAtRef(repoRoot, against, e.name, todayStr);
        ds.push(...other.diagnostics);
        if (!other.value) continue;
        before = other.value.resources;
        label = other.value.label;
        baseInfo = other.value.base;
      } else {
        const at = refs?.get(deployBranchOf(e));
        if (!at) continue;
        const branch = await readDeployBranch(repoRoot, e, at);
        ds.push(...branch.diagnostics);
        if (!branch.value) continue;
        before = branch.value.resources;
        label = branch.value.label;
        baseInfo = branch.value.base;
        notes = branch.value.notes;
      }
      const cs = diffRenderings(before, toDiffResources(head), {
        redactKey: key,
        ignoreFields: e.diffIgnore?.fields ?? [],
        ...(e.diffIgnore?.resources ? { ignoreResources: e.diffIgnore.resources.map((r) => ({ ...(r.kind ? { kind: r.kind } : {}), ...(r.name ? { name: r.name } : {}), ...(r.namespace ? { namespace: r.namespace } : {}) })) } : {}),
      });
      diffs.push({ env: e.name, base: label, head: 'working tree', changes: cs, ...(baseInfo ? { baseInfo } : {}), ...(notes.length ? { notes } : {}), ...(policyOf(head) ? { policy: policyOf(head)! } : {}) });
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

