import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyHashSuffixes, goJson, kustomizeHash } from '../../compiler/transform/hash.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import type { JsonObject, Resource } from '../../compiler/types.js';

const cm = (data?: Record<string, string>, binaryData?: Record<string, string>, extra: JsonObject = {}): JsonObject => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'x', ...extra },
  ...(data ? { data } : {}),
  ...(binaryData ? { binaryData } : {}),
});
const secret = (data: Record<string, string> | undefined, type = 'Opaque'): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'x' },
  ...(data ? { data } : {}),
  type,
});

// Every expected suffix below was produced by `kubectl kustomize` (Kustomize v5.5.0).
const cases: [string, JsonObject, string][] = [
  // reference case 16
  ['case16 literals', cm({ innodb_buffer_pool_size: '1G', max_connections: '500', TZ: 'Asia/Shanghai', SQL_MODE: 'STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION', INIT_COMMAND: "SET NAMES utf8mb4; SET time_zone='+08:00'", REPLICATION_ENABLED: 'true' }), 'c78k82h2k6'],
  ['case16 env', cm({ MYSQL_DATABASE: 'orders', MYSQL_USER: 'orders_app', MYSQL_ALLOW_EMPTY_PASSWORD: 'no', MYSQL_PORT: '3306' }), 'h29h5m54bd'],
  // reference case 17
  ['case17 secret literals', secret({ username: 'YWRtaW4=', password: 'UmFiYjF0IU1RIzIwMjQ=' }), 'gtcf2474bc'],
  ['case17 wrapped base64', secret({ RABBITMQ_DEFAULT_VHOST: 'L29yZGVycw==', RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS: 'LXJhYmJpdCBsb2dfbGV2ZWxzIFt7Y29ubmVjdGlvbixlcnJvcn0se2RlZmF1bHQsaW5mb3\n1dIGRpc2tfZnJlZV9saW1pdCAyMTQ3NDgzNjQ4\n' }), '7t554ft284'],
  ['case17 dotfile key', secret({ '.erlang.cookie': 'V1FUUlNLUExBWVpVVVhDR09KREU=' }), 'tdkd58h995'],
  // reference case 19: labels and annotations do not count
  ['case19 labels ignored', cm({ 'mem-queue-size': '10000', 'max-msg-size': '1048576', 'sync-every': '2500' }, undefined, { labels: { 'app.kubernetes.io/name': 'nsq' }, annotations: { note: 'generated' } }), 'ggt6kd586k'],
  // reference case 04 (prefix/suffix do not count: the name is not hashed)
  ['case04 name ignored', cm({ SPRING_PROFILES_ACTIVE: 'prod', SERVER_PORT: '8080', JAVA_TOOL_OPTIONS: '-XX:MaxRAMPercentage=75.0' }), '2g77t4gghk'],
  // kubectl experiments
  ['empty configmap', cm(), '6ct58987ht'],
  ['html escapes and unicode', cm({ amp: 'a&b<c>d', k: 'héllo wörld 日本 🚀' }), 'ctdf599ftm'],
  ['quote-stripped literals', cm({ a: 'x=y', b: 'single', c: '"unbalanced', d: '', e: '  spaced' }), '25fm4c2tfg'],
  ['binaryData and data', cm({ 'f.txt': 'a&b<c>\n' }, { 'bin2.dat': '//4AYWJj' }), '4th7bdggfm'],
  ['binaryData only', cm(undefined, { 'b.dat': '/wA=' }), 'f5728kc6t7'],
  ['backslash and quote', cm({ bs: 'aeeé\\"q' }), '2g956m77cb'],
  ['byte-wise key order', cm({ '\ue000k': '1', '🚀k': '2' }), '9hk5kfhc49'],
  ['labels only differ', cm({ a: 'b' }, undefined, { labels: { lx: 'ly' } }), '4h2mbtbbt6'],
  ['secret 68 chars', secret({ k: 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTA=' }), 'gg7f7dgd5f'],
  ['secret 72 chars wrapped', secret({ k: 'MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMg\n==\n' }), 'fd2kt5d5d2'],
  ['empty secret', secret({}), '46f8b28mk5'],
  ['secret type counts', secret({ a: 'Yg==' }, 'kubernetes.io/tls'), '92982c4m8f'],
  ['binary file secret', secret({ 'b.dat': '/wA=' }), '2k9f8dm4dg'],
];

for (const [name, obj, want] of cases) {
  test(`hash: ${name}`, () => {
    assert.is(kustomizeHash(obj), want);
  });
}

test('goJson escapes like Go encoding/json', () => {
  assert.is(goJson({ b: 'x', a: '<&>\u2028\n\u0001' }), '{"a":"\\u003c\\u0026\\u003e\\u2028\\n\\u0001","b":"x"}');
});

function res(obj: JsonObject, hashed: boolean): Resource {
  const name = (obj.metadata as JsonObject).name as string;
  const id = { group: '', version: 'v1', kind: obj.kind as string, name };
  return {
    id,
    originalId: { ...id },
    previousNames: [],
    previousNamespaces: [],
    previousIds: [],
    prefixes: [],
    suffixes: [],
    object: obj,
    origin: { location: { file: 'k.yaml', line: 1, column: 1 }, kustomizations: [], fieldSources: [], generated: { kind: 'ConfigMap', behavior: 'create', hashed } },
  };
}

test('applyHashSuffixes renames hashed resources only and reindexes', () => {
  const a = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' }, data: { a: 'b' } }, true);
  const b = res({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' }, data: { a: 'b' } }, false);
  const rm = ResourceMap.of([a, b]);
  applyHashSuffixes(rm);
  assert.is(a.id.name, 'a-4h2mbtbbt6');
  assert.is((a.object.metadata as JsonObject).name, 'a-4h2mbtbbt6');
  assert.equal(a.previousNames, ['a']);
  assert.is(b.id.name, 'b');
  assert.ok(rm.get({ group: '', version: 'v1', kind: 'ConfigMap', name: 'a-4h2mbtbbt6' }) === a);
  assert.is(rm.get({ group: '', version: 'v1', kind: 'ConfigMap', name: 'a' }), undefined);
});

test.run();
