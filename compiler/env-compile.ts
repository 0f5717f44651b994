/**
 * Compiles `overlays/<env>/environment.ts` on demand, cached by content, so an edit renders at
 * once without `npm run prepare`:
 *
 *  1. type-check: a TypeScript program rooted at the environment file (it pulls in only what the
 *     file imports: kforge's API and the user's own modules). Only diagnostics in the user's
 *     files are reported, as KF4004 at `file:line:col` with TypeScript's code and message. The
 *     result is cached under a manifest listing every source file of the program with its
 *     content hash (and the TypeScript version): unchanged inputs, no type-check.
 *  2. transpile: `ts.transpileModule` of the environment file and the local modules it imports,
 *     into the cache, imports of `compiler/*.js` rewritten to this kforge's own modules, with an
 *     inline source map pointing at the real file (stack traces and typed-patch locations).
 *
 * A definition that did not type-check is never loaded. `typescript` is loaded lazily, only
 * when something must be compiled (a cache hit costs a few file reads and hashes).
 *
 * Cache folder: `$KFORGE_CACHE_DIR`, else `node_modules/.cache/kforge/` of the repository, else
 * `.git/kforge-cache/`, else the system temporary folder.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import type { Diagnostic } from './types.js';
import { diag } from './diagnostics.js';

/** kforge's own `compiler/` folder, compiled (dist/compiler) and as sources (compiler/). */
const DIST_COMPILER = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = path.resolve(DIST_COMPILER, '..', '..');
const SRC_COMPILER = path.join(PACKAGE_ROOT, 'compiler');

/** Bumped when the layout of the cache or the compile options change. */
const CACHE_FORMAT = 'kforge-env-1';

type TS = typeof import('typescript');
let tsModule: TS | undefined;
async function loadTs(): Promise<TS> {
  tsModule ??= ((await import('typescript')) as unknown as { default: TS }).default;
  return tsModule;
}

export function cacheDirFor(repoRoot: string): string {
  if (process.env.KFORGE_CACHE_DIR) return path.resolve(process.env.KFORGE_CACHE_DIR);
  const nm = path.join(repoRoot, 'node_modules');
  if (fs.existsSync(nm)) return path.join(nm, '.cache', 'kforge');
  const git = path.join(repoRoot, '.git');
  if (fs.existsSync(git) && fs.statSync(git).isDirectory()) return path.join(git, 'kforge-cache');
  return path.join(os.tmpdir(), `kforge-cache-${process.getuid?.() ?? 'u'}`);
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

export interface CompiledEnvironment {
  /** file: URL of the module to import, when the definition type-checked. */
  url?: string;
  diagnostics: Diagnostic[];
  /** Whether a type-check ran (false: the cache answered). */
  checked?: boolean;
}

/**
 * Type-checks and transpiles `src` (an absolute path to an environment.ts under repoRoot).
 * `typeCheck: false` only transpiles (a ref that was checked when committed).
 */
export async function compileEnvironment(repoRoot: string, src: string, opts: { typeCheck?: boolean } = {}): Promise<CompiledEnvironment> {
  let cache = cacheDirFor(repoRoot);
  try {
    fs.mkdirSync(cache, { recursive: true });
    fs.accessSync(cache, fs.constants.W_OK);
  } catch {
    // a read-only node_modules or .git: the system's temporary folder
    cache = path.join(os.tmpdir(), `kforge-cache-${process.getuid?.() ?? 'u'}`);
  }
  const graph = localGraph(repoRoot, src);
  const graphKey = sha([CACHE_FORMAT, DIST_COMPILER, ...[...graph].flatMap(([f, t]) => [f, sha(t)])].join('\0'));
  let checked = false;
  if (opts.typeCheck !== false) {
    const r = await typeCheck(repoRoot, src, graph, cache);
    checked = r.checked;
    if (r.diagnostics.length) return { diagnostics: r.diagnostics, checked };
  }
  const outDir = path.join(cache, 'env', graphKey.slice(0, 32));
  const outFile = (f: string) => path.join(outDir, path.relative(repoRoot, f).replace(/\.(m?)ts$/, '.$1js'));
  if (!fs.existsSync(path.join(outDir, '.complete'))) {
    const ts = await loadTs();
    for (const [f, text] of graph) {
      const out = ts.transpileModule(text, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true, inlineSources: false },
        fileName: f,
        reportDiagnostics: false,
        transformers: { after: [rewriteImports(ts, repoRoot, f, outFile)] },
      });
      const map = JSON.parse(out.sourceMapText ?? '{}') as { sources?: string[]; sourceRoot?: string };
      map.sources = [pathToFileURL(f).href];
      map.sourceRoot = '';
      const js = out.outputText.replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n') + `//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString('base64')}\n`;
      writeAtomic(outFile(f), js);
    }
    writeAtomic(path.join(outDir, 'package.json'), '{"type":"module"}\n');
    writeAtomic(path.join(outDir, '.complete'), '');
  }
  return { url: pathToFileURL(outFile(src)).href, diagnostics: [], checked };
}

