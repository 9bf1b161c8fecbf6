// Application (app-<uuid>), subscription (sub-<uuid>) and token revocation (token-<jti>)
// events into the catalog. Consumer-secret hashes go to `clients` only, never to a record.
import type { ApplicationEvent, KeyType } from '../../domain/application/events.ts';
import type { RecordedEvent } from '../../domain/ports.ts';
import type { SubscriptionEvent } from '../../domain/subscription/events.ts';
import type { TokenEvent } from '../../domain/tokens/events.ts';
import { indexApplication, indexSubscription, unindexApplication, unindexSubscription } from './indexing.ts';
import type { ApplicationKeyInfo, ApplicationRecord, CatalogView, SubscriptionRecord } from './view.ts';

const KEY_ORDER: Record<KeyType, number> = { PRODUCTION: 0, SANDBOX: 1 };
/** Revocations are kept a day past the token's expiry, then forgotten (the token is dead anyway). */
const REVOCATION_GRACE_S = 86_400;

const epochToIso = (seconds: number | null): string | null => (seconds === null ? null : new Date(seconds * 1000).toISOString());

function changeApp(view: CatalogView, id: string, event: RecordedEvent, patch: (app: ApplicationRecord) => Partial<ApplicationRecord>): void {
  const app = view.applications.get(id);
  if (!app) return;
  view.applications.set(id, { ...app, ...patch(app), streamVersion: event.streamVersion, position: event.globalPosition });
}

function withKey(keys: ApplicationKeyInfo[], key: ApplicationKeyInfo): ApplicationKeyInfo[] {
  return [...keys.filter((k) => k.keyType !== key.keyType), key].sort((a, b) => KEY_ORDER[a.keyType] - KEY_ORDER[b.keyType]);
}

export function applyApplicationEvent(view: CatalogView, e: ApplicationEvent, event: RecordedEvent): void {
  const at = event.metadata.recordedAt;
  switch (e.type) {
    case 'ApplicationCreated': {
      const d = e.data;
      const app: ApplicationRecord = {
        id: d.applicationId,
        name: d.name,
        owner: d.owner,
        throttlingPolicy: d.throttlingPolicy,
        description: d.description,
        status: d.status ?? 'APPROVED',
        tokenType: d.tokenType,
        attributes: { ...(d.attributes ?? {}) },
        keys: [],
        apiKeys: [],
        createdAt: at,
        streamVersion: event.streamVersion,
        position: event.globalPosition,
      };
      view.applications.set(app.id, app);
      indexApplication(view, app);
      return;
    }
    case 'ApplicationUpdated':
      return changeApp(view, e.data.applicationId, event, () => ({
        name: e.data.name,
        throttlingPolicy: e.data.throttlingPolicy,
        description: e.data.description,
        attributes: { ...(e.data.attributes ?? {}) },
      }));
    case 'ApplicationDeleted': {
      const app = view.applications.get(e.data.applicationId);
      if (!app) return;
      view.applications.delete(app.id);
      unindexApplication(view, app);
      for (const key of app.keys) view.clients.delete(key.consumerKey);
      return;
    }
    case 'ApplicationKeysGenerated': {
      const d = e.data;
      const app = view.applications.get(d.applicationId);
      if (!app) return;
      const previous = app.keys.find((k) => k.keyType === d.keyType);
      if (previous && previous.consumerKey !== d.consumerKey) view.clients.delete(previous.consumerKey);
      view.clients.set(d.consumerKey, {
        consumerKey: d.consumerKey,
        secretHash: d.secretHash,
        keyType: d.keyType,
        grantTypes: [...d.grantTypes],
        tokenValiditySeconds: d.tokenValiditySeconds ?? null,
        ...(d.callbackUrl ? { callbackUrl: d.callbackUrl } : {}),
        applicationId: d.applicationId,
      });
      return changeApp(view, d.applicationId, event, (a) => ({
        keys: withKey(a.keys, {
          keyType: d.keyType,
          consumerKey: d.consumerKey,
          grantTypes: [...d.grantTypes],
          tokenValiditySeconds: d.tokenValiditySeconds ?? null,
          ...(d.callbackUrl ? { callbackUrl: d.callbackUrl } : {}),
          secretIssuedAt: at,
          createdAt: at,
        }),
      }));
    }
    case 'ApplicationKeysUpdated': {
      // Only the fields present changed; callbackUrl null removes it, as if never registered.
      const d = e.data;
      const settle = <T extends { grantTypes: string[]; tokenValiditySeconds: number | null; callbackUrl?: string | null }>(k: T): T => {
        const { callbackUrl, ...rest } = k;
        const url = d.callbackUrl === undefined ? callbackUrl : d.callbackUrl;
        return {
          ...rest,
          ...(d.grantTypes ? { grantTypes: [...d.grantTypes] } : {}),
          ...(d.tokenValiditySeconds === undefined ? {} : { tokenValiditySeconds: d.tokenValiditySeconds }),
          ...(url ? { callbackUrl: url } : {}),
        } as T;
      };
      const key = view.applications.get(d.applicationId)?.keys.find((k) => k.keyType === d.keyType);
      const client = key && view.clients.get(key.consumerKey);
      if (client) view.clients.set(client.consumerKey, settle(client));
      return changeApp(view, d.applicationId, event, (a) => ({
        keys: a.keys.map((k) => (k.keyType === d.keyType ? settle(k) : k)),
      }));
    }
    case 'ApplicationSecretRegenerated': {
      const d = e.data;
      const client = view.clients.get(d.consumerKey);
      if (client) view.clients.set(d.consumerKey, { ...client, secretHash: d.secretHash });
      return changeApp(view, d.applicationId, event, (a) => ({
        keys: a.keys.map((k) => (k.keyType === d.keyType ? { ...k, secretIssuedAt: at } : k)),
      }));
    }
    case 'ApiKeyIssued': {
      const d = e.data;
      return changeApp(view, d.applicationId, event, (a) => ({
        apiKeys: [
          ...a.apiKeys,
          {
            jti: d.jti,
            keyType: d.keyType,
            issuedAt: at,
            expiresAt: epochToIso(d.exp),
            permittedIPs: [...d.permittedIPs],
            permittedReferers: [...d.permittedReferers],
            revoked: false,
          },
        ],
      }));
    }
    case 'ApiKeyRevoked':
      revoke(view, e.data.jti, e.data.exp, at);
      return changeApp(view, e.data.applicationId, event, (a) => ({
        apiKeys: a.apiKeys.map((k) => (k.jti === e.data.jti ? { ...k, revoked: true } : k)),
      }));
  }
}

