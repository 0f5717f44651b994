/**
 * A repository's own policy checks, in TypeScript: `policies/custom/*.ts`, each exporting
 * `defineCheck({...})` (or a list of them) as its default. They are compiled with the project
 * (`tsc` type-checks them against the same @kubernetes/client-node models as typed patches),
 * imported from `dist/policies/custom/*.js` at run time, and registered beside the built-in
 * checks: same id rules (an id taken by a built-in or another custom check is an error),
 * severities per tier, environment overrides, waivers, baselines, SARIF rules and source
 * locations. A custom check that throws is a diagnostic naming the check and its file.
 *
 *   // policies/custom/no-prerelease-image.ts
 *   import { defineCheck } from '../api.js';
 *   export default defineCheck({
 *     id: 'no-prerelease-image', title: '…', hint: '…',
 *     severity: { dev: 'warning', staging: 'warning', prod: 'error' },
 *     run(ctx) {
 *       for (const sts of ctx.objects('StatefulSet'))
 *         if (sts.object.spec?.replicas === 1) ctx.report(sts, 'one replica', (s) => s.spec.replicas);
 *     },
 *   });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { V1PodSpec, V1Container } from '@kubernetes/client-node';
import type { Diagnostic, Environment, Json, Resource, SourceLocation } from '../compiler/types.js';
import { KIND_GROUPS, recordPath, type Field, type KindModels } from '../compiler/patch/typed.js';
import { callerLocation } from '../compiler/patch/typed.js';
import type { Check, CheckContext, RawFinding, Sev, Tier } from './types.js';
import { pdiag } from './codes.js';
import { esc } from './util.js';

/** A rendered object of a kind, with its model type (plain JSON: dates are strings). */
export interface Typed<T> {
  readonly resource: Resource;
  readonly object: Readonly<T>;
  /** Namespace ("default" when unset). */
  readonly namespace: string;
  readonly name: string;
}

export interface TypedContainer {
  readonly container: Readonly<V1Container>;
  readonly init: boolean;
  /** JSON pointer of the container in its resource. */
  readonly pointer: string;
}

/** A workload's pod template (or a bare Pod), typed. */
export interface TypedPodTemplate {
  readonly resource: Resource;
  readonly namespace: string;
  readonly spec: Readonly<V1PodSpec>;
  /** JSON pointer of the pod spec, e.g. /spec/template/spec. */
  readonly specPointer: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly replicas: number | undefined;
  readonly containers: readonly TypedContainer[];
}

export interface CustomFinding {
  resource: Resource | Typed<unknown> | TypedPodTemplate;
  message: string;
  /** JSON pointer of the offending field (its source line is reported). */
  pointer?: string;
  hint?: string;
  /** Caps the severity (the configured one still wins when lower). */
  severity?: 'error' | 'warning';
}

export interface CustomCheckContext {
  readonly env: Environment;
  readonly tier: Tier;
  readonly resources: readonly Resource[];
  /** Rendered objects of a kind (in the group/version typed patches use for it), typed with its model. */
  objects<K extends keyof KindModels>(kind: K): readonly Typed<KindModels[K]>[];
  /** Every pod template (Deployments, StatefulSets, DaemonSets, Jobs, CronJobs, Pods…). */
  readonly podTemplates: readonly TypedPodTemplate[];
  /** A rendered resource by kind, namespace ("default" when unset) and name. */
  get(kind: string, namespace: string, name: string): Resource | undefined;
  /**
   * Reports a finding on an object; `field` is a JSON pointer or a typed path lambda like a
   * typed patch's ((s) => s.spec.replicas, byKey(…) and at(…) included).
   */
  report<T>(on: Typed<T>, message: string, field?: string | ((o: Field<T>) => unknown), extra?: { hint?: string; severity?: 'error' | 'warning' }): void;
  report(on: Resource | TypedPodTemplate, message: string, field?: string, extra?: { hint?: string; severity?: 'error' | 'warning' }): void;
}

