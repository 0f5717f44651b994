import type { Environment, Resource } from '../compiler/types.js';
import type { Check, Report } from './types.js';
import { runChecksWith, type RunOptions } from './engine.js';
import { CHECKS } from './registry.js';

export type { Check, CheckContext, Finding, RawFinding, Report, Sev, Tier, Waiver, LocateField } from './types.js';
export type { RunOptions } from './engine.js';
export { severityFor, compareFindings } from './engine.js';
export { parseWaivers, readWaiversFile } from './waivers.js';
export { serializeBaseline, parseBaseline, filterBaseline } from './baseline.js';
export { formatText, formatJson, formatSarif, formatGithub } from './format.js';
export { tierOf } from './context.js';
export { locateInText } from './locate.js';
export { POLICY_CODES } from './codes.js';
export { defineCheck, loadCustomChecks } from './custom.js';
export { loadCrdFolder, loadAdmissionFolder } from './crd/load.js';
export type { CustomCheck } from './custom.js';

export { CHECKS };

export function checkById(id: string): Check | undefined {
  return CHECKS.find((c) => c.id === id);
}

/**
 * Runs every check over frozen rendered resources for one environment. Pure: the date is
 * injected (`today`), files are read only through `locateField`.
 */
export function runChecks(resources: readonly Resource[], env: Environment, opts: RunOptions & { custom?: readonly Check[] }): Report {
  return runChecksWith(opts.custom?.length ? [...CHECKS, ...opts.custom] : CHECKS, resources, env, opts);
}
