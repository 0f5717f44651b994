/**
 * What `policies/custom/*.ts` import: `defineCheck` and its types, plus `byKey`/`at` for typed
 * paths in `ctx.report(…, (s) => …)`.
 */
export { defineCheck, pointerOf } from './custom.js';
export type { CustomCheck, CustomCheckContext, CustomCheckSpec, CustomFinding, Typed, TypedContainer, TypedPodTemplate } from './custom.js';
export { byKey, at } from '../compiler/patch/typed.js';
export type { Sev, Tier } from './types.js';
