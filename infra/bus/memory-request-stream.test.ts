import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RequestFact } from '../../domain/ports.ts';
import { createMemoryRequestStream } from './memory-request-stream.ts';

const fact = (i: number) => ({ requestId: String(i) }) as RequestFact;
const tick = () => new Promise((r) => setImmediate(r));

test('publish returns at once; subscribers get the facts in order, in batches, on a later turn', async () => {
  const s = createMemoryRequestStream({ maxBatch: 2 });
  const got: string[][] = [];
  await s.subscribe((batch) => void got.push(batch.map((f) => f.requestId)));
  for (let i = 0; i < 5; i++) s.publish(fact(i));
  assert.equal(got.length, 0, 'nothing is delivered synchronously');
  for (let i = 0; i < 5; i++) await tick();
  assert.deepEqual(got.flat(), ['0', '1', '2', '3', '4']);
  assert.ok(got.every((b) => b.length <= 2));
});

test('a full queue drops and counts; a slow subscriber does not block publishing', async () => {
  const s = createMemoryRequestStream({ capacity: 3 });
  let release!: () => void;
  const got: string[] = [];
  await s.subscribe(async (batch) => {
    got.push(...batch.map((f) => f.requestId));
    await new Promise<void>((r) => (release = r));
  });
  s.publish(fact(0));
  await tick();
  for (let i = 1; i <= 5; i++) s.publish(fact(i));
  assert.equal(s.dropped, 2);
  release();
  for (let i = 0; i < 5; i++) await tick();
  release();
  assert.deepEqual(got, ['0', '1', '2', '3']);
});

test('a throwing subscriber loses its batch, not the stream; after stop nothing is delivered', async () => {
  const s = createMemoryRequestStream();
  let calls = 0;
  const sub = await s.subscribe(() => {
    calls++;
    throw new Error('boom');
  });
  s.publish(fact(1));
  await tick();
  s.publish(fact(2));
  await tick();
  assert.equal(calls, 2);
  await sub.stop();
  s.publish(fact(3));
  await tick();
  assert.equal(calls, 2);
  await s.close();
});
