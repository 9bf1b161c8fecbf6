// API flows of the facade: create (reserve context+version, create, register the version),
// update, lifecycle with its cascades (deprecate older versions, copy subscriptions), new
// version (copy), delete (refused while subscribed), OpenAPI import.
import { apiDecider, type ApiSnapshot, type CreateApi } from '../api/decider.ts';
import type { ApiDefinitionInput, CreateApiInput, DocumentArg, DocumentInput, KnownTiers, UpdateApiInput } from '../api/definition.ts';
import type { ApiDefinition, ApiDocument, ApiLifecycleChanged, LifecycleAction } from '../api/events.ts';
import { openApiToCreateApi } from '../api/openapi.ts';
import { apiVersionsDecider } from '../api/versions.ts';
import { isDomainError, notFound } from '../errors.ts';
import { policyDecider } from '../policy/decider.ts';
import type { PolicyLevel } from '../policy/events.ts';
import {
  apiContextOwnerReservation,
  apiContextReservation,
  apiStream,
  apiVersionsStream,
  policyStream,
  subStream,
  subscriptionReservation,
} from '../streams.ts';
import { subscriptionDecider, type Subscribe } from '../subscription/decider.ts';
import type { SubscriptionStatus } from '../subscription/events.ts';
import { derivedUuid } from './crypto.ts';
import type { CommandContext, Kit, MutationResult } from './kit.ts';
import { parseOpenApiText } from './openapi-text.ts';
import type { SubscriptionRef } from './ports.ts';

export interface ChangeLifecycleArgs {
  apiId: string;
  action: LifecycleAction;
  deprecateOldVersions?: boolean | null;
  requireResubscription?: boolean | null;
}

export interface ImportOpenApiArgs {
  definition: string;
  name?: string | null;
  context?: string | null;
  version?: string | null;
  endpoints?: { production?: string | null; sandbox?: string | null } | null;
  publish?: boolean | null;
}

/** Statuses a subscription keeps when copied to a new version; the others are not copied. */
const COPIED_STATUS: Partial<Record<SubscriptionStatus, SubscriptionStatus>> = {
  UNBLOCKED: 'UNBLOCKED',
  BLOCKED: 'BLOCKED',
  PROD_ONLY_BLOCKED: 'PROD_ONLY_BLOCKED',
  TIER_UPDATE_PENDING: 'UNBLOCKED',
};

const definitionAsInput = (d: ApiDefinition): ApiDefinitionInput => ({ ...d, endpoints: { ...d.endpoints } });

