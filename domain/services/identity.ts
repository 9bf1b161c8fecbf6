// Identity flows of the facade: self sign-up (user + DefaultApplication), bootstrap (WSO2
// default policies, the admin, a first signing key; idempotent), password checks with lockout.
// Password hashes go to the CredentialStore port, never to the log.
import type { CommandContext } from '../command-handler.ts';
import { applicationDecider, DEFAULT_APPLICATION_NAME } from '../application/decider.ts';
import { notFound } from '../errors.ts';
import type { Role } from '../identity/events.ts';
import { signingKeysDecider } from '../identity/signing-keys.ts';
import { ROLES, isLockedOut, normalizeUsername, userDecider, validatePassword, validateUsername } from '../identity/user.ts';
import { policyDecider } from '../policy/decider.ts';
import { DEFAULT_POLICIES } from '../policy/defaults.ts';
import { SIGNING_KEYS_STREAM, appStream, policyStream, userStream } from '../streams.ts';
import { derivedUuid, hashPassword, verifyPasswordHash } from './crypto.ts';
import type { Kit, MutationResult } from './kit.ts';
import { generateSigningKey } from './signing-key.ts';

export const ADMIN_USERNAME = 'admin';
const SYSTEM = 'system';

export interface SignUpResult extends MutationResult {
  username: string;
  applicationId: string;
}

export interface BootstrapResult {
  /** Set only when bootstrap chose the password: print it once, store it nowhere. */
  generatedAdminPassword: string | null;
  adminCreated: boolean;
  policiesSeeded: number;
  signingKeyKid: string;
  position: bigint;
}

export type VerifyPasswordResult =
  | { ok: true; username: string; roles: Role[] }
  | { ok: false; reason: 'INVALID_CREDENTIALS' | 'LOCKED'; lockedUntil: string | null };

