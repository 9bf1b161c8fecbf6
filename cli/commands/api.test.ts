import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { startInProcess } from '../../test/support/server.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'api', ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

const PETSTORE = `
openapi: 3.0.3
info: { title: Petstore, version: 1.0.0, description: Pets }
x-wso2-basePath: /pets/1.0.0
x-wso2-production-endpoints: { urls: ["http://127.0.0.1:9/pets"] }
x-wso2-throttling-tier: 10KPerMin
components:
  securitySchemes:
    default:
      type: oauth2
      flows: { implicit: { authorizationUrl: "https://x", scopes: { "pets:write": "write pets" } } }
      x-scopes-bindings: { "pets:write": "creator" }
paths:
  /pets:
    get: { x-auth-type: None, responses: { "200": { description: ok } } }
    post: { security: [{ default: ["pets:write"] }], x-throttling-tier: 10KPerMin, responses: { "201": { description: ok } } }
  /pets/{petId}:
    get:
      x-auth-type: Application
      parameters: [{ name: petId, in: path, required: true, schema: { type: string } }]
      responses: { "200": { description: ok } }
`;

describe('gatehouse api import/export', () => {
  let dataDir: string;
  let stop: () => Promise<void>;

  before(async () => {
    const server = await startInProcess({ gateway: false });
    dataDir = server.dataDir;
    await server.close(); // bootstrapped data dir (admin, policies, key), server gone
    stop = server.stop;
    writeFileSync(join(dataDir, 'petstore.yaml'), PETSTORE);
  });
  after(() => stop());

  test('import --publish creates and publishes the API with its WSO2 extensions', () => {
    const r = cli('import', join(dataDir, 'petstore.yaml'), '--publish', '--json', '--data', dataDir);
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { name: string; context: string; version: string; lifecycleStatus: string; operations: number };
    assert.deepEqual({ ...out, id: undefined, position: undefined }, { name: 'Petstore', context: '/pets', version: '1.0.0', lifecycleStatus: 'PUBLISHED', operations: 3, id: undefined, position: undefined });
  });

  test('export by name:version gives OpenAPI 3.0 that imports back to the same operations', () => {
    const r = cli('export', 'petstore:1.0.0', '--data', dataDir);
    assert.equal(r.status, 0, r.stderr);
    const doc = parseYaml(r.stdout) as Record<string, any>;
    assert.equal(doc.openapi, '3.0.3');
    assert.equal(doc['x-wso2-basePath'], '/pets/1.0.0');
    assert.equal(doc['x-wso2-throttling-tier'], '10KPerMin');
    assert.equal(doc.paths['/pets'].get['x-auth-type'], 'None');
    assert.equal(doc.paths['/pets/{petId}'].get['x-auth-type'], 'Application');
    assert.deepEqual(doc.paths['/pets'].post.security, [{ default: ['pets:write'] }]);
    assert.equal(doc.components.securitySchemes.default['x-scopes-bindings']['pets:write'], 'creator');

    writeFileSync(join(dataDir, 'exported.yaml'), r.stdout);
    const again = cli('import', join(dataDir, 'exported.yaml'), '--version', '2.0.0', '--context', '/pets', '--json', '--data', dataDir);
    assert.equal(again.status, 0, again.stderr);
    const v2 = cli('export', 'Petstore:2.0.0', '--format', 'json', '--data', dataDir);
    const doc2 = JSON.parse(v2.stdout) as Record<string, any>;
    assert.deepEqual(doc2.paths, doc.paths);
    assert.deepEqual(doc2.components, doc.components);
    assert.equal(doc2['x-wso2-basePath'], '/pets/2.0.0');
  });

  test('failures: unknown API, refused actor, unreadable definition: non-zero exit and one line', () => {
    const missing = cli('export', 'nope:9.9.9', '--data', dataDir);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr.trim(), /^gatehouse: NOT_FOUND: API nope:9.9.9 was not found$/);
    const nobody = cli('import', join(dataDir, 'petstore.yaml'), '--as', 'nobody', '--version', '3.0.0', '--data', dataDir);
    assert.equal(nobody.status, 1);
    assert.equal(nobody.stderr.trim().split('\n').length, 1);
    writeFileSync(join(dataDir, 'bad.yaml'), 'openapi: [unclosed');
    const bad = cli('import', join(dataDir, 'bad.yaml'), '--data', dataDir);
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  });

  test('an invalid OpenAPI document: one line naming the first problem and how many more; --verbose and GATEHOUSE_DEBUG=1 show them all', () => {
    writeFileSync(join(dataDir, 'invalid.yaml'), [
      'openapi: 3.0.3',
      'info: { title: Broken }',
      'paths:',
      '  /pets:',
      '    get:',
      '      parameters: [{ name: x, in: nowhere }]',
      '      responses: { "200": { description: ok } }',
      '  /x:',
      '    post: { responses: 12 }',
      '',
    ].join('\n'));
    const short = cli('import', join(dataDir, 'invalid.yaml'), '--data', dataDir);
    assert.equal(short.status, 1);
    assert.equal(short.stdout, '');
    assert.match(short.stderr, /^gatehouse: BAD_USER_INPUT: definition: invalid OpenAPI document: .*validation failed\. REQUIRED must have required property 'version' \(\+2 more; --verbose or GATEHOUSE_DEBUG=1 shows all\)\n$/);

    for (const full of [
      cli('import', join(dataDir, 'invalid.yaml'), '--verbose', '--data', dataDir),
      spawnSync(process.execPath, ['--import', 'tsx', join(root, 'cli/main.ts'), 'api', 'import', join(dataDir, 'invalid.yaml'), '--data', dataDir], { cwd: root, encoding: 'utf8', timeout: 60_000, env: { ...process.env, GATEHOUSE_DEBUG: '1' } }),
    ]) {
      assert.equal(full.status, 1);
      assert.ok(full.stderr.trim().split('\n').length > 3, full.stderr);
      for (const problem of [/required property 'version'/, /required property 'required'/, /must be object/, /\^ version is missing here/]) assert.match(full.stderr, problem);
    }
    const head = cli('export', 'Broken:1.0.0', '--data', dataDir);
    assert.equal(head.status, 1, 'nothing was imported');
  });
});
