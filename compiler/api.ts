/**
 * The API environment definitions import: `defineEnvironment`, typed `patch`, `byKey`, `at`.
 */
export { defineEnvironment, deployBranchOf } from './env.js';
export type { EnvironmentDefinition, EnvironmentSpec } from './env.js';
export { patch, byKey, at } from './patch/typed.js';
export type { TypedPatch, PatchBuilder, KindModels, Field } from './patch/typed.js';
