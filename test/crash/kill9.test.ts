// Durability: an acknowledged append survives SIGKILL of the process that made it.
// A child handles commands in a loop and prints every acknowledgement; we kill -9 it
// mid-stream, reopen the file and check every acknowledged event and the log's consistency.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { newEvent } from '../contracts/eventstore.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const appender = fileURLToPath(new URL('./appender.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-kill9-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Ack { streamId: string; version: bigint; position: bigint }

/** Runs the appender until it has acknowledged `killAfter` commands, then SIGKILLs it. */
async function runAndKill(path: string, label: string, killAfter: number): Promise<Ack[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', appender, path, label], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  const acks: Ack[] = [];
  for await (const line of createInterface({ input: child.stdout })) {
    const [tag, streamId, version, position] = line.split(' ');
    assert.equal(tag, 'ack', `unexpected child output: ${line}`);
    acks.push({ streamId: streamId!, version: BigInt(version!), position: BigInt(position!) });
    if (acks.length === killAfter) child.kill('SIGKILL');
  }
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the appender should have been killed, it exited otherwise: ${stderr}`);
  return acks;
}

async function assertConsistent(path: string, acks: Ack[]): Promise<bigint> {
  const store = openSqliteEventStore({ path });
  try {
    const all = await store.readAll();
    assert.ok(all.length > 0);
    all.forEach((e, i) => assert.equal(e.globalPosition, BigInt(i + 1), 'global positions are gap-free from 1'));
    const versions = new Map<string, bigint>();
    for (const e of all) {
      const expected = (versions.get(e.streamId) ?? 0n) + 1n;
      assert.equal(e.streamVersion, expected, `stream ${e.streamId} versions are consecutive`);
      versions.set(e.streamId, expected);
      assert.equal((e.data as { total: number }).total, Number(e.streamVersion), 'each event carries the total its stream had reached');
    }
    const byPosition = new Map(all.map((e) => [e.globalPosition, e]));
    for (const ack of acks) {
      const recorded = byPosition.get(ack.position);
      assert.ok(recorded, `acknowledged position ${ack.position} is in the log`);
      assert.equal(recorded.streamId, ack.streamId);
      assert.equal(recorded.streamVersion, ack.version);
      assert.ok((versions.get(ack.streamId) ?? 0n) >= ack.version);
    }
    assert.ok(all.length >= acks.length, 'at least as many events as acknowledged commands');
    return await store.headPosition();
  } finally {
    await store.close();
  }
}

test('every acknowledged command survives kill -9 of the appending process, and the log stays consistent and writable', async () => {
  const path = join(dir, 'events.db');
  const firstAcks = await runAndKill(path, 'a', 150 + Math.floor(Math.random() * 100));
  const headAfterFirst = await assertConsistent(path, firstAcks);

  // Restart on the same file: the new process continues the same streams, then dies too.
  const secondAcks = await runAndKill(path, 'b', 120);
  const head = await assertConsistent(path, [...firstAcks, ...secondAcks]);
  assert.ok(head > headAfterFirst);

  const store = openSqliteEventStore({ path });
  const appended = await store.appendToStream('counter-after-crash', [newEvent('CounterIncremented', { by: 1, total: 1 }, { eventId: randomUUID() })]);
  assert.deepEqual(appended.globalPositions, [head + 1n]);
  assert.equal((await store.readAll({ after: head })).length, 1);
  await store.close();
});
