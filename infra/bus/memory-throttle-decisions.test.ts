import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ThrottleDecision } from '../../domain/ports.ts';
import { createMemoryThrottleDecisionStream } from './memory-throttle-decisions.ts';

test('every subscriber hears every decision until it stops; a throwing one does not stop the others', async () => {
  const s = createMemoryThrottleDecisionStream();
  const a: ThrottleDecision[] = [];
  const b: ThrottleDecision[] = [];
  await s.subscribe(() => {
    throw new Error('broken subscriber');
  });
  const subA = await s.subscribe((d) => void a.push(d));
  await s.subscribe((d) => void b.push(d));
  await s.publish({ throttleKey: 'k', throttledUntil: 1 });
  await subA.stop();
  await s.publish({ throttleKey: 'k', throttledUntil: 0 });
  assert.equal(a.length, 1);
  assert.equal(b.length, 2);
  await s.close();
  await assert.rejects(s.publish({ throttleKey: 'k', throttledUntil: 1 }));
});
