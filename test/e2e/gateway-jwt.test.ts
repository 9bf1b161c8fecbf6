// JWT attacks (RFC 8725) against the gateway: every forged, stale or misdirected token is
// 401/900901 and never reaches the backend; a genuine token next to them passes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { generateKeyPair, SignJWT, base64url } from 'jose';
import type { GatehouseEvent } from '../../domain/events.ts';
import { apiCreated, apiPublished, applicationCreated, keysGenerated, operation, subscriptionCreated } from '../../projections/gateway-map/fixtures.ts';
import { AUDIENCE, ISSUER, KID, startHarness, type Harness } from './gateway.harness.ts';

let h: Harness;
const PATH = '/jwt/1.0.0/items';

before(async () => {
  h = await startHarness();
  await h.publish(
    apiCreated({ apiId: 'jwt-api', context: '/jwt', endpoints: { production: h.backend.url, sandbox: null }, operations: [operation('GET', '/items')] }),
    apiPublished('jwt-api'),
    applicationCreated({ applicationId: 'jwt-app' }),
    keysGenerated('jwt-app', 'jwt-ck'),
    subscriptionCreated('jwt-sub', 'jwt-app', 'jwt-api'),
  );
});
after(async () => {
  await h.close();
});

const enc = (o: unknown): string => base64url.encode(JSON.stringify(o));
const now = () => Math.floor(Date.now() / 1000);
const claims = () => ({ iss: ISSUER, aud: AUDIENCE, sub: 'alice', azp: 'jwt-ck', scope: 'default', jti: crypto.randomUUID(), iat: now(), exp: now() + 3600 });

