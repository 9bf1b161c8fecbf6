// The command facade the GraphQL layer and the key manager call: one method per SPEC
// mutation (same name, GraphQL arguments minus idempotencyKey/expectedStreamVersion, which
// travel in the CommandContext), plus what the key manager needs. Each method authorises the
// actor (authorization.ts), runs the deciders through the command handler, and orchestrates
// the cross-aggregate steps (reservations, versions index, cascades).
import type { CreateApiInput, UpdateApiInput } from '../api/definition.ts';
import type { KeyType } from '../application/events.ts';
import type { CommandContext } from '../command-handler.ts';
import type { ThrottlingPolicyInput } from '../policy/decider.ts';
import type { PolicyLevel } from '../policy/events.ts';
import type { FamilyAccessToken, TokenType } from '../tokens/events.ts';
import { adminFlows, type SigningKeyResult } from './admin.ts';
import { apiFlows, type ChangeLifecycleArgs, type ImportOpenApiArgs } from './apis.ts';
import { applicationFlows, type ApplicationInput, type GeneratedKeys, type IssuedApiKey, type UpdateKeysArgs, type UpdatedKeys } from './applications.ts';
import { identityFlows, type BootstrapResult, type SignUpResult, type VerifyPasswordResult } from './identity.ts';
import { createKit, type MutationResult } from './kit.ts';
import type { ServiceDeps } from './ports.ts';
import { tokenFlows, type RefreshTokenResult } from './tokens.ts';

export type { CommandContext, MutationResult, ServiceDeps };

type M<Args, R = MutationResult> = (args: Args, ctx: CommandContext) => Promise<R>;

export interface Gatehouse {
  // --- users
  signUp: M<{ username: string; password: string }, SignUpResult>;
  grantRole: M<{ username: string; role: string }>;
  revokeRole: M<{ username: string; role: string }>;
  // --- APIs
  createApi: M<{ input: CreateApiInput }>;
  importOpenApi: M<ImportOpenApiArgs>;
  updateApi: M<{ id: string; input: UpdateApiInput }>;
  changeLifecycle: M<ChangeLifecycleArgs>;
  createNewVersion: M<{ apiId: string; version: string; defaultVersion?: boolean | null }>;
  deleteApi: M<{ id: string }>;
  // --- applications
  createApplication: M<{ input: ApplicationInput & { name: string } }>;
  updateApplication: M<{ id: string; input: ApplicationInput }>;
  deleteApplication: M<{ id: string }>;
  // --- subscriptions
  subscribe: M<{ applicationId: string; apiId: string; throttlingPolicy: string }>;
  changeSubscriptionTier: M<{ id: string; throttlingPolicy: string }>;
  blockSubscription: M<{ id: string; productionOnly?: boolean | null }>;
  unblockSubscription: M<{ id: string }>;
  unsubscribe: M<{ id: string }>;
  // --- keys
  generateKeys: M<{ applicationId: string; keyType: KeyType; grantTypes?: readonly string[] | null; tokenValiditySeconds?: number | null; callbackUrl?: string | null }, GeneratedKeys>;
  /** Grant types, token validity, callback URL of existing keys; consumer key and secret stay. */
  updateKeys: M<UpdateKeysArgs, UpdatedKeys>;
  regenerateSecret: M<{ applicationId: string; keyType: KeyType }, GeneratedKeys>;
  generateApiKey: M<{ applicationId: string; keyType: KeyType; validitySeconds?: number | null; permittedIPs?: readonly string[] | null; permittedReferers?: readonly string[] | null }, IssuedApiKey>;
  revokeApiKey: M<{ applicationId: string; jti?: string | null; apiKey?: string | null }>;
  // --- throttling and deny policies
  createThrottlingPolicy: M<{ input: ThrottlingPolicyInput }>;
  updateThrottlingPolicy: M<{ input: ThrottlingPolicyInput }>;
  deleteThrottlingPolicy: M<{ level: PolicyLevel; name: string }>;
  addBlockingCondition: M<{ type: string; value: string; invert?: boolean | null; enabled?: boolean | null }>;
  setBlockingConditionEnabled: M<{ id: string; enabled: boolean }>;
  removeBlockingCondition: M<{ id: string }>;
  // --- key manager
  rotateSigningKey: M<Record<string, never>, SigningKeyResult>;
  verifyPassword: M<{ username: string; password: string }, VerifyPasswordResult>;
  recordLoginFailure: M<{ username: string }, { lockedUntil: string | null }>;
  changePassword: M<{ username: string; newPassword: string }>;
  revokeToken: M<{ jti: string; exp: number | null; tokenType?: TokenType | null }>;
  issueRefreshToken: M<{ clientId: string; subject: string; scope: string; expiresInSeconds: number; accessToken?: FamilyAccessToken | null }, RefreshTokenResult>;
  rotateRefreshToken: M<{ refreshToken: string; clientId: string; expiresInSeconds: number; accessToken?: FamilyAccessToken | null }, RefreshTokenResult>;
  revokeRefreshToken: M<{ refreshToken: string }, { revoked: boolean; position: bigint }>;
  /** Kills a family by id (an authorization code presented twice: RFC 6749 §4.1.2). */
  revokeRefreshFamily: M<{ familyId: string }, { revoked: boolean; position: bigint }>;
  /** Seeds WSO2 default policies, the admin user (+ DefaultApplication) and a first signing key; idempotent. */
  bootstrap(args: { adminPassword?: string | null }, ctx?: CommandContext): Promise<BootstrapResult>;
}

export function createGatehouse(deps: ServiceDeps): Gatehouse {
  const kit = createKit(deps);
  const applications = applicationFlows(kit);
  const { createApplicationFor, ...applicationMethods } = applications;
  return {
    ...apiFlows(kit),
    ...applicationMethods,
    ...adminFlows(kit),
    ...identityFlows(kit, createApplicationFor),
    ...tokenFlows(kit),
  };
}
