import type { Diagnostic, Environment, Resource } from '../compiler/types.js';
import { apiVersionOf } from '../compiler/types.js';
import { didYouMean } from '../compiler/diagnostics.js';
import type { Check, Finding, LocateField, Report, Sev, Waiver } from './types.js';
import { makeContext } from './context.js';
import { pdiag } from './codes.js';
import { isExpired, waiverMatcher } from './waivers.js';
import { filterBaseline, type BaselineEntry } from './baseline.js';

export interface RunOptions {
  waivers?: Waiver[];
  baseline?: readonly (Finding | BaselineEntry)[];
  /** YYYY-MM-DD, injected (the engine never reads the clock). */
  today: string;
  locateField?: LocateField;
  /** Only run these check ids (default: all). */
  only?: string[];
  /** CustomResourceDefinitions vendored for the environment (its `crds` folder), as resources with origins. */
  crds?: readonly Resource[];
  /**
   * ValidatingAdmissionPolicies, bindings and params to use instead of the repository's
   * policies/admission/ (which admission-policy otherwise reads next to the tree's overlays/).
   */
  admission?: readonly Resource[];
}

const RANK: Record<Sev, number> = { off: 0, warning: 1, error: 2 };

/** The severity a check has in an environment, after the environment's overrides. */
export function severityFor(check: Check, env: Environment, tier: 'dev' | 'staging' | 'prod', diagnostics?: Diagnostic[]): Sev {
  const def = check.defaultSeverity[tier];
  const o = env.policies?.[check.id];
  if (o === undefined) return def;
  if (check.lockedIn?.includes(tier) && RANK[o] < RANK[def]) {
    diagnostics?.push(pdiag('KF4106', 'warning', `check ${check.id} is locked in ${tier}: the override to ${o} is ignored`));
    return def;
  }
  return o;
}

export function runChecksWith(checks: readonly Check[], resources: readonly Resource[], env: Environment, opts: RunOptions): Report {
  const diagnostics: Diagnostic[] = [];
  const ctx = makeContext(resources, env, opts.locateField, undefined, opts.crds ?? [], diagnostics, opts.admission);
  const ids = new Set(checks.map((c) => c.id));
  for (const id of Object.keys(env.policies ?? {}).sort()) {
    if (!ids.has(id)) {
      const dym = didYouMean(id, ids);
      diagnostics.push(pdiag('KF4105', 'warning', `environment ${env.name}: unknown policy check ${id}`, undefined, dym ? `did you mean ${dym}?` : undefined));
    }
  }
  let findings: Finding[] = [];
  const ran = new Set<string>();
  const byId = new Map(checks.map((c) => [c.id, c]));
  for (const check of checks) {
    if (opts.only && !opts.only.includes(check.id)) continue;
    const sev = severityFor(check, env, ctx.tier, diagnostics);
    if (sev === 'off') continue;
    ran.add(check.id);
    let raws;
    try {
      raws = check.run(ctx);
    } catch (e) {
      if (check.custom) diagnostics.push(pdiag('KF4111', 'error', `custom check ${check.id} threw: ${e instanceof Error ? e.message : String(e)}`, check.location, 'fix the check: its findings for this environment are missing'));
      else diagnostics.push(pdiag('KF4108', 'error', `check ${check.id} failed: ${(e as Error).message}`));
      continue;
    }
    for (const raw of raws) {
      const r = raw.resource;
      const source = ctx.locate(r, raw.pointer);
      findings.push({
        id: check.id,
        severity: raw.severity === 'warning' || sev === 'warning' ? 'warning' : 'error',
        message: raw.message,
        hint: raw.hint ?? check.hint,
        resource: {
          apiVersion: apiVersionOf(r.id),
          kind: r.id.kind,
          ...(r.id.namespace ? { namespace: r.id.namespace } : {}),
          name: r.id.name,
        },
        ...(source ? { source } : {}),
        ...(raw.pointer !== undefined ? { pointer: raw.pointer } : {}),
      });
    }
    if (check.diagnostics) diagnostics.push(...check.diagnostics(ctx));
  }

  // waivers
  const staleWaivers: Waiver[] = [];
  let waived = 0;
  for (const w of opts.waivers ?? []) {
    if (w.environments && !w.environments.includes(env.name)) continue;
    const check = byId.get(w.check);
    if (!check) {
      const dym = didYouMean(w.check, ids);
      diagnostics.push(pdiag('KF4105', 'error', `waiver names unknown check ${w.check}`, w.location, dym ? `did you mean ${dym}?` : undefined));
      continue;
    }
    if (!ran.has(w.check)) continue; // the check is off here: neither applied nor stale
    const match = waiverMatcher(w);
    const hits = findings.filter((f) => !f.waived && match(f));
    if (hits.length === 0) {
      staleWaivers.push(w);
      diagnostics.push(pdiag('KF4103', 'warning', `waiver for ${w.check} matches no finding in ${env.name}`, w.location, 'remove the waiver'));
      continue;
    }
    if (check.lockedIn?.includes(ctx.tier)) {
      diagnostics.push(pdiag('KF4104', 'error', `${w.check} cannot be waived in ${env.name} (${hits.length} finding(s) stay)`, w.location, 'fix the resource instead'));
      continue;
    }
    if (isExpired(w, opts.today)) {
      diagnostics.push(pdiag('KF4102', 'warning', `waiver for ${w.check} expired on ${w.expires} (${hits.length} finding(s) come back)`, w.location, 'fix the findings or renew the waiver with a new date'));
      continue;
    }
    for (const f of hits) {
      f.waived = { reason: w.reason, owner: w.owner, expires: w.expires };
      waived++;
    }
  }

  // baseline
  let baselined = 0;
  if (opts.baseline) {
    const active = findings.filter((f) => !f.waived);
    const res = filterBaseline(active, opts.baseline);
    baselined = res.baselined;
    const keep = new Set(res.kept);
    findings = findings.filter((f) => f.waived || keep.has(f));
  }

  findings.sort(compareFindings);
  const counts = { error: 0, warning: 0, waived, baselined };
  for (const f of findings) if (!f.waived) counts[f.severity]++;
  return { findings, counts, staleWaivers, diagnostics };
}

function cmp(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareFindings(a: Finding, b: Finding): number {
  const fa = a.source?.file ?? '\uffff';
  const fb = b.source?.file ?? '\uffff';
  return (
    cmp(fa, fb) ||
    cmp(a.source?.line ?? 0, b.source?.line ?? 0) ||
    cmp(a.source?.column ?? 0, b.source?.column ?? 0) ||
    cmp(a.id, b.id) ||
    cmp(a.resource.kind, b.resource.kind) ||
    cmp(a.resource.namespace ?? '', b.resource.namespace ?? '') ||
    cmp(a.resource.name, b.resource.name) ||
    cmp(a.pointer ?? '', b.pointer ?? '') ||
    cmp(a.message, b.message)
  );
}
