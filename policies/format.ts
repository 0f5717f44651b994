import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Check, Finding, Report } from './types.js';
import { CHECKS } from './registry.js';

function resName(f: Finding): string {
  return `${f.resource.kind} ${f.resource.namespace ? f.resource.namespace + '/' : ''}${f.resource.name}`;
}

/** Human report grouped by file; colour only when the caller asks (TTY and no NO_COLOR). */
export function formatText(report: Report, opts: { color?: boolean; showWaived?: boolean } = {}): string {
  const c = (code: string, s: string) => (opts.color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines: string[] = [];
  let file: string | undefined | null = null;
  for (const f of report.findings) {
    if (f.waived && !opts.showWaived) continue;
    const fl = f.source?.file;
    if (fl !== file) {
      if (file !== null) lines.push('');
      lines.push(c('4', fl ?? '(no source location)'));
      file = fl;
    }
    const pos = f.source ? `${f.source.line}:${f.source.column}` : '-';
    const sev = f.waived ? c('2', 'waived ') : f.severity === 'error' ? c('31;1', 'error  ') : c('33;1', 'warning');
    lines.push(`  ${pos.padEnd(8)} ${sev} ${c('1', f.id)}  ${f.message}  ${c('2', resName(f) + (f.pointer ? ' ' + f.pointer : ''))}`);
    if (f.waived) lines.push(`           ${c('2', `waived by ${f.waived.owner || '?'} until ${f.waived.expires || 'forever'}: ${f.waived.reason}`)}`);
    else lines.push(`           ${c('32', 'hint')}: ${f.hint}`);
  }
  const { error, warning, waived, baselined } = report.counts;
  if (lines.length) lines.push('');
  const sum = `${error} error(s), ${warning} warning(s), ${waived} waived, ${baselined} baselined`;
  lines.push(error ? c('31;1', `✖ ${sum}`) : warning ? c('33;1', `⚠ ${sum}`) : c('32', `✔ ${sum}`));
  for (const w of report.staleWaivers) lines.push(c('33', `stale waiver for ${w.check}${w.location ? ` at ${w.location.file}:${w.location.line}` : ''}: it matches no finding`));
  return lines.join('\n') + '\n';
}

function jsonOf(f: Finding): Record<string, unknown> {
  return {
    id: f.id,
    severity: f.severity,
    message: f.message,
    hint: f.hint,
    resource: { apiVersion: f.resource.apiVersion, kind: f.resource.kind, ...(f.resource.namespace ? { namespace: f.resource.namespace } : {}), name: f.resource.name },
    ...(f.source ? { source: { file: f.source.file, line: f.source.line, column: f.source.column } } : {}),
    ...(f.pointer !== undefined ? { pointer: f.pointer } : {}),
    ...(f.waived ? { waived: { reason: f.waived.reason, owner: f.waived.owner, expires: f.waived.expires } } : {}),
  };
}

/** JSON array of the active (not waived) findings; waived ones too with `includeWaived`. */
export function formatJson(report: Report, opts: { includeWaived?: boolean } = {}): string {
  return JSON.stringify(report.findings.filter((f) => opts.includeWaived || !f.waived).map(jsonOf), null, 2) + '\n';
}

/** kforge's home; the README's "Policy checks" section documents every check id. */
export const KFORGE_HOME = 'https://github.com/kforge/kforge';
/** Where a SARIF rule's helpUri points: the README section that lists every check. */
export const POLICY_DOCS_URL = `${KFORGE_HOME}#policy-checks`;

export interface SarifOptions {
  /**
   * Keep waived findings (`--include-waived`). Then every result carries `suppressions`
   * (SARIF 2.1.0 §3.27.23: on all results or none), an empty array for unwaived ones.
   * By default waived findings are left out: GitHub code scanning ignores `suppressions`
   * and would open an alert for each of them.
   */
  includeWaived?: boolean;
  /** The directory finding paths are relative to (default: the process's working directory). */
  cwd?: string;
  /** The repository root that URIs are made relative to (%SRCROOT%); default `cwd`. */
  root?: string;
}

/** SARIF 2.1.0, one run; results located relative to the repository root (%SRCROOT%). */
export function formatSarif(report: Report, checks: readonly Check[] = CHECKS, toolVersion = '0.1.0', opts: SarifOptions = {}): string {
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const cwd = opts.cwd ?? process.cwd();
  const base = { cwd, root: opts.root ?? cwd };
  const findings = opts.includeWaived ? report.findings : report.findings.filter((f) => !f.waived);
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kforge',
            version: toolVersion,
            informationUri: KFORGE_HOME,
            rules: checks.map((c) => ({
              id: c.id,
              name: c.id.replace(/(^|-)([a-z])/g, (_m, _d, x: string) => x.toUpperCase()),
              shortDescription: { text: c.title },
              fullDescription: { text: c.doc },
              helpUri: POLICY_DOCS_URL,
              help: { text: c.hint },
              defaultConfiguration: { level: c.defaultSeverity.prod === 'off' ? 'none' : c.defaultSeverity.prod },
            })),
          },
        },
        // The root's absolute path is left out (uri absent, §3.14.14): the output does not
        // depend on where the repository was checked out; code scanning resolves %SRCROOT%
        // to the checkout.
        originalUriBaseIds: { '%SRCROOT%': { description: { text: 'The root of the source repository.' } } },
        results: findings.map((f) => ({
          ruleId: f.id,
          ...(index.has(f.id) ? { ruleIndex: index.get(f.id) } : {}),
          level: f.severity,
          message: { text: `${f.message} (${resName(f)})` },
          ...(f.source
            ? {
                locations: [
                  {
                    physicalLocation: {
                      artifactLocation: sarifArtifact(f.source.file, base),
                      region: { startLine: f.source.line, startColumn: f.source.column },
                    },
                  },
                ],
              }
            : { locations: [] }),
          ...(opts.includeWaived ? { suppressions: f.waived ? [{ kind: 'external', status: 'accepted', justification: f.waived.reason }] : [] } : {}),
          properties: { resource: f.resource, ...(f.pointer !== undefined ? { pointer: f.pointer } : {}) },
        })),
        // Waived findings are counted even when they are left out.
        properties: { waived: report.counts.waived },
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

