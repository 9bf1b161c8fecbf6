// Ports the command facade needs beyond the kernel's (domain/ports.ts).
import type { EventStore, Clock, Randomness, CredentialStore, KeyStore } from '../ports.ts';
import type { KeyType } from '../application/events.ts';
import type { Role } from '../identity/events.ts';
import type { PolicyLevel } from '../policy/events.ts';
import type { SubscriptionStatus } from '../subscription/events.ts';

export interface SubscriptionRef {
  subscriptionId: string;
  applicationId: string;
  apiId: string;
  throttlingPolicy: string;
  status: SubscriptionStatus;
}

/**
 * Read-side questions that span aggregates. The reference implementation folds the log
 * (lookup-from-store.ts); the catalog projection provides a fast one with the same answers.
 * Everything answers about live (not deleted) entities only.
 */
export interface CatalogLookup {
  /** Roles of a user; undefined when no such user. */
  rolesOf(username: string): Promise<Role[] | undefined>;
  /** User names holding a role (the service keeps at least one admin). */
  usersWithRole(role: Role): Promise<string[]>;
  subscriptionsOfApi(apiId: string): Promise<SubscriptionRef[]>;
  subscriptionsOfApplication(applicationId: string): Promise<SubscriptionRef[]>;
  /** The application owning a consumer key (OAuth client), with its key type. */
  applicationByConsumerKey(consumerKey: string): Promise<{ applicationId: string; owner: string; keyType: KeyType } | undefined>;
  /**
   * How many live things name the policy: APIs offering a subscription tier or using an
   * advanced policy (API or operation level), subscriptions at a tier, applications at a tier.
   */
  policyUsage(level: PolicyLevel, name: string): Promise<number>;
  /**
   * Optional: resolves once the answers reflect the log up to `position`. The service calls it
   * before a question whose answer must include its own recent writes (a view-backed lookup
   * waits for its projection; the log-folding one needs nothing).
   */
  waitFor?(position: bigint): Promise<void>;
}

/** Signs a JWT with the current signing key (the key manager's keyring implements it). */
export interface TokenSigner {
  sign(claims: Record<string, unknown>, opts: { expiresInSeconds?: number }): Promise<{ token: string; jti: string; exp: number | null }>;
}

export interface ServiceDeps {
  store: EventStore;
  clock: Clock;
  random: Randomness;
  credentials: CredentialStore;
  keyStore: KeyStore;
  lookup: CatalogLookup;
  signer: TokenSigner;
  /** scrypt cost (N); default 16384. Tests may lower it. */
  scryptCost?: number;
}
