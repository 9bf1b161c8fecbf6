// Application, subscription and key flows of the facade. Secrets are generated here (from the
// Randomness port), returned once, and recorded only as SHA-256 hashes.
import { decodeJwt } from 'jose';
import { apiDecider } from '../api/decider.ts';
import { applicationDecider, type ApplicationSnapshot, type CreateApplication, type IssueApiKey } from '../application/decider.ts';
import type { KeyType } from '../application/events.ts';
import type { CommandContext } from '../command-handler.ts';
import { conflict, invalidInput, notFound } from '../errors.ts';
import { policyDecider } from '../policy/decider.ts';
import { apiStream, appStream, applicationNameReservation, policyStream, subStream, subscriptionReservation } from '../streams.ts';
import { subscriptionDecider, type ApiFacts, type Subscribe } from '../subscription/decider.ts';
import type { Action } from './authorization.ts';
import { sha256Hex } from './crypto.ts';
import type { Kit, MutationResult } from './kit.ts';

export interface ApplicationInput {
  name?: string | null;
  throttlingPolicy?: string | null;
  description?: string | null;
  attributes?: Record<string, unknown> | null;
}

export interface GeneratedKeys extends MutationResult {
  applicationId: string;
  keyType: KeyType;
  consumerKey: string;
  /** Shown once: nothing stores it. */
  consumerSecret: string;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  callbackUrl: string | null;
}

/** Settings of existing keys after updateKeys: the consumer key and secret are unchanged (the secret is not stored). */
export interface UpdatedKeys extends MutationResult {
  applicationId: string;
  keyType: KeyType;
  consumerKey: string;
  grantTypes: string[];
  tokenValiditySeconds: number | null;
  callbackUrl: string | null;
}

export interface UpdateKeysArgs {
  applicationId: string;
  keyType: KeyType;
  /** Left out or null: unchanged. */
  grantTypes?: readonly string[] | null;
  /** Left out: unchanged; null: the server default. */
  tokenValiditySeconds?: number | null;
  /** Left out: unchanged; null: removed. */
  callbackUrl?: string | null;
}

export interface IssuedApiKey extends MutationResult {
  applicationId: string;
  apiKey: string;
  jti: string;
  keyType: KeyType;
  issuedAt: string;
  expiresAt: string | null;
  permittedIPs: string[];
  permittedReferers: string[];
}

const SECRET_BYTES = 32; // 256-bit client secrets
const CONSUMER_KEY_BYTES = 18;
const MAX_API_KEY_VALIDITY = 10 * 365 * 24 * 3600;

const shownOnce = (what: string) =>
  conflict(`${what} was shown once, in the first response to this idempotency key; generate a new one instead`);

