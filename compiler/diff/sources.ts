/**
 * Where the two sides of a diff come from: the working tree's rendering, the deploy
 * branch head (what `render` committed last), or the rendering of another source ref.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Diagnostic, JsonObject } from '../types.js';
import { resIdKey } from '../types.js';
import { diag } from '../diagnostics.js';
import { gitDirAt } from '../fs.js';
import { Git } from '../publish/git.js';
import { resolveDeployRef, shortRefName, describeLocalDifference, type DeployRef, type DeployRefSource, type LocalDifference } from '../publish/deploy-ref.js';
import { deployBranchOf } from '../env.js';
import { parseYamlDocuments } from '../load/yaml/index.js';
import { METADATA_FILE, MANIFEST_FILE, normalizeDeployPath, joinPath } from '../emit/plan.js';
import type { Environment } from '../types.js';
import type { DiffResource } from './engine.js';
import { renderEnvironment, type RenderedEnvironment } from '../render.js';

export function toDiffResources(rendered: RenderedEnvironment): DiffResource[] {
  const appByKey = new Map<string, string>();
  for (const a of rendered.apps) for (const r of a.resources) appByKey.set(resIdKey(r.id), a.app);
  return rendered.resources.map((r) => {
    const app = appByKey.get(resIdKey(r.id));
    return {
      apiVersion: String(r.object.apiVersion ?? ''),
      kind: r.id.kind,
      ...(r.id.namespace ? { namespace: r.id.namespace } : {}),
      name: r.id.name,
      object: r.object,
      ...(app ? { app } : {}),
    };
  });
}

function objToDiff(o: JsonObject, app: string): DiffResource {
  const meta = (o.metadata && typeof o.metadata === 'object' && !Array.isArray(o.metadata) ? o.metadata : {}) as JsonObject;
  return {
    apiVersion: String(o.apiVersion ?? ''),
    kind: String(o.kind ?? ''),
    ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}),
    name: String(meta.name ?? ''),
    object: o,
    app,
  };
}

/** What a diff compared with (JSON `base`): the ref, its commit, and where it was found. */
export interface DiffBase {
  /** Full ref name (refs/remotes/origin/environments/prod, refs/heads/…), the source ref as given (--against), or null. */
  ref: string | null;
  commit: string | null;
  /** DeployRefSource for the deploy branch; 'source-ref' for --against; 'working-tree' for --envs. */
  source: DeployRefSource | 'source-ref' | 'working-tree';
  /** The short form shown in text and Markdown: origin/environments/prod@1a2b3c4. */
  label: string;
  /** The local deploy branch, when it exists beside the remote one and differs. */
  local?: LocalDifference;
}

/** The label, JSON base and header lines of a resolved deploy branch. */
export function describeDeployBase(at: DeployRef): { base: DiffBase; notes: string[] } {
  if (at.source === 'missing' || !at.ref || !at.commit) {
    const label = `${at.branch} (no deploy branch yet: everything is new)`;
    return { base: { ref: null, commit: null, source: 'missing', label }, notes: [`no deploy branch yet: everything is new (${at.branch} was not found${at.remote ? ` on ${at.remote} or` : ''} locally)`] };
  }
  const short = shortRefName(at.ref);
  const how =
    at.source === 'remote'
      ? `fetched from ${at.remote} just now`
      : at.source === 'remote-tracking'
        ? 'the remote-tracking ref as last fetched'
        : at.absentOnRemote
          ? `the local branch: ${at.remote} has no ${at.branch}`
          : at.remote
            ? 'the local branch'
            : 'the local branch; no remote';
  const notes = [`compared with ${short} at ${at.commit.slice(0, 7)} (${how})`];
  if (at.local) notes.push(describeLocalDifference(at, at.local));
  return { base: { ref: at.ref, commit: at.commit, source: at.source, label: `${short}@${at.commit.slice(0, 7)}`, ...(at.local ? { local: at.local } : {}) }, notes };
}

/**
 * The resources kforge committed last on the environment's deploy branch, wherever it is
 * (`at`, from resolveDeployRef; resolved here with the defaults when not given: fetch from
 * origin, then the remote-tracking ref, then the local branch). Missing: no resources.
 */
