/**
 * Golden outputs of `kforge diff` (Markdown PR comment and JSON) for realistic changes to
 * the repository's own overlays. The "before" side is the real overlay; the "after" side
 * is a modified copy of bases/ and overlays/ in a temporary folder, built with the real
 * compiled environment definitions (dist/). The goldens under test/fixtures/diff are the
 * spec: regenerate with UPDATE_GOLDEN=1 and read every line before committing them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { mulberry32, repoRoot } from '../helpers.js';
import { renderEnvironment } from '../../compiler/render.js';
import { toDiffResources } from '../../compiler/diff/sources.js';
import { diffRenderings, type ChangeSet, type DiffResource } from '../../compiler/diff/engine.js';
import { formatMarkdown, formatJson, COMMENT_MARKER, GITHUB_COMMENT_LIMIT, type EnvDiff } from '../../compiler/diff/format.js';
import type { JsonObject } from '../../compiler/types.js';

const ROOT = repoRoot();
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'diff');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const TODAY = '2026-01-01';
const KEY = 'golden-test-key';
const DIST = path.join(ROOT, 'dist');

const tmpDirs: string[] = [];
const beforeCache = new Map<string, DiffResource[]>();

function golden(name: string, actual: string): void {
  const file = path.join(FIXTURES, name);
  if (UPDATE) {
    fs.mkdirSync(FIXTURES, { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  if (!fs.existsSync(file)) assert.unreachable(`golden ${path.relative(ROOT, file)} is missing: run with UPDATE_GOLDEN=1`);
  assert.fixture(actual, fs.readFileSync(file, 'utf8'), `golden ${name} differs (UPDATE_GOLDEN=1 regenerates it)`);
}

async function render(root: string, env: string): Promise<DiffResource[]> {
  const res = await renderEnvironment(root, env, { today: TODAY, checks: false, distDir: DIST });
  const errors = res.diagnostics.filter((d) => d.severity === 'error');
  assert.ok(res.value && errors.length === 0, `render ${env} in ${root}: ${errors.map((d) => `${d.code} ${d.message}`).join('; ')}`);
  return toDiffResources(res.value!);
}

async function before(env: string): Promise<DiffResource[]> {
  if (!beforeCache.has(env)) beforeCache.set(env, await render(ROOT, env));
  return beforeCache.get(env)!;
}

/** Files edited by the current scenario, with their original text (restored after it). */
const edited = new Map<string, string>();
let shared: string | undefined;

/**
 * A copy of bases/ and overlays/ whose environment.ts files are older than their compiled
 * dist/ copies; made once, every scenario's edits are undone after it.
 */
function copyTree(): string {
  for (const [abs, text] of edited) fs.writeFileSync(abs, text);
  edited.clear();
  if (shared) return shared;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-golden-'));
  tmpDirs.push(dir);
  for (const d of ['bases', 'overlays']) fs.cpSync(path.join(ROOT, d), path.join(dir, d), { recursive: true });
  for (const env of fs.readdirSync(path.join(dir, 'overlays'))) {
    const src = path.join(dir, 'overlays', env, 'environment.ts');
    if (fs.existsSync(src)) fs.utimesSync(src, new Date(0), new Date(0));
  }
  return (shared = dir);
}

/** Replaces FROM by TO in FILE, failing loudly when the overlay no longer has FROM. */
function edit(root: string, file: string, from: string | RegExp, to: string): void {
  const abs = path.join(root, file);
  const text = fs.readFileSync(abs, 'utf8');
  if (!edited.has(abs)) edited.set(abs, text);
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  assert.ok(found, `${file} no longer contains ${String(from)}: update the golden case`);
  fs.writeFileSync(abs, text.replace(from, to));
}

async function scenario(env: string, modify: (root: string) => void): Promise<{ cs: ChangeSet; diffs: EnvDiff[] }> {
  const a = await before(env);
  const root = copyTree();
  modify(root);
  const b = await render(root, env);
  copyTree(); // undo the edits
  const cs = diffRenderings(a, b, { redactKey: KEY });
  return { cs, diffs: [{ env, base: `environments/${env}@golden`, head: 'working tree', changes: cs }] };
}

