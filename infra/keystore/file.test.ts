import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DomainError } from '../../domain/errors.ts';
import { openFileKeyStore } from './file.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'gatehouse-keys-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

const privateJwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
const isCode = (code: string) => (e: unknown) => e instanceof DomainError && e.code === code;

test('stores a private JWK under <dataDir>/keys/<kid>.json readable only by the owner, and reads it back after reopening', async () => {
  const jwk = privateJwk();
  await openFileKeyStore({ dataDir }).putPrivateKey('key-2024-01', jwk);
  const file = join(dataDir, 'keys', 'key-2024-01.json');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(statSync(join(dataDir, 'keys')).mode & 0o777, 0o700);
  assert.deepEqual(await openFileKeyStore({ dataDir }).getPrivateKey('key-2024-01'), jwk);
  assert.deepEqual(readdirSync(join(dataDir, 'keys')).filter((f) => f.endsWith('.tmp')), [], 'no temp file is left behind');
});

test('an unknown key id reads as undefined', async () => {
  assert.equal(await openFileKeyStore({ dataDir }).getPrivateKey('never-stored'), undefined);
});

test('storing the same key again is harmless; a different key under the same id is a CONFLICT', async () => {
  const keys = openFileKeyStore({ dataDir });
  const jwk = privateJwk();
  await keys.putPrivateKey('k-same', jwk);
  await keys.putPrivateKey('k-same', { ...jwk });
  await assert.rejects(keys.putPrivateKey('k-same', privateJwk()), isCode('CONFLICT'));
  assert.deepEqual(await keys.getPrivateKey('k-same'), jwk);
});

test('key ids that could escape the keys directory, and non-JWK values, are refused as BAD_USER_INPUT', async () => {
  const keys = openFileKeyStore({ dataDir });
  for (const kid of ['../evil', '..', 'a/b', '', '.hidden..x', 'x'.repeat(200)]) {
    await assert.rejects(keys.putPrivateKey(kid, privateJwk()), isCode('BAD_USER_INPUT'), kid);
    await assert.rejects(keys.getPrivateKey(kid), isCode('BAD_USER_INPUT'), kid);
  }
  await assert.rejects(keys.putPrivateKey('no-kty', { d: 'x' }), isCode('BAD_USER_INPUT'));
});