export async function readDeployBranch(
  repoDir: string,
  env: Environment,
  at?: DeployRef,
): Promise<{ value?: { resources: DiffResource[]; label: string; base: DiffBase; notes: string[] }; diagnostics: Diagnostic[] }> {
  const git = new Git(repoDir);
  const branch = deployBranchOf(env);
  const ds: Diagnostic[] = [];
  if (!at) {
    const r = await resolveDeployRef(repoDir, branch, { envs: new Map([[branch, env.name]]) });
    ds.push(...r.diagnostics);
    if (!r.value) return { diagnostics: ds };
    at = r.value;
  }
  const { base: info, notes } = describeDeployBase(at);
  const head = at.commit;
  if (!head || at.source === 'missing') return { value: { resources: [], label: info.label, base: info, notes }, diagnostics: ds };
  const where = shortRefName(at.ref ?? branch);
  const base = normalizeDeployPath(env.deployPath);
  const metaPath = joinPath(base ?? '', METADATA_FILE);
  const meta = await git.tryRun(['show', `${head}:${metaPath}`]);
  let appPaths: { name: string; path: string }[] = [];
  try {
    const m = JSON.parse(meta ?? '{}') as { 'x-kforge'?: { apps?: { name: string; files?: string[] }[] } };
    appPaths = (m['x-kforge']?.apps ?? []).map((a) => ({ name: a.name, path: joinPath(base ?? '', joinPath(a.name, MANIFEST_FILE)) }));
  } catch {
    appPaths = [];
  }
  if (appPaths.length === 0) {
    const list = (await git.tryRun(['ls-tree', '-r', '--name-only', head, ...(base ? [base] : [])])) ?? '';
    appPaths = list
      .split('\n')
      .filter((p) => p.endsWith(`/${MANIFEST_FILE}`))
      .map((p) => ({ name: path.posix.basename(path.posix.dirname(p)), path: p }));
  }
  const resources: DiffResource[] = [];
  for (const a of appPaths) {
    const text = await git.tryRun(['show', `${head}:${a.path}`]);
    if (text === undefined) continue;
    const parsed = parseYamlDocuments(text, `${where}:${a.path}`);
    ds.push(...parsed.diagnostics);
    for (const d of parsed.value ?? []) if (d.value && typeof d.value === 'object' && !Array.isArray(d.value)) resources.push(objToDiff(d.value, a.name));
  }
  return { value: { resources, label: info.label, base: info, notes }, diagnostics: ds };
}

/**
 * Renders ENV as it is at another source ref: the ref's whole tree is extracted with `git archive`
 * into a temporary folder (nothing in the repository changes), so that what its kustomizations
 * reach outside bases/ and overlays/ (components/, a crds folder, kforge.lock) and the local
 * modules its environment.ts imports are there, and built with this kforge. environment.ts is
 * compiled as render compiles it, following its local imports, without the type-check (the ref
 * was checked when it was committed). Policy checks do not run: only the resources are compared,
 * and a finding the ref had must not keep its rendering from being the base of a diff.
 */
export async function renderAtRef(repoDir: string, ref: string, envName: string, today: string): Promise<{ value?: { resources: DiffResource[]; label: string; base: DiffBase; rendered: RenderedEnvironment }; diagnostics: Diagnostic[] }> {
  const git = new Git(repoDir);
  const sha = await git.resolve(`${ref}^{commit}`);
  if (!sha) return { diagnostics: [diag('KF6001', `source ref "${ref}" not found`, { hint: 'fetch it first (git fetch origin main) or name an existing branch, tag or commit' })] };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-ref-'));
  try {
    const tarFile = path.join(tmp, 'src.tar');
    await git.run(['archive', '--format=tar', `--output=${tarFile}`, sha]);
    const root = path.join(tmp, 'tree');
    fs.mkdirSync(root);
    const { execFileSync } = await import('node:child_process');
    execFileSync('tar', ['-xf', tarFile, '-C', root]);
    fs.rmSync(tarFile);
    // compiled into the checkout's cache folder (the tree has none): the next diff reuses it
    const res = await renderEnvironment(root, envName, { today, checks: false, typeCheck: false, cacheRepo: repoDir });
    if (!res.value) return { diagnostics: res.diagnostics.map((d) => ({ ...d, message: `at ${ref}: ${d.message}` })) };
    const label = `${ref}@${sha.slice(0, 7)}`;
    return { value: { resources: toDiffResources(res.value), label, base: { ref, commit: sha, source: 'source-ref', label }, rendered: res.value }, diagnostics: res.diagnostics.filter((d) => d.severity === 'error') };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
    // and the copy of its transpiled modules made for the tree
    (await import('../env-compile.js')).pruneEnvironmentCopies(repoDir);
  }
}

/**
 * A key for Secret placeholders: stable within a repository, unknown outside it. It is kept
 * in the repository's git directory (`kforge-redact-key`, owner-only), found from `repoDir` or
 * a folder above it; in a worktree or a submodule, whose `.git` is a file naming its git
 * directory, in that directory. Outside a repository, or where that directory cannot be
 * written, the key is this run's only: never a file in the shared temporary folder, where
 * another user could plant a key of their own and read placeholders as hashes of guessed
 * values.
 */
export function redactKeyFor(repoDir: string): string {
  if (process.env.KFORGE_REDACT_KEY) return process.env.KFORGE_REDACT_KEY;
  const key = randomBytes(32).toString('hex');
  const gitDir = gitDirOf(path.resolve(repoDir));
  if (gitDir === undefined) return key;
  const file = path.join(gitDir, 'kforge-redact-key');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const kept = fs.readFileSync(file, 'utf8').trim();
      if (kept !== '') return kept;
    } catch {
      // not written yet
    }
    try {
      // exclusively: of two processes starting at once, one writes and both read its key
      fs.writeFileSync(file, key + '\n', { mode: 0o600, flag: 'wx' });
      return key;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return key; // read-only: this run's key
    }
  }
  return key;
}

/** The git directory of the repository holding `dir` (gitDirAt of the nearest folder, it or above, with a `.git`), if any. */
function gitDirOf(dir: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    // the nearest `.git` decides, even one that names no git directory
    if (fs.existsSync(path.join(d, '.git'))) return gitDirAt(d);
    if (path.dirname(d) === d) return undefined;
  }
}
