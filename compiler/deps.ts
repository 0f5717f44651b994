/**
 * Packages that only some builds use, loaded on their first use (issue 15): a plain build of
 * block-style YAML needs neither the `yaml` package (the complete reader, locate, edit) nor
 * fast-json-patch (JSON 6902 patches), and loading them cost most of the start-up.
 * The build is synchronous, so they are `require`d, not `import()`ed.
 *
 * In the shipped bundle (scripts/bundle.mjs) each is its own CommonJS file beside the chunks
 * (dist/kforge/yaml.cjs, dist/kforge/fast-json-patch.cjs); compiled by tsc alone (tests), they
 * resolve from node_modules as any import would. Either way one copy is loaded per process.
 */
import { createRequire } from 'node:module';
import type * as YamlPackage from 'yaml';
import type { default as JsonPatchPackage } from 'fast-json-patch';
import type * as ChildProcess from 'node:child_process';
import type * as Crypto from 'node:crypto';
import type * as WorkerThreads from 'node:worker_threads';

// Replaced by `true` in the bundle (esbuild's define); undeclared elsewhere.
declare const KFORGE_BUNDLE: boolean | undefined;

// In the bundle this module's import.meta.url is its chunk's URL (scripts/bundle.mjs leaves it
// alone here), so './yaml.cjs' is the file beside it.
const req = createRequire(import.meta.url);
const bundled = typeof KFORGE_BUNDLE === 'boolean';

let yamlPackage: typeof YamlPackage | undefined;
let jsonPatchPackage: typeof JsonPatchPackage | undefined;

/** The `yaml` package. */
export function yamlPkg(): typeof YamlPackage {
  return (yamlPackage ??= req(bundled ? './yaml.cjs' : 'yaml') as typeof YamlPackage);
}

/** fast-json-patch (its CommonJS module, which is what its default import is). */
export function jsonPatchPkg(): typeof JsonPatchPackage {
  return (jsonPatchPackage ??= req(bundled ? './fast-json-patch.cjs' : 'fast-json-patch') as typeof JsonPatchPackage);
}

/**
 * node:child_process, which only some paths use (remote bases, a git ref check): importing it
 * loads net, dgram and streams, a few milliseconds at every start.
 */
export function childProcess(): typeof ChildProcess {
  return req('node:child_process') as typeof ChildProcess;
}

/** node:crypto, which a build needs only for long or remote inputs (compiler/sha256.ts). */
export function nodeCrypto(): typeof Crypto {
  return req('node:crypto') as typeof Crypto;
}

/** node:worker_threads, for reading ahead in big builds only (compiler/fs-read-ahead.ts). */
export function workerThreads(): typeof WorkerThreads {
  return req('node:worker_threads') as typeof WorkerThreads;
}
