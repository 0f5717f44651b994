import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, diag } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, isEnvName, printDiagnostics, today, kforgeVersion, useColor, type Io } from '../cli-util.js';
import { renderEnvironment } from '../render.js';
import { Git } from '../publish/git.js';
import { loadEnvironment, deployBranchOf } from '../env.js';
import { publish, planRender, followRemote, readPrevious, readSource } from '../publish/index.js';
import { planPublish } from '../publish/planner.js';
import { hydratorNote } from '../publish/notes.js';
import { normalizeDeployPath } from '../emit/plan.js';
import type { Diagnostic } from '../types.js';
import { formatText, formatGithub } from '../../policies/index.js';

export async function cmdRender(argv: string[], io: Io): Promise<number> {
  const known = ['push', 'remote', 'allow-dirty', 'allow-diverged', 'repair', 'sign', 'out', 'waivers', 'source-ref', 'repo-url', 'timings', 'offline'];
  const { flags, rest } = parseArgs(argv, ['remote', 'out', 'waivers', 'source-ref', 'repo-url']);
  if (!checkUnknownFlags(flags, known, io, 'render')) return EXIT.usage;
  if (rest.length !== 1) {
    io.err('usage: kforge render ENV [--push] [--remote NAME] [--allow-dirty] [--allow-diverged] [--repair] [--sign] [--out DIR]\n');
    return EXIT.usage;
  }
  const repoRoot = process.cwd();
  const t0 = Date.now();
  // An unchanged source needs no build: same source tree, same kforge, clean work tree,
  // and the deploy head recorded that tree (with --push, the remote's head, fetched first).
  const sourceTree = await headTree(repoRoot);
  if (!flags.has('out') && !flags.has('allow-dirty') && sourceTree) {
    const same = await unchangedSince(repoRoot, rest[0], sourceTree, flags.has('push') ? { remote: flagStr(flags, 'remote') ?? 'origin' } : undefined, flags.has('repair'));
    if (same?.kind === 'refuse') {
      // a deploy head kforge cannot prove it wrote: refused before any build (--repair builds and repairs)
      printDiagnostics(same.diagnostics, io);
      return EXIT.usage;
    }
    if (same) {
      printDiagnostics(same.diagnostics, io);
      // the hydrator note on the head names this source commit (the GitOps Promoter waits for it): also when the
      // commit is new but its tree is not, and again for the same commit (a note whose push failed before is retried)
      const remote = flagStr(flags, 'remote') ?? 'origin';
      const source = await readSource(repoRoot, remote);
      const noted = source ? await hydratorNote({ git: new Git(repoRoot), commit: same.head, source, push: flags.has('push'), remote }) : undefined;
      printDiagnostics(noted?.diagnostics ?? [], io);
      if (noted?.status === 'failed') return EXIT.publishFailed;
      io.out(`${rest[0]} → ${same.branch}: up to date at ${same.head.slice(0, 7)} (source tree unchanged since ${same.source.slice(0, 7)})\n`);
      io.out(`up-to-date in ${Date.now() - t0} ms\n`);
      return EXIT.ok;
    }
  }
  // one progress line on a terminal, rewritten in place, cleared before anything else prints
  const tty = process.stderr.isTTY === true;
  const timings = flags.has('timings') ? phaseTimer(t0) : undefined;
  const showProgress =
    tty || timings
      ? (phase: string, message: string) => {
          timings?.mark(phase);
          if (tty) process.stderr.write(`\r\x1b[K${phase}: ${message}`);
        }
      : undefined;
  const clearProgress = () => void (tty && process.stderr.write('\r\x1b[K'));
  const res = await renderEnvironment(repoRoot, rest[0], {
    today: today(),
    ...(flagStr(flags, 'waivers') ? { waiversFile: flagStr(flags, 'waivers') } : {}),
    ...(showProgress ? { onProgress: showProgress } : {}),
    remote: { offline: flags.has('offline') },
  });
  clearProgress();
  const report = res.value?.report;
  printDiagnostics(res.diagnostics, io);
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
    plan: (source) => planRender({ environment: env, apps: rendered.apps, source, kforgeVersion: kforgeVersion(), policy, allowDirty: flags.has('allow-dirty'), ...(sourceTree ? { sourceTree } : {}) }),
    push: flags.has('push'),
    ...(flagStr(flags, 'remote') ? { remote: flagStr(flags, 'remote') } : {}),
    allowDirty: flags.has('allow-dirty'),
    allowDiverged: flags.has('allow-diverged'),
    repair: flags.has('repair'),
    ...(flags.has('sign') || env.sign ? { sign: true } : {}),
    ...(out ? { outDir: path.resolve(out) } : {}),
    ...(flagStr(flags, 'source-ref') ? { sourceRef: flagStr(flags, 'source-ref') } : {}),
    ...(flagStr(flags, 'repo-url') ? { repoURL: flagStr(flags, 'repo-url') } : {}),
    ...(showProgress ? { onProgress: (e: { phase: string; message: string }) => showProgress(`publish.${e.phase}`, e.message) } : {}),
  });
  clearProgress();
  printDiagnostics(result.diagnostics, io);
  if (policy.warnings || policy.waived) io.out(`policy: ${policy.warnings} warning(s), ${policy.waived} waived\n`);
  for (const line of result.summary.text) io.out(line + '\n');
  if (timings) io.err(timings.line() + '\n');
  if (result.status === 'published' || result.status === 'up-to-date' || result.status === 'superseded') {
    io.out(`${result.status} in ${Date.now() - t0} ms\n`);
    return EXIT.ok;
  }
  return result.status === 'refused' ? EXIT.usage : EXIT.publishFailed;
}


