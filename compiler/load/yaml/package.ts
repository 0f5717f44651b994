/**
 * The values kforge uses from the `yaml` package, loaded on first call (compiler/deps.ts):
 * import them from here, and types from 'yaml' (`import type`), so that a build the fast
 * reader handles never loads the package. Same names and types as the package's own.
 */
import type * as Y from 'yaml';
import { yamlPkg } from '../../deps.js';

export const parseDocument = ((...a: Parameters<typeof Y.parseDocument>) => yamlPkg().parseDocument(...a)) as typeof Y.parseDocument;
export const parseAllDocuments = ((...a: Parameters<typeof Y.parseAllDocuments>) => yamlPkg().parseAllDocuments(...a)) as typeof Y.parseAllDocuments;
export const parse = ((...a: Parameters<typeof Y.parse>) => yamlPkg().parse(...a)) as typeof Y.parse;
export const stringify = ((...a: Parameters<typeof Y.stringify>) => yamlPkg().stringify(...a)) as typeof Y.stringify;
export const isAlias = ((n: unknown) => yamlPkg().isAlias(n)) as typeof Y.isAlias;
export const isMap = ((n: unknown) => yamlPkg().isMap(n)) as typeof Y.isMap;
export const isPair = ((n: unknown) => yamlPkg().isPair(n)) as typeof Y.isPair;
export const isScalar = ((n: unknown) => yamlPkg().isScalar(n)) as typeof Y.isScalar;
export const isSeq = ((n: unknown) => yamlPkg().isSeq(n)) as typeof Y.isSeq;

/** `new LineCounter()` makes the package's own (a constructor that returns it). */
export const LineCounter = function LineCounter() {
  return new (yamlPkg().LineCounter)();
} as unknown as typeof Y.LineCounter;
export type LineCounter = Y.LineCounter;
