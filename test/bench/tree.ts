import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The synthetic benchmark tree of issue 2: N app bases, each a Deployment, a Service,
 * an HPA and a configMapGenerator; one overlay with namespace, namePrefix,
 * commonLabels, an image per app, one JSON 6902 and one strategic-merge patch per app,
 * and a generator merging into every app's ConfigMap.
 * Deterministic: the same N gives the same bytes.
 */
export function writeBenchTree(root: string, n: number): string {
  fs.rmSync(root, { recursive: true, force: true });
  const bases = path.join(root, 'bases');
  const overlay = path.join(root, 'overlays', 'bench');
  fs.mkdirSync(overlay, { recursive: true });
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const app = `app${String(i).padStart(5, '0')}`;
    names.push(app);
    const dir = path.join(bases, app);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'kustomization.yaml'),
      `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
- deployment.yaml
- service.yaml
- hpa.yaml
configMapGenerator:
- name: ${app}-config
  literals:
  - LOG_LEVEL=info
  - APP_NAME=${app}
  - JAVA_OPTS=-XX:MaxRAMPercentage=75
`,
    );
    fs.writeFileSync(
      path.join(dir, 'deployment.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
  labels:
    app.kubernetes.io/name: ${app}
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: ${app}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: ${app}
    spec:
      containers:
      - name: main
        image: registry.example.com/${app}:1.0.${i % 10}
        ports:
        - name: http
          containerPort: 8080
        envFrom:
        - configMapRef:
            name: ${app}-config
        resources:
          requests:
            cpu: 100m
            memory: 256Mi
          limits:
            memory: 512Mi
        readinessProbe:
          httpGet:
            path: /ready
            port: http
        livenessProbe:
          httpGet:
            path: /live
            port: http
`,
    );
    fs.writeFileSync(
      path.join(dir, 'service.yaml'),
      `apiVersion: v1
kind: Service
metadata:
  name: ${app}
spec:
  selector:
    app.kubernetes.io/name: ${app}
  ports:
  - name: http
    port: 80
    targetPort: http
`,
    );
    fs.writeFileSync(
      path.join(dir, 'hpa.yaml'),
      `apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: ${app}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: ${app}
  minReplicas: 2
  maxReplicas: 10
  metrics:
  - type: Resource
    resource:
      name: cpu
      target:
        type: Utilization
        averageUtilization: 70
`,
    );
  }
  const patches: string[] = [];
  const smDir = path.join(overlay, 'patches');
  fs.mkdirSync(smDir, { recursive: true });
  for (const app of names) {
    fs.writeFileSync(
      path.join(smDir, `${app}.yaml`),
      `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${app}
spec:
  template:
    spec:
      containers:
      - name: main
        env:
        - name: ENVIRONMENT
          value: bench
        resources:
          limits:
            memory: 1Gi
`,
    );
    patches.push(`- path: patches/${app}.yaml`);
    patches.push(`- target:
    kind: HorizontalPodAutoscaler
    name: ${app}
  patch: |-
    - op: replace
      path: /spec/maxReplicas
      value: 20`);
  }
  fs.writeFileSync(
    path.join(overlay, 'kustomization.yaml'),
    `apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: bench
namePrefix: prod-
commonLabels:
  env: bench
resources:
${names.map((a) => `- ../../bases/${a}`).join('\n')}
images:
${names.map((a, i) => `- name: registry.example.com/${a}\n  newTag: 2.0.${i % 10}`).join('\n')}
patches:
${patches.join('\n')}
configMapGenerator:
${names.map((a) => `- name: ${a}-config\n  behavior: merge\n  literals:\n  - LOG_LEVEL=warn`).join('\n')}
`,
  );
  return overlay;
}
