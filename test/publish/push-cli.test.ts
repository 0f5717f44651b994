/**
 * Point 8 of the render issue through the real command: 8 `kforge render prod --push`
 * processes, started together from 8 clones of a copy of this repository, each at a different
 * source commit, all pushing to one bare remote. The remote must end with a linear,
 * append-only history in source order whose head is the newest source's render, byte for
 * byte what a lone render of that commit gives, and git must find nothing wrong with it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { copySourceTree, kforgeCli, linkBuild, repoRoot } from '../helpers.js';
import { compileEnvironment } from '../../compiler/env-compile.js';

const root = repoRoot();
const cli = kforgeCli();
const BRANCH = 'refs/heads/environments/prod';
const N = 8;
const URL = 'https://example.com/gitops.git';

const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', NO_COLOR: '1' };

function sh(cwd: string, cmd: string, args: string[], env: Record<string, string | undefined> = gitEnv): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function run(cwd: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: gitEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

test(`${N} concurrent \`render prod --push\` processes: linear history in source order, newest render on top`, async () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-push-cli-'));
  try {
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    copySourceTree(src);
    sh(src, 'git', ['init', '-q', '-b', 'main']);
    const kfile = path.join(src, 'overlays', 'prod', 'kustomization.yaml');
    const original = fs.readFileSync(kfile, 'utf8');
    assert.match(original, /\n {2}- LOG_LEVEL=WARN\n/);
    const shas: string[] = [];
    for (let i = 0; i < N; i++) {
      // every commit changes the rendered output: one more literal in a merged generator
      fs.writeFileSync(kfile, original.replace('\n  - LOG_LEVEL=WARN\n', `\n  - LOG_LEVEL=WARN\n  - RELEASE=r${i}\n`));
      sh(src, 'git', ['add', '-A']);
      sh(src, 'git', ['commit', '-q', '-m', `release r${i}`]);
      shas.push(sh(src, 'git', ['rev-parse', 'HEAD']).trim());
    }
    const remote = path.join(tmp, 'remote.git');
    sh(tmp, 'git', ['clone', '-q', '--bare', src, remote]);
    const clones = shas.map((sha, i) => {
      const c = path.join(tmp, `clone${i}`);
      sh(tmp, 'git', ['clone', '-q', '--no-checkout', remote, c]);
      sh(c, 'git', ['checkout', '-q', '--detach', sha]);
      linkBuild(c);
      return c;
    });

    // environment.ts type-checked and compiled once, into the cache the clones share (the
    // run's KFORGE_CACHE_DIR, else their node_modules/.cache): the processes race on the push,
    // not on ${N} cold type-checks of the same definition
    const warm = await compileEnvironment(clones[0], path.join(clones[0], 'overlays', 'prod', 'environment.ts'));
    assert.equal(warm.diagnostics, []);

    // all at once, oldest source last in the start order
    const results = await Promise.all([...clones.keys()].reverse().map((i) => run(clones[i], ['render', 'prod', '--push', '--source-ref', 'refs/heads/main', '--repo-url', URL]).then((r) => ({ i, ...r }))));
    for (const r of results) {
      assert.is(r.code, 0, `clone ${r.i}: ${r.out}\n${r.err}`);
      assert.not.match(r.err, /\n\s+at /, 'no stack trace');
      assert.match(r.out, /(published|up-to-date|superseded) in \d+ ms/);
    }
    process.env.KFORGE_TEST_VERBOSE && console.log(results.map((r) => `${r.i}: ${r.out.trim().split("\n").filter((l) => /attempts|published|superseded|up-to-date|up to date/.test(l)).join(" | ")}`).join("\n"));
    const newest = results.find((r) => r.i === N - 1)!;
    assert.match(newest.out, /published/, 'the newest source always publishes: nothing can supersede it');

    // linear, append-only, in source order, the newest on top
    const log = sh(remote, 'git', ['log', '--format=%H %P%x00%B%x01', BRANCH]).split('\x01').map((s) => s.trim()).filter(Boolean);
    const sources = log.map((entry) => {
      const [ids] = entry.split('\0');
      assert.ok(ids.split(' ').length <= 2, 'no merge commits');
      return /^Source-Commit: ([0-9a-f]+)$/m.exec(entry)?.[1];
    });
    assert.is(sources[0], shas[N - 1]);
    const order = sources.map((s) => shas.indexOf(s!));
    assert.ok(order.every((k) => k >= 0), 'every commit names a source commit');
    for (let k = 1; k < order.length; k++) assert.ok(order[k] < order[k - 1], `source order: ${order.join(' ')}`);
    assert.is(sh(remote, 'git', ['rev-list', '--count', '--merges', BRANCH]).trim(), '0');
    assert.is(sh(remote, 'git', ['fsck', '--no-dangling', '--no-progress']).trim(), '');

    // again from the newest clone: the remote's head recorded this source tree, so no build
    const again = await run(clones[N - 1], ['render', 'prod', '--push', '--source-ref', 'refs/heads/main', '--repo-url', URL]);
    assert.is(again.code, 0, again.err);
    assert.match(again.out, /up to date at [0-9a-f]{7} \(source tree unchanged since [0-9a-f]{7}\)/);
    assert.is(sh(clones[N - 1], 'git', ['rev-parse', BRANCH]).trim(), sh(remote, 'git', ['rev-parse', BRANCH]).trim(), 'the local branch follows the remote');
    // from the oldest clone: built, then superseded by the remote's newer render
    const old = await run(clones[0], ['render', 'prod', '--push', '--source-ref', 'refs/heads/main', '--repo-url', URL]);
    assert.is(old.code, 0, old.err);
    assert.match(old.out, /superseded/);

    // the head holds what one render of the newest commit writes: the same files, the same
    // manifests and root metadata. (An app's README.md and hydrator.metadata are rewritten only
    // when its manifest changes, as Argo CD's commit server does, so they may come from the
    // earlier render that last changed the app, depending on the order the races landed in.)
    const lone = path.join(tmp, 'lone');
    sh(tmp, 'git', ['clone', '-q', '--no-checkout', src, lone]);
    sh(lone, 'git', ['checkout', '-q', '--detach', shas[N - 1]]);
    linkBuild(lone);
    const solo = await run(lone, ['render', 'prod', '--source-ref', 'refs/heads/main', '--repo-url', URL]);
    assert.is(solo.code, 0, solo.err);
    const files = (dir: string) =>
      new Map(
        sh(dir, 'git', ['ls-tree', '-r', BRANCH])
          .trim()
          .split('\n')
          .map((l) => [l.split('\t')[1], l.split('\t')[0].split(' ')[2]] as const),
      );
    const head = files(remote);
    const soloFiles = files(lone);
    assert.equal([...head.keys()].sort(), [...soloFiles.keys()].sort(), 'the same files');
    const compared = [...soloFiles.keys()].filter((f) => f.endsWith('/manifest.yaml') || !f.includes('/'));
    assert.ok(compared.some((f) => f.endsWith('/manifest.yaml')) && compared.includes('hydrator.metadata'));
    for (const f of compared) assert.is(head.get(f), soloFiles.get(f), f);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
