import type { Diagnostic, SourceLocation } from '../compiler/types.js';

import { CODES } from '../compiler/diagnostics.js';

/** Diagnostic codes of the policy engine (range KF41xx), a slice of the closed table in compiler/diagnostics.ts. */
const POLICY_CODE_IDS = ['KF4101', 'KF4102', 'KF4103', 'KF4104', 'KF4105', 'KF4106', 'KF4107', 'KF4108', 'KF4109', 'KF4110', 'KF4111', 'KF4112', 'KF4113'] as const;
export const POLICY_CODES = Object.fromEntries(POLICY_CODE_IDS.map((c) => [c, CODES[c]])) as { [K in (typeof POLICY_CODE_IDS)[number]]: (typeof CODES)[K] };
export type PolicyCode = keyof typeof POLICY_CODES;

export function pdiag(code: PolicyCode, severity: 'error' | 'warning' | 'info', message: string, location?: SourceLocation, hint?: string): Diagnostic {
  return { code, severity, message, ...(hint ? { hint } : {}), ...(location ? { location } : {}) };
}
