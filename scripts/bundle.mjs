// Bundles the CLI into dist/kforge/ (run by `npm run prepare` after tsc; issue 15):
//   dist/kforge/main.js     compiler/cli.ts and everything it imports (simple-git, ajv…) in one
//                           ES module and lazy chunks, with main.js.map beside it;
//   dist/kforge/build.cjs   the same CLI as one CommonJS file holding only what `kforge build`
//                           runs (the other commands are not in it; simple-git, which only a
//                           remote base's fetch loads, comes from node_modules as typescript
//                           does), for the launcher's code cache;
//   dist/kforge/yaml.cjs, dist/kforge/fast-json-patch.cjs
//                           those packages, each bundled alone as CommonJS: compiler/deps.ts
//                           requires them on first use, so a build the fast reader handles,
//                           with no JSON 6902 patch, loads neither (test/bundle/lazy.test.ts);
//   dist/kforge/kforge.js   the launcher (the package's bin). `kforge build` runs build.cjs
//                           through a V8 code cache of its own (below); every other command,
//                           and build under KFORGE_DEBUG or NODE_DISABLE_COMPILE_CACHE, imports
//                           main.js with Node's compile cache on where Node has it (>= 22.1).
// One file instead of ~170 modules saves module resolution and loading at every start. What a
// build does not use (commands, policies, git, diff) stays behind dynamic imports, which
// esbuild keeps lazy: their code is parsed, not run. `typescript` stays outside (diff loads it
// on demand). tsc still compiles every file to dist/ (tests, environment definitions, api.js).
//
// The code cache: Node's compile cache (and a plain vm.Script cache made at compile time) holds
// only the code compiled before the module ran, and V8 compiles nearly every function lazily,
// so a build still parsed and compiled most of its functions at every start (about a third of
// a small build's start-up). The launcher runs build.cjs with vm.Script and, when it had no
// usable cache, saves script.createCachedData() after the build, which then holds every function
// that build ran (only a build under a second writes it: one written after a big build holds
// much a small build never runs, and slows its start). Node 20 has no compile cache at all, so
// this is its only one. The cache file
// lives in Node's compile cache folder (NODE_COMPILE_CACHE, or <tmpdir>/node-compile-cache),
// named after the Node/V8 version and build.cjs's digest (taken here), size and modification
// time; V8 rejects data of another V8 or flags (then it is written anew); one not owned by
// this user is not read.
// When the launcher writes a cache it removes this user's kforge caches beyond the newest
// KEEP_CACHES (each install and each Node version has its own), and temporary files an
// hour old.
// Every failure to read or write it only means starting without it.
//
// Modules that locate files from their own URL (cli-util.ts finds package.json, models.ts
// resolves @kubernetes/client-node, diff/sources.ts points environments at dist/compiler/api.js)
// keep their meaning: each `import.meta.url` is rewritten to the URL of that module's own
// tsc output, relative to the bundle. cli.ts's becomes the launcher's in main.js (it runs when
// invoked) and build.cjs's own in build.cjs (the launcher calls its run()); deps.ts keeps its
// file's own (it requires the .cjs files beside it).
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// KFORGE_BUNDLE_OUT: another folder (test/bundle/bundle.test.ts bundles into a temp dir).
const outDir = path.resolve(process.env.KFORGE_BUNDLE_OUT ?? path.join(root, 'dist', 'kforge'));

