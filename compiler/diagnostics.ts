import type { Diagnostic, ResId, Severity, SourceLocation } from './types.js';
import { formatResId } from './types.js';

/**
 * The closed table of diagnostic codes. A code, once published, keeps its meaning.
 *   KF1xxx  loading: files, YAML, kustomization fields
 *   KF2xxx  building: resources, generators, transformers, name references
 *   KF3xxx  patches (strategic merge, JSON 6902, typed)
 *   KF4xxx  environments
 *   KF5xxx  publishing and git
 *   KF6xxx  diff
 *   KF9xxx  internal errors (a bug in kforge)
 * Policy findings use their check ids (e.g. `removed-api`), not these codes.
 */
export const CODES = {
  // load
  KF1001: 'no kustomization file in directory',
  KF1002: 'file not found',
  KF1003: 'invalid YAML',
  KF1004: "a document or List item is not a mapping, or a List's items is not a list",
  KF1005: 'unknown kustomization field',
  KF1006: 'invalid kustomization field value',
  KF1007: 'cycle between kustomizations',
  KF1008: 'path outside the kustomization root (load restrictor)',
  KF1009: 'remote file refused where kforge does not fetch (only resources and components may be remote)',
  KF1010: 'resource missing apiVersion, kind or metadata.name',
  KF1011: 'invalid UTF-8 or binary file',
  KF1012: 'YAML too large or too many aliases',
  KF1013: 'multiple kustomization files in one directory',
  KF1014: 'wrong kind of kustomization (Component where Kustomization expected or vice versa)',
  KF1015: 'duplicate YAML key',
  KF1016: 'unsupported kustomization feature',
  KF1017: 'deprecated kustomization field',
  KF1018: 'invalid builtin plugin configuration (transformers/generators)',
  // remote bases (load/remote)
  KF1030: 'invalid remote URL',
  KF1031: 'remote base cannot be fetched',
  KF1032: 'remote does not match kforge.lock (digest mismatch) or invalid lock file',
  KF1033: 'remote not in the cache or the lock file (--offline)',
  KF1034: 'remote not pinned in kforge.lock (warning)',
  KF1035: 'remote base reaches outside its own repository',
  // build
  KF2001: 'duplicate resource id',
  KF2002: 'generator error',
  KF2003: 'generator behavior merge/replace without a base object',
  KF2004: 'env file line Kustomize reads oddly (warning)',
  KF2005: 'generator key collision',
  KF2006: 'replicas target not found',
  KF2007: 'replacement source or target not found',
  KF2008: 'invalid label or annotation value',
  KF2009: 'invalid image entry',
  KF2010: 'name reference still points at an old name',
  KF2011: 'ambiguous resource match',
  KF2012: 'invalid Kubernetes name',
  KF2013: 'invalid field spec (configurations)',
  KF2014: 'namespace conflict',
  KF2015: 'var error (objref matches nothing, field missing, non-string value)',
  KF2016: 'var never replaced (warning)',
  // patches
  KF3001: 'strategic-merge patch target not found',
  KF3002: 'JSON 6902 operation failed',
  KF3003: 'JSON 6902 patch malformed',
  KF3004: 'patch path does not exist in the model of its kind',
  KF3005: 'patch malformed',
  KF3006: 'typed patch target not found',
  KF3007: 'invalid patch target selector',
  // environments
  KF4001: 'environment definition invalid',
  KF4002: 'environment names a missing overlay',
  KF4003: 'environment failed to load',
  KF4004: 'environment definition does not type-check',
  // policies (mirrored in policies/codes.ts, which the policy engine uses)
  KF4101: 'invalid waiver file or entry',
  KF4102: 'waiver expired',
  KF4103: 'stale waiver (matches no finding)',
  KF4104: 'check cannot be waived in this environment',
  KF4105: 'unknown policy check id',
  KF4106: 'severity override of a locked check ignored',
  KF4107: 'invalid baseline file',
  KF4108: 'policy check failed (internal error)',
  KF4109: 'custom policy check cannot be loaded (not compiled, failing to load, not a defineCheck)',
  KF4110: 'custom policy check id invalid or already taken',
  KF4111: 'custom policy check threw',
  KF4112: 'CRD folder missing or invalid',
  KF4113: 'CRD schema not fully checked (a CEL rule that does not compile or calls an unsupported function, or a schema that does not compile)',
  KF4120: 'admission policy, binding or policies/admission file invalid',
  KF4121: 'admission policy CEL expression does not compile',
  KF4122: 'admission policy Audit finding (note)',
  KF4123: 'admission policy evaluation error ignored (failurePolicy Ignore)',
  // bootstrap (the cluster objects written for an environment)
  KF4201: 'the cluster objects cannot cover what the environment renders (warning)',
  // publish
  KF5001: 'working tree is dirty',
  KF5002: 'deploy branch diverged from source',
  KF5003: 'push rejected',
  KF5004: 'not a git repository',
  KF5005: 'git command failed',
  KF5006: 'policy errors block publishing',
  KF5007: 'deploy head not provably written by kforge (foreign or tampered)',
  KF5008: 'deploy branch is a source branch',
  KF5009: 'signing the deploy commit failed',
  // diff
  KF6001: 'diff reference not found',
  KF6002: 'deploy branch not found',
  KF6003: 'cannot fetch the deploy branch from the remote',
  KF6004: 'local deploy branch differs from the remote one',
  KF6005: 'nothing to promote (an --image FROM does not render, or a promotable value is missing)',
  // internal
  KF9001: 'internal error',
} as const;

