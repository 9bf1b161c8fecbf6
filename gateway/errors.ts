// The gateway's one error catalog: WSO2 codes, messages and HTTP statuses (reference §5.2),
// plus the few edge errors (limits, malformed requests) WSO2 has no code for. Bodies are
// pre-serialised once, so an error response on the hot path allocates nothing new.
import type { RequestFact } from '../domain/ports.ts';

export type ErrorType = NonNullable<RequestFact['errorType']>;

export interface GatewayError {
  readonly key: ErrorKey;
  readonly code: string;
  readonly status: number;
  readonly message: string;
  readonly description: string;
  readonly errorType: ErrorType;
  /** The JSON body, serialised once. */
  readonly body: Buffer;
  /** Throttled responses carry Retry-After (deny policies do not: they have no end). */
  readonly retryAfter: boolean;
}

interface Entry {
  code: string;
  status: number;
  message: string;
  description: string;
  errorType: ErrorType;
}

const CATALOG = {
  // --- authentication / authorisation (WSO2 9009xx)
  invalidCredentials: { code: '900901', status: 401, message: 'Invalid Credentials', description: 'Invalid Credentials. Make sure you have provided the correct security credentials', errorType: 'AUTH_FAILURE' },
  noEndpointForKeyType: { code: '900901', status: 401, message: 'Invalid Credentials', description: 'The key type of the credentials has no endpoint on this API (production/sandbox key offered to an API with no production/sandbox endpoint)', errorType: 'AUTH_FAILURE' },
  missingCredentials: { code: '900902', status: 401, message: 'Missing Credentials', description: 'Invalid Credentials. Make sure your API invocation call has a header: \'Authorization : Bearer ACCESS_TOKEN\' or \'apikey : API_KEY\'', errorType: 'AUTH_FAILURE' },
  incorrectTokenType: { code: '900905', status: 401, message: 'Incorrect Access Token Type is provided', description: 'The access token type (application or application user) is not allowed on this resource', errorType: 'AUTH_FAILURE' },
  noMatchingResource: { code: '900906', status: 404, message: 'No matching resource found for given API Request', description: 'The requested resource is not available', errorType: 'RESOURCE_NOT_FOUND' },
  subscriptionBlocked: { code: '900907', status: 401, message: 'The requested API is temporarily blocked', description: 'The subscription of this application to the API is blocked', errorType: 'AUTH_FAILURE' },
  notSubscribed: { code: '900908', status: 403, message: 'Resource forbidden', description: 'User is NOT authorized to access the Resource. API Subscription validation failed', errorType: 'AUTH_FAILURE' },
  apiKeyForbidden: { code: '900908', status: 403, message: 'Resource forbidden', description: 'The API key is not allowed from this client (permitted IP or referer mismatch) or does not cover this API', errorType: 'AUTH_FAILURE' },
  subscriptionInactive: { code: '900909', status: 401, message: 'The subscription to the API is inactive', description: 'The subscription is on hold or was rejected', errorType: 'AUTH_FAILURE' },
  scopeNotAllowed: { code: '900910', status: 403, message: 'The access token does not allow you to access the requested resource', description: 'User is NOT authorized to access the Resource: the token\'s scopes do not include a scope of this resource', errorType: 'AUTH_FAILURE' },
  // --- API status
  apiBlocked: { code: '700700', status: 503, message: 'API blocked', description: 'This API has been blocked temporarily. Please try again later or contact the system administrators.', errorType: 'BLOCKED' },
  // --- throttling (WSO2 9008xx)
  hardLimitExceeded: { code: '900801', status: 503, message: 'Hard limit exceeded', description: 'API not accepting requests: the backend hard limit (maxTps) of this key type is reached', errorType: 'THROTTLED' },
  apiThrottled: { code: '900800', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: API level limit exceeded', errorType: 'THROTTLED' },
  resourceThrottled: { code: '900802', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: resource level limit exceeded', errorType: 'THROTTLED' },
  applicationThrottled: { code: '900803', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: application level limit exceeded', errorType: 'THROTTLED' },
  subscriptionThrottled: { code: '900804', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: subscription level limit exceeded', errorType: 'THROTTLED' },
  blockedByDenyPolicy: { code: '900805', status: 429, message: 'Message blocked', description: 'You have been blocked from accessing the resource (deny policy)', errorType: 'BLOCKED' },
  customThrottled: { code: '900806', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: custom policy limit exceeded', errorType: 'THROTTLED' },
  burstThrottled: { code: '900807', status: 429, message: 'Message throttled out', description: 'You have exceeded your quota: burst control (spike arrest) limit exceeded', errorType: 'THROTTLED' },
  // --- backend transport (WSO2 1015xx)
  backendUnreachable: { code: '101503', status: 502, message: 'Error connecting to the back end', description: 'The backend could not be reached', errorType: 'TARGET_CONNECTIVITY' },
  backendTimeout: { code: '101504', status: 504, message: 'Connection timed out', description: 'The backend did not answer in time', errorType: 'TARGET_CONNECTIVITY' },
  // --- malformed or oversized requests (Gatehouse codes where WSO2 has none)
  incompletePayload: { code: '102511', status: 400, message: 'Incomplete payload', description: 'The request body ended before its declared length', errorType: 'OTHER' },
  badRequest: { code: '900400', status: 400, message: 'Bad request', description: 'The request path is malformed: encoded slashes, dot segments, invalid percent-encoding or invalid UTF-8', errorType: 'OTHER' },
  requestTimeout: { code: '900408', status: 408, message: 'Request timeout', description: 'The client did not send the request in time', errorType: 'OTHER' },
  payloadTooLarge: { code: '900413', status: 413, message: 'Payload too large', description: 'The request body exceeds the gateway limit', errorType: 'OTHER' },
  uriTooLong: { code: '900414', status: 414, message: 'URI too long', description: 'The request URL exceeds the gateway limit', errorType: 'OTHER' },
  headersTooLarge: { code: '900431', status: 431, message: 'Request header fields too large', description: 'The request headers exceed the gateway limit', errorType: 'OTHER' },
  internalError: { code: '900500', status: 500, message: 'Internal gateway error', description: 'The gateway failed while handling the request', errorType: 'OTHER' },
} as const satisfies Record<string, Entry>;

export type ErrorKey = keyof typeof CATALOG;

function build(key: ErrorKey, e: Entry): GatewayError {
  const body = Buffer.from(JSON.stringify({ code: e.code, message: e.message, description: e.description }));
  return Object.freeze({ key, ...e, body, retryAfter: e.errorType === 'THROTTLED' });
}

/** Every gateway error, by key. */
export const errors: { readonly [K in ErrorKey]: GatewayError } = Object.fromEntries(
  (Object.entries(CATALOG) as [ErrorKey, Entry][]).map(([k, e]) => [k, build(k, e)]),
) as { [K in ErrorKey]: GatewayError };

/** The raw HTTP response for errors raised before a request object exists (node's clientError). */
export function rawErrorResponse(e: GatewayError): string {
  return (
    `HTTP/1.1 ${e.status} ${e.message}\r\n` +
    'Content-Type: application/json\r\n' +
    `Content-Length: ${e.body.length}\r\n` +
    'Connection: close\r\n\r\n' +
    e.body.toString('utf8')
  );
}
