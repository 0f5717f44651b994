/**
 * kforge's YAML reader (the values Kustomize v5.5 holds after reading a file). One file
 * per concern:
 *   read.ts      the entry: parseYamlDocuments reads every document of a text, the fast
 *                reader first, the complete reader for what it leaves (overview there)
 *   scalars.ts   go-yaml's rules: plain scalar resolution (v3; v2's YAML 1.1 reading),
 *                block scalars as Kustomize's round trip leaves them
 *   fast.ts      the fast line reader for the common subset (and its positions)
 *   complete.ts  the complete reader over the `yaml` package, with every error's position
 *   locate.ts    position lookup: locatePointer (where a JSON pointer's value is written)
 *   common.ts    types, limits, input checks (UTF-8, size, control characters, separators)
 * Import from here; the files import each other directly (no cycles).
 */
export { codePointName, decodeUtf8, UTF8, MAX_BUILD_ALIAS_VALUES, MAX_YAML_BYTES, MAX_YAML_DEPTH, MAX_YAML_NODES, resetBuildBudget, type YamlDoc, type YamlLimits } from './common.js';
export { goUtf8, parseComplete } from './complete.js';
export { fastParse, parseWithPositions, type PNode, type PositionedDoc, type PPair } from './fast.js';
export { locatePointer } from './locate.js';
export { isOnePiece, parseYamlDocuments, readBoundedFile, readYamlFile } from './read.js';
export { isTimestamp, MERGE, NOT_JSON, parseTimestamp, plainKeyProblem, resolvePlain, type Resolved, v3BlockAllowed, v3FoldedRoundTrip, yaml11Plain } from './scalars.js';