async function expectRefused(token: string, why: string): Promise<void> {
  const r = await h.call(PATH, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(r.status, 401, `${why}: ${r.status} ${r.text}`);
  assert.equal(r.json<{ code: string }>().code, '900901', why);
  assert.notEqual(r.headers['x-backend'], 'echo', `${why}: reached the backend`);
}

describe('JWT attacks are refused with 401/900901', () => {
  test('a genuine token passes (control)', async () => {
    const r = await h.call(PATH, { headers: { authorization: `Bearer ${await h.token({ azp: 'jwt-ck' })}` } });
    assert.equal(r.status, 200, r.text);
  });

  test('alg: none (unsigned, with and without the trailing dot)', async () => {
    const unsigned = `${enc({ alg: 'none', typ: 'JWT', kid: KID })}.${enc(claims())}`;
    await expectRefused(`${unsigned}.`, 'alg none, empty signature');
    await expectRefused(unsigned, 'alg none, two parts');
    await expectRefused(`${enc({ alg: 'NONE', kid: KID })}.${enc(claims())}.AAAA`, 'alg NONE with junk signature');
  });

  test('HS256 signed with the public JWK as the HMAC secret (algorithm confusion)', async () => {
    for (const secret of [JSON.stringify(h.publicJwk), String(h.publicJwk.x), JSON.stringify({ keys: [h.publicJwk] })]) {
      const forged = await new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', kid: KID }).sign(new TextEncoder().encode(secret));
      await expectRefused(forged, 'HS256 with the public key');
    }
  });

  test('kid pointing elsewhere: an unknown kid, a URL, a jku/jwk/x5u header with the attacker key', async () => {
    const attacker = await generateKeyPair('ES256', { extractable: true });
    const { exportJWK } = await import('jose');
    const attackerJwk = await exportJWK(attacker.publicKey);
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'attacker-key' }).sign(attacker.privateKey), 'unknown kid');
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: 'https://evil.example/jwks.json' }).sign(attacker.privateKey), 'kid as URL');
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: KID, jku: 'https://evil.example/jwks.json' }).sign(attacker.privateKey), 'our kid, jku to attacker');
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256', kid: KID, jwk: attackerJwk }).sign(attacker.privateKey), 'embedded jwk');
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'ES256' }).sign(attacker.privateKey), 'no kid');
  });

  test('another asymmetric algorithm than the key\'s (RS256 with our kid)', async () => {
    const rsa = await generateKeyPair('RS256');
    await expectRefused(await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: KID }).sign(rsa.privateKey), 'RS256 under an ES256 kid');
  });

  test('expired, not yet valid, without exp', async () => {
    await expectRefused(await h.token({ azp: 'jwt-ck' }, { expiresIn: -3600 }), 'expired an hour ago');
    await expectRefused(await h.token({ azp: 'jwt-ck', nbf: now() + 3600 }), 'nbf an hour ahead');
    await expectRefused(await h.token({ azp: 'jwt-ck' }, { expiresIn: null }), 'access token without exp');
  });

  test('wrong audience, wrong issuer', async () => {
    const key = h.signingKey;
    await expectRefused(await new SignJWT({ ...claims(), aud: 'gatehouse-management' }).setProtectedHeader({ alg: 'ES256', kid: KID }).sign(key), 'management audience');
    await expectRefused(await new SignJWT({ ...claims(), aud: undefined }).setProtectedHeader({ alg: 'ES256', kid: KID }).sign(key), 'no audience');
    await expectRefused(await new SignJWT({ ...claims(), iss: 'https://evil.example' }).setProtectedHeader({ alg: 'ES256', kid: KID }).sign(key), 'foreign issuer');
  });

  test('tampered payload or header with the original signature', async () => {
    const genuine = await h.token({ azp: 'jwt-ck', scope: 'default' });
    const [header, payload, signature] = genuine.split('.') as [string, string, string];
    const body = JSON.parse(new TextDecoder().decode(base64url.decode(payload))) as Record<string, unknown>;
    await expectRefused(`${header}.${enc({ ...body, scope: 'default admin' })}.${signature}`, 'scope widened');
    await expectRefused(`${header}.${enc({ ...body, exp: now() + 86400 * 365 })}.${signature}`, 'exp extended');
    await expectRefused(`${enc({ alg: 'ES256', kid: KID, typ: 'JWT' })}.${payload}.${signature}`, 'header rewritten');
    const flipped = signature.slice(0, -2) + (signature.endsWith('A') ? 'BA' : 'AA');
    await expectRefused(`${header}.${payload}.${flipped}`, 'signature bits flipped');
  });

  test('malformed and oversized tokens: no crash, 401', async () => {
    await expectRefused('a.b.c', 'three garbage parts');
    await expectRefused(`${base64url.encode('{not json')}.${enc(claims())}.AAAA`, 'header is not JSON');
    await expectRefused(`${enc('a string')}.${enc(claims())}.AAAA`, 'header is not an object');
    await expectRefused(`${enc({ alg: 'ES256', kid: KID, crit: ['exp'] })}.${enc(claims())}.AAAA`, 'unknown crit');
    await expectRefused('x'.repeat(9000), 'over the token size limit');
    await expectRefused(`${enc({ alg: 'ES256', kid: KID })}.${'A'.repeat(8000)}.AAAA`, 'huge payload');
    const r = await h.call(PATH, { headers: { authorization: `Bearer ${await h.token({ azp: 'jwt-ck' })}` } });
    assert.equal(r.status, 200, 'the gateway still serves genuine tokens');
  });

  test('a token signed by a key rotated out of the JWKS stops working; one by the new key works', async () => {
    const before = await h.token({ azp: 'jwt-ck' });
    assert.equal((await h.call(PATH, { headers: { authorization: `Bearer ${before}` } })).status, 200);
    const next = await generateKeyPair('ES256', { extractable: true });
    const { exportJWK } = await import('jose');
    const nextJwk = { ...(await exportJWK(next.publicKey)), kid: 'key-2', alg: 'ES256' };
    const rotated: GatehouseEvent = { type: 'SigningKeyRotated', data: { kid: 'key-2', alg: 'ES256', publicJwk: nextJwk, previousKid: 'none', retiredKid: KID } };
    await h.publish(rotated);
    await expectRefused(before, 'signed by the retired key');
    const fresh = await h.token({ azp: 'jwt-ck' }, { kid: 'key-2', key: next.privateKey });
    assert.equal((await h.call(PATH, { headers: { authorization: `Bearer ${fresh}` } })).status, 200);
  });
});
