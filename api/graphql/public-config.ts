// What any client may know about this installation (the `config` query): where the gateway
// answers, the token issuer and its endpoints, the version. Nothing here is a secret.
import { JWKS_PATH, REVOKE_PATH, TOKEN_PATH } from '../oauth/constants.ts';

export interface PublicConfigSource {
  version: string;
  issuer(): string;
  /** GATEHOUSE_GATEWAY_URL: where clients reach the gateway (a proxy, another host); wins when set. */
  gatewayUrl: string | null;
  /** Where this process's gateway listens; null before it does, or when the gateway runs elsewhere. */
  gatewayListening(): { host: string; port: number } | null;
}

/** The host and scheme a request came to (fastify's request.protocol and request.hostname). */
export interface RequestOrigin {
  protocol: string;
  hostname: string;
}

export interface PublicConfig {
  gatewayUrl: string | null;
  issuer: string;
  tokenEndpoint: string;
  revocationEndpoint: string;
  jwksUri: string;
  version: string;
}

const WILDCARD = new Set(['0.0.0.0', '::', '']);
const HOSTNAME = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*|\[[0-9A-Fa-f:.]+\])$/;

/**
 * The gateway's base URL as this caller can reach it. A gateway bound to every interface has no
 * one address: the caller reached the control plane at some host, and the gateway listens there
 * too (its own port, plain HTTP). A specific bind address is the answer as it is.
 */
export function gatewayUrlFor(source: Pick<PublicConfigSource, 'gatewayUrl' | 'gatewayListening'>, origin?: RequestOrigin): string | null {
  if (source.gatewayUrl) return source.gatewayUrl;
  const listening = source.gatewayListening();
  if (!listening) return null;
  let host = listening.host;
  if (WILDCARD.has(host)) host = origin && HOSTNAME.test(origin.hostname) ? origin.hostname : 'localhost';
  else if (host.includes(':')) host = `[${host}]`;
  return `http://${host}:${listening.port}`;
}

export function publicConfig(source: PublicConfigSource, origin?: RequestOrigin): PublicConfig {
  const issuer = source.issuer();
  return {
    gatewayUrl: gatewayUrlFor(source, origin),
    issuer,
    tokenEndpoint: `${issuer}${TOKEN_PATH}`,
    revocationEndpoint: `${issuer}${REVOKE_PATH}`,
    jwksUri: `${issuer}${JWKS_PATH}`,
    version: source.version,
  };
}
