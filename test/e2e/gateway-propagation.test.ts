// Propagation: from an append returning (a command returning) to the gateway enforcing it.
// The figures are printed; the assertion bound is loose (shared CI cores), the target is
// p99 < 50 ms embedded (bench:gateway reports publish_to_enforced_p99_ms).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { measurePropagation, percentile, startHarness, type Harness } from './gateway.harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('publishing and revoking take effect at the gateway within milliseconds, without restart', async () => {
  const { publishMs, revokeMs } = await measurePropagation(h, 20);
  const fmt = (xs: number[]) => `p50=${percentile(xs, 50).toFixed(2)}ms p99=${percentile(xs, 99).toFixed(2)}ms`;
  console.log(`publish→enforced ${fmt(publishMs)}; revoke→enforced ${fmt(revokeMs)}`);
  assert.equal(publishMs.length, 20);
  assert.ok(percentile(publishMs, 99) < 1_000, `publish p99 ${percentile(publishMs, 99)} ms`);
  assert.ok(percentile(revokeMs, 99) < 1_000, `revoke p99 ${percentile(revokeMs, 99)} ms`);
});
