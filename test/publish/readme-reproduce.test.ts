// The deploy branch's per-app README says how to reproduce the render: its shell block, pasted
// into a shell, must work and give the same manifests. Run here as written, with two stand-ins
// for what a test cannot do: the clone URL is a local bare repository (the remote's real URL in
// production) and `npm ci` links this checkout's build (no network in tests).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySourceTree, kforgeCli, linkBuild, repoRoot } from '../helpers.js';

const root = repoRoot();
const cli = kforgeCli();
const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', NO_COLOR: '1' };

function sh(cwd: string, cmd: string, args: string[]) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8', env: ENV });
}

test('the README reproduce steps, pasted, render the same manifests into a folder', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-readme-'));
  try {
    // a source repository with this repository's tree and package.json, pushed to a bare remote
    const repo = path.join(tmp, 'repo');
    fs.mkdirSync(repo);
    copySourceTree(repo);
    for (const f of ['package.json', '.gitignore']) fs.copyFileSync(path.join(root, f), path.join(repo, f));
    assert.is(sh(repo, 'git', ['init', '-q', '-b', 'main']).status, 0);
    linkBuild(repo);
    sh(repo, 'git', ['add', '-A']);
    assert.is(sh(repo, 'git', ['commit', '-q', '-m', 'source']).status, 0);
    const bare = path.join(tmp, 'origin.git');
    assert.is(sh(tmp, 'git', ['clone', '-q', '--bare', repo, bare]).status, 0);
    sh(repo, 'git', ['remote', 'add', 'origin', bare]);
    const r = sh(repo, process.execPath, [cli, 'render', 'prod']);
    assert.is(r.status, 0, r.stderr);

    const readme = sh(repo, 'git', ['show', 'environments/prod:kafka/README.md']).stdout;
    const block = /```shell\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block, readme);
    assert.match(block!, `git clone ${bare} source && cd source`);
    assert.match(block!, /^npm ci$/m);
    assert.match(block!, /^npm run render -- prod --out \.\.\/kforge-prod-[0-9a-f]{7}$/m);

    // paste it into a shell in a fresh folder; `npm ci` stands for installing this checkout's build
    const work = path.join(tmp, 'work');
    fs.mkdirSync(work);
    const helper = path.join(tmp, 'npm-ci.mjs');
    fs.writeFileSync(
      helper,
      // (symlinks are files to git, which a `dist/` ignore rule does not match: real npm ci makes folders)
      `import * as fs from 'node:fs';\nfor (const d of ['dist', 'node_modules']) fs.symlinkSync(${JSON.stringify(root)} + '/' + d, d);\nfs.appendFileSync('.git/info/exclude', '/dist\\n/node_modules\\n');\n`,
    );
    const script = `set -e\n${block!.replace(/^npm ci$/m, `${JSON.stringify(process.execPath)} ${JSON.stringify(helper)}`)}`;
    const run = spawnSync('bash', ['-c', script], { cwd: work, encoding: 'utf8', env: { ...ENV, npm_config_update_notifier: 'false' } });
    assert.is(run.status, 0, `${run.stdout}\n${run.stderr}`);

    const out = fs.readdirSync(work).find((d) => d.startsWith('kforge-prod-'));
    assert.ok(out, fs.readdirSync(work).join(' '));
    const apps = sh(repo, 'git', ['ls-tree', '--name-only', '-d', 'environments/prod']).stdout.trim().split('\n');
    assert.ok(apps.includes('kafka'));
    for (const app of apps) {
      const deployed = sh(repo, 'git', ['show', `environments/prod:${app}/manifest.yaml`]).stdout;
      assert.is(fs.readFileSync(path.join(work, out!, app, 'manifest.yaml'), 'utf8'), deployed, app);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
