import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, hasErrors, diag } from '../diagnostics.js';
import { EXIT, parseArgs, flagStr, checkUnknownFlags, isEnvName, printDiagnostics, today, kforgeVersion, useColor, type Io } from '../cli-util.js';
import { renderEnvironment } from '../render.js';
import { publish, planRender } from '../publish/index.js';
import { formatText, formatGithub } from '../../policies/index.js';

export async function cmdRender(argv: string[], io: Io): Promise<number> {
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


