import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyImages, imageMatcher, literalMatcher, splitImage, updateImage } from '../../compiler/transform/images.js';
import type { ImageEntry } from '../../compiler/load/kustomization.js';
import { ResourceMap } from '../../compiler/resource-map.js';
import { byId, loadDocs, loadResources, loc, res, transformerFixture } from './resource-helper.js';

const img = (name: string, o: Partial<ImageEntry> = {}, line = 5): ImageEntry => ({ name, location: loc(line), ...o });

test('golden: name matching, tag/digest rules, containers at any depth, not ephemeralContainers', () => {
  const rm = loadResources(transformerFixture('images', 'input.yaml'));
  const ds = applyImages(
    rm,
    [
      img('nginx', { newTag: '2.0' }),
      img('localhost:5000/nginx', { newName: 'other' }),
      img('myreg:5000/app', { newTag: 'v1' }),
      img('tagonly', { newTag: '2' }),
      img('newnameonly', { newName: 'nn' }),
      img('digestonly', { digest: 'sha256:111' }),
      img('both', { newName: 'b2', newTag: 't', digest: 'sha256:222' }),
    ],
    [],
  );
  assert.equal(ds, []);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('images', 'expected.yaml'))));
});

test('golden: configurations field spec; an entry name with a tag matches only that tag', () => {
  const rm = loadResources(transformerFixture('images-config', 'input.yaml'));
  applyImages(rm, [img('nginx:1.0', { newTag: '2.0' }), img('redis', { newName: 'r2' })], [{ kind: 'Widget', path: 'spec/image' }]);
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('images-config', 'expected.yaml'))));
});

test('reference case 09', () => {
  const rm = loadResources(transformerFixture('ref-09-images', 'input/redis.yaml'));
  applyImages(
    rm,
    [
      img('redis', { newTag: '7.2.5-alpine' }),
      img('oliver006/redis_exporter', { newName: 'harbor.internal:5000/mirror/redis_exporter', newTag: 'v1.62.0' }),
      img('busybox', { digest: 'sha256:9ae97d36d26566ff84e8893c64a6dc4fe8ca6d1144bf5b87b2b85a32def253c7' }),
      img('bitnami/redis-sentinel', { newName: 'harbor.internal:5000/bitnami/redis-sentinel' }),
    ],
    [],
  );
  assert.equal(byId(rm.all().map((r) => r.object)), byId(loadDocs(transformerFixture('ref-09-images', 'expected.yaml'))));
});

test('reference case 25: containers inside a custom resource, top-level spec.image untouched', () => {
  const rm = loadResources(transformerFixture('ref-25-crd-and-custom-resources', 'input/rabbitmq-cluster.yaml'));
  applyImages(rm, [img('rabbitmq', { newTag: '3.13.6-management' })], []);
  const spec = rm.byKind('RabbitmqCluster')[0].object.spec as any;
  assert.is(spec.image, 'rabbitmq:3.13-management');
  assert.is(spec.override.statefulSet.spec.template.spec.containers[0].image, 'rabbitmq:3.13.6-management');
});

test('entries run in order; fieldSources record the entry; no match is silent', () => {
  const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'a:1' }] } });
  const ds = applyImages(ResourceMap.of([pod]), [img('a', { newName: 'b' }, 3), img('b', { newTag: '2' }, 6), img('zzz', { newTag: '1' }, 9)], []);
  assert.equal(ds, []);
  assert.is((pod.object.spec as any).containers[0].image, 'b:2');
  assert.equal(pod.origin.fieldSources.map((f) => [f.pointer, f.location.line, f.by]), [
    ['/spec/containers/0/image', 3, 'images'],
    ['/spec/containers/0/image', 6, 'images'],
  ]);
});

test('entry without name: a KF2009 warning, and no image changes (Kustomize builds on)', () => {
  const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
  const ds = applyImages(ResourceMap.of([pod]), [img('', { newTag: '1' }, 12)], []);
  assert.equal(ds.map((d) => [d.code, d.severity, d.location?.line]), [['KF2009', 'warning', 12]]);
  assert.is((pod.object.spec as any).containers[0].image, 'nginx:1.25');
});

