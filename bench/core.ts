// `npm run bench:core`: the event store's two costs that matter, each against a raw SQLite
// baseline measured in the same run (ratios, not absolute times: the machine is shared).
//
// (a) Durable command throughput: handleCommand (readStream → decide with the real API decider
//     → append with expected version, acknowledged = committed to the WAL) vs a raw
//     better-sqlite3 INSERT of the very same rows into an identical table (same indexes, same
//     pragmas), one transaction per row. Both start from the same file filled to the size
//     under test, and alternate in chunks so load from other processes hits both alike.
// (b) Replay: every event through readAll paging, upcast and folded into every projection of
//     projections/registry.ts vs a raw SELECT + JSON.parse of the same rows, alternating by
//     segments of the log for the same reason.
//
// Sizes: stores of 10k and 1M events (BENCH_QUICK=1: 10k and 100k). Prints `name=value`
// lines at the end; the unsuffixed SPEC figures are those of the largest size.
import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { handleCommand, type HandlerDeps } from '../domain/command-handler.ts';
import { apiDecider } from '../domain/api/decider.ts';
import type { EventStore } from '../domain/ports.ts';
import { upcast } from '../domain/upcasting.ts';
import { configureConnection, createSchema, openSqliteEventStore } from '../infra/eventstore/sqlite.ts';
import { PROJECTIONS } from '../projections/registry.ts';
import { commandAt, fillEvents } from './api-workload.ts';

const quick = process.env.BENCH_QUICK === '1';
const SIZES = quick ? [10_000, 100_000] : [10_000, 1_000_000];
/** Commands measured at each size, in CHUNKS alternating with the raw baseline. */
const COMMANDS = quick ? 10_000 : 20_000;
const CHUNKS = 5;

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
const log = (line: string) => process.stderr.write(`${line}\n`);
const sqliteFiles = (path: string) => ['', '-wal', '-shm'].map((s) => path + s);

type Row = [number, string, number, string, string, string, number, string, string, string];
const INSERT_ROW =
  'INSERT INTO events (global_position, stream_id, stream_version, type, data, metadata, schema_version, event_id, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';

function commandDeps(store: EventStore): HandlerDeps {
  let second = 0;
  return { store, clock: { now: () => new Date(Date.UTC(2026, 0, 1) + second++ * 1000) }, random: { uuid: randomUUID, token: () => randomUUID() } };
}

async function runCommands(deps: HandlerDeps, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const { streamId, command } = commandAt(i);
    await handleCommand(deps, apiDecider, streamId, command, { actor: 'alice', correlationId: `c-${i}` });
  }
}

/** A store file of `n` events, and an identical copy for the raw baseline. */
function prepareFiles(commandsDb: string, rawDb: string, n: number): void {
  const db = new Database(commandsDb);
  configureConnection(db);
  createSchema(db);
  fillEvents(db, n, randomUUID);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  copyFileSync(commandsDb, rawDb);
}

/** Seconds for COMMANDS commands and for raw inserts of the same rows, measured alternately. */
async function measureCommands(commandsDb: string, rawDb: string, n: number, count: number): Promise<{ commandSeconds: number; rawSeconds: number }> {
  const store = openSqliteEventStore({ path: commandsDb });
  const deps = commandDeps(store);
  const source = new Database(commandsDb, { readonly: true });
  const written = source.prepare<[number], Row>(
    'SELECT global_position, stream_id, stream_version, type, data, metadata, schema_version, event_id, actor, recorded_at FROM events WHERE global_position > ? ORDER BY global_position',
  ).raw();
  const raw = new Database(rawDb);
  configureConnection(raw);
  const insert = raw.prepare(INSERT_ROW);
  const insertOne = raw.transaction((r: Row) => insert.run(...r));

  let commandSeconds = 0;
  let rawSeconds = 0;
  let copied = n;
  const chunk = Math.ceil(count / CHUNKS);
  for (let from = n; from < n + count; from += chunk) {
    let start = process.hrtime.bigint();
    await runCommands(deps, from, Math.min(n + count, from + chunk));
    commandSeconds += seconds(start);
    const rows = written.all(copied);
    copied += rows.length;
    start = process.hrtime.bigint();
    for (const r of rows) insertOne.immediate(r);
    rawSeconds += seconds(start);
  }
  source.close();
  raw.close();
  await store.close();
  if (copied !== n + count) throw new Error(`expected ${n + count} events, found ${copied}`);
  return { commandSeconds, rawSeconds };
}

const SEGMENT = 20_000;
const PAGE = 1000;

/**
 * Seconds spent, over the whole log, by (1) a raw SELECT + JSON.parse of data and metadata,
 * (2) readAll paging alone, (3) readAll + upcast + every projection's apply. The three run
 * segment by segment, alternately, so load from other processes hits them alike.
 */
