import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, diag } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, isEnvName, printDiagnostics, today, kforgeVersion, useColor, type Io } from '../cli-util.js';
import type { Diagnostic, Environment } from '../types.js';
import { buildDirWithRemotes } from '../load/remote/build.js';
import { renderEnvironment, fileLocator } from '../render.js';
import { DEFAULT_KUBERNETES_VERSION } from '../env.js';
import { runChecks, formatText, formatJson as formatFindingsJson, formatSarif, formatGithub, serializeBaseline, CHECKS, loadCustomChecks, loadCrdFolder, type Check, type Report } from '../../policies/index.js';
import { readWaiversFile } from '../../policies/waivers.js';
import { parseBaseline } from '../../policies/baseline.js';

/** The repository root SARIF locations are relative to: the nearest folder holding .git. */
function sourceRoot(cwd: string): string {
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.git'))) return dir;
    if (path.dirname(dir) === dir) return cwd;
  }
}

function printReport(report: Report, format: string, includeWaived: boolean, io: Io, checks: readonly Check[]): void {
  const cwd = process.cwd();
  if (format === 'json') io.out(formatFindingsJson(report, { includeWaived }));
  else if (format === 'sarif') io.out(formatSarif(report, checks, kforgeVersion(), { includeWaived, cwd, root: sourceRoot(cwd) }));
  // The report goes to stdout: colour only when stdout itself is a terminal.
  else io.out(formatText(report, { color: io.color && useColor(process.stdout), showWaived: includeWaived }));
  if (process.env.GITHUB_ACTIONS === 'true') io.err(formatGithub(report));
}

export async function cmdCheck(argv: string[], io: Io): Promise<number> {
  const known = ['format', 'baseline', 'write-baseline', 'waivers', 'env', 'include-waived', 'offline', 'crds'];
  const { flags, rest } = parseArgs(argv, ['format', 'baseline', 'write-baseline', 'waivers', 'env', 'crds']);
  if (!checkUnknownFlags(flags, known, io, 'check')) return EXIT.usage;
  const format = flagStr(flags, 'format') ?? 'text';
  if (!['text', 'json', 'sarif'].includes(format) || rest.length !== 1) {
    io.err('usage: kforge check ENV|DIR [--format text|json|sarif] [--baseline FILE] [--write-baseline FILE] [--waivers FILE] [--include-waived] [--offline] [--env NAME] [--crds FOLDER]\n');
    return EXIT.usage;
  }
  const repoRoot = process.cwd();
  const target = rest[0];
  let report: Report | undefined;
  const ds: Diagnostic[] = [];
  const custom = await loadCustomChecks(repoRoot, CHECKS);
  ds.push(...custom.diagnostics);
  if (isEnvName(target, repoRoot)) {
    const res = await renderEnvironment(repoRoot, target, {
      today: today(),
      custom: custom.checks,
      ...(flagStr(flags, 'waivers') ? { waiversFile: flagStr(flags, 'waivers') } : {}),
      ...(flagStr(flags, 'baseline') ? { baselineFile: flagStr(flags, 'baseline') } : {}),
      remote: { offline: flags.has('offline') },
    });
    ds.push(...res.diagnostics);
    report = res.value?.report;
  } else {
    const built = await buildDirWithRemotes(target, { offline: flags.has('offline') });
    ds.push(...built.diagnostics);
    if (built.resources && !hasErrors(ds)) {
      const envName = flagStr(flags, 'env') ?? path.basename(path.resolve(target));
      const crdsDir = flagStr(flags, 'crds');
      const env: Environment = { name: envName, kubernetesVersion: DEFAULT_KUBERNETES_VERSION, ...(crdsDir ? { crds: crdsDir } : {}) };
      const crds = crdsDir ? loadCrdFolder(repoRoot, crdsDir) : undefined;
      if (crds) ds.push(...crds.diagnostics);
      const wf = flagStr(flags, 'waivers');
      let waivers: ReturnType<typeof readWaiversFile>['waivers'] = [];
      if (wf) {
        if (!fs.existsSync(wf)) ds.push(diag('KF1002', `waivers file ${wf} not found`, { hint: 'check the path given to --waivers' }));
        else {
          const p = readWaiversFile(wf, wf);
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
        report = runChecks(built.resources, env, { waivers, today: today(), locateField: fileLocator(), custom: custom.checks, ...(crds ? { crds: crds.crds } : {}), ...(baseline ? { baseline } : {}) });
        ds.push(...report.diagnostics);
      }
    }
  }
  // Every diagnostic, the engine's too (expired or stale waivers, unknown check ids).
  printDiagnostics(ds, io);
  if (!report || hasErrors(ds)) return EXIT.usage;
  printReport(report, format, flags.get('include-waived') === true, io, [...CHECKS, ...custom.checks]);
  const wb = flagStr(flags, 'write-baseline');
  if (wb) fs.writeFileSync(wb, serializeBaseline(report.findings.filter((f) => !f.waived)));
  return report.counts.error > 0 ? EXIT.findings : EXIT.ok;
}