export interface CustomCheckSpec {
  /** Lowercase words joined by '-', unique among built-in and custom checks. */
  id: string;
  title: string;
  /** What it catches (SARIF rule help; defaults to the title). */
  doc?: string;
  hint: string;
  severity: { dev: Sev; staging: Sev; prod: Sev };
  /** Tiers where the check can be neither waived nor lowered. */
  lockedIn?: Tier[];
  /** Reports with ctx.report, or returns findings. */
  run(ctx: CustomCheckContext): void | readonly CustomFinding[];
}

export interface CustomCheck extends Check {
  readonly __kforgeCheck: true;
}

const ID = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Turns a typed path (recorded like a typed patch's) into a JSON pointer against a concrete object. */
export function pointerOf<T>(object: T, fn: (o: Field<T>) => unknown): string {
  let cur: Json | undefined = object as unknown as Json;
  let out = '';
  for (const step of recordPath<T>(fn)) {
    if ('field' in step) {
      out += '/' + esc(step.field);
      cur = cur && typeof cur === 'object' && !Array.isArray(cur) ? cur[step.field] : undefined;
    } else if ('index' in step) {
      out += '/' + step.index;
      cur = Array.isArray(cur) ? cur[step.index] : undefined;
    } else {
      const list = Array.isArray(cur) ? cur : [];
      const i = list.findIndex((x) => x !== null && typeof x === 'object' && !Array.isArray(x) && x[step.key] === step.value);
      if (i < 0) return out; // the item is not there: point at the list
      out += '/' + i;
      cur = list[i];
    }
  }
  return out;
}

function wrap(ctx: CheckContext, out: RawFinding[]): CustomCheckContext {
  const objects = new Map<string, readonly unknown[]>();
  let pods: TypedPodTemplate[] | undefined;
  const resourceOf = (x: Resource | Typed<unknown> | TypedPodTemplate): Resource => ('resource' in x ? x.resource : x);
  return {
    env: ctx.env,
    tier: ctx.tier,
    resources: ctx.resources,
    objects<K extends keyof KindModels>(kind: K) {
      let l = objects.get(kind);
      if (!l) {
        const gvk = KIND_GROUPS[kind];
        if (!gvk) throw new TypeError(`objects(${String(kind)}): not a kind typed patches know`);
        l = ctx
          .ofKind(gvk.kind)
          .filter((r) => r.id.group === gvk.group && r.id.version === gvk.version)
          .map((r) => Object.freeze({ resource: r, object: r.object, namespace: ctx.ns(r), name: r.id.name }));
        objects.set(kind, l);
      }
      return l as unknown as readonly Typed<KindModels[K]>[];
    },
    get podTemplates() {
      pods ??= ctx.idx.podTemplates.map((p) =>
        Object.freeze({
          resource: p.resource,
          namespace: p.namespace,
          spec: p.spec as unknown as V1PodSpec,
          specPointer: p.specPtr,
          labels: p.labels,
          replicas: p.replicas,
          containers: p.containers.map((c) => Object.freeze({ container: c.container as unknown as V1Container, init: c.init, pointer: c.ptr })),
        }),
      );
      return pods;
    },
    get: ctx.get,
    report(on: Resource | Typed<unknown> | TypedPodTemplate, message: string, field?: string | ((o: never) => unknown), extra?: { hint?: string; severity?: 'error' | 'warning' }) {
      const resource = resourceOf(on);
      const pointer = typeof field === 'function' ? pointerOf(resource.object, field as (o: Field<unknown>) => unknown) : field;
      out.push({ resource, message, ...(pointer !== undefined ? { pointer } : {}), ...(extra?.hint ? { hint: extra.hint } : {}), ...(extra?.severity ? { severity: extra.severity } : {}) });
    },
  };
}

/** Declares a custom check (the default export of a file under policies/custom/). */
export function defineCheck(spec: CustomCheckSpec): CustomCheck {
  const location = callerLocation(2);
  return Object.freeze({
    id: spec.id,
    title: spec.title,
    doc: spec.doc ?? spec.title,
    hint: spec.hint,
    defaultSeverity: { ...spec.severity },
    ...(spec.lockedIn ? { lockedIn: [...spec.lockedIn] } : {}),
    ...(location ? { location } : {}),
    custom: true,
    run(ctx: CheckContext): RawFinding[] {
      const out: RawFinding[] = [];
      const returned = spec.run(wrap(ctx, out));
      if (Array.isArray(returned)) {
        for (const f of returned as readonly CustomFinding[]) {
          const resource = 'resource' in f.resource ? f.resource.resource : f.resource;
          out.push({ resource, message: f.message, ...(f.pointer !== undefined ? { pointer: f.pointer } : {}), ...(f.hint ? { hint: f.hint } : {}), ...(f.severity ? { severity: f.severity } : {}) });
        }
      }
      return out;
    },
    __kforgeCheck: true as const,
  });
}

function isCustomCheck(x: unknown): x is CustomCheck {
  return !!x && typeof x === 'object' && (x as { __kforgeCheck?: unknown }).__kforgeCheck === true;
}

const SEVS = new Set(['error', 'warning', 'off']);

/**
 * Loads the custom checks of a repository: `policies/custom/*.ts` (not `*.d.ts`), compiled to
 * `<distDir>/policies/custom/*.js`. Problems are diagnostics at the file (KF4109: not compiled,
 * failing to load, not a defineCheck; KF4110: an id that is invalid or taken); such a check is
 * left out, and the diagnostics are errors, so `check` and `render` stop.
 */
export async function loadCustomChecks(repoRoot: string, builtins: readonly Check[], opts: { distDir?: string } = {}): Promise<{ checks: CustomCheck[]; diagnostics: Diagnostic[] }> {
  const dir = path.join(repoRoot, 'policies', 'custom');
  const diagnostics: Diagnostic[] = [];
  const checks: CustomCheck[] = [];
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return { checks, diagnostics };
  const distDir = opts.distDir ?? path.join(repoRoot, 'dist');
  const taken = new Map<string, string>(builtins.map((c) => [c.id, 'a built-in check']));
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).sort();
  for (const f of files) {
    const src = path.join(dir, f);
    const shown = path.relative(process.cwd(), src) || src;
    const at: SourceLocation = { file: shown, line: 1, column: 1 };
    const compiled = path.join(distDir, 'policies', 'custom', f.replace(/\.ts$/, '.js'));
    if (!fs.existsSync(compiled) || fs.statSync(compiled).mtimeMs + 1 < fs.statSync(src).mtimeMs) {
      diagnostics.push(pdiag('KF4109', 'error', `custom check ${shown} is not compiled (or changed since it was)`, at, 'run npm run prepare (tsc) to type-check and compile policies/custom'));
      continue;
    }
    process.setSourceMapsEnabled?.(true);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
    } catch (e) {
      diagnostics.push(pdiag('KF4109', 'error', `custom check ${shown} failed to load: ${(e as Error).message}`, at, 'fix the error; the file must export default defineCheck({...})'));
      continue;
    }
    const list = Array.isArray(mod.default) ? mod.default : [mod.default];
    if (list.length === 0 || !list.every(isCustomCheck)) {
      diagnostics.push(pdiag('KF4109', 'error', `${shown} must export default defineCheck({...}) (or a list of them)`, at, "import { defineCheck } from '../api.js'"));
      continue;
    }
    for (const c of list as CustomCheck[]) {
      const where = c.location ?? at;
      if (!ID.test(c.id)) {
        diagnostics.push(pdiag('KF4110', 'error', `custom check id ${JSON.stringify(c.id)} in ${shown} is not lowercase words joined by '-'`, where, 'use an id like no-prerelease-image'));
        continue;
      }
      const other = taken.get(c.id);
      if (other) {
        diagnostics.push(pdiag('KF4110', 'error', `custom check id ${c.id} in ${shown} is already taken by ${other}`, where, 'give the custom check its own id'));
        continue;
      }
      const bad = (['dev', 'staging', 'prod'] as const).find((t) => !SEVS.has(c.defaultSeverity?.[t] as string));
      if (bad) {
        diagnostics.push(pdiag('KF4109', 'error', `custom check ${c.id}: severity.${bad} must be error, warning or off`, where));
        continue;
      }
      taken.set(c.id, `custom check ${shown}`);
      checks.push(c);
    }
  }
  return { checks, diagnostics };
}

