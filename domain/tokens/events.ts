// Events of token revocations (`token-<jti>`) and refresh-token families (`refresh-<familyId>`).
// Refresh tokens appear only as hex SHA-256 hashes.

export type TokenType = 'access_token' | 'refresh_token' | 'api_key';

export type TokenRevoked = {
  type: 'TokenRevoked';
  data: { jti: string; exp: number | null; tokenType: TokenType }; // exp: epoch seconds; the map forgets it after
};

export type TokenEvent = TokenRevoked;

/** An access token issued together with a refresh token of a family (revoked with the family). */
export interface FamilyAccessToken {
  jti: string;
  exp: number; // epoch seconds
}

export type RefreshTokenFamilyStarted = {
  type: 'RefreshTokenFamilyStarted';
  data: {
    familyId: string;
    clientId: string; // consumer key (or the portal's public client id)
    subject: string; // user name or application id
    scope: string;
    tokenHash: string;
    exp: number; // epoch seconds of the refresh token
    /** The access token issued alongside (absent in events recorded before it was kept). */
    accessToken?: FamilyAccessToken;
  };
};

export type RefreshTokenRotated = {
  type: 'RefreshTokenRotated';
  data: { familyId: string; previousTokenHash: string; tokenHash: string; exp: number; accessToken?: FamilyAccessToken };
};

/** REUSE_DETECTED: a rotated-away token came back (RFC 6819 §5.2.2.3): the family dies. */
export type RefreshTokenFamilyRevoked = {
  type: 'RefreshTokenFamilyRevoked';
  data: { familyId: string; reason: 'REUSE_DETECTED' | 'REVOKED' };
};

export type RefreshFamilyEvent = RefreshTokenFamilyStarted | RefreshTokenRotated | RefreshTokenFamilyRevoked;
