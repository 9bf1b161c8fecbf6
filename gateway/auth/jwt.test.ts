import assert from 'node:assert/strict';
import { test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { signingKeyAdded } from '../../projections/gateway-map/fixtures.ts';
import { mapOf } from '../phases/test-context.ts';
import { VerificationKeys } from './keys.ts';
import { readHeader, verifyJwt, type JwtVerifyOptions } from './jwt.ts';

const opts: JwtVerifyOptions = { issuer: 'https://iss', audience: 'gw', clockToleranceS: 0, maxTokenLength: 4096, requiredClaims: ['exp'] };

async function setup() {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const keys = new VerificationKeys();
  const view = mapOf([signingKeyAdded('k1', { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' })]);
  keys.sync(view, () => assert.fail('import failed'));
  const sign = (claims: Record<string, unknown> = {}, header: Record<string, unknown> = {}) =>
    new SignJWT({ iss: 'https://iss', aud: 'gw', jti: 'j1', exp: Math.floor(Date.now() / 1000) + 60, ...claims }).setProtectedHeader({ alg: 'ES256', kid: 'k1', ...header }).sign(privateKey);
  return { keys, sign, view };
}

test('a token signed by a map key verifies; its claims come back', async () => {
  const { keys, sign } = await setup();
  const v = await verifyJwt(await sign({ azp: 'ck' }), keys, opts);
  assert.equal(v?.kid, 'k1');
  assert.equal(v?.payload.azp, 'ck');
});

test('wrong iss, aud, expired, missing exp or jti, unknown kid: null, never a throw', async () => {
  const { keys, sign } = await setup();
  assert.equal(await verifyJwt(await sign({ iss: 'x' }), keys, opts), null);
  assert.equal(await verifyJwt(await sign({ aud: 'x' }), keys, opts), null);
  assert.equal(await verifyJwt(await sign({ exp: 1 }), keys, opts), null);
  assert.equal(await verifyJwt(await sign({ exp: undefined }), keys, opts), null);
  assert.equal(await verifyJwt(await sign({ jti: undefined }), keys, opts), null);
  assert.equal(await verifyJwt(await sign({}, { kid: 'k2' }), keys, opts), null);
  assert.ok(await verifyJwt(await sign({ exp: undefined }), keys, { ...opts, requiredClaims: [] }), 'API keys may lack exp');
});

test('readHeader refuses what is not a compact JWS with a string alg and kid', () => {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  assert.deepEqual(readHeader(`${b({ alg: 'ES256', kid: 'k' })}.e30.sig`, 100), { alg: 'ES256', kid: 'k' });
  assert.equal(readHeader(`${b({ alg: 'ES256' })}.e30.sig`, 100), null);
  assert.equal(readHeader(`${b({ alg: 'ES256', kid: 'k', crit: ['x'] })}.e30.sig`, 100), null);
  assert.equal(readHeader(`${b({ alg: 'ES256', kid: 'k' })}.e30.`, 100), null);
  assert.equal(readHeader('a.b', 100), null);
  assert.equal(readHeader(`${b({ alg: 'ES256', kid: 'k' })}.e30.sig`, 10), null, 'too long');
  assert.equal(readHeader('!!!.e30.sig', 100), null);
});

test('keys re-import only when the map changes; generation tells token caches to drop', async () => {
  const { keys, view } = await setup();
  const g = keys.generation;
  keys.sync(view, () => undefined);
  assert.equal(keys.generation, g);
  view.keysVersion++;
  keys.sync(view, () => undefined);
  assert.equal(keys.generation, g + 1);
});

test('a symmetric or unparsable key in the map is not imported', () => {
  const keys = new VerificationKeys();
  const errors: string[] = [];
  keys.sync(mapOf([signingKeyAdded('bad', { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' })]), (kid) => errors.push(kid));
  assert.equal(keys.get('bad'), undefined);
  assert.deepEqual(errors, ['bad']);
});
