// Bundles the CLI into dist/kforge/ (run by `npm run prepare` after tsc; issue 15):
//   dist/kforge/main.js     compiler/cli.ts and everything it imports (yaml, simple-git,
//                           fast-json-patch…) in one ES module, with main.js.map beside it;
//   dist/kforge/kforge.js   the launcher (the package's bin): turns on V8's compile cache
//                           where Node has it (>= 22.1), source maps under KFORGE_DEBUG, then
//                           loads main.js.
//   dist/kforge/yaml.cjs, dist/kforge/fast-json-patch.cjs
//                           those packages, each bundled alone as CommonJS: compiler/deps.ts
//                           requires them on first use, so a build the fast reader handles,
//                           with no JSON 6902 patch, loads neither (test/bundle/lazy.test.ts).
// One file instead of ~170 modules saves module resolution and loading at every start. What a
// build does not use (commands, policies, git, diff) stays behind dynamic imports, which
// esbuild keeps lazy: their code is parsed, not run. `typescript` stays outside (diff loads it
// on demand). tsc still compiles every file to dist/ (tests, environment definitions, api.js).
//
// Modules that locate files from their own URL (cli-util.ts finds package.json, models.ts
// resolves @kubernetes/client-node, diff/sources.ts points environments at dist/compiler/api.js)
// keep their meaning: each `import.meta.url` is rewritten to the URL of that module's own
// tsc output, relative to the bundle. cli.ts's becomes the launcher's (it runs when invoked);
// deps.ts keeps its chunk's own (it requires the .cjs files beside it).
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// KFORGE_BUNDLE_OUT: another folder (test/bundle/bundle.test.ts bundles into a temp dir).
const outDir = path.resolve(process.env.KFORGE_BUNDLE_OUT ?? path.join(root, 'dist', 'kforge'));

const metaUrl = {
  name: 'kforge-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      let text = await fs.promises.readFile(args.path, 'utf8');
      if (text.includes('import.meta.url') && args.path !== path.join(root, 'compiler', 'deps.ts')) {
        const rel = path.relative(root, args.path).replace(/\.ts$/, '.js');
        const target = rel === path.join('compiler', 'cli.js') ? 'kforge.js' : path.relative(outDir, path.join(root, 'dist', rel)).split(path.sep).join('/');
        text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(target)}, import.meta.url).href`);
      }
      return { contents: text, loader: 'ts' };
    });
  },
};

// The lazily loaded packages (compiler/deps.ts): any other import of them (patch/apply.ts's,
// outside the build path) gets the same file, so that each is bundled once.
const LAZY = { yaml: 'yaml.cjs', 'fast-json-patch': 'fast-json-patch.cjs' };
const lazyDeps = {
  name: 'kforge-lazy-deps',
  setup(build) {
    build.onResolve({ filter: /^(yaml|fast-json-patch)$/ }, (args) => ({ path: args.path, namespace: 'kforge-lazy-dep' }));
    build.onLoad({ filter: /.*/, namespace: 'kforge-lazy-dep' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(`./${LAZY[args.path]}`)});`, loader: 'js' }));
    build.onResolve({ filter: /\.cjs$/, namespace: 'kforge-lazy-dep' }, (args) => ({ path: args.path, external: true }));
  },
};

fs.rmSync(outDir, { recursive: true, force: true });
for (const [pkg, file] of Object.entries(LAZY)) {
  await esbuild.build({
    entryPoints: [path.join(root, 'node_modules', ...pkg.split('/'))],
    outfile: path.join(outDir, file),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
  });
}
await esbuild.build({
  entryPoints: { main: path.join(root, 'compiler', 'cli.ts') },
  outdir: outDir,
  // What a build does not use (other commands, policies, git, diff) goes to chunks loaded
  // by their dynamic imports: main.js holds the build path only.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  // Smaller to parse. Identifiers are not minified, so names stay readable without keepNames
  // (whose __name() calls cost at load and in every closure made; nothing reads Function.name).
  minifyWhitespace: true,
  minifySyntax: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
  external: ['typescript'],
  plugins: [metaUrl, lazyDeps],
  // compiler/deps.ts: load './yaml.cjs' rather than the package
  define: { KFORGE_BUNDLE: 'true' },
  // CommonJS dependencies call require() for Node's modules.
  banner: { js: "import { createRequire as __kforgeCreateRequire } from 'node:module'; const require = __kforgeCreateRequire(import.meta.url);" },
});
// esbuild keeps the entry's `#!` line in main.js; the launcher is the executable.
fs.writeFileSync(
  path.join(outDir, 'kforge.js'),
  `#!/usr/bin/env node
// kforge's launcher (scripts/bundle.mjs): the compile cache (Node >= 22.1) and, under
// KFORGE_DEBUG, source maps must be on before the bundle loads.
import * as module from 'node:module';
if (process.env.KFORGE_DEBUG) process.setSourceMapsEnabled?.(true);
try {
  module.enableCompileCache?.();
} catch {
  // no cache directory: start without it
}
await import('./main.js');
`,
  { mode: 0o755 },
);
fs.writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
