// The public `config` query tells clients where the gateway answers: the address it listens on,
// or GATEHOUSE_GATEWAY_URL; the portals read it instead of guessing :8280.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startInProcess, startServer } from '../support/server.ts';
import { gql, gqlOk } from '../support/gql.ts';

const CONFIG = '{ config { gatewayUrl issuer tokenEndpoint revocationEndpoint jwksUri version } }';
type Config = { config: { gatewayUrl: string | null; issuer: string; tokenEndpoint: string; revocationEndpoint: string; jwksUri: string; version: string } };

test('in process: the gateway URL is where the gateway listens (anonymous query), null without a gateway', async () => {
  const withGateway = await startInProcess({ gateway: true });
  try {
    assert.match(withGateway.gatewayUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
    const { config } = await gqlOk<Config>(withGateway.baseUrl, CONFIG);
    assert.equal(config.gatewayUrl, withGateway.gatewayUrl);
    assert.notEqual(new URL(config.gatewayUrl!).port, '8280');
    assert.equal(config.issuer, withGateway.issuer);
    assert.equal(config.tokenEndpoint, `${withGateway.issuer}/oauth2/token`);
    assert.match(config.version, /^\d+\.\d+\.\d+/);
    // the URL it reports answers as the gateway does (its admin probe)
    const probe = await fetch(`${config.gatewayUrl}/_gatehouse/health`);
    assert.equal(probe.status, 200);
  } finally {
    await withGateway.stop();
  }
  const controlPlaneOnly = await startInProcess({ gateway: false });
  try {
    assert.equal((await gqlOk<Config>(controlPlaneOnly.baseUrl, CONFIG)).config.gatewayUrl, null);
  } finally {
    await controlPlaneOnly.stop();
  }
});

test('gatehouse start: the real gateway URL by default; GATEHOUSE_GATEWAY_URL overrides it; a malformed one stops startup', async () => {
  const plain = await startServer();
  try {
    assert.ok(plain.gatewayUrl);
    assert.equal((await gqlOk<Config>(plain.baseUrl, CONFIG)).config.gatewayUrl, plain.gatewayUrl);
  } finally {
    assert.equal(await plain.stop(), 0);
  }

  const proxied = await startServer({ env: { GATEHOUSE_GATEWAY_URL: 'https://gw.example.com/' } });
  try {
    const r = await gql<Config>(proxied.baseUrl, CONFIG);
    assert.equal(r.status, 200);
    assert.equal(r.data?.config.gatewayUrl, 'https://gw.example.com');
  } finally {
    assert.equal(await proxied.stop(), 0);
  }

  await assert.rejects(startServer({ env: { GATEHOUSE_GATEWAY_URL: 'gw.example.com:8280' } }), /GATEHOUSE_GATEWAY_URL must be an absolute http\(s\) URL/);
});
