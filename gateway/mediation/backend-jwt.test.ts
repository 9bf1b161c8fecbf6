import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importJWK, jwtVerify, type JWK } from 'jose';
import { BackendJwtSigner, type BackendJwtSubject } from './backend-jwt.ts';

const subject = (over: Partial<BackendJwtSubject> = {}): BackendJwtSubject => ({
  cacheKey: 'jti api tier',
  credentialExp: null,
  endUser: 'alice',
  userType: 'APPLICATION',
  keyType: 'PRODUCTION',
  application: { id: 'app-1', name: 'Shop', owner: 'alice', tier: 'Unlimited' },
  api: { name: 'Pizza', context: '/pizza/1.0.0', version: '1.0.0' },
  subscriptionTier: 'Gold',
  ...over,
});

test('the assertion verifies with the published key and carries the WSO2 claims', async () => {
  const signer = new BackendJwtSigner({ issuer: 'wso2.org/products/am', ttlSeconds: 900 });
  const jwt = signer.assertion(subject(), Date.now());
  const key = await importJWK(signer.jwks().keys[0] as JWK, 'ES256');
  const { payload, protectedHeader } = await jwtVerify(jwt, key, { issuer: 'wso2.org/products/am' });
  assert.equal(protectedHeader.kid, signer.kid);
  const c = 'http://wso2.org/claims/';
  assert.equal(payload[`${c}applicationid`], 'app-1');
  assert.equal(payload[`${c}applicationname`], 'Shop');
  assert.equal(payload[`${c}subscriber`], 'alice');
  assert.equal(payload[`${c}apicontext`], '/pizza/1.0.0');
  assert.equal(payload[`${c}tier`], 'Gold');
  assert.equal(payload[`${c}keytype`], 'PRODUCTION');
  assert.equal(payload[`${c}enduser`], 'alice');
  assert.ok(payload.exp! - payload.iat! <= 900);
});

test('cached per key until near expiry; never outlives the caller credential', async () => {
  const signer = new BackendJwtSigner({ issuer: 'i', ttlSeconds: 900 });
  const now = Date.now();
  assert.equal(signer.assertion(subject(), now), signer.assertion(subject(), now + 1_000));
  assert.notEqual(signer.assertion(subject(), now), signer.assertion(subject({ cacheKey: 'other' }), now));
  const shortLived = signer.assertion(subject({ cacheKey: 'short', credentialExp: Math.floor(now / 1000) + 30 }), now);
  const exp = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()).exp as number;
  assert.equal(exp, Math.floor(now / 1000) + 30);
});
