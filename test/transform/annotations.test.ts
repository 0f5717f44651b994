import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyAnnotations } from '../../compiler/transform/annotations.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, loc, res, transformerFixture } from './resource-helper.js';

test('reference case 08: metadata and pod/job templates, not volumeClaimTemplates; overrides existing values', () => {
  const rm = loadResources(transformerFixture('ref-08-common-annotations', 'input/mysql.yaml'));
  const ds = applyAnnotations(
    rm,
    { owner: 'dba-team', oncall: '+86 400 800 1234', 'backup.velero.io/backup-volumes': 'data', 'dba.example.com/schema-version': '2', 'audit.example.com/reviewed': 'true' },
    loc(3),
    [],
  );
  assert.equal(ds, []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('ref-08-common-annotations', 'expected.yaml'))));
});

test('user field specs; annotations are not added to selectors', () => {
  const w = res({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { template: { metadata: {} } } });
  const d = res({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } } } });
  applyAnnotations(ResourceMap.of([w, d]), { k: 'v' }, loc(2), [{ kind: 'Widget', path: 'spec/template/metadata/annotations', create: true }]);
  assert.equal(w.object.spec, { template: { metadata: { annotations: { k: 'v' } } } });
  assert.equal(d.object.spec, { selector: { matchLabels: { a: 'b' } }, template: { metadata: { annotations: { k: 'v' } } } });
});

test('invalid annotation key: KF2008 warning', () => {
  const ds = applyAnnotations(ResourceMap.of([]), { 'a b': 'x', 'good/key': 'any value at all' }, loc(4, 3), []);
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line]), [['KF2008', 'warning', 4]]);
});

test.run();
