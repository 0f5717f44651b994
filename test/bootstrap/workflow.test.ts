/**
 * The CI workflow (.github/workflows/kforge.yml), validated without GitHub: it parses, every
 * `run:` block is valid bash, every action is pinned by commit SHA to a node24 major, and the
 * pull-request diff step and the comment script run for real in a clone laid out exactly as
 * actions/checkout (fetch-depth: 0) lays it out, against a bare remote with deploy branches.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { parse } from 'yaml';
import { kforgeCli, linkBuild, repoRoot, writeFiles } from '../helpers.js';

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  permissions?: Record<string, string>;
  strategy?: { 'fail-fast'?: boolean; matrix?: { env?: string[] } };
  concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const ROOT = repoRoot();
const WORKFLOW = path.join(ROOT, '.github', 'workflows', 'kforge.yml');
const text = fs.readFileSync(WORKFLOW, 'utf8');
const wf = parse(text, { uniqueKeys: true }) as Workflow;
const runs = (job: Job) => job.steps.map((s) => s.run ?? '').join('\n');
const uses = (job: Job) => job.steps.map((s) => s.uses ?? '').filter(Boolean);
const step = (job: Job, action: string) => job.steps.find((s) => s.uses?.startsWith(`${action}@`));
const MARKER = '<!-- kforge-diff -->';

/**
 * The current majors, all on the node24 action runtime (read from each action's action.yml
 * `runs.using` at the pinned commit, tags resolved with `git rev-parse TAG^{commit}`).
 */
const MAJORS: Record<string, number> = {
  'actions/checkout': 7,
  'actions/setup-node': 7,
  'actions/github-script': 8,
  'github/codeql-action/upload-sarif': 4,
};

test('triggers: pull requests and pushes to main; read-only by default', () => {
  assert.equal(Object.keys(wf.on).sort(), ['pull_request', 'push']);
  assert.equal((wf.on.push as { branches: string[] }).branches, ['main']);
  assert.equal(wf.permissions, { contents: 'read' });
  assert.equal(Object.keys(wf.jobs).sort(), ['check', 'diff', 'render']);
  assert.match(wf.jobs.diff.if!, "github.event_name == 'pull_request'");
  assert.match(wf.jobs.render.if!, "github.event_name == 'push'");
});