function changeSub(view: CatalogView, id: string, event: RecordedEvent, patch: Partial<SubscriptionRecord>): void {
  const sub = view.subscriptions.get(id);
  if (!sub) return;
  view.subscriptions.set(id, { ...sub, ...patch, streamVersion: event.streamVersion, position: event.globalPosition });
}

export function applySubscriptionEvent(view: CatalogView, e: SubscriptionEvent, event: RecordedEvent): void {
  switch (e.type) {
    case 'SubscriptionCreated': {
      const d = e.data;
      const sub: SubscriptionRecord = {
        id: d.subscriptionId,
        applicationId: d.applicationId,
        apiId: d.apiId,
        throttlingPolicy: d.throttlingPolicy,
        requestedThrottlingPolicy: null,
        status: d.status,
        copiedFrom: d.copiedFrom,
        createdAt: event.metadata.recordedAt,
        streamVersion: event.streamVersion,
        position: event.globalPosition,
      };
      view.subscriptions.set(sub.id, sub);
      indexSubscription(view, sub);
      return;
    }
    case 'SubscriptionTierChanged':
      return changeSub(view, e.data.subscriptionId, event, { throttlingPolicy: e.data.to });
    case 'SubscriptionBlocked':
    case 'SubscriptionUnblocked':
      return changeSub(view, e.data.subscriptionId, event, { status: e.data.status });
    case 'SubscriptionDeleted': {
      const sub = view.subscriptions.get(e.data.subscriptionId);
      if (!sub) return;
      view.subscriptions.delete(sub.id);
      unindexSubscription(view, sub);
      return;
    }
  }
}

/**
 * Records a revocation. Whenever the set reaches a power of two (from 1024), revocations of
 * tokens that expired more than a day before this event are forgotten: amortised O(1), and
 * decided by the view's own content only, so a restored view sweeps exactly when a replay does.
 */
function revoke(view: CatalogView, jti: string, exp: number | null, recordedAt: string): void {
  view.revokedTokens.set(jti, exp);
  const size = view.revokedTokens.size;
  if (size < 1024 || (size & (size - 1)) !== 0) return;
  const now = Math.floor(Date.parse(recordedAt) / 1000);
  if (!Number.isFinite(now)) return;
  for (const [id, e] of view.revokedTokens) if (e !== null && e + REVOCATION_GRACE_S < now) view.revokedTokens.delete(id);
}

export function applyTokenEvent(view: CatalogView, e: TokenEvent, event: RecordedEvent): void {
  if (e.type === 'TokenRevoked') revoke(view, e.data.jti, e.data.exp, event.metadata.recordedAt);
}
