/**
 * Issue 7, part 2: a Secret's values never appear in diagnostics, logs, policy reports or
 * diffs. `kforge build` prints the Secret on stdout — that is the product — but stderr, the
 * `check` report and every diff format must not carry the value, nor its base64.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../compiler/cli.js';
import { buildDir } from '../../compiler/index.js';
import { memFs } from '../../compiler/fs.js';
import { formatDiagnostic } from '../../compiler/diagnostics.js';
import { diffRenderings, type DiffResource } from '../../compiler/diff/engine.js';
import { formatJson, formatMarkdown, formatTerminal } from '../../compiler/diff/format.js';
import { runChecks, formatText, formatJson as formatFindings, formatSarif, formatGithub, CHECKS } from '../../policies/index.js';
import type { JsonObject } from '../../compiler/types.js';
import { writeFiles } from '../helpers.js';

const CANARY = 'S3cr3t-Canary-7f3a';
const B64 = Buffer.from(CANARY).toString('base64');
/** Every form the value could leak in: plain, base64, base64 without padding, URL-safe, hex, JSON-escaped. */
const FORMS = [CANARY, B64, B64.replace(/=+$/, ''), Buffer.from(CANARY).toString('base64url'), Buffer.from(CANARY).toString('hex'), 'Canary-7f3a'];

function assertNoLeak(text: string, where: string): void {
  for (const f of FORMS) assert.not.ok(text.includes(f), `${where} leaks the secret (${f}):\n${text}`);
}

