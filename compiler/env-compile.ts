/**
 * Compiles `overlays/<env>/environment.ts` on demand, cached by content, so an edit renders at
 * once without `npm run prepare`:
 *
 *  1. type-check: a TypeScript program rooted at the environment file (it pulls in only what the
 *     file imports: kforge's API and the user's own modules). Only diagnostics in the user's
 *     files are reported, as KF4004 at `file:line:col` with TypeScript's code and message. The
 *     result is cached under a manifest listing every source file of the program with its
 *     content hash (packages under node_modules by their package.json), the TypeScript version
 *     and kforge's: unchanged inputs, no type-check.
 *  2. transpile: `ts.transpileModule` of the environment file and the local modules it imports,
 *     imports of `compiler/*.js` rewritten to this kforge's own modules, with an inline source
 *     map pointing at the real file (stack traces and typed-patch locations).
 *
 * Both caches are keyed by paths relative to the repository and content hashes, never by where
 * the checkout or kforge lies, so a fresh CI checkout (or a test's temporary clone) hits what an
 * earlier one compiled when the cache folder is kept. The transpiled modules are stored once as a
 * template whose location-dependent imports (kforge's modules, plain `.js`/`.json` files beside
 * the definition, imported by absolute URL) are placeholders; each location gets its own copy
 * with them filled in (and the source map pointing at its files), written without TypeScript.
 *
 * A definition that did not type-check is never loaded. `typescript` is loaded lazily, only
 * when something must be compiled (a cache hit costs a few file reads and hashes), and with
 * `require`, which skips the ES module loader's scan of its 9 MB. Within one process the
 * type-checks share the parsed declaration files of kforge and node_modules (a `diff --all`, a
 * test process), which are parsed once.
 *
 * Cache folder: `$KFORGE_CACHE_DIR`, else `node_modules/.cache/kforge/` of the repository, else
 * `.git/kforge-cache/`, else (none of them, or not writable) the system temporary folder. A tree
 * that is not a checkout (`diff --against`'s extracted ref) is compiled into the cache folder of
 * the checkout it came from (`cacheRepo`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { Diagnostic } from './types.js';
import { diag } from './diagnostics.js';
import { gitDirAt } from './fs.js';

/** kforge's own `compiler/` folder, compiled (dist/compiler) and as sources (compiler/). */
const DIST_COMPILER = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = path.resolve(DIST_COMPILER, '..', '..');
const SRC_COMPILER = path.join(PACKAGE_ROOT, 'compiler');

/** Bumped when the layout of the cache or the compile options change. */
const CACHE_FORMAT = 'kforge-env-2';

type TS = typeof import('typescript');
let tsModule: TS | undefined;
/** TypeScript, required (a CommonJS module: `import()` would first scan its source for exports). */
function loadTs(): TS {
  tsModule ??= createRequire(import.meta.url)('typescript') as TS;
  return tsModule;
}

export function cacheDirFor(repoRoot: string): string {
  if (process.env.KFORGE_CACHE_DIR) return path.resolve(process.env.KFORGE_CACHE_DIR);
  const nm = path.join(repoRoot, 'node_modules');
  if (fs.existsSync(nm)) return path.join(nm, '.cache', 'kforge');
  // the repository's git directory: `.git`, or in a worktree or submodule the one its `.git` file names
  const git = gitDirAt(repoRoot);
  return git !== undefined ? path.join(git, 'kforge-cache') : tmpCacheDir();
}

/** The last resort: no cache folder in the repository, or none kforge may write. */
const tmpCacheDir = () => path.join(os.tmpdir(), `kforge-cache-${process.getuid?.() ?? 'u'}`);

/**
 * Removes the copies of transpiled modules made for repositories that are gone, in the cache
 * folder of `repoRoot`: `diff --against` calls it once its temporary tree is removed, so that the
 * tree's copy does not stay until the next copy is made.
 */
export function pruneEnvironmentCopies(repoRoot: string): void {
  for (const cache of new Set([cacheDirFor(repoRoot), tmpCacheDir()])) {
    const envDir = path.join(cache, 'env');
    if (fs.existsSync(envDir)) pruneCopies(envDir, '');
  }
}

