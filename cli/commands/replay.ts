// `gatehouse replay`: rebuilds projections from position 0 into fresh views and compares their
// serialized bytes with the live view (the snapshot in views.db, or in MongoDB when MONGODB_URL
// is set, as the server keeps them; caught up to the same position the way a restarting server
// catches up). Equal, or the first difference; exit 1 on any difference. `--swap` then replaces
// the snapshot with the rebuilt view (stop the server first); in MongoDB that is the view store's
// blue/green save: the rebuilt view is written as a new generation and the pointer swapped,
// and the catalog's per-record documents are rebuilt into fresh collections and swapped in too.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { Db } from 'mongodb';
import type { EventStore } from '../../domain/ports.ts';
import type { MongoViewStore } from '../../infra/views/mongo.ts';
import { openSqliteViewStore } from '../../infra/views/sqlite.ts';
import { openViewStore } from '../runtime.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import { toBytes, type AnyProjection, type ViewStore } from '../../projections/projection.ts';
import { selectProjections } from '../../projections/registry.ts';
import { firstDifference, foldLog, rebuildView, type ViewDifference } from '../../projections/runner-replay.ts';
import { DATA_OPTION_HELP, dataDirOf, openLog, paint, parsePosition, toJson } from './events.ts';

interface ReplayOptions {
  projection?: string;
  to?: bigint;
  swap?: boolean;
  json?: boolean;
  data?: string;
}

export type ReplayOutcome =
  | { projection: string; version: number; status: 'equal'; position: bigint; replayed: number; snapshotPosition: bigint }
  | { projection: string; version: number; status: 'different'; position: bigint; replayed: number; snapshotPosition: bigint; difference: ViewDifference }
  | { projection: string; version: number; status: 'no-snapshot'; position: bigint; replayed: number };

