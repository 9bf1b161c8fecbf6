// The TokenSigner port of the command facade (API keys): signs with the key ring's current key,
// adding the registered claims the facade leaves to the key manager (iss, aud, iat, nbf, jti).
import type { Clock, Randomness } from '../../domain/ports.ts';
import type { TokenSigner } from '../../domain/services/ports.ts';
import { GATEWAY_AUDIENCE } from './constants.ts';
import type { KeyRing } from './keyring.ts';
import { signToken } from './tokens.ts';

export function createTokenSigner(deps: { ring: KeyRing; issuer(): string; clock: Clock; random: Randomness }): TokenSigner {
  return {
    async sign(claims, opts) {
      const { iss: _iss, aud, sub, jti, iat: _iat, nbf: _nbf, exp: _exp, ...rest } = claims;
      const issued = await signToken(deps.ring, {
        issuer: deps.issuer(),
        subject: typeof sub === 'string' ? sub : '',
        audience: typeof aud === 'string' || Array.isArray(aud) ? (aud as string | string[]) : GATEWAY_AUDIENCE,
        ttlSeconds: opts.expiresInSeconds ?? null,
        jti: typeof jti === 'string' ? jti : deps.random.uuid(),
        now: deps.clock.now(),
        claims: rest,
      });
      return { token: issued.token, jti: issued.jti, exp: issued.exp };
    },
  };
}