/** `import.meta.url` of each module as described above; `cliUrl`: what cli.ts's becomes. */
function metaUrl(cliUrl) {
  return {
    name: 'kforge-import-meta-url',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        let text = await fs.promises.readFile(args.path, 'utf8');
        if (text.includes('import.meta.url') && args.path !== path.join(root, 'compiler', 'deps.ts')) {
          const rel = path.relative(root, args.path).replace(/\.ts$/, '.js');
          const target = rel === path.join('compiler', 'cli.js') ? cliUrl : path.relative(outDir, path.join(root, 'dist', rel)).split(path.sep).join('/');
          text = text.replaceAll('import.meta.url', `new URL(${JSON.stringify(target)}, import.meta.url).href`);
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

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

// Options every output shares: Node 20 and later, smaller to parse (identifiers are not minified,
// so names stay readable without keepNames, whose __name() calls cost at load and in every
// closure made; nothing reads Function.name), linked source maps without the sources.
const COMMON = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
};

fs.rmSync(outDir, { recursive: true, force: true });
for (const [pkg, file] of Object.entries(LAZY)) {
  await esbuild.build({
    entryPoints: [path.join(root, 'node_modules', ...pkg.split('/'))],
    outfile: path.join(outDir, file),
    ...COMMON,
    format: 'cjs',
  });
}
await esbuild.build({
  entryPoints: { main: path.join(root, 'compiler', 'cli.ts') },
  outdir: outDir,
  // What a build does not use (other commands, policies, git, diff) goes to chunks loaded
  // by their dynamic imports: main.js holds the build path only.
  splitting: true,
  chunkNames: 'chunk-[hash]',
  ...COMMON,
  format: 'esm',
  external: ['typescript'],
  plugins: [metaUrl('kforge.js'), lazyDeps],
  // compiler/deps.ts: load './yaml.cjs' rather than the package
  define: { KFORGE_BUNDLE: 'true' },
  // CommonJS dependencies call require() for Node's modules.
  banner: { js: "import { createRequire as __kforgeCreateRequire } from 'node:module'; const require = __kforgeCreateRequire(import.meta.url);" },
});
// build.cjs: cli.ts for `kforge build` only. The launcher sends nothing else there, so the
// other commands' modules are left out (a stub that throws stands for each). publish/git.js
// stays: remote bases use it, and cli.ts's report of a missing git.
const onlyBuild = {
  name: 'kforge-only-build',
  setup(build) {
    build.onResolve({ filter: /^\.\/(commands|bootstrap)\// }, (args) =>
      args.kind === 'dynamic-import' && args.importer === path.join(root, 'compiler', 'cli.ts') ? { path: args.path, namespace: 'kforge-not-in-build' } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'kforge-not-in-build' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`internal: ${args.path} is not in build.cjs (only kforge build runs from it)`)});`,
      loader: 'js',
    }));
    build.onResolve({ filter: /^(yaml|fast-json-patch)$/ }, (args) => ({ path: `./${LAZY[args.path]}`, external: true }));
  },
};
await esbuild.build({
  entryPoints: [path.join(root, 'compiler', 'cli.ts')],
  outfile: path.join(outDir, 'build.cjs'),
  ...COMMON,
  format: 'cjs',
  external: ['typescript', 'simple-git'],
  plugins: [metaUrl('build.cjs'), onlyBuild],
  define: { KFORGE_BUNDLE: 'true', 'import.meta.url': '__kforgeUrl' },
  banner: { js: 'var __kforgeUrl = require("node:url").pathToFileURL(__filename).href;' },
});
{
  // esbuild keeps the entry's `#!` line, which the launcher's function wrapper cannot hold: a
  // comment of the same length instead (the source map's lines stay right)
  const file = path.join(outDir, 'build.cjs');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^#!/, '//'));
}
// How many build code caches (installs × Node versions) the launcher keeps in the folder.
const KEEP_CACHES = 8;
// A build that runs this long (ms) writes no code cache (see the launcher); KFORGE_LONG_BUILD_MS
// sets another bound (tests).
const LONG_BUILD_MS = 1000;
// Part of the code cache's name: V8 checks only the source's length against its data, and npm
// gives every installed file the same modification time.
const buildId = createHash('sha256').update(fs.readFileSync(path.join(outDir, 'build.cjs'))).digest('hex').slice(0, 16);
// esbuild keeps the entry's `#!` line in main.js; the launcher is the executable.
fs.writeFileSync(
  path.join(outDir, 'kforge.js'),
  `#!/usr/bin/env node
// kforge's launcher (scripts/bundle.mjs says why): \`kforge build\` runs build.cjs with a V8 code
// cache of its own; the rest imports main.js with Node's compile cache (Node >= 22.1) on and,
// under KFORGE_DEBUG, source maps, which must be on before the bundle loads.
import * as module from 'node:module';
if (process.env.KFORGE_DEBUG) process.setSourceMapsEnabled?.(true);
if (process.argv[2] === 'build' && !process.env.KFORGE_DEBUG && !process.env.NODE_DISABLE_COMPILE_CACHE) {
  const require = module.createRequire(import.meta.url);
  const [fs, path, vm, os, url] = ['node:fs', 'node:path', 'node:vm', 'node:os', 'node:url'].map((m) => require(m));
  const file = url.fileURLToPath(new URL('./build.cjs', import.meta.url));
  const source = fs.readFileSync(file, 'utf8');
  const st = fs.statSync(file);
  const dir = process.env.NODE_COMPILE_CACHE || path.join(os.tmpdir(), 'node-compile-cache');
  const key = [process.version, process.arch, process.versions.v8, '${buildId}', st.size, Math.trunc(st.mtimeMs)].join('-').replace(/[^0-9A-Za-z.-]/g, '_');
  const cacheFile = path.join(dir, \`kforge-build-\${key}.cache\`);
  let cachedData;
  try {
    const fd = fs.openSync(cacheFile, 'r');
    try {
      if (fs.fstatSync(fd).uid === (process.getuid?.() ?? 0)) cachedData = fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    // no cache yet
  }
  const script = new vm.Script(\`(function (exports, require, module, __filename, __dirname) {\${source}\n})\`, {
    filename: file,
    cachedData,
    ...(vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  const mod = { exports: {} };
  const started = performance.now();
  script.runInThisContext()(mod.exports, module.createRequire(file), mod, file, path.dirname(file));
  await mod.exports.run();
  // The cache holds every function the build ran: one written after a big build (a worker reading
  // ahead, thousands of patches) holds much a small build never runs, and a small build then
  // starts slower with it than with one of its own (N = 5,000 first: 444 against 349 KB, and
  // 67 against 60 ms for a small build). So only a build that took less than LONG_BUILD_MS
  // writes it; a long build does without (its start-up is a small part of its time).
  const long = performance.now() - started >= Number(process.env.KFORGE_LONG_BUILD_MS ?? ${LONG_BUILD_MS});
  if ((!cachedData || script.cachedDataRejected) && !long) {
    try {
      // one level, not { recursive: true }: Node 20's recursive mkdir never returns on some
      // paths (under /proc, say), and a missing parent only costs the cache
      if (!fs.existsSync(dir)) fs.mkdirSync(dir);
      const tmp = \`\${cacheFile}.\${process.pid}.tmp\`;
      fs.writeFileSync(tmp, script.createCachedData());
      fs.renameSync(tmp, cacheFile);
    } catch {
      // a read-only or foreign cache folder: the next build starts without a cache too
    }
    try {
      // Each install or rebuild of kforge, and each Node version, writes a cache file of its
      // own (about 0.3 MB): when one is written, this user's kforge caches beyond the newest
      // ${KEEP_CACHES} are removed, and temporary files left by a build that died an hour ago
      const uid = process.getuid?.();
      const mine = [];
      for (const name of fs.readdirSync(dir)) {
        if (!name.startsWith('kforge-build-')) continue;
        const p = path.join(dir, name);
        const s = fs.lstatSync(p);
        if (!s.isFile() || (uid !== undefined && s.uid !== uid)) continue;
        if (name.endsWith('.cache')) mine.push({ p, t: s.mtimeMs });
        else if (name.endsWith('.tmp') && Date.now() - s.mtimeMs > 3600_000) fs.rmSync(p, { force: true });
      }
      mine.sort((a, b) => b.t - a.t || (a.p < b.p ? -1 : 1));
      for (const { p } of mine.slice(${KEEP_CACHES})) if (p !== cacheFile) fs.rmSync(p, { force: true });
    } catch {
      // another build pruning at the same time, or a folder we may not list: prune next time
    }
  }
} else {
  try {
    module.enableCompileCache?.();
  } catch {
    // no cache directory: start without it
  }
  await import('./main.js');
}
`,
  { mode: 0o755 },
);
fs.writeFileSync(path.join(outDir, 'package.json'), '{"type":"module"}\n');
