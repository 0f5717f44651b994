import type { JsonObject, Resource } from '../../compiler/types.js';
import type { Check, CheckContext, PodTemplate, RawFinding } from '../types.js';
import { podsMatching, podsMatchingSelector } from '../context.js';
import { arr, at, num, obj, ptr, str, strMap } from '../util.js';

const BUILTIN_CLUSTER_ROLES = new Set(['cluster-admin', 'admin', 'edit', 'view']);

function refMissing(ctx: CheckContext, kind: 'ConfigMap' | 'Secret', ns: string, name: string): boolean {
  return kind === 'Secret' ? !ctx.idx.secretNames.has(`${ns}|${name}`) : !ctx.get('ConfigMap', ns, name);
}

function keyMissing(ctx: CheckContext, kind: 'ConfigMap' | 'Secret', ns: string, name: string, key: string): boolean {
  const keys = ctx.idx.dataKeys.get(`${kind}|${ns}|${name}`);
  return keys !== undefined && !keys.has(key);
}

function checkPodRefs(ctx: CheckContext, pt: PodTemplate, out: RawFinding[]): void {
  const r = pt.resource;
  const ns = pt.namespace;
  const ref = (kind: 'ConfigMap' | 'Secret', name: string | undefined, optional: boolean, p: string, key?: string) => {
    if (!name || optional) return;
    if (refMissing(ctx, kind, ns, name)) out.push({ resource: r, pointer: p, message: `${kind} ${ns}/${name} is not rendered` });
    else if (key !== undefined && keyMissing(ctx, kind, ns, name, key)) out.push({ resource: r, pointer: p, message: `${kind} ${ns}/${name} has no key ${key}` });
  };
  for (const c of pt.containers) {
    arr(c.container.env).forEach((e, i) => {
      const vf = obj(at(e, 'valueFrom'));
      if (!vf) return;
      for (const [f, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
        const kr = obj(vf[f]);
        if (kr) ref(kind, str(kr.name), kr.optional === true, ptr(c.ptr, 'env', i, 'valueFrom', f, 'name'), str(kr.key) ?? '');
      }
    });
    arr(c.container.envFrom).forEach((e, i) => {
      for (const [f, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
        const kr = obj(at(e, f));
        if (kr) ref(kind, str(kr.name), kr.optional === true, ptr(c.ptr, 'envFrom', i, f, 'name'));
      }
    });
  }
  arr(pt.spec.volumes).forEach((v, i) => {
    const vo = obj(v);
    if (!vo) return;
    const vp = ptr(pt.specPtr, 'volumes', i);
    const itemsCheck = (kind: 'ConfigMap' | 'Secret', name: string | undefined, src: JsonObject, p: string) => {
      if (!name || src.optional === true) return;
      if (refMissing(ctx, kind, ns, name)) {
        out.push({ resource: r, pointer: p, message: `${kind} ${ns}/${name} is not rendered` });
        return;
      }
      arr(src.items).forEach((it, j) => {
        const key = str(at(it, 'key'));
        if (key !== undefined && keyMissing(ctx, kind, ns, name, key)) out.push({ resource: r, pointer: ptr(p.slice(0, p.lastIndexOf('/')), 'items', j, 'key'), message: `${kind} ${ns}/${name} has no key ${key}` });
      });
    };
    const cm = obj(vo.configMap);
    if (cm) itemsCheck('ConfigMap', str(cm.name), cm, ptr(vp, 'configMap', 'name'));
    const sec = obj(vo.secret);
    if (sec) itemsCheck('Secret', str(sec.secretName), sec, ptr(vp, 'secret', 'secretName'));
    arr(at(vo, 'projected', 'sources')).forEach((s, j) => {
      const pcm = obj(at(s, 'configMap'));
      if (pcm) itemsCheck('ConfigMap', str(pcm.name), pcm, ptr(vp, 'projected', 'sources', j, 'configMap', 'name'));
      const ps = obj(at(s, 'secret'));
      if (ps) itemsCheck('Secret', str(ps.name), ps, ptr(vp, 'projected', 'sources', j, 'secret', 'name'));
    });
    const claim = str(at(vo, 'persistentVolumeClaim', 'claimName'));
    if (claim && !ctx.get('PersistentVolumeClaim', ns, claim)) {
      out.push({ resource: r, pointer: ptr(vp, 'persistentVolumeClaim', 'claimName'), message: `PersistentVolumeClaim ${ns}/${claim} is not rendered` });
    }
  });
  const sa = str(pt.spec.serviceAccountName) ?? str(pt.spec.serviceAccount);
  if (sa && sa !== 'default' && !ctx.get('ServiceAccount', ns, sa)) {
    out.push({ resource: r, pointer: ptr(pt.specPtr, pt.spec.serviceAccountName !== undefined ? 'serviceAccountName' : 'serviceAccount'), message: `ServiceAccount ${ns}/${sa} is not rendered` });
  }
}

function servicePorts(svc: Resource): { name?: string; port?: number; targetPort?: number | string }[] {
  return arr(at(svc.object, 'spec', 'ports')).map((p) => ({
    ...(str(at(p, 'name')) ? { name: str(at(p, 'name')) } : {}),
    ...(num(at(p, 'port')) !== undefined ? { port: num(at(p, 'port')) } : {}),
    ...(at(p, 'targetPort') !== undefined ? { targetPort: at(p, 'targetPort') as number | string } : {}),
  }));
}

function checkIngress(ctx: CheckContext, ing: Resource, out: RawFinding[]): void {
  const ns = ctx.ns(ing);
  const backend = (b: JsonObject | undefined, p: string) => {
    if (!b) return;
    const name = str(at(b, 'service', 'name')) ?? str(b.serviceName);
    if (!name) return;
    const portNum = num(at(b, 'service', 'port', 'number')) ?? num(b.servicePort);
    const portName = str(at(b, 'service', 'port', 'name')) ?? str(b.servicePort);
    const svc = ctx.get('Service', ns, name);
    const namePtr = b.service !== undefined ? ptr(p, 'service', 'name') : ptr(p, 'serviceName');
    if (!svc) {
      out.push({ resource: ing, pointer: namePtr, message: `Ingress backend Service ${ns}/${name} is not rendered` });
      return;
    }
    const ports = servicePorts(svc);
    const portPtr = b.service !== undefined ? ptr(p, 'service', 'port') : ptr(p, 'servicePort');
    if (portNum !== undefined && !ports.some((x) => x.port === portNum)) out.push({ resource: ing, pointer: portPtr, message: `Service ${ns}/${name} has no port ${portNum}` });
    else if (portNum === undefined && portName !== undefined && !ports.some((x) => x.name === portName)) out.push({ resource: ing, pointer: portPtr, message: `Service ${ns}/${name} has no port named ${portName}` });
  };
  backend(obj(at(ing.object, 'spec', 'defaultBackend')), '/spec/defaultBackend');
  backend(obj(at(ing.object, 'spec', 'backend')), '/spec/backend');
  arr(at(ing.object, 'spec', 'rules')).forEach((rule, i) => {
    arr(at(rule, 'http', 'paths')).forEach((path, j) => backend(obj(at(path, 'backend')), ptr('/spec/rules', i, 'http', 'paths', j, 'backend')));
  });
}

function labelText(l: Record<string, string>): string {
  return Object.entries(l).map(([k, v]) => `${k}=${v}`).join(',');
}

/**
 * A Service whose selector matches no pod template in its namespace: says what is wrong when
 * the pods it was meant for are elsewhere (seed 001: Service in kube-mqtt, Pod in kube-emqx,
 * and selector name=mqtt against the label name=emqx): pods in another namespace that match
 * the selector, else the workload with the Service's name or its ports in another namespace.
 */
function noPodsFinding(ctx: CheckContext, svc: Resource, ns: string, sel: Record<string, string>): RawFinding {
  const base = `Service ${ns}/${svc.id.name} selects no pod template in namespace ${ns} (selector ${labelText(sel)})`;
  const others = [...ctx.idx.podTemplatesByNs.keys()].filter((n) => n !== ns).sort();
  for (const other of others) {
    const hit = podsMatching(ctx.idx, other, sel);
    if (hit.length > 0) {
      const w = hit[0].resource;
      return { resource: svc, pointer: at(svc.object, 'metadata', 'namespace') !== undefined ? '/metadata/namespace' : '/spec/selector', hint: `Put the Service in namespace ${other} (or the ${w.id.kind} in ${ns}): a Service only selects pods of its own namespace.`, message: `${base}; ${w.id.kind} ${other}/${w.id.name} matches the selector but is in namespace ${other}, and a Service only selects pods of its own namespace` };
    }
  }
  const ports = new Set(arr(at(svc.object, 'spec', 'ports')).flatMap((p) => [num(at(p, 'targetPort')), num(at(p, 'port'))]).filter((x): x is number => x !== undefined));
  let best: { pt: PodTemplate; score: number } | undefined;
  for (const pt of ctx.idx.podTemplates) {
    let score = pt.resource.id.name === svc.id.name ? 2 : 0;
    if (ports.size > 0 && pt.containers.some((c) => arr(c.container.ports).some((cp) => ports.has(num(at(cp, 'containerPort')) ?? -1)))) score += 1;
    if (score > 0 && (!best || score > best.score)) best = { pt, score };
  }
  if (best && best.pt.namespace !== ns) {
    const w = best.pt.resource;
    return { resource: svc, pointer: '/spec/selector', hint: `Put the Service and the ${w.id.kind} in one namespace and make the selector match the pod labels (${labelText(best.pt.labels)}).`, message: `${base}; the ${w.id.kind} it looks meant for (${best.score >= 2 ? 'same name' : 'same ports'}${best.score === 3 ? ' and ports' : ''}), ${best.pt.namespace}/${w.id.name}, is in namespace ${best.pt.namespace}, not ${ns}, and its labels ${labelText(best.pt.labels) || '(none)'} do not match the selector either` };
  }
  if (best) {
    const w = best.pt.resource;
    return { resource: svc, pointer: '/spec/selector', message: `${base}; the ${w.id.kind} ${ns}/${w.id.name} it looks meant for has labels ${labelText(best.pt.labels) || '(none)'}` };
  }
  return { resource: svc, pointer: '/spec/selector', message: base };
}

export const danglingRef: Check = {
  id: 'dangling-ref',
  title: 'Reference to something that is not rendered',
  doc: 'Selectors, names and ports that point at nothing: Services, StatefulSet serviceName, ConfigMap/Secret/PVC/ServiceAccount references, Ingress backends, HPA targets, PDB selectors, RBAC bindings, Service targetPort names.',
  hint: 'Fix the name (or the labels), or render the missing object (mark optional references optional: true).',
  defaultSeverity: { dev: 'warning', staging: 'error', prod: 'error' },
  run(ctx) {
    const out: RawFinding[] = [];
    for (const svc of ctx.ofKind('Service')) {
      if (svc.id.group !== '' || str(at(svc.object, 'spec', 'type')) === 'ExternalName') continue;
      const sel = strMap(at(svc.object, 'spec', 'selector'));
      if (Object.keys(sel).length === 0) continue;
      const ns = ctx.ns(svc);
      const pods = podsMatching(ctx.idx, ns, sel);
      if (pods.length === 0) {
        out.push(noPodsFinding(ctx, svc, ns, sel));
        continue;
      }
      arr(at(svc.object, 'spec', 'ports')).forEach((p, i) => {
        const tp = at(p, 'targetPort');
        if (typeof tp !== 'string' || /^\d+$/.test(tp)) return;
        const named = pods.some((pt) => pt.containers.some((c) => arr(c.container.ports).some((cp) => str(at(cp, 'name')) === tp)));
        if (!named) out.push({ resource: svc, pointer: ptr('/spec/ports', i, 'targetPort'), message: `no container of the selected pods has a port named ${tp}` });
      });
    }
    for (const sts of ctx.ofKind('StatefulSet')) {
      const sn = str(at(sts.object, 'spec', 'serviceName'));
      if (!sn) continue;
      const ns = ctx.ns(sts);
      const svc = ctx.get('Service', ns, sn);
      if (!svc) out.push({ resource: sts, pointer: '/spec/serviceName', message: `StatefulSet serviceName ${sn}: no Service ${ns}/${sn} is rendered (it must be headless, clusterIP: None)` });
      else if (str(at(svc.object, 'spec', 'clusterIP')) !== 'None') out.push({ resource: sts, pointer: '/spec/serviceName', message: `StatefulSet serviceName ${sn}: Service ${ns}/${sn} is not headless (clusterIP: None)` });
    }
    for (const pt of ctx.idx.podTemplates) checkPodRefs(ctx, pt, out);
    for (const kind of ['Ingress']) for (const ing of ctx.ofKind(kind)) checkIngress(ctx, ing, out);
    for (const hpa of ctx.ofKind('HorizontalPodAutoscaler')) {
      const kind = str(at(hpa.object, 'spec', 'scaleTargetRef', 'kind'));
      const name = str(at(hpa.object, 'spec', 'scaleTargetRef', 'name'));
      if (kind && name && !ctx.get(kind, ctx.ns(hpa), name)) out.push({ resource: hpa, pointer: '/spec/scaleTargetRef/name', message: `HPA target ${kind} ${ctx.ns(hpa)}/${name} is not rendered` });
    }
    for (const pdb of ctx.ofKind('PodDisruptionBudget')) {
      const sel = obj(at(pdb.object, 'spec', 'selector'));
      if (sel && podsMatchingSelector(ctx.idx, ctx.ns(pdb), sel).length === 0) out.push({ resource: pdb, pointer: '/spec/selector', message: `PodDisruptionBudget selector matches no pod template in namespace ${ctx.ns(pdb)}` });
    }
    for (const kind of ['RoleBinding', 'ClusterRoleBinding']) {
      for (const b of ctx.ofKind(kind)) {
        if (!b.id.group.startsWith('rbac.authorization.k8s.io')) continue;
        const ns = ctx.ns(b);
        const rk = str(at(b.object, 'roleRef', 'kind'));
        const rn = str(at(b.object, 'roleRef', 'name'));
        if (rk && rn && !(rk === 'ClusterRole' && (BUILTIN_CLUSTER_ROLES.has(rn) || rn.startsWith('system:')))) {
          const found = rk === 'Role' ? ctx.get('Role', ns, rn) : ctx.get('ClusterRole', 'default', rn);
          if (!found) out.push({ resource: b, pointer: '/roleRef/name', message: `${kind} refers to ${rk} ${rk === 'Role' ? ns + '/' : ''}${rn}, which is not rendered` });
        }
        arr(at(b.object, 'subjects')).forEach((s, i) => {
          if (str(at(s, 'kind')) !== 'ServiceAccount') return;
          const sn = str(at(s, 'name'));
          const sns = str(at(s, 'namespace')) ?? ns;
          if (sn && sn !== 'default' && !ctx.get('ServiceAccount', sns, sn)) out.push({ resource: b, pointer: ptr('/subjects', i, 'name'), message: `subject ServiceAccount ${sns}/${sn} is not rendered` });
        });
      }
    }
    return out;
  },
};
