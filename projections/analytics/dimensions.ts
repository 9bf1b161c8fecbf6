// The dimensions a request fact is counted under, and how high-cardinality ones fold into
// "(other)" when a bucket is full. Absent values (a request that matched no API, no
// application) are the empty string inside and null outside.
import type { RequestFact } from '../../domain/ports.ts';

export interface RowDimensions {
  apiId: string;
  apiVersion: string;
  /** "GET /orders/{id}": method and resource template. */
  operation: string;
  applicationId: string;
  userName: string;
  keyType: string;
  /** "2xx", "4xx", "5xx" … of the status sent to the client. */
  statusClass: string;
  /** WSO2 error code ("900804"), empty when the request did not fail in the gateway. */
  errorCode: string;
}

export type Dimension = keyof RowDimensions;

export const DIMENSIONS: readonly Dimension[] = [
  'apiId', 'apiVersion', 'operation', 'applicationId', 'userName', 'keyType', 'statusClass', 'errorCode',
];

export const NONE = '';
export const OTHER = '(other)';
const SEP = '\x1f';

export const statusClassOf = (status: number): string => `${Math.floor(status / 100)}xx`;
export const operationOf = (f: RequestFact): string => `${f.apiMethod} ${f.apiResourceTemplate ?? '*'}`;

/** The row key of a fact, built without an intermediate object (hot path). */
export const factKey = (f: RequestFact): string =>
  (f.apiId ?? NONE) + SEP + (f.apiVersion ?? NONE) + SEP + f.apiMethod + ' ' + (f.apiResourceTemplate ?? '*') + SEP +
  (f.applicationId ?? NONE) + SEP + (f.userName ?? NONE) + SEP + (f.keyType ?? NONE) + SEP +
  statusClassOf(f.proxyResponseCode) + SEP + (f.errorCode ?? NONE);

/** Dimensions of a fact; `intern` lets rows share one copy of each repeated value. */
export const dimensionsOf = (f: RequestFact, intern: (s: string) => string = (s) => s): RowDimensions => ({
  apiId: intern(f.apiId ?? NONE),
  apiVersion: intern(f.apiVersion ?? NONE),
  operation: intern(operationOf(f)),
  applicationId: intern(f.applicationId ?? NONE),
  userName: intern(f.userName ?? NONE),
  keyType: intern(f.keyType ?? NONE),
  statusClass: intern(statusClassOf(f.proxyResponseCode)),
  errorCode: intern(f.errorCode ?? NONE),
});

/** A bounded string intern table (cleared whole when full: a cache, invisible to results). */
export function createInterner(cap = 50_000): (s: string) => string {
  const table = new Map<string, string>();
  return (s) => {
    const hit = table.get(s);
    if (hit !== undefined) return hit;
    if (table.size >= cap) table.clear();
    table.set(s, s);
    return s;
  };
}

export const keyOf = (d: RowDimensions): string =>
  d.apiId + SEP + d.apiVersion + SEP + d.operation + SEP + d.applicationId + SEP + d.userName + SEP + d.keyType + SEP +
  d.statusClass + SEP + d.errorCode;

export const dimensionsOfKey = (key: string): RowDimensions => {
  const [apiId, apiVersion, operation, applicationId, userName, keyType, statusClass, errorCode] = key.split(SEP) as [
    string, string, string, string, string, string, string, string,
  ];
  return { apiId, apiVersion, operation, applicationId, userName, keyType, statusClass, errorCode };
};

/** Fold levels, coarsest last: users go first, then applications, then operations and versions. */
export const FOLD_LEVELS = 4;
export function fold(d: RowDimensions, level: number): RowDimensions {
  const f = { ...d, userName: OTHER };
  if (level >= 2) f.applicationId = OTHER;
  if (level >= 3) f.operation = OTHER;
  if (level >= 4) {
    f.apiVersion = OTHER;
    f.errorCode = OTHER;
  }
  return f;
}

/** Key of the client counters (IPs, agents, platforms) of one API × application in a bucket. */
export const clientKey = (apiId: string | null, applicationId: string | null): string =>
  (apiId ?? NONE) + SEP + (applicationId ?? NONE);
export const splitClientKey = (key: string): { apiId: string; applicationId: string } => {
  const i = key.indexOf(SEP);
  return { apiId: key.slice(0, i), applicationId: key.slice(i + 1) };
};