function fences(md: string): number {
  return md.split('\n').filter((l) => /^`{3,}/.test(l)).length;
}

/** Structural checks every Markdown output must pass. */
function wellFormed(md: string, limit = GITHUB_COMMENT_LIMIT): void {
  assert.ok(md.startsWith(`${COMMENT_MARKER}\n`), 'the sticky-comment marker comes first');
  assert.ok(md.length <= limit, `${md.length} > ${limit} characters`);
  assert.is(fences(md) % 2, 0, 'every code fence is closed');
  assert.is((md.match(/<details>/g) ?? []).length, (md.match(/<\/details>/g) ?? []).length, 'every <details> is closed');
  assert.ok(md.endsWith('\n'));
}

function goldenPair(name: string, diffs: EnvDiff[]): { md: string; json: string } {
  const md = formatMarkdown(diffs);
  const json = formatJson(diffs);
  wellFormed(md);
  JSON.parse(json);
  golden(`${name}.md`, md);
  golden(`${name}.json`, json);
  return { md, json };
}

test('image bump: one changed field on the Deployment, listed under image changes', async () => {
  const { cs, diffs } = await scenario('prod', (root) => edit(root, 'overlays/prod/kustomization.yaml', 'newTag: 1.9.0', 'newTag: 1.9.1'));
  assert.equal(cs.counts, { added: 0, removed: 0, changed: 1, unchanged: cs.counts.unchanged, followers: 0 });
  assert.equal(cs.changes[0].fields, [
    { path: 'spec.template.spec.containers[name=im-service].image', kind: 'changed', before: 'ghcr.io/kforge-demo/im-service:1.9.0', after: 'ghcr.io/kforge-demo/im-service:1.9.1' },
  ]);
  assert.equal(cs.risks.map((r) => `${r.level}:${r.code}`), ['info:image']);
  const { md } = goldenPair('image-bump', diffs);
  assert.match(md, '### Image changes');
});

test('replica change: spec.replicas of the StatefulSet', async () => {
  const { cs, diffs } = await scenario('prod', (root) => edit(root, 'overlays/prod/kustomization.yaml', '- name: mysql-replica\n  count: 2', '- name: mysql-replica\n  count: 3'));
  assert.is(cs.changes.length, 1);
  assert.is(cs.changes[0].kind, 'StatefulSet');
  assert.equal(cs.changes[0].fields, [{ path: 'spec.replicas', kind: 'changed', before: 2, after: 3 }]);
  goldenPair('replicas', diffs);
});

test('ConfigMap literal change: one paired rename, the Deployment grouped under it', async () => {
  const { cs, diffs } = await scenario('prod', (root) => edit(root, 'overlays/prod/kustomization.yaml', 'LOG_LEVEL=WARN', 'LOG_LEVEL=INFO'));
  assert.is(cs.changes.length, 1, cs.changes.map((c) => c.name).join());
  const c = cs.changes[0];
  assert.is(c.kind, 'ConfigMap');
  assert.match(c.previousName ?? '', /^im-service-env-/);
  assert.match(c.name, /^im-service-env-/);
  assert.is.not(c.name, c.previousName);
  assert.equal(c.fields, [{ path: 'data.LOG_LEVEL', kind: 'changed', before: 'WARN', after: 'INFO' }]);
  assert.equal(c.followers, ['Deployment kforge-prod/im-service']);
  const { md } = goldenPair('configmap-literal', diffs);
  assert.match(md, 'followed by 1 workload(s): Deployment kforge-prod/im-service');
});

test('removed stack: every resource of the base is deleted, StatefulSets flagged high', async () => {
  // The pull request removes the base from the overlay and the overlay's patch of it.
  const { cs, diffs } = await scenario('prod', (root) => {
    edit(root, 'overlays/prod/kustomization.yaml', '- ../../bases/redis-cluster\n', '');
    edit(root, 'overlays/prod/patches/capacity.yaml', /---\napiVersion: apps\/v1\nkind: StatefulSet\nmetadata:\n  name: redis-cluster\n[\s\S]*?(?=---\n)/, '');
  });
  assert.ok(cs.counts.removed > 0);
  assert.is(cs.counts.added, 0);
  assert.ok(cs.changes.filter((c) => c.action === 'removed').every((c) => c.app === 'redis-cluster'), 'only redis-cluster resources go');
  assert.ok(cs.risks.some((r) => r.level === 'high' && r.code === 'delete' && r.resource === 'StatefulSet kforge-prod/redis-cluster'));
  const { md } = goldenPair('removed-stack', diffs);
  assert.match(md, '### Risks');
});

test('selector change: the Deployment selector is immutable, a high risk', async () => {
  const { cs, diffs } = await scenario('staging', (root) => {
    const f = 'bases/im-service/deployment.yaml';
    edit(root, f, '  selector:\n    matchLabels:\n      app.kubernetes.io/name: im-service\n', '  selector:\n    matchLabels:\n      app.kubernetes.io/name: im-service\n      app.kubernetes.io/component: server\n');
    edit(root, f, '  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: im-service\n', '  template:\n    metadata:\n      labels:\n        app.kubernetes.io/name: im-service\n        app.kubernetes.io/component: server\n');
  });
  assert.is(cs.changes.length, 1);
  assert.ok(cs.risks.some((r) => r.level === 'high' && r.code === 'immutable-field' && r.resource === 'Deployment kforge-staging/im-service'));
  goldenPair('selector', diffs);
});

test('Secret change (dev secretGenerator): values masked, equal values equal placeholders, followers grouped', async () => {
  const { cs, diffs } = await scenario('dev', (root) => edit(root, 'overlays/dev/kustomization.yaml', 'password=dev-only-redis-password', 'password=dev-only-redis-password-rotated'));
  const sec = cs.changes.find((c) => c.kind === 'Secret');
  assert.ok(sec?.previousName, 'the Secret rename is paired');
  assert.is(sec!.fields.length, 1);
  assert.match(String(sec!.fields[0].before), /^‹redacted [0-9a-f]{8} · 23 B›$/);
  assert.match(String(sec!.fields[0].after), /^‹redacted [0-9a-f]{8} · 31 B›$/);
  const { md, json } = goldenPair('secret', diffs);
  for (const text of [md, json]) {
    for (const plain of ['dev-only-redis-password', 'dev-only-redis-password-rotated']) {
      assert.not.match(text, plain);
      assert.not.match(text, Buffer.from(plain).toString('base64'));
      assert.not.match(text, Buffer.from(plain).toString('base64').replace(/=+$/, ''));
    }
  }
});

test('reordered env vars, volume mounts and volumes: no change', async () => {
  const { cs, diffs } = await scenario('staging', (root) => {
    const f = 'bases/im-service/deployment.yaml';
    const text = fs.readFileSync(path.join(root, f), 'utf8');
    if (!edited.has(path.join(root, f))) edited.set(path.join(root, f), text);
    const db = /        - name: DB_PASSWORD\n(?: {10}.*\n)+/.exec(text)?.[0];
    const redis = /        - name: REDIS_PASSWORD\n(?: {10}.*\n)+/.exec(text)?.[0];
    assert.ok(db && redis, 'the env vars are where the test expects them');
    edit(root, f, db! + redis!, redis! + db!);
    edit(root, f, '        - name: config\n          mountPath: /config\n          readOnly: true\n        - name: tmp\n          mountPath: /tmp\n', '        - name: tmp\n          mountPath: /tmp\n        - name: config\n          mountPath: /config\n          readOnly: true\n');
    edit(root, f, '      - name: config\n        configMap:\n          name: im-service-config\n      - name: tmp\n        emptyDir:\n          sizeLimit: 256Mi\n', '      - name: tmp\n        emptyDir:\n          sizeLimit: 256Mi\n      - name: config\n        configMap:\n          name: im-service-config\n');
  });
  assert.equal(cs.changes, []);
  assert.equal(cs.risks, []);
  assert.is(cs.counts.unchanged, (await before('staging')).length);
  const { md } = goldenPair('reorder', diffs);
  assert.match(md, 'No changes.');
});

test('apiVersion bump: the HPA changes in place (autoscaling/v2 → v1), not a delete and an add', async () => {
  const { cs, diffs } = await scenario('prod', (root) => {
    const f = 'bases/im-service/hpa.yaml';
    edit(root, f, 'apiVersion: autoscaling/v2', 'apiVersion: autoscaling/v1');
    edit(root, f, /  metrics:\n[\s\S]*$/, '  targetCPUUtilizationPercentage: 70\n');
  });
  assert.is(cs.changes.length, 1);
  const c = cs.changes[0];
  assert.is(c.action, 'changed');
  assert.is(c.kind, 'HorizontalPodAutoscaler');
  assert.is(c.previousApiVersion, 'autoscaling/v2');
  assert.is(c.apiVersion, 'autoscaling/v1');
  const { md } = goldenPair('apiversion', diffs);
  assert.match(md, '- apiVersion: autoscaling/v2\n+ apiVersion: autoscaling/v1');
});

// ---- Tiered truncation --------------------------------------------------------------

function synthDeploy(i: number, image: string, blob: string): DiffResource {
  const name = `svc-${String(i).padStart(5, '0')}`;
  const object: JsonObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'kforge-prod', labels: { 'app.kubernetes.io/name': name } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: {
        metadata: { labels: { 'app.kubernetes.io/name': name } },
        spec: {
          containers: [
            {
              name: 'app',
              image,
              env: [{ name: 'BLOB', value: blob }],
              resources: { requests: { cpu: '100m', memory: '128Mi' } },
            },
          ],
        },
      },
    },
  };
  return { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'kforge-prod', name, object, app: `app-${String(i % 7)}` };
}

/** N Deployments each with a changed image and (when big > 0) a changed env value of BIG characters (only on the first one with firstOnly). */
function synthDiff(n: number, big = 0, env = 'prod', firstOnly = false): EnvDiff {
  const blob = (i: number, c: string) => (big && (!firstOnly || i === 0) ? c.repeat(big) : '');
  const a = Array.from({ length: n }, (_, i) => synthDeploy(i, `registry.example.com/team/svc-${i}:1.0.0`, blob(i, 'x')));
  const b = Array.from({ length: n }, (_, i) => synthDeploy(i, `registry.example.com/team/svc-${i}:1.0.1`, blob(i, 'y')));
  return { env, base: `environments/${env}@synthetic`, head: 'working tree', changes: diffRenderings(a, b, { redactKey: KEY }) };
}

function countsLimit(diffs: Parameters<typeof formatMarkdown>[0]): number {
  for (let l = 1000; l > 50; l--) if (tierOf(formatMarkdown(diffs, l)) === 'counts') return l;
  throw new Error('no limit gives the counts tier');
}

function tierOf(md: string): 'full' | 'resources' | 'list' | 'summary' | 'counts' {
  if (/changed resources are shown in full/.test(md)) return 'resources';
  if (/only the list of \d+ changed resources is shown/.test(md)) return 'list';
  if (/only the summary is shown/.test(md)) return 'summary';
  if (/only the counts are shown/.test(md)) return 'counts';
  assert.not.match(md, '> **Note:**', 'an untruncated comment has no truncation note');
  return 'full';
}

test('truncation tiers (small limits, golden): full, whole resources, list, summary, counts', () => {
  const diffs = [synthDiff(12)];
  const full = formatMarkdown(diffs);
  wellFormed(full);
  assert.is(tierOf(full), 'full');
  golden('truncation-full.md', full);
  golden('truncation.json', formatJson(diffs));
  // The limits are chosen to land in each tier; each output is golden and well formed.
  const cases: [string, number, ReturnType<typeof tierOf>][] = [
    ['truncation-resources.md', 4000, 'resources'],
    ['truncation-summary.md', 2400, 'summary'],
    // The counts-only tier is the last resort: where even the summary with no risk listed
    // does not fit. Find the largest such limit rather than guess it.
    ['truncation-counts.md', countsLimit(diffs), 'counts'],
  ];
  for (const [file, limit, tier] of cases) {
    const md = formatMarkdown(diffs, limit);
    assert.is(tierOf(md), tier, `limit ${limit}: ${md.length} chars`);
    wellFormed(md, limit);
    golden(file, md);
  }
  // The first resource's body alone is over the budget: the list of changed resources.
  const list = formatMarkdown([synthDiff(12, 4000, 'prod', true)], 4000);
  assert.is(tierOf(list), 'list');
  wellFormed(list, 4000);
  golden('truncation-list.md', list);
});

test('truncation at GitHub\'s limit with over a thousand changed resources: every tier honest and ≤ 65,536 characters', () => {
  // Small: full.
  const small = formatMarkdown([synthDiff(20)]);
  assert.is(tierOf(small), 'full');
  wellFormed(small);

  // 400 changes with bodies: whole resources until the budget, cut at a resource boundary.
  const mid = formatMarkdown([synthDiff(400, 200)]);
  assert.is(tierOf(mid), 'resources');
  wellFormed(mid);
  const m = /(\d+) of (\d+) changed resources are shown in full/.exec(mid)!;
  const shown = Number(m[1]);
  assert.is(Number(m[2]), 400);
  assert.ok(shown > 0 && shown < 400);
  assert.is((mid.match(/<details>/g) ?? []).length, shown, 'the note counts the blocks shown');
  assert.is(fences(mid), 2 * shown);

  // Every body bigger than the limit: the list of changed resources only.
  const huge = formatMarkdown([synthDiff(60, 70_000, 'prod', true)]);
  assert.is(tierOf(huge), 'list');
  wellFormed(huge);
  assert.is((huge.match(/^\s*- ~ Deployment kforge-prod\/svc-\d{5}$/gm) ?? []).length, 60, 'one line per changed resource');
  assert.not.match(huge, '<details>');

  // Over a thousand image bumps: the image-change list alone is over the limit, so it goes
  // (each resource block shows its image change) and as many whole resources as fit are
  // shown instead of the summary alone; risks would stay.
  const manyDiff = synthDiff(1200);
  const many = formatMarkdown([manyDiff]);
  assert.is(tierOf(many), 'resources');
  wellFormed(many);
  assert.match(many, '| `prod` | 0 | 1200 | 0 | 0 |');
  assert.not.match(many, '### Image changes');
  const manyShown = Number(/(\d+) of 1200 changed resources are shown in full/.exec(many)![1]);
  assert.ok(manyShown > 100, `${manyShown} shown`);
  assert.ok(many.length > GITHUB_COMMENT_LIMIT - 1000, 'the budget is used');

  // Over a thousand resources without risks (added ConfigMaps), the first one over the limit
  // by itself: the list does not fit either, the summary alone, head intact.
  const cm = (name: string, value: string): DiffResource => ({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'kforge-prod', name, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'kforge-prod' }, data: { k: value } } });
  const cms = [cm('a-huge-config', 'z'.repeat(70_000)), ...Array.from({ length: 1200 }, (_, i) => cm(`settings-${String(i).padStart(5, '0')}-of-a-long-named-application`, 'v'))];
  const added = formatMarkdown([{ env: 'prod', base: 'environments/prod@synthetic', head: 'working tree', changes: diffRenderings([], cms, { redactKey: KEY }) }]);
  assert.is(tierOf(added), 'summary');
  wellFormed(added);
  assert.match(added, 'only the summary is shown (1201 changed resources)');
  // The same without the huge one: as many whole resources as fit.
  const some = formatMarkdown([{ env: 'prod', base: 'environments/prod@synthetic', head: 'working tree', changes: diffRenderings([], cms.slice(1), { redactKey: KEY }) }]);
  assert.is(tierOf(some), 'resources');
  wellFormed(some);

  // Several environments: every one keeps its summary row whatever the tier.
  const all = formatMarkdown([{ ...manyDiff, env: 'dev' }, synthDiff(100, 200, 'staging'), synthDiff(5, 0, 'prod')]);
  wellFormed(all);
  for (const env of ['dev', 'staging', 'prod']) assert.match(all, `| \`${env}\` |`);
});

