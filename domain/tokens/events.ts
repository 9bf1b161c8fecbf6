// Events of token revocations (`token-<jti>`) and refresh-token families (`refresh-<familyId>`).
// Refresh tokens appear only as hex SHA-256 hashes.

export type TokenType = 'access_token' | 'refresh_token' | 'api_key';

export type TokenRevoked = {
  type: 'TokenRevoked';
  data: { jti: string; exp: number | null; tokenType: TokenType }; // exp: epoch seconds; the map forgets it after
};

export type TokenEvent = TokenRevoked;

export type RefreshTokenFamilyStarted = {
  type: 'RefreshTokenFamilyStarted';
  data: {
    familyId: string;
    clientId: string; // consumer key (or the portal's public client id)
    subject: string; // user name or application id
    scope: string;
    tokenHash: string;
    exp: number; // epoch seconds of the refresh token
  };
};

export type RefreshTokenRotated = {
  type: 'RefreshTokenRotated';
  data: { familyId: string; previousTokenHash: string; tokenHash: string; exp: number };
};

/** REUSE_DETECTED: a rotated-away token came back (RFC 6819 §5.2.2.3): the family dies. */
export type RefreshTokenFamilyRevoked = {
  type: 'RefreshTokenFamilyRevoked';
  data: { familyId: string; reason: 'REUSE_DETECTED' | 'REVOKED' };
};

export type RefreshFamilyEvent = RefreshTokenFamilyStarted | RefreshTokenRotated | RefreshTokenFamilyRevoked;
