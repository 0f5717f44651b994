import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigConflict, defaultTransformerConfig, emptyTransformerConfig, mergeFieldSpecs, mergeTransformerConfig, ownConfig } from '../../compiler/transform/transformer-config.js';
import { emptyConfigurations } from '../../compiler/load/loader.js';

test('mergeFieldSpecs: an incoming spec is dropped when it selects an existing one on the same path', () => {
  const got = mergeFieldSpecs([{ kind: 'Broker', path: 'metadata/name' }], [{ path: 'metadata/name' }, { path: 'spec/x' }], 'namePrefix');
  assert.equal(got, [{ kind: 'Broker', path: 'metadata/name' }, { path: 'spec/x' }]);
  // the other way round both stay: a kind-less spec is not selected by a Broker selector
  assert.equal(mergeFieldSpecs([{ path: 'metadata/name' }], [{ kind: 'Broker', path: 'metadata/name' }], 'namePrefix').length, 2);
});

test('mergeFieldSpecs: disagreeing on create is a conflict', () => {
  assert.throws(() => mergeFieldSpecs([{ kind: 'EMQX', path: 'metadata/labels' }], [{ path: 'metadata/labels', create: true }], 'commonLabels'), (e: unknown) => e instanceof ConfigConflict);
});

test('a kind-specific configurations spec sorts first and shadows the built-in one (Kustomize)', () => {
  const u = emptyConfigurations();
  u.namePrefix.push({ kind: 'KafkaTopic', path: 'metadata/name' });
  const own = ownConfig(u, true, undefined);
  assert.equal(own.diagnostics, []);
  const cfg = mergeTransformerConfig(emptyTransformerConfig(), own.cfg);
  assert.equal(cfg.namePrefix, [{ kind: 'KafkaTopic', path: 'metadata/name' }]);
});

test('the built-in tables survive their own merge unchanged in content', () => {
  const d = defaultTransformerConfig();
  const merged = mergeTransformerConfig(emptyTransformerConfig(), d);
  assert.equal(merged.commonLabels.length, d.commonLabels.length);
  assert.equal(merged.nameReference.map((b) => b.kind).sort(), d.nameReference.map((b) => b.kind).sort());
});

test.run();
