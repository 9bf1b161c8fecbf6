import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError } from '../../domain/errors.ts';
import { newEvent, testEventStore } from '../../test/contracts/eventstore.ts';
import { openMemoryEventStore } from './memory.ts';

testEventStore('memory', async () => {
  const store = openMemoryEventStore();
  return { store, cleanup: () => store.close() };
});

test('memory store: an event id already recorded is a CONFLICT and nothing of the batch is appended', async () => {
  const store = openMemoryEventStore();
  const e = newEvent('ApiCreated');
  await store.appendToStream('api-1', [e]);
  await assert.rejects(store.appendToStream('api-2', [newEvent('ApiCreated'), e]), (err: unknown) => err instanceof DomainError && err.code === 'CONFLICT');
  assert.equal(await store.headPosition(), 1n);
});

test('memory store: stored events cannot be changed through the objects passed in or read out', async () => {
  const store = openMemoryEventStore();
  const e = newEvent('ApiCreated', { name: 'a' });
  await store.appendToStream('api-1', [e]);
  (e.data as { name: string }).name = 'changed';
  const [read] = (await store.readStream('api-1')).events;
  (read!.data as { name: string }).name = 'changed too';
  assert.deepEqual((await store.readStream('api-1')).events[0]!.data, { name: 'a' });
});