export function apiFlows(kit: Kit) {
  const { deps } = kit;

  async function existing(level: PolicyLevel, names: readonly (string | null | undefined)[]): Promise<string[]> {
    const found: string[] = [];
    for (const name of new Set(names.filter((n): n is string => !!n))) {
      if ((await kit.load(policyDecider, policyStream(level, name))).state.status === 'ACTIVE') found.push(name);
    }
    return found;
  }

  /** The tiers the input names that exist (the decider refuses the others). */
  async function knownTiers(input: ApiDefinitionInput): Promise<KnownTiers> {
    return {
      subscription: await existing('SUBSCRIPTION', input.subscriptionPolicies ?? []),
      advanced: await existing('ADVANCED', [input.apiThrottlingPolicy, ...(input.operations ?? []).map((o) => o.throttlingPolicy)]),
    };
  }

  const documentsOf = (ctx: CommandContext, docs: readonly DocumentArg[]): DocumentInput[] =>
    docs.map((d, i) => ({ ...d, documentId: d.id ?? kit.newId(ctx, `document-${i}`), isNew: !d.id }));

  async function loadApi(apiId: string) {
    const loaded = await kit.load(apiDecider, apiStream(apiId));
    if (loaded.state.status === 'NONE') throw notFound('API', apiId);
    return { ...loaded, api: loaded.state.api };
  }

  async function createFrom(
    ctx: CommandContext,
    input: CreateApiInput,
    provenance: { provider: string; copiedFrom: CreateApi['data']['copiedFrom']; documents: DocumentInput[] },
  ): Promise<MutationResult> {
    const apiId = kit.newId(ctx, 'api');
    const streamId = apiStream(apiId);
    const command: CreateApi = {
      type: 'CreateApi',
      data: { apiId, name: input.name, context: input.context, version: input.version, provider: provenance.provider, definition: input, documents: provenance.documents, copiedFrom: provenance.copiedFrom, knownTiers: await knownTiers(input) },
    };
    // Decide once without appending: every input error surfaces before any reservation is taken.
    const created = apiDecider.decide(command, apiDecider.initialState())[0]!;
    if (created.type !== 'ApiCreated') throw new Error('unreachable');
    const { name, context, version } = created.data;
    const versionsStream = apiVersionsStream(name);
    const register = { type: 'RegisterApiVersion' as const, data: { name, apiId, context, version, makeDefault: input.isDefaultVersion ?? false } };
    apiVersionsDecider.decide(register, (await kit.load(apiVersionsDecider, versionsStream)).state);

    const pos = kit.positions();
    pos.add(await kit.claim(ctx, 'context-owner', { streamId: apiContextOwnerReservation(context), kind: 'context-owner', key: context }, versionsStream));
    pos.add(await kit.claim(ctx, 'context', { streamId: apiContextReservation(context, version), kind: 'api-context', key: `${context} ${version}` }, streamId));
    const result = await kit.run(apiDecider, streamId, command, ctx);
    pos.add(result);
    pos.add(await kit.run(apiVersionsDecider, versionsStream, register, kit.step(ctx, 'versions')));
    return { id: apiId, streamVersion: result.streamVersion, position: pos.max };
  }

  async function setDefault(ctx: CommandContext, api: ApiSnapshot, isDefault: boolean) {
    const data = { apiId: api.apiId };
    return kit.run(apiVersionsDecider, apiVersionsStream(api.name), isDefault ? { type: 'SetDefaultApiVersion', data } : { type: 'UnsetDefaultApiVersion', data }, kit.step(ctx, 'default-version'));
  }

  /** Copies one subscription of an older version to the newly published one; false when skipped. */
  async function copySubscription(ctx: CommandContext, sub: SubscriptionRef, api: ApiSnapshot): Promise<{ position: bigint } | undefined> {
    const status = COPIED_STATUS[sub.status];
    if (!status) return undefined;
    const subscriptionId = derivedUuid('subscription-copy', api.apiId, sub.subscriptionId);
    const streamId = subStream(subscriptionId);
    if ((await kit.load(subscriptionDecider, streamId)).state.status !== 'NONE') return undefined;
    const command: Subscribe = {
      type: 'Subscribe',
      data: {
        subscriptionId, applicationId: sub.applicationId, apiId: api.apiId, throttlingPolicy: sub.throttlingPolicy,
        api: { lifecycleStatus: api.lifecycleStatus, subscriptionPolicies: api.definition.subscriptionPolicies },
        copyOf: { subscriptionId: sub.subscriptionId, status },
      },
    };
    try {
      await kit.claim(ctx, `copy-claim-${sub.subscriptionId}`, { streamId: subscriptionReservation(sub.applicationId, api.apiId), kind: 'subscription', key: `${sub.applicationId} ${api.apiId}` }, streamId);
    } catch (e) {
      if (isDomainError(e) && e.code === 'CONFLICT') return undefined; // the application subscribed to the new version itself
      throw e;
    }
    return kit.run(subscriptionDecider, streamId, command, kit.step(ctx, `copy-${sub.subscriptionId}`));
  }

  /** WSO2 check items on publish: deprecate older PUBLISHED versions; copy their subscribers. */
  async function afterPublish(ctx: CommandContext, api: ApiSnapshot, checklist: NonNullable<ApiLifecycleChanged['data']['checklist']>, pos: ReturnType<Kit['positions']>) {
    const versions = (await kit.load(apiVersionsDecider, apiVersionsStream(api.name))).state.versions;
    const index = versions.findIndex((v) => v.apiId === api.apiId);
    const older: ApiSnapshot[] = [];
    for (const v of index < 0 ? [] : versions.slice(0, index)) {
      const { state } = await kit.load(apiDecider, apiStream(v.apiId));
      if (state.status === 'ACTIVE') older.push(state.api);
    }
    if (checklist.deprecateOldVersions) {
      for (const o of older.filter((o) => o.lifecycleStatus === 'PUBLISHED')) {
        pos.add(await kit.run(apiDecider, apiStream(o.apiId), {
          type: 'ChangeApiLifecycle',
          data: { apiId: o.apiId, action: 'DEPRECATE', causedBy: { apiId: api.apiId, version: api.version } },
        }, kit.step(ctx, `deprecate-${o.apiId}`)));
      }
    }
    if (!checklist.requireResubscription && older.length) {
      await deps.lookup.waitFor?.(await deps.store.headPosition());
      const applications = new Set<string>();
      for (const o of older.reverse()) { // newest first: an application keeps its latest tier
        for (const sub of await deps.lookup.subscriptionsOfApi(o.apiId)) {
          if (applications.has(sub.applicationId)) continue;
          applications.add(sub.applicationId);
          const copied = await copySubscription(ctx, sub, api);
          if (copied) pos.add(copied);
        }
      }
    }
  }

  async function changeLifecycle(args: ChangeLifecycleArgs, ctx: CommandContext): Promise<MutationResult> {
    await kit.authorize(ctx, 'changeLifecycle');
    const streamId = apiStream(args.apiId);
    const result = await kit.run(apiDecider, streamId, {
      type: 'ChangeApiLifecycle',
      data: { apiId: args.apiId, action: args.action, deprecateOldVersions: args.deprecateOldVersions, requireResubscription: args.requireResubscription },
    }, ctx);
    const pos = kit.positions();
    pos.add(result);
    // On a retry the cascade runs again: every step of it is idempotent, so a crash mid-way heals.
    const changed = result.events[0] ?? (result.deduplicated ? await kit.recordedWith(streamId, ctx) : undefined);
    if (changed?.type === 'ApiLifecycleChanged' && result.state.status === 'ACTIVE') {
      const { checklist, to } = (changed as ApiLifecycleChanged).data;
      if (checklist && to === 'PUBLISHED') await afterPublish(ctx, result.state.api, checklist, pos);
    }
    return { id: args.apiId, streamVersion: result.streamVersion, position: pos.max };
  }

  return {
    async createApi(args: { input: CreateApiInput }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'createApi');
      return createFrom(ctx, args.input, { provider: ctx.actor, copiedFrom: null, documents: documentsOf(ctx, args.input.documents ?? []) });
    },

    async importOpenApi(args: ImportOpenApiArgs, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'importOpenApi');
      if (args.publish) await kit.authorize(ctx, 'changeLifecycle');
      const input = openApiToCreateApi(await parseOpenApiText(args.definition), args);
      const created = await createFrom(ctx, input, { provider: ctx.actor, copiedFrom: null, documents: [] });
      if (!args.publish) return created;
      const published = await changeLifecycle({ apiId: created.id, action: 'PUBLISH' }, kit.step(ctx, 'publish'));
      return { ...published, position: published.position > created.position ? published.position : created.position };
    },

    async updateApi(args: { id: string; input: UpdateApiInput }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'updateApi');
      const { api } = await loadApi(args.id);
      const pos = kit.positions();
      const result = await kit.run(apiDecider, apiStream(args.id), {
        type: 'UpdateApi',
        data: {
          apiId: args.id, name: args.input.name, definition: args.input,
          documents: args.input.documents ? documentsOf(ctx, args.input.documents) : null,
          knownTiers: await knownTiers(args.input),
        },
      }, ctx);
      pos.add(result);
      if (args.input.isDefaultVersion !== undefined && args.input.isDefaultVersion !== null) pos.add(await setDefault(ctx, api, args.input.isDefaultVersion));
      return { id: args.id, streamVersion: result.streamVersion, position: pos.max };
    },

    changeLifecycle,

    async createNewVersion(args: { apiId: string; version: string; defaultVersion?: boolean | null }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'createNewVersion');
      const { state } = await kit.load(apiDecider, apiStream(args.apiId));
      if (state.status !== 'ACTIVE') throw notFound('API', args.apiId);
      const source = state.api;
      const documents = source.documents.map((d: ApiDocument, i) => ({ ...d, documentId: kit.newId(ctx, `document-${i}`), isNew: true }));
      return createFrom(
        ctx,
        { ...definitionAsInput(source.definition), name: source.name, context: source.context, version: args.version, isDefaultVersion: args.defaultVersion ?? false },
        { provider: source.provider, copiedFrom: { apiId: source.apiId, version: source.version }, documents },
      );
    },

    async deleteApi(args: { id: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'deleteApi');
      const { api } = await loadApi(args.id);
      await deps.lookup.waitFor?.(await deps.store.headPosition());
      const subscriptions = (await deps.lookup.subscriptionsOfApi(args.id)).length;
      const streamId = apiStream(args.id);
      const result = await kit.run(apiDecider, streamId, { type: 'DeleteApi', data: { apiId: args.id, activeSubscriptions: subscriptions } }, ctx);
      const pos = kit.positions();
      pos.add(result);
      const versions = await kit.run(apiVersionsDecider, apiVersionsStream(api.name), { type: 'DeregisterApiVersion', data: { apiId: args.id } }, kit.step(ctx, 'versions'));
      pos.add(versions);
      pos.add(await kit.release(ctx, 'release-context', apiContextReservation(api.context, api.version), streamId));
      if (versions.state.versions.length === 0) {
        pos.add(await kit.release(ctx, 'release-context-owner', apiContextOwnerReservation(api.context), apiVersionsStream(api.name)));
      }
      return { id: args.id, streamVersion: result.streamVersion, position: pos.max };
    },
  };
}