/** A rendered environment where COUNT StatefulSets are deleted: COUNT high risks. */
function deletions(env: string, count: number, prefix = 'db'): EnvDiff {
  const sts = (i: number): DiffResource => {
    const name = `${prefix}-${String(i).padStart(4, '0')}`;
    return { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: `kforge-${env}`, name, object: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name, namespace: `kforge-${env}` }, spec: { serviceName: name, replicas: 3 } }, app: prefix };
  };
  return { env, base: `environments/${env}@synthetic`, head: 'working tree', changes: diffRenderings(Array.from({ length: count }, (_, i) => sts(i)), [], { redactKey: KEY }) };
}

test('diff --all over the limit: the budget is shared; prod keeps its summary row, its risks and its changes when dev has thousands', () => {
  // dev: 1,500 changed Deployments with bodies and 1,500 image changes; staging: 200; prod: 2
  // StatefulSet deletions (high risks) and 3 image bumps. dev comes first.
  const prodDel = deletions('prod', 2, 'kafka');
  const prodImg = synthDiff(3, 0, 'prod');
  const prod: EnvDiff = { ...prodImg, changes: { ...prodImg.changes, changes: [...prodDel.changes.changes, ...prodImg.changes.changes], risks: [...prodDel.changes.risks, ...prodImg.changes.risks], counts: { ...prodImg.changes.counts, removed: 2 } } };
  const diffs = [synthDiff(1500, 300, 'dev'), synthDiff(200, 100, 'staging'), prod];
  const md = formatMarkdown(diffs);
  wellFormed(md);
  assert.ok(md.length < GITHUB_COMMENT_LIMIT);
  for (const env of ['dev', 'staging', 'prod']) assert.match(md, `| \`${env}\` |`);
  // prod's risks, and prod's section with its changes in full: it is small, it fits
  for (const r of prod.changes.risks.filter((x) => x.level !== 'info')) assert.match(md, r.message);
  assert.match(md, '### `prod`: environments/prod@synthetic → working tree');
  assert.match(md, '<summary>- StatefulSet kforge-prod/kafka-0000</summary>');
  assert.match(md, '<summary>~ Deployment kforge-prod/svc-00002</summary>');
  // staging gets a fair share too: its section is there
  assert.match(md, '### `staging`: environments/staging@synthetic → working tree');
  // dev does not take the whole comment: under a third of it is dev's resource blocks
  const devBlocks = md.split('### `dev`')[1]?.split('\n### ')[0] ?? '';
  assert.ok(devBlocks.length < GITHUB_COMMENT_LIMIT * 0.6, `dev's section is ${devBlocks.length} characters`);
  // the note says what each environment shows
  assert.match(md, /> \*\*Note:\*\* the diff is too large for one comment: .*`dev`: \d+ of 1500 changed resources are shown in full.*`prod`: all 5 changed resources are shown/);
});

