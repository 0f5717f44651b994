// The strategic-merge walk skips the subtrees a patch does not mention when `untouched`
// says the walk would give them back as they are. Kyaml's walk is not the identity there
// (bare nulls dropped, merge lists cleaned and deduplicated…), so each case below compares
// the fast path with the full walk ('off') on a resource holding such a quirk where the
// patch does not go, and checks that the case matters: a deliberately wrong fast path
// ('trust': skip every untouched subtree unchecked) gives another result.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyStrategicMerge, setStrategicFastPathForTests } from '../../compiler/transform/patch-strategic.js';
import { parseYamlDocuments } from '../../compiler/load/yaml/read.js';
import { markBareNull } from '../../compiler/load/bare-null.js';
import type { Json, JsonObject } from '../../compiler/types.js';
import { splitApiVersion } from '../../compiler/types.js';

function yaml(text: string): JsonObject {
  const r = parseYamlDocuments(text, 'case.yaml');
  assert.ok(r.value && r.value.length === 1, JSON.stringify(r.diagnostics));
  return r.value![0].value as JsonObject;
}
const gvk = (o: JsonObject) => ({ ...splitApiVersion(o.apiVersion as string), kind: o.kind as string });

function run(mode: 'on' | 'off' | 'trust', resource: JsonObject, patch: JsonObject) {
  setStrategicFastPathForTests(mode);
  try {
    return applyStrategicMerge(resource, patch, gvk(resource));
  } finally {
    setStrategicFastPathForTests('on');
  }
}

/** The fast path gives what the full walk gives; `quirk`: the trusting fast path does not. */
function check(resource: JsonObject, patch: JsonObject, quirk: boolean): void {
  const frozen = JSON.stringify(resource);
  const full = run('off', resource, patch);
  const fast = run('on', resource, patch);
  assert.equal(fast.value, full.value);
  assert.equal(fast.diagnostics, full.diagnostics);
  const trust = run('trust', resource, patch);
  if (quirk) assert.not.equal(JSON.stringify(trust.value), JSON.stringify(full.value), 'the case exercises a quirk of the untouched walk');
  else assert.equal(trust.value, full.value);
  assert.is(JSON.stringify(resource), frozen, 'input not mutated');
}

const deployment = (podSpec: string, extra = '') => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
${extra}  template:
    spec:
${podSpec}`;
const replicas = yaml('apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n');

test('clean untouched subtrees: same result, shared with the input', () => {
  const r = yaml(
    deployment(`      containers:
      - name: main
        image: x
        ports:
        - containerPort: 80
        - containerPort: 443
          name: https
        env:
        - name: A
          value: "1"
        - name: B
          value: null
      finalizers: [a, b, 3, true]
`, '  selector:\n    matchLabels: {app: web}\n'),
  );
  check(r, replicas, false);
  const out = run('on', r, replicas).value!;
  assert.is((out.spec as JsonObject).template, (r.spec as JsonObject).template);
  assert.is((out.spec as JsonObject).selector, (r.spec as JsonObject).selector);
  assert.is(out.metadata, r.metadata);
});

test('a bare null in an untouched map is dropped', () => {
  check(yaml(deployment('      containers:\n      - name: main\n        image: x\n        workingDir:\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        image: x\n', '  strategy:\n    rollingUpdate:\n')), replicas, true);
  // a written null stays
  check(yaml(deployment('      containers:\n      - name: main\n        workingDir: null\n')), replicas, false);
});

test('merge lists with null or empty elements the patch does not reach', () => {
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - name: A\n        -\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - name: A\n        - {}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n      - null\n')), replicas, true);
  // a list without merge strategy keeps them (args, tolerations)
  check(yaml(deployment('      containers:\n      - name: main\n        args: [a, null, {}, a]\n      tolerations: [{}, null]\n')), replicas, false);
});

test('merge lists with repeated keys, missing keys, key texts that collide', () => {
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {name: A, value: "1"}\n        - {name: A, value: "2"}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {name: A}\n        - {value: "2"}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {name: A}\n        - {name: ""}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        ports:\n        - {containerPort: 80, name: a}\n        - {containerPort: "80", name: b}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {name: true}\n        - {name: "true"}\n')), replicas, true);
  // two keys, one element without protocol: the tuples are unified (one element is lost
  // in this order, not in the other; protocol in only some elements is never taken as sure)
  check(yaml(deployment('      containers:\n      - name: main\n        ports:\n        - {containerPort: 80, protocol: UDP}\n        - {containerPort: 80}\n')), replicas, true);
  check(yaml(deployment('      containers:\n      - name: main\n        ports:\n        - {containerPort: 80}\n        - {containerPort: 80, protocol: UDP}\n')), replicas, false);
  check(yaml(deployment('      containers:\n      - name: main\n        ports:\n        - {containerPort: 81}\n        - {containerPort: 80, protocol: UDP}\n')), replicas, false);
  // two keys, both everywhere, distinct: nothing changes
  check(yaml(deployment('      containers:\n      - name: main\n        ports:\n        - {containerPort: 80, protocol: TCP}\n        - {containerPort: 80, protocol: UDP}\n')), replicas, false);
  // a merge key holding a map reads as "" (kyaml's element values)
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {name: {a: 1}}\n        - {name: B}\n')), replicas, true);
  // no element has the merge key: only the last one stays
  check(yaml(deployment('      containers:\n      - name: main\n        env:\n        - {value: "1"}\n        - {value: "2"}\n')), replicas, true);
  // scalars merged as a set: repeats and nulls go (an empty string stays; not taken as sure)
  check(yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  finalizers: [a, null]\nspec:\n  type: ClusterIP\n'), yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: NodePort\n'), true);
  check(yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  finalizers: ["", a]\nspec:\n  type: ClusterIP\n'), yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: NodePort\n'), false);
  check(yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  finalizers: [a, a]\nspec:\n  type: ClusterIP\n'), yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: NodePort\n'), true);
  check(yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n  finalizers: ["1", 1]\nspec:\n  type: ClusterIP\n'), yaml('apiVersion: v1\nkind: Service\nmetadata:\n  name: s\nspec:\n  type: NodePort\n'), true);
});

test('maps holding $patch in the resource are ordinary fields where the patch does not go', () => {
  check(yaml(deployment('      containers:\n      - name: main\n        resources:\n          $patch: delete\n          limits: {cpu: 1}\n      - {name: side, $patch: replace}\n')), replicas, false);
  // … and a resource's list element `{$patch: delete}` alone has no merge key
  check(yaml(deployment('      containers:\n      - name: main\n      - $patch: delete\n')), replicas, true);
});

test('untouched elements of a list the patch merges into', () => {
  const r = yaml(deployment('      containers:\n      - name: main\n        image: x\n      - name: side\n        image:\n        env:\n        - {name: A}\n        - {name: A}\n'));
  check(r, yaml(deployment('      containers:\n      - name: main\n        image: y\n')), true);
  check(yaml(deployment('      containers:\n      - name: main\n      - name: side\n        image: z\n')), yaml(deployment('      containers:\n      - name: main\n        image: y\n')), false);
});

test('objects with apiVersion and kind inside a custom resource take their own schema', () => {
  const cr = (inner: string) =>
    yaml(`apiVersion: example.com/v1
