// Short-lived state of the authorization_code grant, in the control plane's memory: sign-in
// transactions (the validated authorization request behind a login page) and codes. Not events:
// a code lives 60 s and the control plane runs as one replica (the relay is the log's single
// Kafka writer), so a restart only costs the sign-ins in flight. What must outlive it, the
// revocations a reused code triggers, are events. Only SHA-256 digests of codes are kept.
import { hash } from 'node:crypto';
import type { Clock, Randomness } from '../../domain/ports.ts';
import { AUTHORIZATION_CODE_TTL_S, LOGIN_TRANSACTION_TTL_S } from './constants.ts';
import type { IssuedAccessToken } from './key-manager.ts';

/** A validated authorization request (RFC 6749 §4.1.1 + RFC 7636 §4.3). */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  /** Whether the request named redirect_uri: then the token request must repeat it (§4.1.3). */
  redirectUriGiven: boolean;
  scope: string[];
  state: string | null;
  codeChallenge: string;
}

export interface CodeGrant {
  request: AuthorizationRequest;
  subject: string;
}

/** What was issued from a code, revoked if the code comes back. */
export interface CodeIssue {
  accessToken: IssuedAccessToken;
  familyId: string | null;
}

export type Redemption =
  | { status: 'ok'; grant: CodeGrant }
  | { status: 'unknown' }
  | { status: 'expired' }
  | { status: 'reused'; issued: CodeIssue | null };

export interface AuthorizationStore {
  /** Opens a sign-in; `binding` is the browser's cookie value (only its digest is kept). */
  openTransaction(request: AuthorizationRequest, binding: string): string;
  /** The request of a live transaction presented by the browser that opened it. */
  transaction(id: string, binding: string): AuthorizationRequest | undefined;
  closeTransaction(id: string): void;
  issueCode(grant: CodeGrant): string;
  /** First presentation: the grant (the code is spent from now on); later ones: `reused`. */
  redeemCode(code: string): Redemption;
  /** Records what the redemption issued; false when the code was presented again meanwhile. */
  recordIssue(code: string, issued: CodeIssue): boolean;
}

/** Spent codes are remembered this long, so a late replay still revokes what they issued. */
const SPENT_CODE_MEMORY_MS = 3_600_000;
/** Bounds memory under a flood of abandoned sign-ins (each entry is a few hundred bytes). */
const MAX_ENTRIES = 50_000;

interface Transaction { bindingHash: string; request: AuthorizationRequest; expiresAt: number }
interface CodeEntry { grant: CodeGrant; expiresAt: number; forgetAt: number; spent: boolean; reused: boolean; issued: CodeIssue | null }

const digest = (s: string): string => hash('sha256', s, 'base64url');

export class AuthorizationStoreFull extends Error {}

export function createAuthorizationStore(deps: { clock: Clock; random: Randomness }): AuthorizationStore {
  const transactions = new Map<string, Transaction>();
  const codes = new Map<string, CodeEntry>();
  const now = () => deps.clock.now().getTime();

  /** Entries are inserted in expiry order (fixed TTLs), so the expired ones are at the front. */
  function sweep<T>(map: Map<string, T>, deadline: (t: T) => number): void {
    const t = now();
    for (const [k, v] of map) {
      if (deadline(v) > t) break;
      map.delete(k);
    }
    if (map.size >= MAX_ENTRIES) throw new AuthorizationStoreFull('too many sign-ins in flight');
  }

  return {
    openTransaction(request, binding) {
      sweep(transactions, (t) => t.expiresAt);
      const id = deps.random.token(24);
      transactions.set(id, { bindingHash: digest(binding), request, expiresAt: now() + LOGIN_TRANSACTION_TTL_S * 1000 });
      return id;
    },

    transaction(id, binding) {
      const t = transactions.get(id);
      if (!t || t.expiresAt <= now() || t.bindingHash !== digest(binding)) return undefined;
      return t.request;
    },

    closeTransaction(id) {
      transactions.delete(id);
    },

    issueCode(grant) {
      sweep(codes, (c) => c.forgetAt);
      const code = deps.random.token(32);
      const t = now();
      codes.set(digest(code), { grant, expiresAt: t + AUTHORIZATION_CODE_TTL_S * 1000, forgetAt: t + SPENT_CODE_MEMORY_MS, spent: false, reused: false, issued: null });
      return code;
    },

    redeemCode(code) {
      const entry = codes.get(digest(code));
      if (!entry || entry.forgetAt <= now()) return { status: 'unknown' };
      if (entry.spent) {
        entry.reused = true;
        return { status: 'reused', issued: entry.issued };
      }
      entry.spent = true;
      if (entry.expiresAt <= now()) return { status: 'expired' };
      return { status: 'ok', grant: entry.grant };
    },

    recordIssue(code, issued) {
      const entry = codes.get(digest(code));
      if (!entry) return false;
      entry.issued = issued;
      return !entry.reused;
    },
  };
}
