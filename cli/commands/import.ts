// `gatehouse import <file.ndjson>`: loads an export into an EMPTY store and verifies it
// (count, positions, content digest). With the embedded store and no events.db yet, the
// import fills a temporary file renamed to events.db only once verified: a failed import
// leaves nothing behind.
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { EventStore } from '../../domain/ports.ts';
import { importEvents } from '../../infra/eventstore/ndjson.ts';
import { eventStoreKind, eventStorePath, openConfiguredEventStore } from '../../infra/eventstore/open.ts';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';

const SQLITE_SIDE_FILES = ['', '-wal', '-shm'];

export function register(program: Command): void {
  program
    .command('import')
    .description('load an NDJSON export into an empty store; verifies count, positions and content')
    .argument('<file>', 'an NDJSON file written by `gatehouse export`')
    .option('--data <dir>', 'data directory (env GATEHOUSE_DATA)', process.env.GATEHOUSE_DATA ?? './data')
    .addHelpText('after', '\nThe target store must hold no event. Example:\n  gatehouse import backup.ndjson --data ./restored')
    .action(async (file: string, opts: { data: string }) => {
      if (!existsSync(file)) throw new Error(`no such file: ${file}`);
      const size = statSync(file).size;
      const bar = process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: 'import [{bar}] {percentage}% | {events} events' }) : undefined;
      const input = createReadStream(file);
      let read = 0;
      let events = 0;
      bar?.start(size, 0, { events: 0 });
      input.on('data', (chunk) => {
        read += chunk.length;
        bar?.update(read, { events });
      });

      const target = eventStorePath(opts.data);
      const staged = eventStoreKind() === 'sqlite' && !existsSync(target) ? `${target}.import-${process.pid}` : undefined;
      let store: EventStore | undefined;
      try {
        if (staged) mkdirSync(opts.data, { recursive: true });
        store = staged ? openSqliteEventStore({ path: staged }) : await openConfiguredEventStore(opts.data);
        const summary = await importEvents(store, input, { onProgress: (p) => (events = p.events) });
        await store.close();
        store = undefined;
        if (staged) for (const suffix of SQLITE_SIDE_FILES) if (existsSync(staged + suffix)) renameSync(staged + suffix, target + suffix);
        bar?.stop();
        process.stderr.write(`imported and verified ${summary.count} events up to position ${summary.lastPosition}\n`);
      } catch (e) {
        bar?.stop();
        input.destroy();
        await store?.close();
        if (staged) for (const suffix of SQLITE_SIDE_FILES) rmSync(staged + suffix, { force: true });
        throw e;
      }
    });
}
