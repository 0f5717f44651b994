import type { Diagnostic, Environment, JsonObject, Resource, SourceLocation } from '../compiler/types.js';

/** Configured severity of a check in one environment tier. */
export type Sev = 'error' | 'warning' | 'off';
export type Tier = 'dev' | 'staging' | 'prod';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export interface WaivedBy {
  reason: string;
  owner: string;
  expires: string;
}

/** One reported policy violation, located at the source line that produced it. */
export interface Finding {
  id: string;
  severity: 'error' | 'warning';
  message: string;
  hint: string;
  resource: ResourceRef;
  source?: SourceLocation;
  pointer?: string;
  waived?: WaivedBy;
}

/** What a check returns: the engine adds id, severity, hint and location. */
export interface RawFinding {
  resource: Resource;
  message: string;
  /** JSON pointer of the offending field in the rendered object. */
  pointer?: string;
  /** Overrides the check's hint. */
  hint?: string;
  /**
   * Caps the severity (e.g. "deprecated" is a warning even where the check is an error).
   * The configured severity still wins when it is lower.
   */
  severity?: 'error' | 'warning';
}

/** A workload's pod template (or a bare Pod), found once. */
export interface PodTemplate {
  resource: Resource;
  namespace: string;
  /** Pointer of the pod spec, e.g. /spec/template/spec; "/spec" for a Pod. */
  specPtr: string;
  spec: JsonObject;
  labels: Record<string, string>;
  /** Desired replicas; undefined for DaemonSets, Jobs and CronJobs. */
  replicas: number | undefined;
  containers: ContainerRef[];
}

export interface ContainerRef {
  container: JsonObject;
  /** Pointer of the container, e.g. /spec/template/spec/containers/0. */
  ptr: string;
  init: boolean;
}

export interface Indexes {
  byKind: ReadonlyMap<string, readonly Resource[]>;
  /** `${namespace}|${kind}` → resources ("default" for unset namespaces). */
  byNsKind: ReadonlyMap<string, readonly Resource[]>;
  /** `${kind}|${namespace}|${name}` → resource. */
  byName: ReadonlyMap<string, Resource>;
  podTemplates: readonly PodTemplate[];
  podTemplatesByNs: ReadonlyMap<string, readonly PodTemplate[]>;
  podTemplateOf: ReadonlyMap<Resource, PodTemplate>;
  servicesByNs: ReadonlyMap<string, readonly Resource[]>;
  /** `${namespace}|${key}=${value}` → pod templates carrying that label. */
  podsByLabel: ReadonlyMap<string, readonly PodTemplate[]>;
  /** `${namespace}|${name}` of every Secret that exists at run time (Secret, ExternalSecret target, SealedSecret). */
  secretNames: ReadonlySet<string>;
  /** Keys known for a rendered Secret/ConfigMap: `${kind}|${ns}|${name}` → keys, or undefined when unknown (external). */
  dataKeys: ReadonlyMap<string, ReadonlySet<string> | undefined>;
}

export interface CheckContext {
  readonly resources: readonly Resource[];
  readonly env: Environment;
  readonly tier: Tier;
  readonly idx: Indexes;
  /** CustomResourceDefinitions vendored for the environment (not rendered): RunOptions.crds. */
  readonly crds: readonly Resource[];
  /** Admission policies, bindings and params given by RunOptions.admission (undefined: admission-policy reads policies/admission/). */
  readonly admission: readonly Resource[] | undefined;
  /** Adds a note (or warning) diagnostic to the report, once per distinct message. */
  note(code: 'KF4113', message: string, location?: SourceLocation, severity?: 'info' | 'warning'): void;
  /** Namespace of a resource, "default" when unset. */
  ns(r: Resource): string;
  get(kind: string, namespace: string, name: string): Resource | undefined;
  ofKind(kind: string): readonly Resource[];
  inNs(namespace: string, kind: string): readonly Resource[];
  /** Best source location of a field: its fieldSources entry, else its line in the origin file, else the document. */
  locate(r: Resource, pointer?: string): SourceLocation | undefined;
}

export interface Check {
  id: string;
  title: string;
  doc: string;
  hint: string;
  /** Diagnostics a check reports besides its findings (admission policies: compile errors, Audit notes), read after run. */
  diagnostics?(ctx: CheckContext): Diagnostic[];
  defaultSeverity: { dev: Sev; staging: Sev; prod: Sev };
  /** Tiers where the check can be neither waived nor lowered. */
  lockedIn?: Tier[];
  run(ctx: CheckContext): RawFinding[];
  /** A repository's own check (policies/custom/*.ts), and where it was defined. */
  custom?: boolean;
  location?: SourceLocation;
}

export interface Waiver {
  check: string;
  kind?: string;
  /** Glob (`*`, `?`) or `/regex/`. */
  name?: string;
  namespace?: string;
  /** Environments the waiver applies to; all when absent. */
  environments?: string[];
  reason: string;
  owner: string;
  expires: string;
  /** Where it was written, for stale/expired reports. */
  location?: SourceLocation;
}

export interface Report {
  /** Active and waived findings (waived ones carry `waived`), sorted by file, line, column, id. */
  findings: Finding[];
  counts: { error: number; warning: number; waived: number; baselined: number };
  staleWaivers: Waiver[];
  diagnostics: Diagnostic[];
}

export type LocateField = (file: string, docIndex: number, pointer: string) => { line: number; column: number } | undefined;
