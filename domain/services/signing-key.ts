// A fresh signing key pair: the private JWK goes to the KeyStore, the public one to the log.
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import type { SigningAlg } from '../identity/events.ts';

export async function generateSigningKey(alg: SigningAlg = 'ES256') {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = { ...(await exportJWK(privateKey)), kid, alg };
  return { kid, alg, publicJwk: { ...publicJwk } as Record<string, unknown>, privateJwk: privateJwk as Record<string, unknown> };
}
