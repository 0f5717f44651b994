import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../helpers.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: { env?: string[] } };
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const text = fs.readFileSync(path.join(repoRoot(), '.github', 'workflows', 'kforge.yml'), 'utf8');
const wf = parse(text, { uniqueKeys: true }) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (job: Job) => job.steps.map((s) => s.uses ?? '').filter(Boolean);

test('triggers: pull requests and pushes to main; read-only by default', () => {
  assert.equal(Object.keys(wf.on).sort(), ['pull_request', 'push']);
  assert.equal((wf.on.push as { branches: string[] }).branches, ['main']);
  assert.equal(wf.permissions, { contents: 'read' });
  assert.equal(Object.keys(wf.jobs).sort(), ['check', 'diff', 'render']);
  assert.match(wf.jobs.diff.if!, "github.event_name == 'pull_request'");
  assert.match(wf.jobs.check.if!, "github.event_name == 'pull_request'");
  assert.match(wf.jobs.render.if!, "github.event_name == 'push'");
});

test('every job: checkout and Node 20 with the npm cache, npm ci; actions pinned to a major version', () => {
  for (const [name, job] of Object.entries(wf.jobs)) {
    const u = uses(job);
    assert.ok(u.includes('actions/checkout@v4'), name);
    const node = job.steps.find((s) => s.uses === 'actions/setup-node@v4');
    assert.ok(node, name);
    assert.equal(node!.with, { 'node-version': 20, cache: 'npm' });
    assert.match(runs(job), /^npm ci$/m, name);
    for (const x of u) assert.match(x, /^[\w.-]+\/[\w./-]+@v\d+$/, x);
  }
});

test('pull request diff: exit 1 is not a failure; one sticky comment found by its marker', () => {
  const job = wf.jobs.diff;
  assert.equal(job.permissions, { contents: 'read', 'pull-requests': 'write' });
  const r = runs(job);
  assert.match(r, 'diff -- --all --format markdown > diff.md');
  assert.match(r, 'set +e');
  assert.match(r, /"\$code" -ne 1/);
  const script = job.steps.find((s) => s.uses === 'actions/github-script@v7');
  assert.ok(script);
  const js = String(script!.with!.script);
  assert.match(js, "'<!-- kforge-diff -->'");
  assert.match(js, 'github.rest.issues.listComments');
  assert.match(js, 'github.rest.issues.updateComment');
  assert.match(js, 'github.rest.issues.createComment');
  assert.match(js, 'includes(marker)');
  assert.ok(job.steps.find((s) => s.uses === 'actions/checkout@v4')!.with!['fetch-depth'] === 0);
});

test('pull request check: per environment, SARIF uploaded with a category per environment', () => {
  const job = wf.jobs.check;
  assert.equal(job.strategy!.matrix!.env, ['dev', 'staging', 'prod']);
  assert.is(job.strategy!['fail-fast'], false);
  assert.equal(job.permissions, { contents: 'read', 'security-events': 'write' });
  assert.match(runs(job), 'check -- ${{ matrix.env }} --format sarif > kforge-${{ matrix.env }}.sarif');
  const up = job.steps.find((s) => s.uses === 'github/codeql-action/upload-sarif@v3');
  assert.ok(up);
  assert.equal(up!.with, { sarif_file: 'kforge-${{ matrix.env }}.sarif', category: 'kforge-${{ matrix.env }}' });
  assert.match(up!.if!, 'always()');
});

test('push to main: a render job per environment, serialized per environment, never cancelled', () => {
  const job = wf.jobs.render;
  assert.equal(job.strategy!.matrix!.env, ['dev', 'staging', 'prod']);
  assert.is(job.strategy!['fail-fast'], false);
  assert.equal(job.concurrency, { group: 'kforge-render-${{ matrix.env }}', 'cancel-in-progress': false });
  assert.equal(job.permissions, { contents: 'write' });
  assert.is(job.steps.find((s) => s.uses === 'actions/checkout@v4')!.with!['fetch-depth'], 0);
  const r = runs(job);
  assert.match(r, 'git config user.name');
  assert.match(r, 'git config user.email');
  assert.match(r, 'npm run render -- ${{ matrix.env }} --push');
  const order = ['npm ci', 'git config user.name', 'npm run render'].map((x) => r.indexOf(x));
  assert.equal([...order].sort((a, b) => a - b), order);
});

test('every step is documented with a comment', () => {
  const lines = text.split('\n');
  const stepLines = lines.map((l, i) => [l, i] as const).filter(([l]) => /^\s+- name: /.test(l));
  assert.ok(stepLines.length >= 10);
  for (const [l, i] of stepLines) assert.match(lines[i - 1], /^\s+#/, `no comment above "${l.trim()}"`);
});

test.run();