test('diff --all: thousands of high risks in dev do not push prod\'s risks out; every environment keeps its risks, shared', () => {
  const diffs = [deletions('dev', 3000), synthDiff(50, 100, 'staging'), deletions('prod', 3, 'zookeeper')];
  const md = formatMarkdown(diffs);
  wellFormed(md);
  for (const env of ['dev', 'staging', 'prod']) assert.match(md, `| \`${env}\` |`);
  for (const r of diffs[2].changes.risks) assert.match(md, r.message);
  // dev's risks are cut, and say so
  assert.match(md, /- … and \d+ more risks in `dev`/);
  assert.ok((md.match(/`dev` StatefulSet/g) ?? []).length > 10, 'dev keeps a fair share of its risks');
});

test('diff --all, random environments and limits: well formed, never over the limit, every summary row and (while they fit) every environment\'s first risk', () => {
  const rnd = mulberry32(13);
  const pool = [synthDiff(40, 150, 'a'), synthDiff(3, 0, 'b'), deletions('c', 30), synthDiff(300, 20, 'd'), deletions('e', 2, 'kafka'), synthDiff(0, 0, 'f')];
  for (let round = 0; round < 40; round++) {
    const n = 2 + Math.floor(rnd() * 4);
    const diffs = Array.from({ length: n }, (_, i) => ({ ...pool[Math.floor(rnd() * pool.length)], env: `env${i}` }));
    const limit = 800 + Math.floor(rnd() * 30_000);
    const md = formatMarkdown(diffs, limit);
    wellFormed(md, limit);
    if (tierOf(md) === 'counts') continue;
    for (const d of diffs) {
      assert.match(md, `| \`${d.env}\` |`);
      const first = d.changes.risks.find((r) => r.level !== 'info');
      if (first && !/more risks in/.test(md)) assert.match(md, `\`${d.env}\` ${first.message}`, `round ${round}, limit ${limit}`);
    }
  }
});

let t0 = 0;
test.before.each(() => {
  t0 = Date.now();
});
test.after.each((ctx) => {
  if (process.env.KFORGE_TEST_TIMING) process.stderr.write(`${Date.now() - t0} ms  ${(ctx as { __test__?: string }).__test__ ?? ''}\n`);
});

test.after(() => {
  for (const d of tmpDirs) fs.rmSync(d, { recursive: true, force: true });
});

test.run();
