// The backend JWT (WSO2 §3.8): end-user and application claims under http://wso2.org/claims/,
// signed by the gateway's own key and sent as X-JWT-Assertion. Signed synchronously with
// node:crypto (ES256, JOSE signature encoding) and cached per token × API × tier until it
// nears expiry, so a steady client costs one signature per TTL, not one per request.
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';

const CLAIMS = 'http://wso2.org/claims/';

export interface BackendJwtSubject {
  cacheKey: string;
  /** Epoch seconds of the caller's credential, null when it does not expire. */
  credentialExp: number | null;
  endUser: string;
  userType: 'APPLICATION' | 'APPLICATION_USER';
  keyType: string;
  application: { id: string; name: string; owner: string; tier: string };
  api: { name: string; context: string; version: string };
  subscriptionTier: string;
}

export interface BackendJwtOptions {
  /** PKCS#8 PEM or a KeyObject of an EC P-256 private key; generated at start when absent. */
  privateKey?: KeyObject | string;
  kid?: string;
  issuer: string;
  ttlSeconds: number;
  maxCached?: number;
}

interface Cached {
  jwt: string;
  /** Reuse until this epoch ms (a minute before exp). */
  until: number;
}

const b64url = (s: string): string => Buffer.from(s, 'utf8').toString('base64url');

export class BackendJwtSigner {
  readonly kid: string;
  private readonly key: KeyObject;
  private readonly publicJwk: Record<string, unknown>;
  private readonly header: string;
  private readonly cache = new Map<string, Cached>();
  private readonly maxCached: number;

  constructor(private readonly options: BackendJwtOptions) {
    this.key =
      options.privateKey === undefined
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : typeof options.privateKey === 'string'
          ? createPrivateKey(options.privateKey)
          : options.privateKey;
    this.kid = options.kid ?? `gateway-${randomUUID()}`;
    this.publicJwk = { ...createPublicKey(this.key).export({ format: 'jwk' }), kid: this.kid, alg: 'ES256', use: 'sig' };
    this.header = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', kid: this.kid }));
    this.maxCached = options.maxCached ?? 50_000;
  }

  /** The public key backends verify X-JWT-Assertion with. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [this.publicJwk] };
  }

  assertion(s: BackendJwtSubject, nowMs: number): string {
    const hit = this.cache.get(s.cacheKey);
    if (hit !== undefined && hit.until > nowMs) return hit.jwt;
    const iat = Math.floor(nowMs / 1000);
    const exp = Math.min(iat + this.options.ttlSeconds, s.credentialExp ?? Number.POSITIVE_INFINITY);
    const payload = {
      iss: this.options.issuer,
      sub: s.endUser,
      iat,
      exp,
      jti: randomUUID(),
      [`${CLAIMS}subscriber`]: s.application.owner,
      [`${CLAIMS}applicationid`]: s.application.id,
      [`${CLAIMS}applicationUUId`]: s.application.id,
      [`${CLAIMS}applicationname`]: s.application.name,
      [`${CLAIMS}applicationtier`]: s.application.tier,
      [`${CLAIMS}apiname`]: s.api.name,
      [`${CLAIMS}apicontext`]: s.api.context,
      [`${CLAIMS}version`]: s.api.version,
      [`${CLAIMS}tier`]: s.subscriptionTier,
      [`${CLAIMS}keytype`]: s.keyType,
      [`${CLAIMS}usertype`]: s.userType,
      [`${CLAIMS}enduser`]: s.endUser,
      [`${CLAIMS}enduserTenantId`]: '-1234',
    };
    const signingInput = `${this.header}.${b64url(JSON.stringify(payload))}`;
    const signature = sign('sha256', Buffer.from(signingInput), { key: this.key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
    const jwt = `${signingInput}.${signature}`;
    if (this.cache.size >= this.maxCached) this.cache.clear();
    this.cache.set(s.cacheKey, { jwt, until: Math.min(exp * 1000 - 60_000, nowMs + this.options.ttlSeconds * 1000) });
    return jwt;
  }
}
