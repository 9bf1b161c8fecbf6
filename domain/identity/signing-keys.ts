// The signing keys (`keys-signing`): the current key signs, the previous one still verifies
// (tokens signed before a rotation stay valid until they expire). Public halves only.
import type { Decider } from '../decider.ts';
import { conflict, invalidTransition } from '../errors.ts';
import { fail, requireOneOf, requireText } from '../validate.ts';
import type { SigningAlg, SigningKeyEvent } from './events.ts';

export const SIGNING_ALGS: readonly SigningAlg[] = ['ES256', 'EdDSA'];
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth'];

export interface PublicKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
}

export interface SigningKeysState {
  current: PublicKey | null;
  previous: PublicKey | null;
}

export type AddSigningKey = { type: 'AddSigningKey'; data: { kid: string; alg: string; publicJwk: Record<string, unknown> } };
export type RotateSigningKey = { type: 'RotateSigningKey'; data: { kid: string; alg: string; publicJwk: Record<string, unknown> } };
export type SigningKeyCommand = AddSigningKey | RotateSigningKey;

/** Refuses anything that is not a public JWK matching the algorithm: no private key in the log. */
export function validatePublicKey(data: AddSigningKey['data']): PublicKey {
  const kid = requireText('kid', data.kid, 200);
  const alg = requireOneOf('alg', data.alg, SIGNING_ALGS);
  const jwk = data.publicJwk ?? {};
  const leaked = PRIVATE_MEMBERS.find((m) => m in jwk);
  if (leaked) fail('publicJwk', `carries the private member "${leaked}"; only public keys go in the log`);
  const ok = alg === 'ES256' ? jwk.kty === 'EC' && jwk.crv === 'P-256' : jwk.kty === 'OKP' && jwk.crv === 'Ed25519';
  if (!ok || typeof jwk.x !== 'string') fail('publicJwk', `is not a public ${alg} key`);
  return { kid, alg, publicJwk: { ...jwk, kid, alg, use: 'sig' } };
}

function decide(command: SigningKeyCommand, state: SigningKeysState): SigningKeyEvent[] {
  const key = validatePublicKey(command.data);
  switch (command.type) {
    case 'AddSigningKey':
      if (state.current?.kid === key.kid) return [];
      if (state.current) throw conflict('a signing key exists already; rotate it instead', { kid: state.current.kid });
      return [{ type: 'SigningKeyAdded', data: key }];
    case 'RotateSigningKey':
      if (!state.current) throw invalidTransition('there is no signing key to rotate yet');
      if (state.current.kid === key.kid || state.previous?.kid === key.kid) throw conflict(`key id ${key.kid} is in use`, { kid: key.kid });
      return [{ type: 'SigningKeyRotated', data: { ...key, previousKid: state.current.kid, retiredKid: state.previous?.kid ?? null } }];
  }
}

function evolve(state: SigningKeysState, event: SigningKeyEvent): SigningKeysState {
  const { kid, alg, publicJwk } = event.data;
  return event.type === 'SigningKeyAdded'
    ? { current: { kid, alg, publicJwk }, previous: null }
    : { current: { kid, alg, publicJwk }, previous: state.current };
}

export const signingKeysDecider: Decider<SigningKeysState, SigningKeyCommand, SigningKeyEvent> = {
  decide,
  evolve,
  initialState: () => ({ current: null, previous: null }),
};