const made: string[] = [];
test.after(() => {
  for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const tree = writeFiles;

async function cli(argv: string[], files: Record<string, string>): Promise<{ status: number; stdout: string; stderr: string }> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kforge-secret-'));
  made.push(root);
  tree(path.join(root, 'app'), files);
  let stdout = '';
  let stderr = '';
  const before = process.cwd();
  process.chdir(root);
  try {
    const status = await main(argv, { out: (s) => void (stdout += s), err: (s) => void (stderr += s), color: false });
    return { status, stdout, stderr };
  } finally {
    process.chdir(before);
  }
}

const SECRET = `apiVersion: v1
kind: Secret
metadata:
  name: db
type: Opaque
data:
  password: ${B64}
stringData:
  token: ${CANARY}
`;

const BASE: Record<string, string> = {
  'secret.yaml': SECRET,
  'creds.env': `USER=admin\nPASSWORD=${CANARY}\n`,
};

function kust(extra: string): string {
  return `resources:\n- secret.yaml\nsecretGenerator:\n- name: gen\n  literals:\n  - api-key=${CANARY}\n  envs:\n  - creds.env\n${extra}`;
}

test('the build itself prints the Secret on stdout (that is the product) and nothing on stderr', async () => {
  const r = await cli(['build', 'app'], { ...BASE, 'kustomization.yaml': kust('') });
  assert.is(r.status, 0, r.stderr);
  assert.ok(r.stdout.includes(B64));
  assert.is(r.stderr, '');
});

const MISTAKES: Array<[string, Record<string, string>]> = [
  ['a JSON 6902 remove of a missing key in the Secret', { 'kustomization.yaml': kust(`patches:\n- target:\n    kind: Secret\n    name: db\n  patch: |-\n    - op: remove\n      path: /data/nothere\n`) }],
  ['a JSON 6902 test op that fails on the Secret value', { 'kustomization.yaml': kust(`patches:\n- target:\n    kind: Secret\n    name: db\n  patch: |-\n    - op: test\n      path: /stringData/token\n      value: something-else\n`) }],
  ['a JSON 6902 add below a string value of the Secret', { 'kustomization.yaml': kust(`patches:\n- target:\n    kind: Secret\n    name: db\n  patch: |-\n    - op: add\n      path: /data/password/inner\n      value: x\n`) }],
  ['a JSON 6902 move from the Secret value to a missing parent', { 'kustomization.yaml': kust(`patches:\n- target:\n    kind: Secret\n    name: db\n  patch: |-\n    - op: move\n      from: /stringData/token\n      path: /nope/deeper/token\n`) }],
  ['a strategic-merge patch that retypes the Secret data', { 'kustomization.yaml': kust(`patches:\n- patch: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: db\n    data:\n    - ${CANARY}\n`) }],
  ['a strategic-merge patch for a Secret that does not exist, carrying the value', { 'kustomization.yaml': kust(`patches:\n- patch: |-\n    apiVersion: v1\n    kind: Secret\n    metadata:\n      name: dbx\n    stringData:\n      token: ${CANARY}\n`) }],
  ['a replacement from the Secret value into a field path that does not exist', { 'kustomization.yaml': kust(`replacements:\n- source:\n    kind: Secret\n    name: db\n    fieldPath: stringData.token\n  targets:\n  - select:\n      kind: Secret\n      name: db\n    fieldPaths:\n    - metadata.labels.[x=y].z\n`) }],
  ['a replacement of the Secret value into a label (invalid label value)', { 'kustomization.yaml': kust(`replacements:\n- source:\n    kind: Secret\n    name: db\n    fieldPath: stringData.token\n  targets:\n  - select:\n      kind: Secret\n      name: db\n    fieldPaths:\n    - metadata.name\n`) }],
  ['a duplicate key in the Secret data', { 'kustomization.yaml': kust(''), 'secret.yaml': SECRET.replace('stringData:\n', `  password: ${B64}\nstringData:\n`) }],
  ['an unclosed quote right before the Secret value', { 'kustomization.yaml': kust(''), 'secret.yaml': SECRET.replace(`token: ${CANARY}`, `token: "${CANARY}\n  other: x`) }],
  ['an unclosed single quote in the Secret value', { 'kustomization.yaml': kust(''), 'secret.yaml': SECRET.replace(`token: ${CANARY}`, `token: '${CANARY}`) }],
  ['a tab before the Secret value', { 'kustomization.yaml': kust(''), 'secret.yaml': SECRET.replace(`  token: ${CANARY}`, `\ttoken: ${CANARY}`) }],
  ['a bad flow mapping holding the Secret value', { 'kustomization.yaml': kust(''), 'secret.yaml': SECRET.replace(`stringData:\n  token: ${CANARY}\n`, `stringData: {token: ${CANARY}\n`) }],
  ['an env file line without a key, holding the value', { 'kustomization.yaml': kust(''), 'creds.env': `USER=admin\n=${CANARY}\n` }],
  ['an env file line without "=", holding the value', { 'kustomization.yaml': kust(''), 'creds.env': `USER=admin\n${CANARY}\n` }],
  ['a secretGenerator literal without "="', { 'kustomization.yaml': `resources:\n- secret.yaml\nsecretGenerator:\n- name: gen\n  literals:\n  - ${CANARY}\n` }],
  ['a secretGenerator key collision', { 'kustomization.yaml': `resources:\n- secret.yaml\nsecretGenerator:\n- name: gen\n  literals:\n  - PASSWORD=${CANARY}\n  envs:\n  - creds.env\n` }],
  ['a secretGenerator with an invalid key', { 'kustomization.yaml': `resources:\n- secret.yaml\nsecretGenerator:\n- name: gen\n  literals:\n  - "bad key!=${CANARY}"\n` }],
  ['a duplicate Secret id', { 'kustomization.yaml': kust('').replace('- secret.yaml\n', '- secret.yaml\n- again.yaml\n'), 'again.yaml': SECRET }],
  ['a secretGenerator merge without a base', { 'kustomization.yaml': `resources:\n- secret.yaml\nsecretGenerator:\n- name: gen\n  behavior: merge\n  literals:\n  - token=${CANARY}\n` }],
  ['an unknown kustomization field next to the value', { 'kustomization.yaml': kust(`secretGenrator:\n- name: x\n  literals:\n  - k=${CANARY}\n`) }],
  ['a Secret value used as a namePrefix (invalid name)', { 'kustomization.yaml': kust(`namePrefix: ${CANARY}_\n`) }],
];

for (const [what, files] of MISTAKES) {
  test(`no leak on stderr: ${what}`, async () => {
    const r = await cli(['build', 'app'], { ...BASE, ...files });
    assertNoLeak(r.stderr, `kforge build stderr (${what}, exit ${r.status})`);
    if (r.status !== 0) assert.is(r.stdout, '');
  });
}

test('no leak in memFs diagnostics (message, hint, notes, pointer, formatted)', () => {
  for (const [what, files] of MISTAKES) {
    const t: Record<string, string> = {};
    for (const [f, c] of Object.entries({ ...BASE, ...files })) t[`/r/${f}`] = c;
    const res = buildDir('/r', { fs: memFs(t) });
    for (const d of res.diagnostics) assertNoLeak(JSON.stringify(d) + formatDiagnostic(d), `diagnostic ${d.code} (${what})`);
  }
});

test('no leak in policy reports (text, JSON, SARIF, GitHub annotations) for findings on a Secret', async () => {
  // A Secret with invalid data: value not base64, an invalid key, a bad name (labels are not secret).
  const bad = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: Db_${'x'}\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{"data":{"password":"${B64}"}}'\ntype: kubernetes.io/tls\ndata:\n  password: ${CANARY}\n  "bad key!": ${B64}\nstringData:\n  token: ${CANARY}\n`;
  const r = await cli(['check', 'app', '--env', 'prod'], { 'kustomization.yaml': 'resources:\n- bad.yaml\n', 'bad.yaml': bad });
  assertNoLeak(r.stderr, 'kforge check stderr');
  assertNoLeak(r.stdout, 'kforge check report');
  const j = await cli(['check', 'app', '--env', 'prod', '--format', 'json'], { 'kustomization.yaml': 'resources:\n- bad.yaml\n', 'bad.yaml': bad });
  assertNoLeak(j.stdout, 'kforge check --format json');
  const s = await cli(['check', 'app', '--env', 'prod', '--format', 'sarif'], { 'kustomization.yaml': 'resources:\n- bad.yaml\n', 'bad.yaml': bad });
  assertNoLeak(s.stdout, 'kforge check --format sarif');

  const res = buildDir('/r', { fs: memFs({ '/r/kustomization.yaml': 'resources:\n- bad.yaml\n', '/r/bad.yaml': bad }) });
  if (res.resources) {
    const report = runChecks(res.resources, { name: 'prod', kubernetesVersion: '1.31' }, { waivers: [], today: '2026-01-01' });
    assert.ok(report.findings.length > 0, 'the bad Secret has findings');
    assertNoLeak(formatText(report, { color: false }), 'formatText');
    assertNoLeak(formatFindings(report), 'formatJson');
    assertNoLeak(formatSarif(report, CHECKS, '0.0.0'), 'formatSarif');
    assertNoLeak(formatGithub(report), 'formatGithub');
  }
});

function secretRes(obj: JsonObject): DiffResource {
  const meta = obj.metadata as JsonObject;
  return { apiVersion: 'v1', kind: String(obj.kind), name: String(meta.name), ...(meta.namespace ? { namespace: String(meta.namespace) } : {}), object: obj };
}

test('no leak in diffs (terminal, markdown, JSON): changed, added, removed Secrets and a Secret renamed by its hash', () => {
  const key = createHash('sha256').update('test-key').digest('hex');
  const before = [
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'a' }, data: { password: Buffer.from('old-value').toString('base64') }, stringData: { token: 'old' } }),
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gone', namespace: 'a', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify({ data: { p: B64 } }) } }, data: { p: B64 } }),
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gen-2bk8f7m9h4', namespace: 'a' }, data: { k: Buffer.from('v1').toString('base64') } }),
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'retyped', namespace: 'a' }, data: { k: Buffer.from('x').toString('base64') } }),
  ];
  const after = [
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'a' }, data: { password: B64, extra: B64 }, stringData: { token: CANARY, more: CANARY } }),
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'new', namespace: 'a' }, data: { p: B64 }, stringData: { q: CANARY } }),
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'gen-9c7d5k2h8t', namespace: 'a' }, data: { k: B64 } }),
    // data turned into a non-string value by mistake: still masked.
    secretRes({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'retyped', namespace: 'a' }, data: { k: [CANARY] as never, nested: { deep: CANARY } as never } }),
  ];
  const cs = diffRenderings(before, after, { redactKey: key });
  assert.ok(cs.changes.length >= 3, JSON.stringify(cs.counts));
  const diffs = [{ env: 'prod', base: 'environments/prod@1234567', head: 'working tree', changes: cs }];
  assertNoLeak(formatTerminal(diffs, false), 'diff terminal');
  assertNoLeak(formatTerminal(diffs, true), 'diff terminal (color)');
  assertNoLeak(formatMarkdown(diffs), 'diff markdown');
  assertNoLeak(formatJson(diffs), 'diff JSON');
  assertNoLeak(JSON.stringify(cs), 'the change set itself');
  // The change is still visible: placeholders differ.
  assert.match(formatTerminal(diffs, false), /‹redacted [0-9a-f]{8} · \d+ B›/);
});

test.run();