/**
 * `--timings`: how long each phase took, from the progress events (a phase lasts until
 * the next one starts), as one line on stderr for benchmarks: `timings: build=8123ms …`.
 */
function phaseTimer(t0: number): { mark: (phase: string) => void; line: () => string } {
  const spans: [string, number][] = [['start', t0]];
  return {
    mark: (phase) => void spans.push([phase, Date.now()]),
    line: () => {
      const end = Date.now();
      const total = new Map<string, number>();
      for (let i = 0; i < spans.length; i++) {
        const [phase, at] = spans[i];
        total.set(phase, (total.get(phase) ?? 0) + ((spans[i + 1]?.[1] ?? end) - at));
      }
      return `timings: ${[...total].map(([p, ms]) => `${p}=${ms}ms`).join(' ')} total=${end - t0}ms`;
    },
  };
}

async function headTree(repoDir: string): Promise<string | undefined> {
  const git = new Git(repoDir);
  return (await git.tryRun(['rev-parse', '--verify', '--quiet', 'HEAD^{tree}']))?.trim() || undefined;
}

/**
 * The deploy head of ENV when it was rendered from this very source tree by this kforge
 * version and the work tree is clean, and kforge can prove it wrote it (the same provenance
 * check as publish: trailers, metadata, digests that match the files); a refusal when kforge
 * cannot (unless --repair); undefined otherwise (then render builds as usual).
 * The environment definition is part of the tree, so it is covered too.
 */
async function unchangedSince(
  repoDir: string,
  envName: string,
  tree: string,
  push: { remote: string } | undefined,
  repair: boolean,
): Promise<{ kind: 'up-to-date'; branch: string; head: string; source: string; diagnostics: Diagnostic[] } | { kind: 'refuse'; diagnostics: Diagnostic[] } | undefined> {
  const git = new Git(repoDir);
  const status = await git.tryRun(['--no-optional-locks', 'status', '--porcelain', '--untracked-files=normal']);
  if (status === undefined || status.trim() !== '') return undefined;
  const loaded = await loadEnvironment(repoDir, envName);
  if (!loaded.value) return undefined;
  const env = loaded.value.environment;
  const branch = deployBranchOf(env);
  const deployPath = normalizeDeployPath(env.deployPath);
  if (deployPath === undefined) return undefined;
  const localRef = `refs/heads/${branch}`;
  let head: string | undefined;
  if (push) {
    // the remote decides; any trouble here (no such branch, no network) is publish's to report
    const remoteRef = `refs/remotes/${push.remote}/${branch}`;
    if ((await git.fetchRefs(push.remote, [`+${localRef}:${remoteRef}`]).catch(() => 'failed')) !== 'fetched') return undefined;
    head = await git.resolve(remoteRef);
  } else {
    head = await git.resolve(localRef);
  }
  if (!head) return undefined;
  const sourceSha = (await git.resolve('HEAD')) ?? '';
  const prev = await readPrevious(git, head, env.name, deployPath, sourceSha);
  if (prev.unproven) {
    if (repair && !prev.unproven.sourceBranch) return undefined;
    const d = planPublish({ branch, envName: env.name, push: !!push, repair, sourceSha, head: prev, allowDiverged: false });
    return d.kind === 'refuse' ? { kind: 'refuse', diagnostics: d.diagnostics } : undefined;
  }
  const x = prev.meta?.['x-kforge'];
  if (x && x.sourceTree === tree && x.kforgeVersion === kforgeVersion() && x.environment === env.name && !x.dirty) {
    // the same tree from another commit: up to date only when that commit follows the head's source (a newer
    // source, noted below); an older one (superseded) or a diverged one is the planner's to decide: full path
    const headSource = prev.meta?.drySha ?? '';
    if (headSource !== sourceSha && (await git.relation(sourceSha, headSource)) !== 'descendant') return undefined;
    const diagnostics: Diagnostic[] = [];
    // with --push, the local branch follows the remote (forward only, by compare-and-swap)
    if (push) await followRemote(git, localRef, await git.resolve(localRef), head, diagnostics);
    return { kind: 'up-to-date', branch, head, source: prev.meta?.drySha ?? '', diagnostics };
  }
  return undefined;
}
