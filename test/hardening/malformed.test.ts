/**
 * Issue 7, part 1: every malformed tree under test/fixtures/malformed/<case>/ is refused
 * with the code, file and line its expect.json names — never a crash, never output, never a
 * file written. Most cases run the CLI's `main(argv, io)` in-process (fast); a handful run the
 * real `node dist/compiler/cli.js` in a child process, to check the exit code and streams of
 * the shipped binary.
 *
 * expect.json:
 *   {"code": "KF1003", "file": "web.yaml", "line": 7}            kforge build → exit 2
 *   {"command": "check", "args": ["--env", "prod"], "exit": 1,
 *    "finding": "schema", "file": "web.yaml", "line": 4}          kforge check → exit 1
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../compiler/cli.js';
import { fixture, repoRoot, kforgeCli } from '../helpers.js';

interface Expect {
  command?: 'build' | 'check';
  args?: string[];
  exit?: number;
  code?: string;
  finding?: string;
  file: string;
  line: number;
}

const MALFORMED = fixture('malformed');
const CLI = kforgeCli();
/** A line of a JavaScript stack trace, or a Node internal frame. */
const STACK = /^\s+at .*\(.*:\d+:\d+\)$|^\s+at .*:\d+:\d+$|node:internal/m;

export function listCases(): string[] {
  return fs
    .readdirSync(MALFORMED)
    .filter((d) => fs.existsSync(path.join(MALFORMED, d, 'expect.json')))
    .sort();
}

/** Every path under dir (relative), with its size: to prove nothing was written. */
export function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        out.push(`${r}/`);
        walk(path.join(d, e.name), r);
      } else out.push(`${r} ${fs.lstatSync(path.join(d, e.name)).size}`);
    }
  };
  walk(dir, '');
  return out;
}

function readExpect(name: string): Expect {
  return JSON.parse(fs.readFileSync(path.join(MALFORMED, name, 'expect.json'), 'utf8')) as Expect;
}

function argvOf(name: string, e: Expect): string[] {
  return [e.command ?? 'build', name, ...(e.args ?? [])];
}

async function runInProcess(argv: string[], cwd: string): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  const saved = { NO_COLOR: process.env.NO_COLOR, GITHUB_ACTIONS: process.env.GITHUB_ACTIONS };
  process.env.NO_COLOR = '1';
  delete process.env.GITHUB_ACTIONS;
  process.chdir(cwd);
  try {
    const status = await main(argv, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), color: false });
    return { status, stdout, stderr };
  } catch (e) {
    // An exception escaping main() is exactly what this suite hunts: report it as a crash.
    return { status: 3, stdout, stderr: stderr + `EXCEPTION ${(e as Error)?.stack ?? String(e)}` };
  } finally {
    process.chdir(before);
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function runChild(argv: string[], cwd: string): { status: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1" };
  delete env.GITHUB_ACTIONS;
  delete env.KFORGE_DEBUG;
  const r = spawnSync(process.execPath, [CLI, ...argv], { cwd, encoding: 'utf8', env, timeout: 8_000, killSignal: 'SIGKILL' });
  const timedOut = r.signal === 'SIGKILL' ? `\nKILLED: no answer within 8 s (hang or resource exhaustion)` : '';
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr + timedOut };
}

function verify(name: string, e: Expect, r: { status: number; stdout: string; stderr: string }): void {
  const ctx = `${name}\n--- stderr ---\n${r.stderr}\n--- stdout ---\n${r.stdout.slice(0, 2000)}`;
  assert.not.match(r.stderr, STACK, `stack trace on stderr: ${ctx}`);
  assert.not.match(r.stderr, /KF9\d\d\d|EXCEPTION|KILLED/, `internal error, crash or hang: ${ctx}`);
  const where = `${name}/${e.file}:${e.line}:`;
  if ((e.command ?? 'build') === 'build') {
    assert.is(r.status, 2, `exit code: ${ctx}`);
    assert.is(r.stdout, '', `stdout must be empty: ${ctx}`);
    assert.ok(r.stderr.includes(`error ${e.code}:`), `expected error ${e.code}: ${ctx}`);
    const line = r.stderr.split('\n').find((l) => l.includes(`error ${e.code}:`))!;
    assert.ok(
      r.stderr.split('\n').some((l) => l.startsWith(where) && l.includes(`error ${e.code}:`)),
      `expected "${where}" on the ${e.code} line, got "${line}": ${ctx}`,
    );
  } else {
    assert.is(r.status, e.exit ?? 1, `exit code: ${ctx}`);
    assert.ok(r.stdout.includes(`${name}/${e.file}`), `finding names the file: ${ctx}`);
    const row = r.stdout.split('\n').find((l) => l.includes(` ${e.finding} `));
    assert.ok(row, `finding ${e.finding}: ${ctx}`);
    assert.match(row!, new RegExp(`^\\s+${e.line}:\\d+\\s+error\\s+${e.finding}\\b`), `finding line: ${ctx}`);
  }
}

const cases = listCases();

test('the corpus holds at least 40 cases, each with a kustomization and a well-formed expect.json', () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`);
  for (const c of cases) {
    const e = readExpect(c);
    assert.type(e.file, 'string', c);
    assert.type(e.line, 'number', c);
    assert.ok(e.code ? /^KF\d{4}$/.test(e.code) : e.command === 'check' && !!e.finding, c);
    assert.ok(fs.readdirSync(path.join(MALFORMED, c)).some((f) => /^(kustomization\.ya?ml|Kustomization)$/.test(f)), `${c} has a kustomization`);
    assert.ok(fs.existsSync(path.join(MALFORMED, c, e.file)), `${c}: ${e.file} exists`);
  }
});

// A handful through the real binary (exit code, streams, no stack trace from the process).
// Reproducers of crashes and hangs (fuzz-*, alias bombs) always run in a child with a timeout,
// so that a regression fails the suite instead of hanging it.
const CHILD = new Set([cases[0], ...cases.filter((c) => /^\d+-(invalid-name-check|binary-resource)$|^fuzz-|bomb/.test(c))]);

for (const c of cases) {
  const viaChild = CHILD.has(c);
  test(`${c}${viaChild ? ' (child process)' : ''}`, async () => {
    const e = readExpect(c);
    const dir = path.join(MALFORMED, c);
    const before = listing(dir);
    const r = viaChild ? runChild(argvOf(c, e), MALFORMED) : await runInProcess(argvOf(c, e), MALFORMED);
    verify(c, e, r);
    assert.equal(listing(dir), before, `${c}: no file created or changed`);
  });
}

test.run();