const sha = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function writeAtomic(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, file);
}

/** Static import specifiers of a module (over-inclusive is harmless: it only widens a cache key). */
function importSpecifiers(text: string): string[] {
  const out: string[] = [];
  const re = /\b(?:import|export)\b[^'"`;]*?\bfrom\s*(['"])([^'"]+)\1|\bimport\s*\(?\s*(['"])([^'"]+)\3/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2] ?? m[4]);
  return out;
}

/** Where a relative import of kforge's compiler/ points (repo's compiler/ → this kforge's). */
function kforgeModule(repoRoot: string, resolved: string): string | undefined {
  for (const dir of [path.join(repoRoot, 'compiler'), SRC_COMPILER, DIST_COMPILER]) {
    const rel = path.relative(dir, resolved);
    if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.replace(/\.(ts|js)$/, '');
  }
  return undefined;
}

/** A file's name in the caches: relative to the repository, `/`-separated (`../` for one beside it). */
const relName = (repoRoot: string, f: string) => path.relative(repoRoot, f).split(path.sep).join('/');

/** The user's local modules reachable from `entry` (entry first), not kforge's own. */
function localGraph(repoRoot: string, entry: string): Map<string, string> {
  const files = new Map<string, string>();
  const todo = [entry];
  while (todo.length) {
    const f = todo.shift()!;
    if (files.has(f) || !fs.existsSync(f)) continue;
    const text = fs.readFileSync(f, 'utf8');
    files.set(f, text);
    for (const spec of importSpecifiers(text)) {
      if (!spec.startsWith('.')) continue;
      const abs = path.resolve(path.dirname(f), spec);
      if (kforgeModule(repoRoot, abs) !== undefined) continue;
      const ts = abs.replace(/\.(m?)js$/, '.$1ts');
      if (ts !== abs && fs.existsSync(ts)) todo.push(ts);
    }
  }
  return files;
}

/** kforge's version (package.json): part of every cache key. */
let kforgeVersionCache: string | undefined;
function kforgeVersion(): string {
  if (kforgeVersionCache === undefined) {
    try {
      kforgeVersionCache = (JSON.parse(fs.readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      kforgeVersionCache = 'unknown';
    }
  }
  return kforgeVersionCache;
}

export interface CompiledEnvironment {
  /** file: URL of the module to import, when the definition type-checked. */
  url?: string;
  diagnostics: Diagnostic[];
  /** Whether a type-check ran (false: the cache answered). */
  checked?: boolean;
  /** Whether TypeScript transpiled the modules (false: a cached template, or this location's copy, served). */
  transpiled?: boolean;
}

/**
 * Type-checks and transpiles `src` (an absolute path to an environment.ts under repoRoot).
 * `typeCheck: false` only transpiles (a ref that was checked when committed). `cacheRepo`: the
 * repository whose cache folder to use (default repoRoot; `diff --against` names the checkout,
 * whose cache its temporary tree shares: the caches are keyed by content, not location).
 */
export async function compileEnvironment(repoRoot: string, src: string, opts: { typeCheck?: boolean; cacheRepo?: string } = {}): Promise<CompiledEnvironment> {
  let cache = cacheDirFor(opts.cacheRepo ?? repoRoot);
  try {
    fs.mkdirSync(cache, { recursive: true });
    fs.accessSync(cache, fs.constants.W_OK);
  } catch {
    // a read-only node_modules or .git: the system's temporary folder
    cache = tmpCacheDir();
  }
  const graph = localGraph(repoRoot, src);
  // what the modules are (location-independent) and where this copy of them lies
  const contentKey = sha([CACHE_FORMAT, kforgeVersion(), installedTsVersion(), ...[...graph].flatMap(([f, t]) => [relName(repoRoot, f), sha(t)])].join('\0'));
  const placeKey = sha([contentKey, repoRoot, DIST_COMPILER].join('\0'));
  let checked = false;
  if (opts.typeCheck !== false) {
    const r = await typeCheck(repoRoot, src, graph, cache);
    checked = r.checked;
    if (r.diagnostics.length) return { diagnostics: r.diagnostics, checked };
  }
  const outDir = path.join(cache, 'env', placeKey.slice(0, 32));
  // `..` of a module beside the repository becomes `_up_`: every output stays inside outDir
  const outFile = (f: string) => path.join(outDir, ...relName(repoRoot, f).replace(/\.(m?)ts$/, '.$1js').split('/').map((s) => (s === '..' ? '_up_' : s)));
  let transpiled = false;
  if (!fs.existsSync(path.join(outDir, '.complete'))) {
    const tplFile = path.join(cache, 'tpl', `${contentKey.slice(0, 32)}.json`);
    let tpl = readTemplate(tplFile, repoRoot, graph);
    if (!tpl) {
      tpl = transpile(repoRoot, graph, outFile, `kforge-link-${contentKey.slice(0, 24)}-`);
      transpiled = true;
      try {
        writeAtomic(tplFile, JSON.stringify(tpl) + '\n');
      } catch {
        /* a read-only cache folder: transpile every time */
      }
    }
    for (const m of tpl.modules) {
      const f = path.resolve(repoRoot, m.name);
      let js = m.js;
      for (const [i, l] of tpl.links.entries()) {
        if (l.kind === 'local') continue;
        const url = l.kind === 'kforge' ? pathToFileURL(path.join(DIST_COMPILER, `${l.target}.js`)).href : pathToFileURL(path.resolve(repoRoot, l.target)).href;
        js = js.split(`${tpl.token}${i}$`).join(url);
      }
      const map = { ...m.map, sources: [pathToFileURL(f).href], sourceRoot: '' };
      writeAtomic(outFile(f), `${js}//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`);
    }
    writeAtomic(path.join(outDir, 'package.json'), '{"type":"module"}\n');
    writeAtomic(path.join(outDir, '.root'), repoRoot);
    writeAtomic(path.join(outDir, '.complete'), '');
    pruneCopies(path.join(cache, 'env'), outDir);
  }
  return { url: pathToFileURL(outFile(src)).href, diagnostics: [], checked, transpiled };
}

/**
 * Removes the copies made for repositories that no longer exist (temporary trees: a `diff
 * --against` ref's, a CI job's, a test's), so that the folder does not grow with every new
 * location. Runs only when a copy was made; a copy in use lies in an existing repository.
 */
function pruneCopies(envDir: string, keep: string): void {
  try {
    for (const e of fs.readdirSync(envDir)) {
      const dir = path.join(envDir, e);
      if (dir === keep) continue;
      let root: string;
      try {
        root = fs.readFileSync(path.join(dir, '.root'), 'utf8');
      } catch {
        continue; // being written, or made by an older kforge
      }
      if (root && !fs.existsSync(root)) fs.rmSync(dir, { recursive: true, force: true });
    }
  } catch {
    /* nothing to prune, or not ours to prune */
  }
}

/** How a relative import of `file` is rewritten: to kforge's module, a local module's output, or a plain file by URL. */
interface Link {
  from: string;
  spec: string;
  kind: 'kforge' | 'local' | 'file';
  /** kforge: the module (`api`); local: the module's name (relName); file: the file's name (relName). */
  target: string;
}

function classify(repoRoot: string, file: string, spec: string): Link | undefined {
  if (!spec.startsWith('.')) return undefined;
  const abs = path.resolve(path.dirname(file), spec);
  const from = relName(repoRoot, file);
  const k = kforgeModule(repoRoot, abs);
  if (k !== undefined) return { from, spec, kind: 'kforge', target: k };
  const tsFile = abs.replace(/\.(m?)js$/, '.$1ts');
  if (tsFile !== abs && fs.existsSync(tsFile)) return { from, spec, kind: 'local', target: relName(repoRoot, tsFile) };
  // a plain .js/.json file beside the definition: import it where it is
  return { from, spec, kind: 'file', target: relName(repoRoot, abs) };
}

/**
 * The transpiled modules of a graph, wherever it lies: `js` without its source map comment,
 * the location-dependent import specifiers replaced by `${token}${link index}$`.
 */
interface Template {
  format: string;
  token: string;
  modules: { name: string; js: string; map: Record<string, unknown> }[];
  links: Link[];
}

/** The cached template, if there is one and every import it rewrote still means the same here. */
function readTemplate(file: string, repoRoot: string, graph: Map<string, string>): Template | undefined {
  let t: Template;
  try {
    t = JSON.parse(fs.readFileSync(file, 'utf8')) as Template;
  } catch {
    return undefined;
  }
  if (t.format !== CACHE_FORMAT || !Array.isArray(t.modules) || !Array.isArray(t.links) || t.modules.length !== graph.size) return undefined;
  const names = new Set([...graph.keys()].map((f) => relName(repoRoot, f)));
  if (!t.modules.every((m) => names.has(m.name))) return undefined;
  for (const l of t.links) {
    const now = classify(repoRoot, path.resolve(repoRoot, l.from), l.spec);
    if (!now || now.kind !== l.kind || now.target !== l.target) return undefined;
  }
  return t;
}

function transpile(repoRoot: string, graph: Map<string, string>, outFile: (f: string) => string, token: string): Template {
  const ts = loadTs();
  const links: Link[] = [];
  const modules: Template['modules'] = [];
  for (const [f, text] of graph) {
    const out = ts.transpileModule(text, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true, inlineSources: false },
      fileName: f,
      reportDiagnostics: false,
      transformers: { after: [rewriteImports(ts, (spec) => target(f, spec))] },
    });
    const map = JSON.parse(out.sourceMapText ?? '{}') as Record<string, unknown>;
    delete map.sources;
    delete map.sourceRoot;
    modules.push({ name: relName(repoRoot, f), js: out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n'), map });
  }
  return { format: CACHE_FORMAT, token, modules, links };

  /** Relative imports: kforge's compiler/ → a placeholder for this kforge's dist; a local module → its output; a plain file → a placeholder for its URL. */
  function target(file: string, spec: string): string | undefined {
    const l = classify(repoRoot, file, spec);
    if (!l) return undefined;
    links.push(l);
    if (l.kind === 'local') {
      let rel = path.relative(path.dirname(outFile(file)), outFile(path.resolve(repoRoot, l.target))).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return rel;
    }
    return `${token}${links.length - 1}$`;
  }
}

/** Rewrites the module specifiers `target` maps (imports, re-exports, dynamic imports). */
function rewriteImports(ts: TS, target: (spec: string) => string | undefined) {
  return (ctx: import('typescript').TransformationContext) => (sf: import('typescript').SourceFile) => {
    const f = ctx.factory;
    const visit = (node: import('typescript').Node): import('typescript').Node => {
      if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
        const t = target(node.moduleSpecifier.text);
        if (t !== undefined) {
          return ts.isImportDeclaration(node)
            ? f.updateImportDeclaration(node, node.modifiers, node.importClause, f.createStringLiteral(t), node.attributes)
            : f.updateExportDeclaration(node, node.modifiers, node.isTypeOnly, node.exportClause, f.createStringLiteral(t), node.attributes);
        }
      }
      if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && node.arguments.length && ts.isStringLiteral(node.arguments[0])) {
        const t = target(node.arguments[0].text);
        if (t !== undefined) return f.updateCallExpression(node, node.expression, node.typeArguments, [f.createStringLiteral(t), ...node.arguments.slice(1)]);
      }
      return ts.visitEachChild(node, visit, ctx);
    };
    return ts.visitEachChild(sf, visit, ctx) as import('typescript').SourceFile;
  };
}

interface CheckManifest {
  format: string;
  ts: string;
  kforge: string;
  /** Every non-library source file of the program: name (see inputName) and content hash. */
  inputs: [string, string][];
  /** The diagnostics, their files relative to the repository. */
  diagnostics: Diagnostic[];
}

/**
 * The folders node_modules files can come from, named by where they lie relative to kforge
 * (`kforge-nm<k>`: node_modules of kforge's k-th ancestor folder) or to the repository
 * (`repo-nm<k>`), with their real paths (TypeScript names a package by its real path).
 */
function nodeModulesRoots(repoRoot: string): { name: string; dir: string; real: string }[] {
  const out: { name: string; dir: string; real: string }[] = [];
  for (const [prefix, start] of [
    ['kforge-nm', PACKAGE_ROOT],
    ['repo-nm', repoRoot],
  ] as const) {
    for (let dir = start, k = 0; ; k++) {
      const nm = path.join(dir, 'node_modules');
      try {
        out.push({ name: `${prefix}${k}`, dir: nm, real: fs.realpathSync(nm) });
      } catch {
        /* none here */
      }
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return out;
}

/** The package folder of a file under node_modules (`…/node_modules/@scope/name`, `…/node_modules/name`). */
function packageDir(f: string): string | undefined {
  const parts = f.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  const end = i < 0 ? -1 : i + (parts[i + 1]?.startsWith('@') ? 3 : 2);
  // a package's folder, with the file inside it
  return end > 0 && end < parts.length ? parts.slice(0, end).join(path.sep) : undefined;
}

/**
 * Files of kforge itself are named relative to its compiler/, the user's relative to the
 * repository; a package under node_modules by its package.json, relative to the node_modules
 * folder it lies in (a new version of a package is a new package.json).
 */
function inputName(repoRoot: string, f: string, roots: () => { name: string; dir: string; real: string }[]): string {
  const pkg = packageDir(f);
  if (pkg) {
    for (const r of roots()) {
      const rel = path.relative(r.real, pkg);
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) return `${r.name}:${rel.split(path.sep).join('/')}/package.json`;
    }
    return `abs:${path.join(pkg, 'package.json')}`;
  }
  const k = path.relative(SRC_COMPILER, f);
  if (!k.startsWith('..') && !path.isAbsolute(k)) return `kforge:${k}`;
  const r = path.relative(repoRoot, f);
  if (!r.startsWith('..') && !path.isAbsolute(r)) return `repo:${r}`;
  return `abs:${f}`;
}

function inputPath(repoRoot: string, name: string): string {
  const m = /^(kforge-nm|repo-nm)(\d+):(.*)$/.exec(name);
  if (m) {
    let dir = m[1] === 'kforge-nm' ? PACKAGE_ROOT : repoRoot;
    for (let k = Number(m[2]); k > 0; k--) dir = path.dirname(dir);
    return path.join(dir, 'node_modules', m[3]);
  }
  if (name.startsWith('kforge:')) return path.join(SRC_COMPILER, name.slice(7));
  if (name.startsWith('repo:')) return path.join(repoRoot, name.slice(5));
  return name.slice(4);
}

/** The installed TypeScript's version, without loading the compiler. */
let tsVersionCache: string | undefined;
function installedTsVersion(): string {
  if (tsVersionCache === undefined) {
    try {
      const req = createRequire(import.meta.url);
      tsVersionCache = (JSON.parse(fs.readFileSync(req.resolve('typescript/package.json'), 'utf8')) as { version: string }).version;
    } catch {
      tsVersionCache = 'unknown';
    }
  }
  return tsVersionCache;
}

function hashFile(f: string): string | undefined {
  try {
    return sha(fs.readFileSync(f));
  } catch {
    return undefined;
  }
}

/**
 * Parsed source files of kforge and node_modules (and TypeScript's libraries), shared by the
 * type-checks of one process: by file name and parse options, reused while the file's text is
 * the same (as TypeScript's language service shares them between programs).
 */
const sharedSourceFiles = new Map<string, { text: string; sf: import('typescript').SourceFile }>();

async function typeCheck(repoRoot: string, src: string, graph: Map<string, string>, cache: string): Promise<{ diagnostics: Diagnostic[]; checked: boolean }> {
  // The manifest is found by the entry's name and the user's files; it is valid while every
  // input it lists still has its hash (kforge's API changing invalidates it too).
  const key = sha([CACHE_FORMAT, ...[...graph].flatMap(([f, t]) => [path.relative(repoRoot, f), sha(t)])].join('\0'));
  const manifestFile = path.join(cache, 'check', `${key.slice(0, 32)}.json`);
  const fromRepo = (ds: Diagnostic[]) => ds.map((d) => (d.location ? { ...d, location: { ...d.location, file: path.relative(process.cwd(), path.resolve(repoRoot, d.location.file)) } } : d));
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CheckManifest;
    if (m.format === CACHE_FORMAT && m.ts === installedTsVersion() && m.kforge === kforgeVersion() && m.inputs.every(([n, h]) => hashFile(inputPath(repoRoot, n)) === h)) {
      return { diagnostics: fromRepo(m.diagnostics), checked: false };
    }
  } catch {
    /* no manifest yet, or unreadable: check */
  }
  const ts = loadTs();
  const options: import('typescript').CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    esModuleInterop: true,
    resolveJsonModule: true,
    noFallthroughCasesInSwitch: true,
  };
  const host = ts.createCompilerHost(options, true);
  const isUsers = (f: string) => {
    const r = path.relative(repoRoot, f);
    return !r.startsWith('..') && !path.isAbsolute(r) && !r.split(path.sep).includes('node_modules') && kforgeModule(repoRoot, f) === undefined;
  };
  const parse = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreateNewSourceFile) => {
    if (isUsers(path.resolve(fileName)) || shouldCreateNewSourceFile) return parse(fileName, languageVersion, onError, shouldCreateNewSourceFile);
    const text = host.readFile(fileName);
    const id = `${fileName}\0${JSON.stringify(languageVersion)}`;
    const hit = sharedSourceFiles.get(id);
    if (hit && text !== undefined && hit.text === text) return hit.sf;
    const sf = parse(fileName, languageVersion, onError, shouldCreateNewSourceFile);
    if (sf && text !== undefined && sf.text === text) sharedSourceFiles.set(id, { text, sf });
    return sf;
  };
  // `../../compiler/api.js` means kforge's API: the one that will run (its sources), also in a
  // checkout that holds no compiler/ folder.
  host.resolveModuleNameLiterals = (literals, containingFile, redirected, opts) =>
    literals.map((lit) => {
      const spec = lit.text;
      if (spec.startsWith('.')) {
        const k = kforgeModule(repoRoot, path.resolve(path.dirname(containingFile), spec));
        if (k !== undefined) {
          const resolvedFileName = path.join(SRC_COMPILER, `${k}.ts`);
          if (fs.existsSync(resolvedFileName)) return { resolvedModule: { resolvedFileName, extension: ts.Extension.Ts, isExternalLibraryImport: false } };
        }
      }
      return ts.resolveModuleName(spec, containingFile, opts, host, undefined, redirected, ts.getModeForUsageLocation(lit.getSourceFile(), lit, opts));
    });
  const program = ts.createProgram({ rootNames: [src], options, host });
  const diagnostics: Diagnostic[] = [];
  const inputs = new Map<string, string>();
  let roots: { name: string; dir: string; real: string }[] | undefined;
  for (const sf of program.getSourceFiles()) {
    if (program.isSourceFileDefaultLibrary(sf)) continue;
    const name = inputName(repoRoot, path.resolve(sf.fileName), () => (roots ??= nodeModulesRoots(repoRoot)));
    if (!inputs.has(name)) inputs.set(name, name.endsWith('/package.json') && packageDir(path.resolve(sf.fileName)) ? (hashFile(inputPath(repoRoot, name)) ?? '') : sha(sf.text));
    if (!isUsers(path.resolve(sf.fileName))) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
      const file = path.relative(repoRoot, d.file?.fileName ?? sf.fileName);
      diagnostics.push(
        diag('KF4004', `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`, {
          location: { file, line: pos.line + 1, column: pos.character + 1 },
          hint: 'fix the type error: an environment definition that does not type-check is not loaded',
        }),
      );
    }
  }
  const sorted = [...inputs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // a missing import is in the diagnostics above; an input that cannot be hashed (deleted
  // meanwhile) only means the next run checks again
  try {
    writeAtomic(manifestFile, JSON.stringify({ format: CACHE_FORMAT, ts: installedTsVersion(), kforge: kforgeVersion(), inputs: sorted, diagnostics } satisfies CheckManifest) + '\n');
  } catch {
    /* a read-only cache folder: check every time */
  }
  return { diagnostics: fromRepo(diagnostics), checked: true };
}
