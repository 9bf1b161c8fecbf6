import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RecordedEvent } from '../ports.ts';
import { currentSchemaVersion, upcast } from '../upcasting.ts';
import type { ApiCreated } from './events.ts';
import './upcasters.ts';

const metadata = (schemaVersion: number) => ({
  eventId: 'e1', actor: 'alice', correlationId: 'c1', causationId: null, recordedAt: '2024-01-01T00:00:00.000Z', schemaVersion,
});

test('ApiCreated is written at schemaVersion 2', () => {
  assert.equal(currentSchemaVersion('ApiCreated'), 2);
});

test('a v1 ApiCreated (endpoint: string) is read as v2 (endpoints {production, sandbox})', () => {
  const v1 = {
    type: 'ApiCreated', streamId: 'api-1', streamVersion: 1n, globalPosition: 7n, metadata: metadata(1),
    data: { apiId: '1', name: 'Old', context: '/old', version: 'v1', endpoint: 'http://legacy.example/svc' },
  } as unknown as RecordedEvent<ApiCreated>;
  const read = upcast(v1);
  assert.equal(read.metadata.schemaVersion, 2);
  assert.deepEqual(read.data.endpoints, { production: 'http://legacy.example/svc', sandbox: null });
  assert.equal('endpoint' in read.data, false);
  assert.equal(read.globalPosition, 7n, 'position and stream version are untouched');
});

test('a v2 ApiCreated is read unchanged', () => {
  const v2 = {
    type: 'ApiCreated', streamId: 'api-1', streamVersion: 1n, globalPosition: 7n, metadata: metadata(2),
    data: { apiId: '1', endpoints: { production: null, sandbox: 'http://s.example' } },
  } as unknown as RecordedEvent<ApiCreated>;
  assert.equal(upcast(v2), v2);
});
