import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { run, hits } from './helpers.js';
import { REMOVED_APIS, lookupApi } from '../../policies/checks/removed-api.js';

const cron = `apiVersion: batch/v1beta1
kind: CronJob
metadata: {name: c}
spec: {}
`;

test('removed-api: removed at the target version is an error at apiVersion', () => {
  const r = run('removed-api', cron, 'dev', { kubernetesVersion: '1.25' });
  assert.equal(hits(r), ['removed-api@1']);
  assert.is(r.findings[0].severity, 'error');
  assert.is(r.findings[0].pointer, '/apiVersion');
});

test('removed-api: deprecated but served is a warning', () => {
  const r = run('removed-api', cron, 'dev', { kubernetesVersion: '1.22' });
  assert.equal(hits(r), ['removed-api@1']);
  assert.is(r.findings[0].severity, 'warning');
});

test('removed-api: quiet before deprecation and for current versions', () => {
  assert.equal(hits(run('removed-api', cron, 'dev', { kubernetesVersion: '1.20' })), []);
  assert.equal(hits(run('removed-api', cron.replace('v1beta1', 'v1'), 'dev', { kubernetesVersion: '1.31' })), []);
});

test('removed-api: table covers the deprecation guide', () => {
  const cases: [string, string, string, string][] = [
    ['extensions', 'v1beta1', 'DaemonSet', '1.16'],
    ['extensions', 'v1beta1', 'Ingress', '1.22'],
    ['apps', 'v1beta2', 'StatefulSet', '1.16'],
    ['rbac.authorization.k8s.io', 'v1beta1', 'RoleBinding', '1.22'],
    ['policy', 'v1beta1', 'PodDisruptionBudget', '1.25'],
    ['policy', 'v1beta1', 'PodSecurityPolicy', '1.25'],
    ['networking.k8s.io', 'v1beta1', 'IngressClass', '1.22'],
    ['autoscaling', 'v2beta1', 'HorizontalPodAutoscaler', '1.25'],
    ['autoscaling', 'v2beta2', 'HorizontalPodAutoscaler', '1.26'],
    ['flowcontrol.apiserver.k8s.io', 'v1beta1', 'FlowSchema', '1.26'],
    ['flowcontrol.apiserver.k8s.io', 'v1beta2', 'FlowSchema', '1.29'],
    ['flowcontrol.apiserver.k8s.io', 'v1beta3', 'PriorityLevelConfiguration', '1.32'],
    ['discovery.k8s.io', 'v1beta1', 'EndpointSlice', '1.25'],
    ['events.k8s.io', 'v1beta1', 'Event', '1.25'],
    ['storage.k8s.io', 'v1beta1', 'CSIStorageCapacity', '1.27'],
    ['storage.k8s.io', 'v1beta1', 'StorageClass', '1.22'],
    ['admissionregistration.k8s.io', 'v1beta1', 'ValidatingWebhookConfiguration', '1.22'],
    ['apiextensions.k8s.io', 'v1beta1', 'CustomResourceDefinition', '1.22'],
    ['certificates.k8s.io', 'v1beta1', 'CertificateSigningRequest', '1.22'],
    ['coordination.k8s.io', 'v1beta1', 'Lease', '1.22'],
    ['scheduling.k8s.io', 'v1beta1', 'PriorityClass', '1.22'],
    ['node.k8s.io', 'v1beta1', 'RuntimeClass', '1.25'],
    ['resource.k8s.io', 'v1alpha2', 'ResourceClaim', '1.31'],
  ];
  for (const [g, v, k, removed] of cases) assert.is(lookupApi(g, v, k)?.removedIn, removed, `${g}/${v} ${k}`);
  assert.ok(REMOVED_APIS.every((e) => e.replacement.length > 0));
});

test.run();
