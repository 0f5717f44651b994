// Typed patches that must NOT compile. Each line that must fail ends with a marker
// naming the TypeScript error code; test/patch/typecheck.test.ts checks that tsc
// reports exactly these errors at exactly these lines, and nothing else.
import { patch, byKey } from '../../compiler/api.js';

export const ok = patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => {
  p.set((s) => s.spec.replicas, 5);
  p.replace((s) => byKey(s.spec.template.spec.containers, 'name', 'kafka').resources.limits, { memory: '4Gi' });
  p.append((s) => byKey(s.spec.template.spec.containers, 'name', 'kafka').env, { name: 'X', value: 'y' });
});

export const misspeltField = patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => p.set((s) => s.spec.replicaz, 5)); // error: TS2551
export const wrongValueType = patch({ kind: 'StatefulSet', name: 'kafka' }, (p) => p.set((s) => s.spec.replicas, '5')); // error: TS2345
export const misspeltMergeKey = patch({ kind: 'Deployment', name: 'web' }, (p) => p.set((d) => byKey(d.spec.template.spec.containers, 'nmae', 'web').image, 'nginx:1.27')); // error: TS2345
export const incompleteItem = patch({ kind: 'Deployment', name: 'web' }, (p) => p.append((d) => d.spec.template.spec.containers, { image: 'nginx:1.27' })); // error: TS2345
export const wrongIntOrString = patch({ kind: 'Service', name: 'web' }, (p) => p.set((s) => byKey(s.spec.ports, 'port', 80).targetPort, true)); // error: TS2345
export const unknownKind = patch({ kind: 'Deploymnet', name: 'web' }, (p) => p); // error: TS2820
export const wrongMapValue = patch({ kind: 'ConfigMap', name: 'cfg' }, (p) => p.set((c) => c.data, { PORT: 8080 })); // error: TS2322
