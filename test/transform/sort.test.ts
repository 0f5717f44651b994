import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { sortResources } from '../../compiler/transform/sort.js';
import type { Resource } from '../../compiler/types.js';
import { loadDocs, res, transformerFixture } from './resource-helper.js';

const ids = (rs: readonly Resource[]) => rs.map((r) => `${r.id.kind}/${r.id.namespace ?? ''}/${r.id.name}`);
const idsOfDocs = (file: string) => ids(loadDocs(file).map((o) => res(o)));

test('reference case 24: default legacy order (first list, gvk string with ~G, last list, namespace, name)', () => {
  const input = loadDocs(transformerFixture('ref-24-default-ordering-many-kinds', 'input/all-in-one.yaml')).map((o) => res(o));
  assert.equal(ids(sortResources(input)), idsOfDocs(transformerFixture('ref-24-default-ordering-many-kinds', 'expected.yaml')));
  assert.equal(ids(sortResources([...input].reverse())), idsOfDocs(transformerFixture('ref-24-default-ordering-many-kinds', 'expected.yaml')));
});

test('reference case 23: custom orderFirst/orderLast replace the built-in lists', () => {
  const input = loadDocs(transformerFixture('ref-23-sort-options-legacy-custom', 'input/emqx.yaml')).map((o) => res(o));
  const out = sortResources([...input].reverse(), { order: 'legacy', orderFirst: ['Namespace', 'CustomResourceDefinition', 'ConfigMap'], orderLast: ['Job'] });
  assert.equal(ids(out), idsOfDocs(transformerFixture('ref-23-sort-options-legacy-custom', 'expected.yaml')));
});

test('fifo keeps the input order', () => {
  const input = loadDocs(transformerFixture('ref-22-sort-options-fifo', 'expected.yaml')).map((o) => res(o));
  assert.equal(ids(sortResources(input, { order: 'fifo' })), ids(input));
});

test('namespace ties: named namespaces first (byte order), none last; then name', () => {
  const mk = (name: string, namespace?: string) => res({ apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(namespace ? { namespace } : {}) } });
  const out = sortResources([mk('b'), mk('a'), mk('z', 'zz'), mk('a', 'Aa'), mk('c', 'aa')]);
  assert.equal(ids(out), ['Pod/Aa/a', 'Pod/aa/c', 'Pod/zz/z', 'Pod//a', 'Pod//b']);
});

test.run();
