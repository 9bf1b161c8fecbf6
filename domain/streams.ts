// Stream ids: one stream per aggregate instance (ARCHITECTURE rule 3), plus reservation and
// index streams that make uniqueness across aggregates an append with STREAM_DOES_NOT_EXIST.
// Free-text parts (context, version, names) are escaped so the `-` separator stays unambiguous.

/** Escapes `%` and `-` (and nothing else) so a free-text part never contains the separator. */
export const escapePart = (s: string): string => s.replace(/%/g, '%25').replace(/-/g, '%2D');

export type PolicyLevel = 'SUBSCRIPTION' | 'APPLICATION' | 'ADVANCED';

export const apiStream = (apiId: string): string => `api-${apiId}`;
export const appStream = (applicationId: string): string => `app-${applicationId}`;
export const subStream = (subscriptionId: string): string => `sub-${subscriptionId}`;
export const policyStream = (level: PolicyLevel, name: string): string =>
  `policy-${level.toLowerCase()}-${escapePart(name)}`;
export const userStream = (username: string): string => `user-${escapePart(username)}`;
export const SIGNING_KEYS_STREAM = 'keys-signing';
export const blockingStream = (conditionId: string): string => `blocking-${conditionId}`;
/** Revocation of one token (access token, refresh token or API key) by its jti. */
export const tokenStream = (jti: string): string => `token-${jti}`;
/** One refresh-token family: every rotation of a refresh token issued by one grant. */
export const refreshFamilyStream = (familyId: string): string => `refresh-${familyId}`;
/** Index of the versions of one API name (case-insensitive); holds the default version. */
export const apiVersionsStream = (apiName: string): string => `api-versions-${escapePart(apiName.toLowerCase())}`;

export const apiContextReservation = (context: string, version: string): string =>
  `reservation-api-${escapePart(context)}-${escapePart(version)}`;
/** One context belongs to one API name (its versions index stream holds it). */
export const apiContextOwnerReservation = (context: string): string => `reservation-context-${escapePart(context)}`;
export const applicationNameReservation = (owner: string, name: string): string =>
  `reservation-appname-${escapePart(owner)}-${escapePart(name.toLowerCase())}`;
export const subscriptionReservation = (applicationId: string, apiId: string): string =>
  `reservation-subscription-${applicationId}-${apiId}`;

export type AggregateKind =
  | 'api'
  | 'api-versions'
  | 'application'
  | 'subscription'
  | 'policy'
  | 'user'
  | 'signing-keys'
  | 'blocking'
  | 'token'
  | 'refresh-family'
  | 'reservation';

// Longest prefixes first: `api-versions-` must win over `api-`.
const PREFIXES: ReadonlyArray<readonly [string, AggregateKind]> = [
  ['api-versions-', 'api-versions'],
  ['reservation-', 'reservation'],
  ['api-', 'api'],
  ['app-', 'application'],
  ['sub-', 'subscription'],
  ['policy-', 'policy'],
  ['user-', 'user'],
  ['blocking-', 'blocking'],
  ['token-', 'token'],
  ['refresh-', 'refresh-family'],
];

/** The aggregate kind a stream id belongs to, or undefined for a stream Gatehouse does not own. */
export function aggregateOf(streamId: string): AggregateKind | undefined {
  if (streamId === SIGNING_KEYS_STREAM) return 'signing-keys';
  return PREFIXES.find(([prefix]) => streamId.startsWith(prefix))?.[1];
}
