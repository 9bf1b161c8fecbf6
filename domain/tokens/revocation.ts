// Token revocations (`token-<jti>`): one stream per revoked jti, so revoking twice is a no-op
// and gateways learn the jti with its expiry (they forget it after `exp`).
import type { Decider } from '../decider.ts';
import { fail, requireOneOf, requireText } from '../validate.ts';
import type { TokenEvent, TokenType } from './events.ts';

export const TOKEN_TYPES: readonly TokenType[] = ['access_token', 'refresh_token', 'api_key'];

export interface RevocationState {
  revoked: boolean;
}

export type RevokeToken = { type: 'RevokeToken'; data: { jti: string; exp: number | null; tokenType: string } };

function decide(command: RevokeToken, state: RevocationState): TokenEvent[] {
  const { jti, exp, tokenType } = command.data;
  if (state.revoked) return [];
  if (exp !== null && (!Number.isInteger(exp) || exp <= 0)) fail('exp', 'must be epoch seconds');
  return [{ type: 'TokenRevoked', data: { jti: requireText('jti', jti, 200), exp, tokenType: requireOneOf('tokenType', tokenType, TOKEN_TYPES) } }];
}

export const revocationDecider: Decider<RevocationState, RevokeToken, TokenEvent> = {
  decide,
  evolve: () => ({ revoked: true }),
  initialState: () => ({ revoked: false }),
};