/**
 * A SARIF artifactLocation: a path inside the repository becomes a percent-encoded URI
 * reference relative to its root, against %SRCROOT% (the checkout code scanning resolves it
 * from); a path outside it an absolute file: URI. Without `base`, a relative path is taken
 * as relative to the root already.
 */
export function sarifArtifact(file: string, base?: { cwd: string; root: string }): { uri: string; uriBaseId?: string } {
  const posix = file.replace(/\\/g, '/');
  const absolute = path.isAbsolute(file) || /^[A-Za-z]:\//.test(posix);
  let rel: string | undefined = absolute ? undefined : posix;
  if (base) {
    const r = path.relative(path.resolve(base.root), path.resolve(base.cwd, file));
    rel = r === '' || r.startsWith('..') || path.isAbsolute(r) ? undefined : r.replace(/\\/g, '/');
    if (rel === undefined) return { uri: pathToFileURL(path.resolve(base.cwd, file)).href };
  }
  if (rel === undefined) return { uri: pathToFileURL(file).href };
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: '%SRCROOT%' };
}

function escData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}
function escProp(s: string): string {
  return escData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** GitHub Actions workflow commands, one per active finding. */
export function formatGithub(report: Report): string {
  const out: string[] = [];
  for (const f of report.findings) {
    if (f.waived) continue;
    const props = [
      ...(f.source ? [`file=${escProp(f.source.file)}`, `line=${f.source.line}`, `col=${f.source.column}`] : []),
      `title=${escProp(`${f.id}: ${resName(f)}`)}`,
    ];
    out.push(`::${f.severity} ${props.join(',')}::${escData(`${f.message}. Hint: ${f.hint}`)}`);
  }
  return out.length ? out.join('\n') + '\n' : '';
}