async function measureReplay(path: string, total: number): Promise<{ scan: number; readAll: number; replay: number }> {
  const db = new Database(path, { readonly: true });
  configureConnection(db);
  const scanRange = db.prepare<[number, number], [string, string]>(
    'SELECT data, metadata FROM events WHERE global_position > ? AND global_position <= ? ORDER BY global_position',
  ).raw();
  const store = openSqliteEventStore({ path });
  const views = PROJECTIONS.map((p) => p.initialView());
  const times = { scan: 0, readAll: 0, replay: 0 };
  let checksum = 0;
  let replayed = 0;

  const readRange = async (from: number, to: number, fold: boolean) => {
    for (let after = BigInt(from); after < BigInt(to); ) {
      const page = await store.readAll({ after, limit: Math.min(PAGE, to - Number(after)) });
      if (page.length === 0) return;
      if (fold) {
        for (const raw of page) {
          const event = upcast(raw);
          for (let p = 0; p < PROJECTIONS.length; p++) views[p] = PROJECTIONS[p]!.apply(views[p], event);
          replayed++;
        }
      }
      after = page[page.length - 1]!.globalPosition;
    }
  };

  const scan = (from: number, to: number) => {
    for (const [data, metadata] of scanRange.iterate(from, to)) {
      const d = JSON.parse(data) as { apiId?: string };
      const m = JSON.parse(metadata) as { schemaVersion: number };
      checksum += m.schemaVersion + (d.apiId ? 1 : 0);
    }
  };
  const runs: Array<[keyof typeof times, (from: number, to: number) => unknown]> = [
    ['scan', scan],
    ['readAll', (from, to) => readRange(from, to, false)],
    ['replay', (from, to) => readRange(from, to, true)],
  ];
  for (let from = 0, segment = 0; from < total; from += SEGMENT, segment++) {
    const to = Math.min(total, from + SEGMENT);
    for (let k = 0; k < runs.length; k++) {
      const [name, run] = runs[(segment + k) % runs.length]!; // rotate who goes first (warm caches)
      const start = process.hrtime.bigint();
      await run(from, to);
      times[name] += seconds(start);
    }
  }
  db.close();
  await store.close();
  if (replayed !== total || checksum === 0) throw new Error(`replayed ${replayed} of ${total} events`);
  return times;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-core-'));
  const figures: Array<[string, number]> = [];
  try {
    // Warm-up (JIT, caches) of both paths and both baselines: not measured. Without the replay
    // warm-up the first size measured cold projection code against an already-hot raw scan.
    const warmDb = join(dir, 'warm.db');
    prepareFiles(warmDb, join(dir, 'warm-raw.db'), 1000);
    await measureCommands(warmDb, join(dir, 'warm-raw.db'), 1000, 2000);
    await measureReplay(warmDb, 3000);

    for (const n of SIZES) {
      const label = n >= 1_000_000 ? `${n / 1_000_000}m` : `${n / 1000}k`;
      const commandsDb = join(dir, `commands-${label}.db`);
      const rawDb = join(dir, `raw-${label}.db`);
      let start = process.hrtime.bigint();
      prepareFiles(commandsDb, rawDb, n);
      log(`[${label}] filled two stores with ${n} events in ${seconds(start).toFixed(1)} s`);

      const { commandSeconds, rawSeconds } = await measureCommands(commandsDb, rawDb, n, COMMANDS);
      const commandRate = COMMANDS / commandSeconds;
      const rawRate = COMMANDS / rawSeconds;
      log(`[${label}] ${COMMANDS} commands: ${Math.round(commandRate)}/s; raw insert of the same rows (1 tx/row): ${Math.round(rawRate)}/s`);

      const total = n + COMMANDS;
      start = process.hrtime.bigint();
      const times = await measureReplay(commandsDb, total);
      const replayRate = total / times.replay;
      log(
        `[${label}] ${total} events: raw scan + JSON.parse ${Math.round(total / times.scan)}/s; readAll paging ${Math.round(total / times.readAll)}/s; ` +
          `replay into ${PROJECTIONS.map((p) => p.name).join(', ')}: ${Math.round(replayRate)}/s (${seconds(start).toFixed(1)} s)`,
      );

      figures.push(
        [`command_per_s_${label}`, Math.round(commandRate)],
        [`raw_insert_per_s_${label}`, Math.round(rawRate)],
        [`command_vs_raw_insert_ratio_${label}`, round(rawSeconds / commandSeconds)],
        [`raw_scan_per_s_${label}`, Math.round(total / times.scan)],
        [`read_all_vs_raw_scan_ratio_${label}`, round(times.scan / times.readAll)],
        [`replay_events_per_s_${label}`, Math.round(replayRate)],
        [`replay_vs_raw_scan_ratio_${label}`, round(times.scan / times.replay)],
      );
      if (n === SIZES.at(-1)) {
        figures.push(
          ['command_vs_raw_insert_ratio', round(rawSeconds / commandSeconds)],
          ['replay_vs_raw_scan_ratio', round(times.scan / times.replay)],
          ['replay_events_per_s', Math.round(replayRate)],
        );
      }
      for (const f of [...sqliteFiles(commandsDb), ...sqliteFiles(rawDb)]) rmSync(f, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  for (const [name, value] of figures) console.log(`${name}=${value}`);
}

await main();
