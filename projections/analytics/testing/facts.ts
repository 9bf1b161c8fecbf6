// Request facts for tests and the benchmark: a complete fact with overridable fields.
import type { RequestFact } from '../../../domain/ports.ts';

let seq = 0;

export function fact(over: Partial<RequestFact> & { at: number | string }): RequestFact {
  const { at, ...rest } = over;
  seq++;
  return {
    requestId: `req-${seq}`,
    timestamp: typeof at === 'number' ? new Date(at).toISOString() : at,
    gatewayId: 'gw-1',
    apiId: 'api-1',
    apiName: 'Orders',
    apiVersion: '1.0.0',
    apiContext: '/orders',
    apiMethod: 'GET',
    apiResourceTemplate: '/items/{id}',
    applicationId: 'app-1',
    applicationName: 'Shop',
    applicationOwner: 'alice',
    subscriptionTier: 'Gold',
    keyType: 'PRODUCTION',
    userName: 'alice',
    userIp: '10.0.0.1',
    userAgent: 'curl/8.5.0',
    destination: 'http://backend/items',
    targetResponseCode: 200,
    proxyResponseCode: 200,
    backendLatencyMs: 8,
    responseLatencyMs: 10,
    requestSize: 100,
    responseSize: 1000,
    errorType: null,
    errorCode: null,
    throttleKeys: [],
    ...rest,
  };
}

/** A throttled request as the gateway reports it (429, never reached the backend). */
export const throttled = (over: Partial<RequestFact> & { at: number | string }): RequestFact =>
  fact({
    proxyResponseCode: 429, targetResponseCode: null, backendLatencyMs: null, responseLatencyMs: 1,
    errorType: 'THROTTLED', errorCode: '900804', responseSize: 80, ...over,
  });

/** An authentication failure (401, no application known). */
export const authFailure = (over: Partial<RequestFact> & { at: number | string }): RequestFact =>
  fact({
    proxyResponseCode: 401, targetResponseCode: null, backendLatencyMs: null, responseLatencyMs: 1,
    errorType: 'AUTH_FAILURE', errorCode: '900901', applicationId: null, applicationName: null, userName: null,
    keyType: null, responseSize: 90, ...over,
  });
