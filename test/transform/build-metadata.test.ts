import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { builtinOrigin, fileOrigin, finishBuildMetadata, goJoin, isLocalConfig } from '../../compiler/transform/build-metadata.js';
import type { JsonObject, Resource } from '../../compiler/types.js';

function res(object: JsonObject): Resource {
  const id = { group: '', version: 'v1', kind: 'ConfigMap', name: 'x' };
  return { id, originalId: id, previousNames: [], previousNamespaces: [], previousIds: [], prefixes: [], suffixes: [], object, origin: { location: { file: 'x.yaml', line: 1, column: 1 }, documentIndex: 0, kustomizations: [], fieldSources: [] } };
}

test("goJoin cleans like Go's filepath.Join", () => {
  assert.is(goJoin('', ''), '');
  assert.is(goJoin('', 'kustomization.yaml'), 'kustomization.yaml');
  assert.is(goJoin('', '../../base/'), '../../base');
  assert.is(goJoin('../../base', './deploy.yaml'), '../../base/deploy.yaml');
  assert.is(goJoin('overlays/prod', '../../base', 'svc.yaml'), 'base/svc.yaml');
  assert.is(goJoin('a', '..'), '.');
});

test('origins are written as kyaml marshals the Origin struct (field order, not sorted)', () => {
  assert.is(fileOrigin('base/deploy.yaml'), 'path: base/deploy.yaml\n');
  assert.is(builtinOrigin('Kustomization', 'ConfigMapGenerator'), 'configuredIn: Kustomization\nconfiguredBy:\n  apiVersion: builtin\n  kind: ConfigMapGenerator\n');
});

test('local-config: any value but "false" drops the resource', () => {
  const ann = (v?: string) => res({ metadata: { name: 'x', ...(v === undefined ? {} : { annotations: { 'config.kubernetes.io/local-config': v } }) } });
  assert.ok(isLocalConfig(ann('true')));
  assert.ok(isLocalConfig(ann('')));
  assert.not.ok(isLocalConfig(ann('false')));
  assert.not.ok(isLocalConfig(ann()));
});

test('the end of a build: build annotations go, an empty or null annotations map goes, labels stay', () => {
  const rs = [
    res({ metadata: { name: 'a', annotations: {}, labels: {} } }),
    res({ metadata: { name: 'b', annotations: null } }),
    res({ metadata: { name: 'c', annotations: { 'config.kubernetes.io/index': '0', 'config.kubernetes.io/origin': 'path: c.yaml\n' } } }),
    res({ metadata: { name: 'd', annotations: { team: 'mw', 'config.kubernetes.io/origin': 'path: d.yaml\n' } } }),
  ];
  finishBuildMetadata(rs, []);
  assert.equal(rs.map((r) => r.object.metadata), [{ name: 'a', labels: {} }, { name: 'b' }, { name: 'c' }, { name: 'd', annotations: { team: 'mw' } }]);
  const kept = [res({ metadata: { name: 'e', annotations: { 'config.kubernetes.io/origin': 'path: e.yaml\n', 'alpha.config.kubernetes.io/transformations': '- x\n' } } })];
  finishBuildMetadata(kept, ['originAnnotations', 'managedByLabel']);
  assert.equal(kept[0].object.metadata, { name: 'e', annotations: { 'config.kubernetes.io/origin': 'path: e.yaml\n' }, labels: { 'app.kubernetes.io/managed-by': 'kustomize-(devel)' } });
});

test.run();
