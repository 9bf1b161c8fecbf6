// `gatehouse events`: list (and optionally follow) events of the log, filtered by stream,
// type, actor and position. Also home of what the log tools (events, audit, replay) share:
// where the data lives, opening the log, parsing positions, printing.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { styleText } from 'node:util';
import { InvalidArgumentError, type Command } from 'commander';
import type { EventStore, ReadAllFilter, RecordedEvent } from '../../domain/ports.ts';
import { upcast } from '../../domain/upcasting.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { queryEvents, type EventQuery } from '../../projections/audit/queries.ts';

// ---------------------------------------------------------------- shared by the log tools

export const DATA_OPTION_HELP = 'data directory (default: $GATEHOUSE_DATA or ./data)';

export const dataDirOf = (option: string | undefined): string => resolve(option ?? process.env.GATEHOUSE_DATA ?? './data');

/** Opens `<dataDir>/events.db`; refuses to create one where none exists. */
export function openLog(dataDir: string, pollIntervalMs?: number): EventStore {
  const path = join(dataDir, 'events.db');
  if (!existsSync(path)) throw new Error(`no event store at ${path} (set --data or GATEHOUSE_DATA)`);
  return openSqliteEventStore({ path, ...(pollIntervalMs ? { pollIntervalMs } : {}) });
}

export function parsePosition(value: string): bigint {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('a position is a non-negative integer');
  return BigInt(value);
}

/** `gatehouse events | head` closes our stdout early: that is the reader being done, not a failure. */
export function exitQuietlyOnClosedPipe(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
}

export const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').filter(Boolean)];

const useColour = (): boolean => Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;

type Colour = Parameters<typeof styleText>[0];
export const paint = (colour: Colour, text: string): string => (useColour() ? styleText(colour, text) : text);

/** JSON with bigints as decimal strings. */
export const toJson = (value: unknown): string => JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

export const eventAsJson = (e: RecordedEvent): string =>
  toJson({ position: e.globalPosition, streamId: e.streamId, streamVersion: e.streamVersion, type: e.type, data: e.data, metadata: e.metadata });

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export const eventAsLine = (e: RecordedEvent): string =>
  [
    paint('dim', String(e.globalPosition).padStart(8)),
    e.metadata.recordedAt,
    paint('cyan', e.metadata.actor.padEnd(10)),
    paint('yellow', e.type.padEnd(28)),
    `${e.streamId}@${e.streamVersion}`,
    paint('dim', clip(toJson(e.data), 100)),
  ].join('  ');

// ---------------------------------------------------------------- the command

interface EventsOptions {
  stream?: string;
  streamPrefix?: string;
  type: string[];
  actor?: string;
  from?: bigint;
  limit?: number;
  follow?: boolean;
  json?: boolean;
  data?: string;
}

const PAGE = 1_000;

async function run(options: EventsOptions): Promise<void> {
  exitQuietlyOnClosedPipe();
  const store = openLog(dataDirOf(options.data), options.follow ? 200 : undefined);
  const print = (e: RecordedEvent) => process.stdout.write(`${options.json ? eventAsJson(e) : eventAsLine(e)}\n`);
  const query: EventQuery = {
    ...(options.stream !== undefined ? { streamId: options.stream } : {}),
    ...(options.streamPrefix !== undefined ? { streamPrefix: options.streamPrefix } : {}),
    ...(options.type.length ? { types: options.type } : {}),
    ...(options.actor !== undefined ? { actor: options.actor } : {}),
  };
  let last = options.from ?? 0n;
  let remaining = options.limit ?? Infinity;
  try {
    while (remaining > 0) {
      const page = await queryEvents(store, { ...query, fromPosition: last, limit: Math.min(PAGE, remaining) });
      for (const e of page) print(e);
      remaining -= page.length;
      if (page.length) last = page.at(-1)!.globalPosition;
      if (page.length < PAGE) break;
    }
    if (!options.follow) return;
    const filter: ReadAllFilter = {
      ...(query.streamId !== undefined ? { streamIds: [query.streamId] } : {}),
      ...(query.streamPrefix !== undefined ? { streamPrefixes: [query.streamPrefix] } : {}),
      ...(query.types ? { types: [...query.types] } : {}),
      ...(query.actor !== undefined ? { actor: query.actor } : {}),
    };
    // Follow on from the last event printed, or from the head when --limit cut the listing short.
    const after = remaining > 0 ? last : await store.headPosition();
    const subscription = store.subscribe((e) => void print(upcast(e)), { after, filter });
    // The store's poll timer is unref'd; this keeps the process following until a signal.
    const keepAlive = setInterval(() => {}, 1 << 30);
    await new Promise<void>((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    clearInterval(keepAlive);
    await subscription.stop();
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('events')
    .description('list events of the log, oldest first; --follow keeps printing new ones')
    .option('-s, --stream <streamId>', 'only this stream, e.g. api-<uuid>')
    .option('--stream-prefix <prefix>', 'only streams starting with this, e.g. "sub-"')
    .option('-t, --type <type>', 'only these event types (repeat or comma-separate)', collect, [])
    .option('-a, --actor <actor>', 'only events recorded for this actor')
    .option('--from <position>', 'start after this log position (exclusive)', parsePosition)
    .option('-n, --limit <count>', 'print at most this many (before following)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('a positive integer');
      return n;
    })
    .option('-f, --follow', 'after the existing events, print new ones as they are appended (Ctrl-C stops)')
    .option('--json', 'one JSON object per line (positions and versions as strings)')
    .option('--data <dir>', DATA_OPTION_HELP)
    .addHelpText('after', '\nExamples:\n  gatehouse events --type ApiLifecycleChanged --actor admin\n  gatehouse events --stream-prefix api- --from 1200 --json\n  gatehouse events --follow')
    .action(run);
}
