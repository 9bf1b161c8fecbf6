// Who is calling: what a verified JWT access token or API key says, reduced to the fields
// the later phases read. Built once per distinct token and cached until the token's exp.
import type { KeyType } from '../../domain/application/events.ts';
import type { IpRange } from '../http/ip.ts';

export type CredentialKind = 'OAUTH2' | 'API_KEY';

/** An entry of the API key's `subscribedAPIs` claim (WSO2 §3.4). */
export interface SubscribedApi {
  id: string | null;
  name: string | null;
  context: string | null;
  version: string | null;
}

export interface Principal {
  kind: CredentialKind;
  kid: string;
  jti: string;
  /** Epoch ms after which the cached verification is void (exp + tolerance), Infinity without exp. */
  validUntilMs: number;
  exp: number | null;
  subject: string;
  /** OAuth2: the `azp` / `client_id` (consumer key); API keys have none. */
  consumerKey: string | null;
  /** API keys: `application.id`; OAuth2 tokens: from the claim, checked against the key mapping. */
  applicationId: string | null;
  keyType: KeyType | null;
  scopes: ReadonlySet<string>;
  /** `aut`: APPLICATION (client credentials) or APPLICATION_USER. */
  tokenType: 'APPLICATION' | 'APPLICATION_USER' | null;
  subscribedApis: SubscribedApi[] | null;
  permittedIps: IpRange[] | null;
  permittedReferers: RegExp[] | null;
  claims: Readonly<Record<string, unknown>>;
  /** Cache: the application-level throttle key `{appId}:{subject}` and the app it was built for. */
  appThrottleKey: string | null;
  appThrottleKeyFor: string | null;
}
