// Authorisation against the map (WSO2 key validation, §3.3–3.5): the credential's application
// and key type, the API-key restrictions (subscribedAPIs, permittedIP, permittedReferer), the
// application's subscription to this API with its status, the endpoint of the key type, the
// resource's scopes and auth type. Unauthenticated requests use the production endpoint.
import type { MapApi } from '../../projections/gateway-map/view.ts';
import { subscriptionOf } from '../../projections/gateway-map/query.ts';
import type { Principal } from '../auth/principal.ts';
import type { RequestContext } from '../context.ts';
import { errors, type GatewayError } from '../errors.ts';
import { inRange, parseIp } from '../http/ip.ts';
import type { Phase } from '../phase.ts';

function coversApi(p: Principal, api: MapApi): boolean {
  if (p.subscribedApis === null) return false;
  const versioned = `${api.context}/${api.version}`;
  return p.subscribedApis.some(
    (s) =>
      (s.id !== null && s.id === api.id) ||
      (s.context !== null && (s.context === versioned || (s.context === api.context && s.version === api.version))) ||
      (s.id === null && s.context === null && s.name === api.name && s.version === api.version),
  );
}

function apiKeyRestrictions(ctx: RequestContext, p: Principal): GatewayError | undefined {
  if (p.permittedIps !== null) {
    const ip = parseIp(ctx.clientIp);
    if (ip === null || !p.permittedIps.some((r) => inRange(ip, r))) return errors.apiKeyForbidden;
  }
  if (p.permittedReferers !== null) {
    const referer = ctx.req.headers.referer;
    if (referer === undefined || !p.permittedReferers.some((re) => re.test(referer))) return errors.apiKeyForbidden;
  }
  if (!coversApi(p, ctx.api!)) return errors.apiKeyForbidden;
  return undefined;
}

function authorizeAnonymous(ctx: RequestContext): GatewayError | undefined {
  const endpoints = ctx.api!.endpoints;
  ctx.keyType = endpoints.production !== null || endpoints.sandbox === null ? 'PRODUCTION' : 'SANDBOX';
  ctx.endpoint = endpoints.production ?? endpoints.sandbox;
  return ctx.endpoint === null ? errors.backendUnreachable : undefined;
}

export const authorize: Phase = {
  name: 'authorize',
  run(ctx) {
    const p = ctx.principal;
    if (p === null) return authorizeAnonymous(ctx);
    const api = ctx.api!;
    const view = ctx.view;

    let applicationId: string | null;
    if (p.kind === 'OAUTH2') {
      const mapping = p.consumerKey === null ? undefined : view.consumerKeys.get(p.consumerKey);
      if (mapping === undefined) return errors.invalidCredentials;
      applicationId = mapping.applicationId;
      ctx.keyType = mapping.keyType;
    } else {
      const refused = apiKeyRestrictions(ctx, p);
      if (refused) return refused;
      applicationId = p.applicationId;
      ctx.keyType = p.keyType ?? 'PRODUCTION';
    }
    const app = applicationId === null ? undefined : view.applications.get(applicationId);
    if (app === undefined) return errors.invalidCredentials;
    ctx.application = app;

    const sub = subscriptionOf(view, app.id, api.id);
    if (sub === undefined) return errors.notSubscribed;
    switch (sub.status) {
      case 'BLOCKED':
        return errors.subscriptionBlocked;
      case 'PROD_ONLY_BLOCKED':
        if (ctx.keyType === 'PRODUCTION') return errors.subscriptionBlocked;
        break;
      case 'ON_HOLD':
      case 'REJECTED':
        return errors.subscriptionInactive;
      default:
        break; // UNBLOCKED, TIER_UPDATE_PENDING (the old tier stays active)
    }
    ctx.subscription = sub;
    ctx.tier = sub.tier;

    ctx.endpoint = ctx.keyType === 'PRODUCTION' ? api.endpoints.production : api.endpoints.sandbox;
    if (ctx.endpoint === null) return errors.noEndpointForKeyType;

    const resource = ctx.resource!;
    if (resource.scopes.length > 0) {
      let allowed = false;
      for (const s of resource.scopes) if (p.scopes.has(s)) allowed = true;
      if (!allowed) return errors.scopeNotAllowed;
    }
    if (p.tokenType !== null) {
      if (resource.authType === 'APPLICATION' && p.tokenType !== 'APPLICATION') return errors.incorrectTokenType;
      if (resource.authType === 'APPLICATION_USER' && p.tokenType !== 'APPLICATION_USER') return errors.incorrectTokenType;
    }
    return undefined;
  },
};
