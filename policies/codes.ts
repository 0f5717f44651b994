import type { Diagnostic, SourceLocation } from '../compiler/types.js';

import { CODES } from '../compiler/diagnostics.js';

/** Diagnostic codes of the policy engine (range KF41xx), a slice of the closed table in compiler/diagnostics.ts. */
export const POLICY_CODES = {
  KF4101: 'invalid waiver file or entry',
  KF4102: 'waiver expired',
  KF4103: 'stale waiver (matches no finding)',
  KF4104: 'check cannot be waived in this environment',
  KF4105: 'unknown policy check id',
  KF4106: 'severity override of a locked check ignored',
  KF4107: 'invalid baseline file',
  KF4108: 'policy check failed (internal error)',
} as const satisfies Partial<typeof CODES>;
export type PolicyCode = keyof typeof POLICY_CODES;

export function pdiag(code: PolicyCode, severity: 'error' | 'warning' | 'info', message: string, location?: SourceLocation, hint?: string): Diagnostic {
  return { code, severity, message, ...(hint ? { hint } : {}), ...(location ? { location } : {}) };
}