export function identityFlows(kit: Kit, createApplicationFor: (ctx: CommandContext, owner: string, id: string, input: { name: string; throttlingPolicy: string }) => Promise<MutationResult>) {
  const { deps } = kit;
  const N = deps.scryptCost ?? 16384;
  let dummyHash: Promise<string> | undefined;

  const setPassword = async (username: string, password: string) =>
    deps.credentials.setPasswordHash(username, await hashPassword(password, deps.random.token(16), N));

  /** Every user has a DefaultApplication (Unlimited), with an id derived from the user name. */
  async function ensureDefaultApplication(ctx: CommandContext, username: string): Promise<{ id: string; position: bigint }> {
    const id = derivedUuid('default-application', username);
    const { state, position } = await kit.load(applicationDecider, appStream(id));
    if (state.status !== 'NONE') return { id, position };
    return createApplicationFor(kit.step(ctx, 'default-application'), username, id, { name: DEFAULT_APPLICATION_NAME, throttlingPolicy: 'Unlimited' });
  }

  async function recordLoginFailure(args: { username: string }, ctx: CommandContext): Promise<{ lockedUntil: string | null }> {
    const username = normalizeUsername(args.username);
    const result = await kit.run(userDecider, userStream(username), { type: 'RecordLoginFailure', data: { username, now: deps.clock.now().toISOString() } }, ctx);
    const user = result.state.status === 'ACTIVE' ? result.state.user : undefined;
    return { lockedUntil: user && isLockedOut(user, deps.clock.now()) ? user.lockedUntil : null };
  }

  return {
    async signUp(args: { username: string; password: string }, ctx: CommandContext): Promise<SignUpResult> {
      const username = validateUsername(normalizeUsername(args.username));
      validatePassword(args.password);
      const as = { ...ctx, actor: username };
      const result = await kit.run(userDecider, userStream(username), { type: 'RegisterUser', data: { username, roles: ['subscriber'], via: 'SIGN_UP' } }, as);
      // The hash is written after the name is ours: a taken name never gets its password replaced.
      if (!result.deduplicated || !(await deps.credentials.getPasswordHash(username))) await setPassword(username, args.password);
      const app = await ensureDefaultApplication(as, username);
      return { id: username, username, applicationId: app.id, streamVersion: result.streamVersion, position: app.position > result.position ? app.position : result.position };
    },

    /** Idempotent first start: seeds what is missing, never overwrites what exists. */
    async bootstrap(args: { adminPassword?: string | null }, ctx: CommandContext = { actor: SYSTEM, correlationId: deps.random.uuid() }): Promise<BootstrapResult> {
      const pos = kit.positions();
      let policiesSeeded = 0;
      for (const p of DEFAULT_POLICIES) {
        const r = await kit.run(policyDecider, policyStream(p.level, p.name), { type: 'CreateThrottlingPolicy', data: { input: p, seeded: true } }, ctx);
        policiesSeeded += r.events.length;
        pos.add(r);
      }

      let generatedAdminPassword: string | null = null;
      const password = () => {
        if (args.adminPassword) return validatePassword(args.adminPassword);
        generatedAdminPassword = deps.random.token(18);
        return generatedAdminPassword;
      };
      const adminCreated = (await kit.load(userDecider, userStream(ADMIN_USERNAME))).state.status === 'NONE';
      if (adminCreated) {
        pos.add(await kit.run(userDecider, userStream(ADMIN_USERNAME), { type: 'RegisterUser', data: { username: ADMIN_USERNAME, roles: ROLES, via: 'BOOTSTRAP' } }, ctx));
      }
      if (!(await deps.credentials.getPasswordHash(ADMIN_USERNAME))) await setPassword(ADMIN_USERNAME, password());
      pos.add(await ensureDefaultApplication(ctx, ADMIN_USERNAME));

      const keys = (await kit.load(signingKeysDecider, SIGNING_KEYS_STREAM)).state;
      let kid = keys.current?.kid;
      if (!kid || !(await deps.keyStore.getPrivateKey(kid))) {
        // No key yet, or its private half is gone (lost key store): a new key; the old public one still verifies.
        const key = await generateSigningKey();
        await deps.keyStore.putPrivateKey(key.kid, key.privateJwk);
        const data = { kid: key.kid, alg: key.alg, publicJwk: key.publicJwk };
        pos.add(await kit.run(signingKeysDecider, SIGNING_KEYS_STREAM, kid ? { type: 'RotateSigningKey', data } : { type: 'AddSigningKey', data }, ctx));
        kid = key.kid;
      }
      return { generatedAdminPassword, adminCreated, policiesSeeded, signingKeyKid: kid, position: pos.max };
    },

    /** The password grant's check: a locked account is refused before any hash is compared. */
    async verifyPassword(args: { username: string; password: string }, ctx: CommandContext): Promise<VerifyPasswordResult> {
      const username = normalizeUsername(args.username);
      const { state } = await kit.load(userDecider, userStream(username));
      const user = state.status === 'ACTIVE' ? state.user : undefined;
      if (user && isLockedOut(user, deps.clock.now())) return { ok: false, reason: 'LOCKED', lockedUntil: user.lockedUntil };
      const stored = user ? await deps.credentials.getPasswordHash(username) : undefined;
      dummyHash ??= hashPassword('not a password', 'AAAAAAAAAAAAAAAAAAAAAA', N);
      // Unknown users cost the same scrypt as known ones: timing does not reveal who exists.
      const matches = await verifyPasswordHash(args.password ?? '', stored ?? (await dummyHash));
      if (!user || !stored || !matches) {
        const lockedUntil = user ? (await recordLoginFailure({ username }, ctx)).lockedUntil : null;
        return { ok: false, reason: 'INVALID_CREDENTIALS', lockedUntil };
      }
      await kit.run(userDecider, userStream(username), { type: 'RecordLoginSuccess', data: { username } }, ctx);
      return { ok: true, username, roles: user.roles };
    },

    recordLoginFailure,

    async changePassword(args: { username: string; newPassword: string }, ctx: CommandContext): Promise<MutationResult> {
      const username = normalizeUsername(args.username);
      await kit.authorize(ctx, 'changePassword', username);
      if ((await kit.load(userDecider, userStream(username))).state.status !== 'ACTIVE') throw notFound('User', username);
      await setPassword(username, validatePassword(args.newPassword));
      const result = await kit.run(userDecider, userStream(username), { type: 'ChangePassword', data: { username } }, ctx);
      return { id: username, streamVersion: result.streamVersion, position: result.position };
    },
  };
}
