// Admin flows of the facade: throttling policies, deny policies, roles, signing-key rotation.
import { blockingDecider } from '../blocking/decider.ts';
import type { CommandContext } from '../command-handler.ts';
import { conflict } from '../errors.ts';
import type { Role } from '../identity/events.ts';
import { signingKeysDecider } from '../identity/signing-keys.ts';
import { normalizeUsername, userDecider } from '../identity/user.ts';
import { POLICY_LEVELS, policyDecider, validatePolicyName, type ThrottlingPolicyInput } from '../policy/decider.ts';
import type { PolicyLevel } from '../policy/events.ts';
import { SIGNING_KEYS_STREAM, blockingStream, policyStream, userStream } from '../streams.ts';
import { requireOneOf } from '../validate.ts';
import type { Kit, MutationResult } from './kit.ts';
import { generateSigningKey } from './signing-key.ts';

export interface SigningKeyResult extends MutationResult {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
}

export function adminFlows(kit: Kit) {
  const { deps } = kit;

  const policyStreamOf = (level: string, name: string) => policyStream(requireOneOf('level', level, POLICY_LEVELS), validatePolicyName(name));

  async function onPolicy(ctx: CommandContext, level: string, name: string, command: Parameters<typeof policyDecider.decide>[0]): Promise<MutationResult> {
    const result = await kit.run(policyDecider, policyStreamOf(level, name), command, ctx);
    return { id: `${level}:${name}`, streamVersion: result.streamVersion, position: result.position };
  }

  async function onBlocking(ctx: CommandContext, id: string, command: Parameters<typeof blockingDecider.decide>[0]): Promise<MutationResult> {
    const result = await kit.run(blockingDecider, blockingStream(id), command, ctx);
    return { id, streamVersion: result.streamVersion, position: result.position };
  }

  async function onUser(ctx: CommandContext, username: string, command: Parameters<typeof userDecider.decide>[0]): Promise<MutationResult> {
    const result = await kit.run(userDecider, userStream(username), command, ctx);
    return { id: username, streamVersion: result.streamVersion, position: result.position };
  }

  return {
    async createThrottlingPolicy(args: { input: ThrottlingPolicyInput }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'createThrottlingPolicy');
      return onPolicy(ctx, args.input.level, args.input.name, { type: 'CreateThrottlingPolicy', data: { input: args.input, seeded: false } });
    },
    async updateThrottlingPolicy(args: { input: ThrottlingPolicyInput }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'updateThrottlingPolicy');
      return onPolicy(ctx, args.input.level, args.input.name, { type: 'UpdateThrottlingPolicy', data: { input: args.input } });
    },
    async deleteThrottlingPolicy(args: { level: PolicyLevel; name: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'deleteThrottlingPolicy');
      policyStreamOf(args.level, args.name);
      await deps.lookup.waitFor?.(await deps.store.headPosition());
      const usage = await deps.lookup.policyUsage(args.level, args.name);
      return onPolicy(ctx, args.level, args.name, { type: 'DeleteThrottlingPolicy', data: { level: args.level, name: args.name, usage } });
    },

    async addBlockingCondition(args: { type: string; value: string; invert?: boolean | null; enabled?: boolean | null }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'addBlockingCondition');
      const conditionId = kit.newId(ctx, 'blocking-condition');
      return onBlocking(ctx, conditionId, { type: 'AddBlockingCondition', data: { conditionId, ...args } });
    },
    async setBlockingConditionEnabled(args: { id: string; enabled: boolean }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'setBlockingConditionEnabled');
      return onBlocking(ctx, args.id, { type: 'SetBlockingConditionEnabled', data: { conditionId: args.id, enabled: args.enabled } });
    },
    async removeBlockingCondition(args: { id: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'removeBlockingCondition');
      return onBlocking(ctx, args.id, { type: 'RemoveBlockingCondition', data: { conditionId: args.id } });
    },

    async grantRole(args: { username: string; role: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'grantRole');
      const username = normalizeUsername(args.username);
      return onUser(ctx, username, { type: 'GrantRole', data: { username, role: args.role } });
    },
    async revokeRole(args: { username: string; role: string }, ctx: CommandContext): Promise<MutationResult> {
      await kit.authorize(ctx, 'revokeRole');
      const username = normalizeUsername(args.username);
      if (args.role === 'admin') {
        const admins = await deps.lookup.usersWithRole('admin' satisfies Role);
        if (admins.length === 1 && admins[0] === username) throw conflict(`${username} is the last admin`, { username });
      }
      return onUser(ctx, username, { type: 'RevokeRole', data: { username, role: args.role } });
    },

    async rotateSigningKey(_args: Record<string, never>, ctx: CommandContext): Promise<SigningKeyResult> {
      await kit.authorize(ctx, 'rotateSigningKey');
      const recorded = await kit.recordedWith(SIGNING_KEYS_STREAM, ctx);
      if (recorded) {
        const d = recorded.data as { kid: string; alg: string; publicJwk: Record<string, unknown> };
        return { id: d.kid, kid: d.kid, alg: d.alg, publicJwk: d.publicJwk, streamVersion: recorded.streamVersion, position: recorded.globalPosition };
      }
      const key = await generateSigningKey();
      await deps.keyStore.putPrivateKey(key.kid, key.privateJwk);
      const result = await kit.run(signingKeysDecider, SIGNING_KEYS_STREAM, { type: 'RotateSigningKey', data: { kid: key.kid, alg: key.alg, publicJwk: key.publicJwk } }, ctx);
      const current = result.state.current!;
      return { id: current.kid, kid: current.kid, alg: current.alg, publicJwk: current.publicJwk, streamVersion: result.streamVersion, position: result.position };
    },
  };
}