export type Code = keyof typeof CODES;

export function diag(
  code: Code,
  message: string,
  opts: {
    severity?: Severity;
    hint?: string;
    location?: SourceLocation;
    resource?: ResId;
    pointer?: string;
    notes?: string[];
  } = {},
): Diagnostic {
  return {
    code,
    severity: opts.severity ?? 'error',
    message,
    ...(opts.hint !== undefined ? { hint: opts.hint } : {}),
    ...(opts.location ? { location: opts.location } : {}),
    ...(opts.resource ? { resource: opts.resource } : {}),
    ...(opts.pointer !== undefined ? { pointer: opts.pointer } : {}),
    ...(opts.notes ? { notes: opts.notes } : {}),
  };
}

/**
 * Thrown inside a stage to abort it with a user diagnostic; caught at the stage
 * boundary and turned into `{ value: undefined, diagnostics }`. Never escapes the CLI.
 */
export class DiagnosticError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(d: Diagnostic | Diagnostic[]) {
    const list = Array.isArray(d) ? d : [d];
    super(list.map((x) => `${x.code}: ${x.message}`).join('\n'));
    this.diagnostics = list;
  }
}

export function hasErrors(ds: Diagnostic[]): boolean {
  return ds.some((d) => d.severity === 'error');
}

/** `file:line:column: error KF1003: message` then hint and notes, like compilers print. */
export function formatDiagnostic(d: Diagnostic, color = false): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const where = d.location ? `${d.location.file}:${d.location.line}:${d.location.column}: ` : '';
  const sev = d.severity === 'error' ? c('31;1', 'error') : d.severity === 'warning' ? c('33;1', 'warning') : c('36', 'info');
  const lines = [`${where}${sev} ${d.code}: ${d.message}`];
  if (d.resource) lines.push(`  resource: ${formatResId(d.resource)}${d.pointer ? ` at ${d.pointer}` : ''}`);
  for (const n of d.notes ?? []) lines.push(`  note: ${n}`);
  if (d.hint) lines.push(`  ${c('32', 'hint')}: ${d.hint}`);
  return lines.join('\n');
}

/** Levenshtein distance, for "did you mean …" hints. */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const m = a.length;
  const n = b.length;
  let prev = new Array<number>(n + 1);
  let cur = new Array<number>(n + 1);
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= m; i++) {
    cur[0] = i;
    for (let j = 1; j <= n; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
    }
    [prev, cur] = [cur, prev];
  }
  return prev[n];
}

/** The closest candidate within a small distance, or undefined. */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  const limit = Math.max(2, Math.floor(word.length / 3));
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD && d <= limit) {
      best = c;
      bestD = d;
    }
  }
  return best;
}