kind: Rollout
metadata:
  name: r
spec:
  paused: false
  workload:
    apiVersion: apps/v1
    kind: Deployment
    spec:
      template:
        spec:
${inner}`);
  const patch = yaml('apiVersion: example.com/v1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  paused: true\n');
  check(cr('          containers:\n          - name: a\n          - name: a\n'), patch, true);
  check(cr('          containers:\n          - name: a\n          - null\n'), patch, true);
  // without apiVersion/kind the same list is free-form: kept as it is
  check(yaml('apiVersion: example.com/v1\nkind: Rollout\nmetadata:\n  name: r\nspec:\n  paused: false\n  workload:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: a\n          - name: a\n'), patch, false);
  check(cr('          containers:\n          - name: a\n          - name: b\n'), patch, false);
});

// Random resources: many shapes the quirks can take, fast path against the full walk.
test('random resources: the fast path gives what the full walk gives', () => {
  let seed = 12345;
  const rnd = (n: number) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)];
  let noisy = false; // half the resources: nulls, elements without keys, repeated keys
  const scalar = (): Json => pick<Json>(['a', 'b', '', 1, '1', 80, '80', true, 'true', 'c', 'd', 'e', 2, 3, ...(noisy ? [null] : [])]);
  const map = (depth: number): JsonObject => {
    const o: JsonObject = {};
    const n = rnd(4);
    for (let i = 0; i < n; i++) {
      const k = pick(['name', 'value', 'image', 'x', 'protocol', 'containerPort']);
      o[k] = depth > 0 && rnd(3) === 0 ? map(depth - 1) : scalar();
      if (o[k] === null && rnd(4) === 0) markBareNull(o, k);
    }
    return o;
  };
  let serial = 0;
  // mostly elements each merge key list can tell apart, sometimes anything
  const element = (): Json => {
    if (noisy && rnd(8) === 0) return pick<Json>([null, {}, 'a']);
    if (noisy && rnd(4) === 0) return map(1);
    const n = ++serial;
    const e: JsonObject = { ...map(1), name: `n${n}`, containerPort: n, mountPath: `/m${n}` };
    if (rnd(3) === 0) e.protocol = pick(['TCP', 'UDP']);
    return e;
  };
  const list = (): Json[] => Array.from({ length: rnd(4) }, element);
  let quirky = 0;
  for (let i = 0; i < 400; i++) {
    noisy = i % 2 === 1;
    const container: JsonObject = { name: pick<Json>(['main', 'side', 'side']), env: list(), ports: list(), volumeMounts: list(), args: list(), resources: map(2) };
    const side: JsonObject = { name: 'other', env: list(), ports: list() };
    const resource: JsonObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', labels: map(0), finalizers: noisy ? Array.from({ length: rnd(4) }, scalar) : ['f1', 'f2'].slice(rnd(3)) },
      spec: { replicas: 1, selector: map(1), template: { metadata: map(1), spec: { containers: rnd(2) ? [container, side] : [container], volumes: list() } } },
    };
    const patch: JsonObject = rnd(2)
      ? { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 2 } }
      : { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { spec: { containers: [{ name: 'main', image: 'y' }] } } } };
    const full = run('off', resource, patch);
    const fast = run('on', resource, patch);
    assert.equal(fast.value, full.value, `case ${i}`);
    assert.equal(fast.diagnostics, full.diagnostics, `case ${i}`);
    if (JSON.stringify(run('trust', resource, patch).value) !== JSON.stringify(full.value)) quirky++;
  }
  // the cases reach the quirks (and not only them)
  assert.ok(quirky > 100 && quirky < 300, `quirky cases: ${quirky}`);
});

test.run();
