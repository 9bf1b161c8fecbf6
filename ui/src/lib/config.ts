// Where the gateway (:8280 by default) answers, for URLs shown to developers and the try-it
// console. The management API does not publish it, so the portal derives it from its own host
// and lets the person override it (kept in localStorage).
const KEY = 'gatehouse.gatewayUrl';
const DEFAULT_GATEWAY_PORT = 8280;

export function defaultGatewayUrl(): string {
  return `${location.protocol}//${location.hostname}:${DEFAULT_GATEWAY_PORT}`;
}

export function gatewayUrl(): string {
  return localStorage.getItem(KEY) || defaultGatewayUrl();
}

export function setGatewayUrl(url: string): void {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!trimmed || trimmed === defaultGatewayUrl()) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, trimmed);
}

/** Gateway URLs of an API: versioned, and unversioned when it is the default version. */
export function invocationUrls(api: { context: string; version: string; isDefaultVersion: boolean }): string[] {
  const base = gatewayUrl();
  const context = api.context.startsWith('/') ? api.context : `/${api.context}`;
  const urls = [`${base}${context}/${api.version}`];
  if (api.isDefaultVersion) urls.push(`${base}${context}`);
  return urls;
}