test('tagSuffix: appended once by the container walk, twice where a field spec reaches too (Kustomize)', () => {
  const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx:1.25' }] } });
  const thing = res({ apiVersion: 'example.com/v1', kind: 'Thing', metadata: { name: 't' }, spec: { template: { containers: [{ name: 'c', image: 'nginx@sha256:abc' }] } } });
  applyImages(ResourceMap.of([pod, thing]), [img('nginx', { tagSuffix: '-alpine' }, 3)], []);
  assert.is((pod.object.spec as any).containers[0].image, 'nginx:1.25-alpine-alpine');
  assert.is((thing.object.spec as any).template.containers[0].image, 'nginx:-alpine');
});

test('the name is a pattern: "." matches any character; digests are sha256 only', () => {
  const pod = res({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a', image: 'dockerXio/nginx:1' }, { name: 'b', image: 'nginx@sha512:abc' }] } });
  applyImages(ResourceMap.of([pod]), [img('docker.io/nginx', { newTag: '2' }, 3), img('nginx', { newTag: '3' }, 4)], []);
  const cs = (pod.object.spec as any).containers;
  assert.is(cs[0].image, 'dockerXio/nginx:2');
  assert.is(cs[1].image, 'nginx@sha512:abc');
});

test('splitImage / updateImage table', () => {
  const split: [string, ReturnType<typeof splitImage>][] = [
    ['nginx', { name: 'nginx' }],
    ['nginx:1', { name: 'nginx', tag: '1' }],
    ['nginx@sha256:ab', { name: 'nginx', digest: 'sha256:ab' }],
    ['nginx:1@sha256:ab', { name: 'nginx', tag: '1', digest: 'sha256:ab' }],
    ['reg:5000/a/b', { name: 'reg:5000/a/b' }],
    ['reg:5000/a/b:3', { name: 'reg:5000/a/b', tag: '3' }],
  ];
  for (const [i, want] of split) assert.equal(splitImage(i), want, i);
  assert.is(updateImage('nginx:1@sha256:ab', { newTag: '2' }), 'nginx:2');
  assert.is(updateImage('nginx:1', { digest: 'sha256:cd' }), 'nginx@sha256:cd');
  assert.is(updateImage('nginx:1@sha256:ab', { newName: 'x/y' }), 'x/y:1@sha256:ab');
});

test('a name without pattern characters but `.` matches exactly as its regular expression (literalMatcher = imageMatcher)', () => {
  const names = ['nginx', 'registry.example.com/app', 'a.b', 'localhost:5000/nginx', 'my_reg/app-1', 'x@y', '.', 'a..b', 'nginx:1.0', 'app@sha256'];
  const images = [
    'nginx', 'nginx:1', 'nginx:', 'nginx:1.2.3', 'nginx@sha256:abc', 'nginx:1@sha256:abc', 'nginx:1:2', 'nginx@sha256', 'nginx@sha1:x', 'nginxx', 'nginx/x', 'nginx:{v}',
    'registry.example.com/app', 'registryXexampleYcom/app:2', 'registry\nexample.com/app', 'registry\rexample.com/app', 'registry\u2028example.com/app', 'registry.example.com/app:1\n',
    'a.b', 'a\tb', 'ab', 'a\u00e9b:1', 'localhost:5000/nginx:1', 'localhost:5000/nginx', 'my_reg/app-1@sha256:0', 'x@y', 'x@y:1', 'xzy', '.', 'x', '\n', 'a..b', 'aXYb', 'nginx:1.0', 'nginx:1.0:2', 'app@sha256', 'app@sha256:1',
  ];
  for (const name of names) {
    const re = imageMatcher(name)!;
    const lit = literalMatcher(name);
    for (const image of images) assert.is(lit.test(image), re.test(image), `${JSON.stringify(name)} on ${JSON.stringify(image)}`);
  }
});

test.run();