function progressBar(name: string, total: bigint) {
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${name.padEnd(12)} [{bar}] {percentage}% | {value}/{total} events | {eta_formatted}`, hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(Number(total), 0);
  return bar;
}

/** Rebuilds one projection up to `to` and compares it with its caught-up snapshot. */
export async function replayOne(store: EventStore, views: ViewStore | undefined, projection: AnyProjection, to: bigint, showProgress: boolean): Promise<{ outcome: ReplayOutcome; fresh: Buffer }> {
  const { name, version } = projection;
  const snapshot = views ? await views.load(name, version) : undefined;
  if (snapshot && snapshot.position > to) {
    throw new Error(`${name}: the snapshot is at position ${snapshot.position}, after --to ${to}; replay to ${snapshot.position} or later`);
  }
  const bar = showProgress ? progressBar(name, to) : undefined;
  let rebuilt;
  try {
    rebuilt = await rebuildView(store, projection, { to, onProgress: (position) => bar?.update(Number(position)) });
  } finally {
    bar?.stop();
  }
  const fresh = toBytes(projection.serialize(rebuilt.view));
  const base = { projection: name, version, position: rebuilt.position, replayed: rebuilt.applied };
  if (!snapshot) return { outcome: { ...base, status: 'no-snapshot' }, fresh };
  const live = await foldLog(store, projection, projection.deserialize(snapshot.data), { after: snapshot.position, to });
  const difference = firstDifference(projection.serialize(live.view), fresh);
  const outcome: ReplayOutcome = difference
    ? { ...base, status: 'different', snapshotPosition: snapshot.position, difference }
    : { ...base, status: 'equal', snapshotPosition: snapshot.position };
  return { outcome, fresh };
}

export function describeOutcome(o: ReplayOutcome): string {
  const head = `${o.projection} v${o.version} at position ${o.position} (${o.replayed} events replayed)`;
  switch (o.status) {
    case 'equal':
      return `${paint('green', 'equal')}      ${head}; live view from the snapshot at ${o.snapshotPosition}`;
    case 'no-snapshot':
      return `${paint('yellow', 'no-snapshot')} ${head}; nothing to compare with (no snapshot of ${o.projection} v${o.version})`;
    case 'different': {
      const d = o.difference;
      const field = d.field ? `; first differing field ${d.field.path}: live ${toJson(d.field.before)} ≠ replayed ${toJson(d.field.after)}` : '';
      return (
        `${paint('red', 'DIFFERENT')}  ${head}; live view from the snapshot at ${o.snapshotPosition}\n` +
        `           first difference at byte ${d.offset} (live ${d.expectedLength} bytes, replayed ${d.actualLength})${field}\n` +
        `           live:     …${d.expectedExcerpt}…\n` +
        `           replayed: …${d.actualExcerpt}…`
      );
    }
  }
}

/**
 * Saves the rebuilt view over the snapshot. The MongoDB store refuses a save that is not newer
 * than what it holds ('stale'); a rebuilt view at the snapshot's own position is meant to
 * replace it, so that snapshot is dropped and the rebuilt one saved (the server is stopped).
 */
async function swapIn(views: ViewStore, projection: AnyProjection, snapshot: { position: bigint; data: Buffer }): Promise<void> {
  await views.save(projection.name, projection.version, snapshot);
  const lastSave = (views as Partial<Pick<MongoViewStore, 'lastSave'>>).lastSave;
  if (lastSave?.(projection.name) !== 'stale') return;
  await views.drop(projection.name);
  await views.save(projection.name, projection.version, snapshot);
  if (lastSave(projection.name) !== 'saved') throw new Error(`${projection.name}: the rebuilt view could not replace the snapshot`);
}

/**
 * The catalog documents (MONGODB_URL): always rebuilt with --swap, whatever the snapshot
 * comparison said, into fresh collections that replace the live ones blue/green. A running
 * control plane may stay up: its readers move over at the swap, its mirror writes on into the
 * new collections, and the events it wrote meanwhile to the old ones are written again here.
 */
async function swapCatalogDocuments(store: EventStore, db: Db, fresh: Buffer, position: bigint): Promise<void> {
  const { rebuildCatalogDocuments } = await import('../../infra/views/mongo-catalog-documents.ts');
  const r = await rebuildCatalogDocuments({ db, store, view: catalogProjection.deserialize(fresh), position });
  process.stdout.write(`swapped     catalog documents: ${r.documents} records rebuilt at ${position} into ${r.collections.join(', ')}; live at ${r.position}\n`);
  if (r.counts.conflicts.length > 0) {
    const first = r.counts.conflicts[0]!;
    throw new Error(`catalog documents: ${r.counts.conflicts.length} record(s) refused by a unique index (first: ${first.records} ${first.id} at ${first.position})`);
  }
}

async function run(options: ReplayOptions): Promise<void> {
  const projections = selectProjections(options.projection);
  const dataDir = dataDirOf(options.data);
  const store = openLog(dataDir);
  const viewsPath = join(dataDir, 'views.db');
  const mongoUrl = process.env.MONGODB_URL || undefined;
  const where = mongoUrl ? 'MongoDB' : 'views.db';
  const views: ViewStore | undefined = mongoUrl
    ? await openViewStore({ dataDir, mongoUrl })
    : existsSync(viewsPath) || options.swap ? openSqliteViewStore({ path: viewsPath }) : undefined;
  let differences = 0;
  try {
    const head = await store.headPosition();
    const to = options.to ?? head;
    if (to > head) throw new Error(`--to ${to} is beyond the end of the log (${head})`);
    for (const projection of projections) {
      const { outcome, fresh } = await replayOne(store, views, projection, to, !options.json && Boolean(process.stderr.isTTY));
      if (outcome.status === 'different') differences++;
      process.stdout.write(`${options.json ? toJson(outcome) : describeOutcome(outcome)}\n`);
      if (options.swap && views && outcome.status !== 'equal') {
        await swapIn(views, projection, { position: outcome.position, data: fresh });
        process.stdout.write(`swapped     ${projection.name}: ${where} now holds the rebuilt view at ${outcome.position}\n`);
      }
      if (options.swap && mongoUrl && projection.name === catalogProjection.name) {
        await swapCatalogDocuments(store, (views as MongoViewStore).db, fresh, outcome.position);
      }
    }
  } finally {
    await views?.close();
    await store.close();
  }
  if (differences > 0) {
    process.stderr.write(`gatehouse: ${differences} projection(s) differ from a replay of the log\n`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  program
    .command('replay')
    .description('rebuild projections from position 0 into fresh views and compare them byte for byte with the live (snapshotted) views')
    .option('-p, --projection <name>', `only this projection (${selectProjections().map((p) => p.name).join(', ')}); default: all`)
    .option('--to <position>', 'replay up to this log position (default: the end of the log)', parsePosition)
    .option('--swap', 'replace each differing (or missing) snapshot with the rebuilt view (stop the server first); with MONGODB_URL also rebuild the catalog documents into fresh collections and swap them in (the server may run)')
    .option('--json', 'one JSON object per projection: status equal | different | no-snapshot')
    .option('--data <dir>', DATA_OPTION_HELP)
    .addHelpText(
      'after',
      '\nThe live view is the snapshot in <data>/views.db (in MongoDB when MONGODB_URL is set), caught up\nto the same position as a restarting server would. Exit status 1 when any projection differs (also with --swap).',
    )
    .action(run);
}
