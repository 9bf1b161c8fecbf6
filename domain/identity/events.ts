// Events of users (`user-<name>`) and of the signing keys (`keys-signing`).
// No password hash (it lives in the CredentialStore port) and no e-mail: Gatehouse keeps no
// e-mail in the log at all, so there is nothing personal to crypto-shred.

export type Role = 'admin' | 'publisher' | 'creator' | 'subscriber';

export type UserRegistered = {
  type: 'UserRegistered';
  data: { username: string; roles: Role[]; via: 'SIGN_UP' | 'BOOTSTRAP' };
};

export type UserRoleGranted = { type: 'UserRoleGranted'; data: { username: string; role: Role } };
export type UserRoleRevoked = { type: 'UserRoleRevoked'; data: { username: string; role: Role } };

/** The password changed (the new hash went to the CredentialStore, never here). */
export type UserPasswordChanged = { type: 'UserPasswordChanged'; data: { username: string } };

export type UserLoginFailed = {
  type: 'UserLoginFailed';
  data: { username: string; consecutiveFailures: number };
};

export type UserLockedOut = {
  type: 'UserLockedOut';
  data: { username: string; lockedUntil: string }; // ISO-8601
};

/** A successful login after failures: the counter starts again from zero. */
export type UserLoginFailuresReset = { type: 'UserLoginFailuresReset'; data: { username: string } };

export type UserEvent =
  | UserRegistered
  | UserRoleGranted
  | UserRoleRevoked
  | UserPasswordChanged
  | UserLoginFailed
  | UserLockedOut
  | UserLoginFailuresReset;

// ---- `keys-signing`: public halves only; private keys live in the KeyStore port ----

export type SigningAlg = 'ES256' | 'EdDSA';

export type SigningKeyAdded = {
  type: 'SigningKeyAdded';
  data: { kid: string; alg: SigningAlg; publicJwk: Record<string, unknown> };
};

/** The new key signs from now on; previousKid still verifies; retiredKid leaves the JWKS. */
export type SigningKeyRotated = {
  type: 'SigningKeyRotated';
  data: {
    kid: string;
    alg: SigningAlg;
    publicJwk: Record<string, unknown>;
    previousKid: string;
    retiredKid: string | null;
  };
};

export type SigningKeyEvent = SigningKeyAdded | SigningKeyRotated;
