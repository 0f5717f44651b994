import type { Check } from './types.js';
import { schema } from './checks/schema.js';
import { removedApi } from './checks/removed-api.js';
import { unknownApi } from './checks/unknown-api.js';
import { crdSchema } from './checks/crd-schema.js';
import { danglingRef } from './checks/dangling-ref.js';
import { namespaceConsistency } from './checks/namespace-consistency.js';
import { discoveryRbac, discoveryServiceName } from './checks/discovery.js';
import { hostPath, imageTag, jvmHeap, privileged, probes, resources } from './checks/workload.js';
import { plaintextSecret, rbacWildcard, secretInProd } from './checks/secrets.js';
import { pdbMissing, pdbUnsatisfiable, quorum } from './checks/availability.js';
import { connectionString, duplicateId, duplicatePort, ingressCollision, nodeportRange } from './checks/network.js';
import { admissionPolicy } from './admission/index.js';


/** Every built-in check, in report order. Ids are stable. */
export const CHECKS: readonly Check[] = Object.freeze([
  schema,
  removedApi,
  unknownApi,
  crdSchema,
  admissionPolicy,
  danglingRef,
  namespaceConsistency,
  discoveryServiceName,
  discoveryRbac,
  imageTag,
  resources,
  jvmHeap,
  probes,
  privileged,
  hostPath,
  plaintextSecret,
  secretInProd,
  rbacWildcard,
  pdbMissing,
  pdbUnsatisfiable,
  connectionString,
  quorum,
  nodeportRange,
  duplicatePort,
  ingressCollision,
  duplicateId,
]);

