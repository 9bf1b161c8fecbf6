// `gatehouse export [--to file.ndjson]`: the log as NDJSON (infra/eventstore/ndjson.ts), to a
// file (written aside, renamed when complete) or to stdout. Refuses an event with a secret.
import { createWriteStream, renameSync, rmSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { exportEvents, type Progress } from '../../infra/eventstore/ndjson.ts';
import { openConfiguredEventStore } from '../../infra/eventstore/open.ts';

export function register(program: Command): void {
  program
    .command('export')
    .description('write the log as NDJSON (no secrets): a header line, one line per event in global order, an end line')
    .option('--to <file>', 'write to this file instead of stdout')
    .option('--data <dir>', 'data directory (env GATEHOUSE_DATA)', process.env.GATEHOUSE_DATA ?? './data')
    .addHelpText('after', '\nExamples:\n  gatehouse export --to backup.ndjson\n  gatehouse export | gzip > backup.ndjson.gz')
    .action(async (opts: { to?: string; data: string }) => {
      const store = await openConfiguredEventStore(opts.data);
      const bar = process.stderr.isTTY ? new SingleBar({ stream: process.stderr, format: 'export [{bar}] {percentage}% | {events} events' }) : undefined;
      const onProgress = (p: Progress) => {
        if (!bar) return;
        if (bar.getTotal() !== Number(p.target)) bar.start(Number(p.target), 0, { events: 0 });
        bar.update(Number(p.position), { events: p.events });
      };
      const partial = opts.to ? `${opts.to}.partial` : undefined;
      try {
        const out = partial ? createWriteStream(partial, { flags: 'wx' }) : process.stdout;
        const summary = await exportEvents(store, out, { onProgress });
        if (partial && opts.to) {
          out.end();
          await finished(out);
          renameSync(partial, opts.to);
        }
        bar?.stop();
        process.stderr.write(`exported ${summary.count} events up to position ${summary.lastPosition}${opts.to ? ` to ${opts.to}` : ''}\n`);
      } catch (e) {
        bar?.stop();
        if (partial) rmSync(partial, { force: true });
        throw e;
      } finally {
        await store.close();
      }
    });
}