/** Rewrites relative imports: kforge's compiler/ → this kforge's dist; a local module → its output. */
function rewriteImports(ts: TS, repoRoot: string, file: string, outFile: (f: string) => string) {
  const target = (spec: string): string | undefined => {
    if (!spec.startsWith('.')) return undefined;
    const abs = path.resolve(path.dirname(file), spec);
    const k = kforgeModule(repoRoot, abs);
    if (k !== undefined) return pathToFileURL(path.join(DIST_COMPILER, `${k}.js`)).href;
    const tsFile = abs.replace(/\.(m?)js$/, '.$1ts');
    if (tsFile !== abs && fs.existsSync(tsFile)) {
      let rel = path.relative(path.dirname(outFile(file)), outFile(tsFile)).split(path.sep).join('/');
      if (!rel.startsWith('.')) rel = `./${rel}`;
      return rel;
    }
    // a plain .js/.json file beside the definition: import it where it is
    return pathToFileURL(abs).href;
  };
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
  /** Every non-library source file of the program: path (repo- or kforge-relative) and content hash. */
  inputs: [string, string][];
  diagnostics: Diagnostic[];
}

/** Files of kforge itself are named relative to its compiler/, the user's relative to the repository. */
function inputName(repoRoot: string, f: string): string {
  const k = path.relative(SRC_COMPILER, f);
  if (!k.startsWith('..') && !path.isAbsolute(k)) return `kforge:${k}`;
  const r = path.relative(repoRoot, f);
  if (!r.startsWith('..') && !path.isAbsolute(r)) return `repo:${r}`;
  return `abs:${f}`;
}

function inputPath(repoRoot: string, name: string): string {
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

async function typeCheck(repoRoot: string, src: string, graph: Map<string, string>, cache: string): Promise<{ diagnostics: Diagnostic[]; checked: boolean }> {
  // The manifest is found by the entry's name and the user's files; it is valid while every
  // input it lists still has its hash (kforge's API changing invalidates it too).
  const key = sha([CACHE_FORMAT, ...[...graph].flatMap(([f, t]) => [path.relative(repoRoot, f), sha(t)])].join('\0'));
  const manifestFile = path.join(cache, 'check', `${key.slice(0, 32)}.json`);
  try {
    const m = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as CheckManifest;
    if (m.format === CACHE_FORMAT && m.inputs.every(([n, h]) => hashFile(inputPath(repoRoot, n)) === h)) {
      if (m.ts === installedTsVersion()) return { diagnostics: m.diagnostics, checked: false };
    }
  } catch {
    /* no manifest yet, or unreadable: check */
  }
  const ts = await loadTs();
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
  const isUsers = (f: string) => {
    const r = path.relative(repoRoot, f);
    return !r.startsWith('..') && !path.isAbsolute(r) && !r.split(path.sep).includes('node_modules') && kforgeModule(repoRoot, f) === undefined;
  };
  const inputs: [string, string][] = [];
  for (const sf of program.getSourceFiles()) {
    if (sf.fileName.split('/').includes('node_modules') || program.isSourceFileDefaultLibrary(sf)) continue;
    inputs.push([inputName(repoRoot, path.resolve(sf.fileName)), sha(sf.text)]);
    if (!isUsers(path.resolve(sf.fileName))) continue;
    for (const d of [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)]) {
      const pos = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start) : { line: 0, character: 0 };
      const file = path.relative(process.cwd(), d.file?.fileName ?? sf.fileName);
      diagnostics.push(
        diag('KF4004', `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n  ')}`, {
          location: { file, line: pos.line + 1, column: pos.character + 1 },
          hint: 'fix the type error: an environment definition that does not type-check is not loaded',
        }),
      );
    }
  }
  inputs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // a missing import is in the diagnostics above; an input that cannot be hashed (deleted
  // meanwhile) only means the next run checks again
  try {
    writeAtomic(manifestFile, JSON.stringify({ format: CACHE_FORMAT, ts: installedTsVersion(), inputs, diagnostics } satisfies CheckManifest) + '\n');
  } catch {
    /* a read-only cache folder: check every time */
  }
  return { diagnostics, checked: true };
}
