// The KurrentDB adapter's mapping rules, checked without a server (the contract suite runs
// against a real one in kurrentdb.distributed.test.ts when KURRENTDB_URL is set).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ANY as KURRENT_ANY, NO_STREAM, STREAM_EXISTS as KURRENT_STREAM_EXISTS } from '@kurrent/kurrentdb-client';
import { ANY, STREAM_DOES_NOT_EXIST, STREAM_EXISTS } from '../../domain/ports.ts';
import { deterministicUuid, serverFilter, toStreamState, toStreamVersion } from './kurrentdb.ts';

test('expected versions map to KurrentDB stream states (revision = version - 1)', () => {
  assert.equal(toStreamState(STREAM_DOES_NOT_EXIST), NO_STREAM);
  assert.equal(toStreamState(0n), NO_STREAM);
  assert.equal(toStreamState(STREAM_EXISTS), KURRENT_STREAM_EXISTS);
  assert.equal(toStreamState(ANY), KURRENT_ANY);
  assert.equal(toStreamState(1n), 0n);
  assert.equal(toStreamState(42n), 41n);
});

test('KurrentDB current stream states map back to our versions', () => {
  assert.equal(toStreamVersion(NO_STREAM), 0n);
  assert.equal(toStreamVersion(0n), 1n);
  assert.equal(toStreamVersion(9n), 10n);
});

test('deterministic event ids: same name → same UUID, different name → different UUID, RFC 9562 v8 layout', () => {
  const a = deterministicUuid('event:key-1:0');
  assert.equal(a, deterministicUuid('event:key-1:0'));
  assert.notEqual(a, deterministicUuid('event:key-1:1'));
  assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('server-side filters: stream ids exact, prefixes as prefixes, types exact, system events excluded otherwise', () => {
  const streams = serverFilter({ streamIds: ['api-1'], streamPrefixes: ['app-', 'a.b('] });
  assert.equal(streams.filterOn, 'streamName');
  const re = new RegExp((streams as { regex: string }).regex);
  assert.ok(re.test('api-1'));
  assert.ok(!re.test('api-10'));
  assert.ok(re.test('app-42'));
  assert.ok(re.test('a.b(x'));
  assert.ok(!re.test('aXb(x'));
  const types = serverFilter({ types: ['ApiCreated'] });
  assert.equal(types.filterOn, 'eventType');
  assert.ok(new RegExp((types as { regex: string }).regex).test('ApiCreated'));
  assert.ok(!new RegExp((types as { regex: string }).regex).test('ApiCreatedV2'));
  const none = serverFilter(undefined) as { regex: string; filterOn: string };
  assert.equal(none.filterOn, 'eventType');
  assert.ok(!new RegExp(none.regex).test('$metadata'));
  assert.ok(new RegExp(none.regex).test('ApiCreated'));
});