export function applicationFlows(kit: Kit) {
  const { deps } = kit;

  async function applicationTiers(name: string | null | undefined): Promise<string[]> {
    const tier = name ?? 'Unlimited';
    return (await kit.load(policyDecider, policyStream('APPLICATION', tier))).state.status === 'ACTIVE' ? [tier] : [];
  }

  /** Loads an application (live or deleted: deciders refuse what a deleted one cannot do) and checks the actor may act on it. */
  async function ownedApplication(applicationId: string, ctx: CommandContext, action: Action): Promise<ApplicationSnapshot & { live: boolean }> {
    const { state } = await kit.load(applicationDecider, appStream(applicationId));
    if (state.status === 'NONE') throw notFound('Application', applicationId);
    await kit.authorize(ctx, action, state.app.owner);
    return { ...state.app, live: state.status === 'ACTIVE' };
  }

  async function apiFacts(apiId: string): Promise<ApiFacts> {
    const { state } = await kit.load(apiDecider, apiStream(apiId));
    if (state.status !== 'ACTIVE') throw notFound('API', apiId);
    return { lifecycleStatus: state.api.lifecycleStatus, subscriptionPolicies: state.api.definition.subscriptionPolicies };
  }

  async function loadSubscription(id: string) {
    const { state } = await kit.load(subscriptionDecider, subStream(id));
    if (state.status === 'NONE') throw notFound('Subscription', id);
    return state.sub;
  }

  /** Creates an application for `owner` (createApplication, and signUp's DefaultApplication). */
  async function createApplicationFor(ctx: CommandContext, owner: string, applicationId: string, input: ApplicationInput & { name: string }): Promise<MutationResult> {
    const command: CreateApplication = {
      type: 'CreateApplication',
      data: { applicationId, owner, ...input, knownTiers: await applicationTiers(input.throttlingPolicy) },
    };
    const created = applicationDecider.decide(command, applicationDecider.initialState())[0]!;
    if (created.type !== 'ApplicationCreated') throw new Error('unreachable');
    const { name } = created.data;
    const streamId = appStream(applicationId);
    const pos = kit.positions();
    pos.add(await kit.claim(ctx, 'application-name', { streamId: applicationNameReservation(owner, name), kind: 'application-name', key: `${owner}:${name}` }, streamId));
    const result = await kit.run(applicationDecider, streamId, command, ctx);
    pos.add(result);
    return { id: applicationId, streamVersion: result.streamVersion, position: pos.max };
  }

  async function unsubscribe(args: { id: string }, ctx: CommandContext): Promise<MutationResult> {
    const sub = await loadSubscription(args.id);
    await ownedApplication(sub.applicationId, ctx, 'unsubscribe');
    const streamId = subStream(args.id);
    const result = await kit.run(subscriptionDecider, streamId, { type: 'Unsubscribe', data: { subscriptionId: args.id } }, ctx);
    const released = await kit.release(ctx, 'release-subscription', subscriptionReservation(sub.applicationId, sub.apiId), streamId);
    return { id: args.id, streamVersion: result.streamVersion, position: released.position > result.position ? released.position : result.position };
  }

  async function subscriptionCommand(id: string, command: Parameters<typeof subscriptionDecider.decide>[0], ctx: CommandContext): Promise<MutationResult> {
    const result = await kit.run(subscriptionDecider, subStream(id), command, ctx);
    return { id, streamVersion: result.streamVersion, position: result.position };
  }

  return {
    createApplicationFor,

    async createApplication(args: { input: ApplicationInput & { name: string } }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'createApplication');
      return createApplicationFor(ctx, ctx.actor, kit.newId(ctx, 'application'), args.input);
    },

    async updateApplication(args: { id: string; input: ApplicationInput }, ctx: CommandContext): Promise<MutationResult> {
      const app = await ownedApplication(args.id, ctx, 'updateApplication');
      const streamId = appStream(args.id);
      const command = {
        type: 'UpdateApplication' as const,
        data: { applicationId: args.id, ...args.input, knownTiers: await applicationTiers(args.input.throttlingPolicy ?? app.throttlingPolicy) },
      };
      // Decide once first: a refused update must not take the new name's reservation.
      const decided = applicationDecider.decide(command, (await kit.load(applicationDecider, streamId)).state)[0];
      const rename = decided?.type === 'ApplicationUpdated' && decided.data.name.toLowerCase() !== app.name.toLowerCase() ? decided.data.name : undefined;
      const pos = kit.positions();
      if (rename) {
        pos.add(await kit.claim(ctx, 'application-name', { streamId: applicationNameReservation(app.owner, rename), kind: 'application-name', key: `${app.owner}:${rename}` }, streamId));
      }
      const result = await kit.run(applicationDecider, streamId, command, ctx);
      pos.add(result);
      if (rename) pos.add(await kit.release(ctx, 'release-application-name', applicationNameReservation(app.owner, app.name), streamId));
      return { id: args.id, streamVersion: result.streamVersion, position: pos.max };
    },

    async deleteApplication(args: { id: string }, ctx: CommandContext): Promise<MutationResult> {
      const app = await ownedApplication(args.id, ctx, 'deleteApplication');
      const pos = kit.positions();
      await deps.lookup.waitFor?.(await deps.store.headPosition());
      for (const sub of await deps.lookup.subscriptionsOfApplication(args.id)) {
        pos.add(await unsubscribe({ id: sub.subscriptionId }, kit.step(ctx, `unsubscribe-${sub.subscriptionId}`)));
      }
      const streamId = appStream(args.id);
      const result = await kit.run(applicationDecider, streamId, { type: 'DeleteApplication', data: { applicationId: args.id } }, ctx);
      pos.add(result);
      pos.add(await kit.release(ctx, 'release-application-name', applicationNameReservation(app.owner, app.name), streamId));
      return { id: args.id, streamVersion: result.streamVersion, position: pos.max };
    },

    async subscribe(args: { applicationId: string; apiId: string; throttlingPolicy: string }, ctx: CommandContext): Promise<MutationResult> {
      if (!(await ownedApplication(args.applicationId, ctx, 'subscribe')).live) throw notFound('Application', args.applicationId);
      const subscriptionId = kit.newId(ctx, 'subscription');
      const command: Subscribe = { type: 'Subscribe', data: { subscriptionId, ...args, api: await apiFacts(args.apiId) } };
      subscriptionDecider.decide(command, subscriptionDecider.initialState());
      const streamId = subStream(subscriptionId);
      const claimed = await kit.claim(ctx, 'subscription', { streamId: subscriptionReservation(args.applicationId, args.apiId), kind: 'subscription', key: `${args.applicationId} ${args.apiId}` }, streamId);
      const result = await kit.run(subscriptionDecider, streamId, command, ctx);
      return { id: subscriptionId, streamVersion: result.streamVersion, position: result.position > claimed.position ? result.position : claimed.position };
    },

    async changeSubscriptionTier(args: { id: string; throttlingPolicy: string }, ctx: CommandContext): Promise<MutationResult> {
      const sub = await loadSubscription(args.id);
      await ownedApplication(sub.applicationId, ctx, 'changeSubscriptionTier');
      return subscriptionCommand(args.id, { type: 'ChangeSubscriptionTier', data: { subscriptionId: args.id, throttlingPolicy: args.throttlingPolicy, api: await apiFacts(sub.apiId) } }, ctx);
    },

    async blockSubscription(args: { id: string; productionOnly?: boolean | null }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'blockSubscription');
      return subscriptionCommand(args.id, { type: 'BlockSubscription', data: { subscriptionId: args.id, productionOnly: args.productionOnly ?? false } }, ctx);
    },

    async unblockSubscription(args: { id: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'unblockSubscription');
      return subscriptionCommand(args.id, { type: 'UnblockSubscription', data: { subscriptionId: args.id } }, ctx);
    },

    unsubscribe,

    async generateKeys(args: { applicationId: string; keyType: KeyType; grantTypes?: readonly string[] | null; tokenValiditySeconds?: number | null; callbackUrl?: string | null }, ctx: CommandContext): Promise<GeneratedKeys> {
      await ownedApplication(args.applicationId, ctx, 'generateKeys');
      const streamId = appStream(args.applicationId);
      if (await kit.recordedWith(streamId, ctx)) throw shownOnce('the consumer secret');
      const consumerKey = deps.random.token(CONSUMER_KEY_BYTES);
      const consumerSecret = deps.random.token(SECRET_BYTES);
      const result = await kit.run(applicationDecider, streamId, {
        type: 'GenerateKeys',
        data: { applicationId: args.applicationId, keyType: args.keyType, consumerKey, secretHash: sha256Hex(consumerSecret), grantTypes: args.grantTypes, tokenValiditySeconds: args.tokenValiditySeconds, callbackUrl: args.callbackUrl },
      }, ctx);
      const keys = result.state.status === 'ACTIVE' ? result.state.app.keys[args.keyType]! : undefined;
      return {
        id: args.applicationId, applicationId: args.applicationId, keyType: args.keyType, consumerKey, consumerSecret,
        grantTypes: keys?.grantTypes ?? [], tokenValiditySeconds: keys?.tokenValiditySeconds ?? null, callbackUrl: keys?.callbackUrl ?? null,
        streamVersion: result.streamVersion, position: result.position,
      };
    },

    /**
     * Changes grant types, token validity and callback URL of existing keys (WSO2 PUT
     * /applications/{id}/oauth-keys/{keyMappingId}). Nothing is appended when nothing changes.
     * Tokens already issued stay valid until they expire.
     */
    async updateKeys(args: UpdateKeysArgs, ctx: CommandContext): Promise<UpdatedKeys> {
      await ownedApplication(args.applicationId, ctx, 'updateKeys');
      const given = <K extends 'grantTypes' | 'tokenValiditySeconds' | 'callbackUrl'>(k: K) => (args[k] === undefined ? {} : { [k]: args[k] });
      const result = await kit.run(applicationDecider, appStream(args.applicationId), {
        type: 'UpdateKeys',
        data: { applicationId: args.applicationId, keyType: args.keyType, ...given('grantTypes'), ...given('tokenValiditySeconds'), ...given('callbackUrl') },
      }, ctx);
      const keys = result.state.status === 'ACTIVE' ? result.state.app.keys[args.keyType] : undefined;
      if (!keys) throw notFound(`${args.keyType} keys of application`, args.applicationId);
      return {
        id: args.applicationId, applicationId: args.applicationId, keyType: args.keyType, consumerKey: keys.consumerKey,
        grantTypes: [...keys.grantTypes], tokenValiditySeconds: keys.tokenValiditySeconds, callbackUrl: keys.callbackUrl ?? null,
        streamVersion: result.streamVersion, position: result.position,
      };
    },

    async regenerateSecret(args: { applicationId: string; keyType: KeyType }, ctx: CommandContext): Promise<GeneratedKeys> {
      await ownedApplication(args.applicationId, ctx, 'regenerateSecret');
      const streamId = appStream(args.applicationId);
      if (await kit.recordedWith(streamId, ctx)) throw shownOnce('the consumer secret');
      const consumerSecret = deps.random.token(SECRET_BYTES);
      const result = await kit.run(applicationDecider, streamId, {
        type: 'RegenerateSecret',
        data: { applicationId: args.applicationId, keyType: args.keyType, secretHash: sha256Hex(consumerSecret) },
      }, ctx);
      const keys = result.state.status === 'ACTIVE' ? result.state.app.keys[args.keyType]! : undefined;
      return {
        id: args.applicationId, applicationId: args.applicationId, keyType: args.keyType, consumerKey: keys?.consumerKey ?? '', consumerSecret,
        grantTypes: keys?.grantTypes ?? [], tokenValiditySeconds: keys?.tokenValiditySeconds ?? null, callbackUrl: keys?.callbackUrl ?? null,
        streamVersion: result.streamVersion, position: result.position,
      };
    },

    /** A WSO2-style self-contained API key: a JWT naming the application and its subscribed APIs. */
    async generateApiKey(
      args: { applicationId: string; keyType: KeyType; validitySeconds?: number | null; permittedIPs?: readonly string[] | null; permittedReferers?: readonly string[] | null },
      ctx: CommandContext,
    ): Promise<IssuedApiKey> {
      const app = await ownedApplication(args.applicationId, ctx, 'generateApiKey');
      const streamId = appStream(args.applicationId);
      if (await kit.recordedWith(streamId, ctx)) throw shownOnce('the API key');
      const validity = args.validitySeconds === null || args.validitySeconds === undefined || args.validitySeconds === -1 ? undefined : args.validitySeconds;
      if (validity !== undefined && (!Number.isInteger(validity) || validity < 1 || validity > MAX_API_KEY_VALIDITY)) {
        throw invalidInput(`validitySeconds: -1 (no expiry) or 1 to ${MAX_API_KEY_VALIDITY}`, { field: 'validitySeconds' });
      }
      const now = deps.clock.now();
      const issue = (jti: string, exp: number | null): IssueApiKey => ({
        type: 'IssueApiKey',
        data: { applicationId: args.applicationId, jti, keyType: args.keyType, exp, permittedIPs: args.permittedIPs, permittedReferers: args.permittedReferers },
      });
      // Decide before signing: bad input never produces a key.
      const preview = applicationDecider.decide(issue('pending', validity ? Math.floor(now.getTime() / 1000) + validity : null), (await kit.load(applicationDecider, streamId)).state)[0]!;
      if (preview.type !== 'ApiKeyIssued') throw new Error('unreachable');

      await deps.lookup.waitFor?.(await deps.store.headPosition());
      const subscribedAPIs = [];
      for (const sub of await deps.lookup.subscriptionsOfApplication(args.applicationId)) {
        const { state } = await kit.load(apiDecider, apiStream(sub.apiId));
        if (state.status !== 'ACTIVE') continue;
        const a = state.api;
        subscribedAPIs.push({ id: a.apiId, name: a.name, context: a.context, version: a.version, publisher: a.provider, subscriptionTier: sub.throttlingPolicy });
      }
      const signed = await deps.signer.sign({
        sub: app.owner,
        token_type: 'apiKey',
        keytype: preview.data.keyType,
        application: { id: app.applicationId, uuid: app.applicationId, name: app.name, owner: app.owner, tier: app.throttlingPolicy },
        subscribedAPIs,
        ...(preview.data.permittedIPs.length ? { permittedIP: preview.data.permittedIPs.join(',') } : {}),
        ...(preview.data.permittedReferers.length ? { permittedReferer: preview.data.permittedReferers.join(',') } : {}),
      }, validity ? { expiresInSeconds: validity } : {});
      const result = await kit.run(applicationDecider, streamId, issue(signed.jti, signed.exp), ctx);
      return {
        id: args.applicationId, applicationId: args.applicationId, apiKey: signed.token, jti: signed.jti, keyType: preview.data.keyType,
        issuedAt: now.toISOString(), expiresAt: signed.exp === null ? null : new Date(signed.exp * 1000).toISOString(),
        permittedIPs: preview.data.permittedIPs, permittedReferers: preview.data.permittedReferers,
        streamVersion: result.streamVersion, position: result.position,
      };
    },

    async revokeApiKey(args: { applicationId: string; jti?: string | null; apiKey?: string | null }, ctx: CommandContext): Promise<MutationResult> {
      await ownedApplication(args.applicationId, ctx, 'revokeApiKey');
      let jti = args.jti ?? undefined;
      if (!jti && args.apiKey) {
        try {
          jti = decodeJwt(args.apiKey).jti;
        } catch {
          throw invalidInput('apiKey: not a JWT', { field: 'apiKey' });
        }
      }
      if (!jti) throw invalidInput('give jti or apiKey', { field: 'jti' });
      const result = await kit.run(applicationDecider, appStream(args.applicationId), { type: 'RevokeApiKey', data: { applicationId: args.applicationId, jti } }, ctx);
      return { id: args.applicationId, streamVersion: result.streamVersion, position: result.position };
    },
  };
}