test('every action is pinned by a full commit SHA with its tag in a comment, at its current node24 major', () => {
  const lines = text.split('\n').filter((l) => /^\s+(- )?uses: /.test(l));
  assert.ok(lines.length >= 8);
  const pins = new Map<string, string>();
  for (const l of lines) {
    const m = /uses: ([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v(\d+)(?:\.\d+){0,2})$/.exec(l);
    assert.ok(m, `not pinned by SHA with a "# vX" comment: ${l.trim()}`);
    const [, action, sha, , major] = m!;
    assert.is(Number(major), MAJORS[action], `${action} at its current major`);
    // the same action is pinned to the same commit everywhere
    assert.is(pins.get(action) ?? sha, sha, `${action} pinned to two commits`);
    pins.set(action, sha);
  }
  assert.equal([...pins.keys()].sort(), Object.keys(MAJORS).sort());
  for (const job of Object.values(wf.jobs)) for (const u of uses(job)) assert.match(u, /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/, u);
});

test('every job: checkout, Node 24 with the npm cache, npm ci', () => {
  for (const [name, job] of Object.entries(wf.jobs)) {
    assert.ok(step(job, 'actions/checkout'), name);
    const node = step(job, 'actions/setup-node');
    assert.ok(node, name);
    assert.equal(node!.with, { 'node-version': 24, cache: 'npm' });
    assert.match(runs(job), /^npm ci$/m, name);
  }
  assert.not.match(text, /node-version: *['"]?(16|18|20|22)\b/);
});

test('every run: block is valid bash (bash -n), expressions replaced by a word', () => {
  let n = 0;
  for (const [name, job] of Object.entries(wf.jobs)) {
    for (const s of job.steps) {
      if (s.run === undefined) continue;
      n++;
      const script = s.run.replace(/\$\{\{[^}]*\}\}/g, 'GHA_EXPRESSION');
      const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
      assert.is(r.status, 0, `${name} / ${s.name}: ${r.stderr}`);
    }
  }
  assert.ok(n >= 8);
  // the check can fail: an unclosed if is a syntax error
  assert.is.not(spawnSync('bash', ['-n'], { input: 'if true; then echo', encoding: 'utf8' }).status, 0);
});

test('pull request diff: exit 1 is not a failure; one concurrency group per pull request; the comment script from a file', () => {
  const job = wf.jobs.diff;
  assert.equal(job.permissions, { contents: 'read', 'pull-requests': 'write' });
  assert.equal(job.concurrency, { group: 'kforge-diff-pr-${{ github.event.pull_request.number }}', 'cancel-in-progress': true });
  const r = runs(job);
  assert.match(r, 'diff -- --all --format markdown > diff.md');
  assert.match(r, 'set +e');
  assert.match(r, /"\$code" -ne 1/);
  assert.is(step(job, 'actions/checkout')!.with!['fetch-depth'], 0);
  const script = String(step(job, 'actions/github-script')!.with!.script);
  assert.match(script, "require('./.github/scripts/pr-comment.cjs')");
  // no cutting of kforge's Markdown in the workflow
  assert.not.match(script, /slice|substring|60000|truncat/);
});

test('policy check: per environment, on pull requests and on pushes to main, SARIF uploaded with a category per environment', () => {
  const job = wf.jobs.check;
  assert.match(job.if!, "github.event_name == 'pull_request'");
  assert.match(job.if!, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
  assert.equal(job.strategy!.matrix!.env, ['dev', 'staging', 'prod']);
  assert.is(job.strategy!['fail-fast'], false);
  assert.equal(job.permissions, { contents: 'read', 'security-events': 'write', actions: 'read' });
  assert.equal(job.concurrency, {
    group: 'kforge-check-${{ matrix.env }}-${{ github.event.pull_request.number || github.sha }}',
    'cancel-in-progress': "${{ github.event_name == 'pull_request' }}",
  });
  assert.match(runs(job), 'check -- ${{ matrix.env }} --format sarif > kforge-${{ matrix.env }}.sarif');
  assert.not.match(runs(job), '--include-waived');
  const up = step(job, 'github/codeql-action/upload-sarif');
  assert.ok(up);
  assert.equal(up!.with, { sarif_file: 'kforge-${{ matrix.env }}.sarif', category: 'kforge-${{ matrix.env }}' });
  assert.match(up!.if!, 'always()');
  assert.match(up!.if!, "github.event_name == 'push'");
});

test('push to main: a render job per environment, serialized per environment, never cancelled', () => {
  const job = wf.jobs.render;
  assert.equal(job.strategy!.matrix!.env, ['dev', 'staging', 'prod']);
  assert.is(job.strategy!['fail-fast'], false);
  assert.equal(job.concurrency, { group: 'kforge-render-${{ matrix.env }}', 'cancel-in-progress': false });
  assert.equal(job.permissions, { contents: 'write' });
  assert.is(step(job, 'actions/checkout')!.with!['fetch-depth'], 0);
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

// ---- The diff and comment steps, run in a CI-layout clone ----------------------------------

interface Comment {
  id: number;
  user: { login: string; type: string };
  body: string;
}

/** A fake Octokit with just what the comment script uses; comments live in `comments`. */
function fakeGithub(comments: Comment[]) {
  const calls: string[] = [];
  let next = 1000;
  const issues = {
    listComments: async (p: { issue_number: number; per_page: number }) => {
      calls.push(`list #${p.issue_number}`);
      return { data: comments.map((c) => ({ ...c, user: { ...c.user } })) };
    },
    createComment: async (p: { issue_number: number; body: string }) => {
      calls.push(`create #${p.issue_number}`);
      const c = { id: next++, user: { login: 'github-actions[bot]', type: 'Bot' }, body: p.body };
      comments.push(c);
      return { data: c };
    },
    updateComment: async (p: { comment_id: number; body: string }) => {
      calls.push(`update ${p.comment_id}`);
      const c = comments.find((x) => x.id === p.comment_id)!;
      c.body = p.body;
      return { data: c };
    },
  };
  const github = {
    rest: { issues },
    paginate: async (method: (p: never) => Promise<{ data: unknown[] }>, params: unknown) => (await method(params as never)).data,
  };
  return { github, calls };
}

const CONTEXT = { repo: { owner: 'acme', repo: 'gitops' }, issue: { owner: 'acme', repo: 'gitops', number: 7 } };
const CORE = { info: () => undefined, setFailed: (m: string) => assert.unreachable(m) };

/** Runs the workflow's github-script `script:` text as actions/github-script does, in CWD. */
async function runGithubScript(script: string, cwd: string, github: unknown): Promise<void> {
  const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (...a: string[]) => (...v: unknown[]) => Promise<void>;
  // github-script's `require` resolves relative paths against the workspace (the working directory)
  const req = createRequire(path.join(cwd, 'index.js'));
  const before = process.cwd();
  process.chdir(cwd);
  try {
    await new AsyncFunction('require', 'github', 'context', 'core', script)(req, github, CONTEXT, CORE);
  } finally {
    process.chdir(before);
  }
}

const GIT_ENV = {
  PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? '/usr/bin:/bin'}`,
  LANG: 'C',
  LC_ALL: 'C',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Ada Dev',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Dev',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  // the run's shared compile cache (scripts/test.mjs), when there is one
  KFORGE_CACHE_DIR: process.env.KFORGE_CACHE_DIR,
  NO_COLOR: '1',
};

function sh(cwd: string, cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...GIT_ENV, HOME: cwd, ...env } });
  assert.is(r.status, 0, `${cmd} ${args.join(' ')} in ${cwd}: ${r.stderr}`);
  return r.stdout;
}

const write = writeFiles;

const cm = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web-settings\ndata:\n  greeting: ${value}\n`;

test('the diff step and the comment script in a CI-layout clone: one comment, the Markdown as kforge wrote it, the bot\'s comment updated, a human\'s left alone', async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-ci-'));
  try {
    // The source repository: a small overlay tree, this checkout's package.json and .github/.
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    write(src, {
      'bases/web/kustomization.yaml': 'resources:\n- configmap.yaml\n',
      'bases/web/configmap.yaml': cm('hello'),
      'overlays/dev/kustomization.yaml': 'namespace: web-dev\nresources:\n- ../../bases/web\n',
      'overlays/prod/kustomization.yaml': 'namespace: web-prod\nresources:\n- ../../bases/web\n',
      'package.json': fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'),
      '.gitignore': 'node_modules/\ndist/\ndiff.md\n',
    });
    fs.cpSync(path.join(ROOT, '.github'), path.join(src, '.github'), { recursive: true });
    sh(src, 'git', ['init', '-q', '-b', 'main']);
    sh(src, 'git', ['add', '-A']);
    sh(src, 'git', ['commit', '-q', '-m', 'web: first version']);
    // Rendered deploy branches, then a source change the pull request would show.
    const cli = kforgeCli();
    for (const env of ['dev', 'prod']) sh(src, process.execPath, [cli, 'render', env]);
    write(src, { 'bases/web/configmap.yaml': cm('bonjour') });
    sh(src, 'git', ['commit', '-q', '-am', 'web: greet in French']);

    // The shared remote.
    const remote = path.join(tmp, 'remote.git');
    sh(tmp, 'git', ['init', '-q', '--bare', remote]);
    sh(src, 'git', ['push', '-q', remote, 'main', 'environments/dev', 'environments/prod']);
    assert.match(sh(remote, 'git', ['for-each-ref', '--format=%(refname)']), 'refs/heads/environments/prod');

    // The clone as actions/checkout (fetch-depth: 0) leaves it: remote-tracking refs only, detached HEAD.
    const ci = path.join(tmp, 'ci');
    sh(tmp, 'git', ['init', '-q', ci]);
    sh(ci, 'git', ['remote', 'add', 'origin', remote]);
    sh(ci, 'git', ['fetch', '-q', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
    sh(ci, 'git', ['checkout', '-q', '--detach', 'origin/main']);
    assert.is(sh(ci, 'git', ['for-each-ref', '--format=%(refname)', 'refs/heads']), '', 'no local branches, as in CI');
    // `npm ci` and `prepare`: this checkout's dependencies and build, linked (no network).
    linkBuild(ci);

    // The diff step's run: block, as the runner runs it (bash -e), with its files.
    const diffStep = wf.jobs.diff.steps.find((s) => s.id === 'diff')!;
    const output = path.join(tmp, 'github_output');
    const summary = path.join(tmp, 'step_summary');
    const runDiff = () => {
      fs.writeFileSync(output, '');
      fs.writeFileSync(summary, '');
      fs.writeFileSync(path.join(tmp, 'diff-step.sh'), diffStep.run!);
      const r = spawnSync('bash', ['-e', path.join(tmp, 'diff-step.sh')], {
        cwd: ci,
        encoding: 'utf8',
        env: { ...GIT_ENV, HOME: tmp, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, GITHUB_ACTIONS: 'true', CI: 'true' },
      });
      assert.is(r.status, 0, `diff step failed: ${r.stdout}\n${r.stderr}`);
      const md = fs.readFileSync(path.join(ci, 'diff.md'), 'utf8');
      assert.ok(md.startsWith(`${MARKER}\n`), md.slice(0, 200));
      assert.match(md, '| `dev` |');
      assert.match(md, '| `prod` |');
      assert.match(fs.readFileSync(output, 'utf8'), /^changed=(true|false)\n$/);
      assert.is(fs.readFileSync(summary, 'utf8'), md, 'the job summary carries the same Markdown');
      return md;
    };
    const md = runDiff();
    // The comparison is with the remote's deploy branches (refs/remotes/origin/environments/*), not with nothing:
    // the source changed greeting hello → bonjour, so each environment shows that one ConfigMap as changed.
    assert.not.match(md, 'everything is new');
    assert.match(md, 'origin/environments/dev@');
    assert.match(md, 'origin/environments/prod@');
    assert.match(md, /web-dev\/?web-settings|web-settings/);
    assert.match(md, 'bonjour');

    // The comment step: the workflow's own script text, with a fake client. A human quoted the marker first.
    const script = String(wf.jobs.diff.steps.find((s) => s.uses?.startsWith('actions/github-script@'))!.with!.script);
    const comments: Comment[] = [{ id: 1, user: { login: 'alice', type: 'User' }, body: `${MARKER}\nquoting the bot: is this right?` }];
    const human = comments[0].body;
    const { github, calls } = fakeGithub(comments);
    await runGithubScript(script, ci, github);
    assert.equal(calls, ['list #7', 'create #7']);
    assert.is(comments.length, 2);
    const bot = comments[1];
    assert.is(bot.body, md, 'the comment is kforge\'s Markdown, byte for byte');
    assert.is(bot.body.split(MARKER).length - 1, 1, 'one marker');
    assert.is(comments[0].body, human);

    // A second push to the pull request: the bot's comment is updated in place.
    const md2 = runDiff();
    await runGithubScript(script, ci, github);
    assert.equal(calls, ['list #7', 'create #7', 'list #7', `update ${bot.id}`]);
    assert.is(comments.length, 2);
    assert.is(bot.body, md2);
    assert.is(comments[0].body, human, 'a human\'s comment with the marker is never edited');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('comment script: a long comment is posted whole (no cut at 60,000); over GitHub\'s limit a notice, never a broken cut; only the bot\'s comment counts', async () => {
  const req = createRequire(path.join(ROOT, 'index.js'));
  const mod = req('./.github/scripts/pr-comment.cjs') as {
    commentBody: (t: string) => string;
    isOurs: (c: Comment) => boolean;
  };
  const long = `${MARKER}\n## kforge: rendered changes\n\n<details>\n<summary>x</summary>\n\n\`\`\`diff\n${'+ line of a large rendered diff\n'.repeat(2000)}\`\`\`\n\n</details>\n`;
  assert.ok(long.length > 60_000 && long.length < 65_536, String(long.length));
  assert.is(mod.commentBody(long), long);
  const tooLong = long + 'x'.repeat(10_000);
  const notice = mod.commentBody(tooLong);
  assert.ok(notice.startsWith(`${MARKER}\n`) && notice.length < 1000);
  assert.not.match(notice, '```');
  assert.ok(mod.isOurs({ id: 1, user: { login: 'github-actions[bot]', type: 'Bot' }, body: `${MARKER}\n…` }));
  assert.not.ok(mod.isOurs({ id: 2, user: { login: 'github-actions[bot]', type: 'Bot' }, body: 'another bot comment' }));
  assert.not.ok(mod.isOurs({ id: 3, user: { login: 'github-actions[bot]', type: 'User' }, body: MARKER }));
  assert.not.ok(mod.isOurs({ id: 4, user: { login: 'mallory', type: 'User' }, body: MARKER }));
});

test.run();
