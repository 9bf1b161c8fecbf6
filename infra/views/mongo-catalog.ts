// The catalog mirror: follows the event log and keeps the catalog documents in MongoDB
// (mongo-catalog-documents.ts) up to date, each document at the position of the event that
// last changed it. Its own checkpoint (`view_checkpoints`, written about once a second, only
// ever behind what is written) says where to resume: events at or before it are folded into
// the in-memory catalog without writing; a re-delivered event writes nothing new (the position
// guard answers "stale"). A transient server error is retried until it passes or the mirror
// stops: the subscription waits, no event is skipped.
import type { Db } from 'mongodb';
import type { Logger } from 'pino';
import type { EventStore, RecordedEvent, Subscription } from '../../domain/ports.ts';
import '../../domain/events.ts'; // registers the upcasters `upcast` applies
import { upcast } from '../../domain/upcasting.ts';
import { catalogProjection } from '../../projections/catalog/projection.ts';
import type { CatalogView } from '../../projections/catalog/view.ts';
import type { ViewStore } from '../../projections/projection.ts';
import { foldLog } from '../../projections/runner-replay.ts';
import {
  CATALOG_KINDS,
  allRecords,
  emptyCounts,
  openCatalogDocuments,
  readCatalogCheckpoint,
  rebuildCatalogDocuments,
  saveCatalogCheckpoint,
  trackCatalog,
  writeChange,
  type CatalogChange,
  type CatalogDocuments,
  type TrackedCatalog,
  type WriteCounts,
} from './mongo-catalog-documents.ts';

export { readCatalogCheckpoint, VIEW_CHECKPOINTS } from './mongo-catalog-documents.ts';

export interface CatalogMirrorOptions {
  store: EventStore;
  db: Db;
  /** Where the catalog projection's snapshots are: the mirror starts from one instead of position 0. */
  viewStore?: ViewStore;
  logger?: Logger;
  /** How often the checkpoint is written (default 1 s). */
  checkpointEveryMs?: number;
  /** First wait before retrying a failed write (doubles up to 10 s; default 500 ms). */
  retryMs?: number;
}

/**
 * How the mirror resumed: `checkpoint` folded the log up to its checkpoint without writing;
 * `reconciled` started from a catalog snapshot newer than its checkpoint and wrote the records
 * changed since the checkpoint (and tombstones for the ones gone); `rebuilt` found documents
 * of another projection version and rebuilt them blue/green.
 */
export type CatalogMirrorStart = 'checkpoint' | 'reconciled' | 'rebuilt';

export interface CatalogMirrorStatus {
  /** Last event whose documents are written. */
  position: bigint;
  /** Last position saved as the checkpoint. */
  checkpoint: bigint;
  resumedFrom: bigint;
  start: CatalogMirrorStart;
  applied: number;
  stale: number;
  /** Documents a unique index refused (another document holds the key). */
  conflicts: number;
  /** A write keeps failing and is being retried. */
  retrying: boolean;
}

export interface CatalogMirror {
  readonly resumedFrom: bigint;
  position(): bigint;
  status(): CatalogMirrorStatus;
  /** Resolves once the documents reflect `position` (rejects after `timeoutMs`). */
  waitForPosition(position: bigint, timeoutMs: number): Promise<void>;
  /** Resolves once the documents reflect the log as it was when the mirror started. */
  readonly caughtUp: Promise<void>;
  stop(): Promise<void>;
}

class MirrorStopped extends Error {}

/** Starts from the snapshot when it is newer than the checkpoint: writes what changed since. */
async function reconcile(view: CatalogView, docs: CatalogDocuments, checkpoint: bigint, counts: WriteCounts): Promise<void> {
  for (const change of allRecords(view)) if (change.position > checkpoint) await writeChange(docs, change, change.position, counts);
  for (const kind of CATALOG_KINDS) {
    const records = view[kind.records] as Map<string, unknown>;
    const live = await (await docs[kind.records].collection()).find({ deleted: { $ne: true } }, { projection: { _id: 1 } }).toArray();
    for (const { _id } of live) {
      if (!records.has(_id)) await writeChange(docs, { records: kind.records, id: _id, document: undefined }, view.position, counts);
    }
  }
}

export async function startCatalogMirror(options: CatalogMirrorOptions): Promise<CatalogMirror> {
  const { store, db, logger } = options;
  const docs = await openCatalogDocuments(db);
  const counts = emptyCounts();
  const checkpoint = await readCatalogCheckpoint(db);
  const checkpointAtStart = checkpoint?.position ?? 0n;

  const snapshot = options.viewStore ? await options.viewStore.load(catalogProjection.name, catalogProjection.version) : undefined;
  const fromSnapshot = () => (snapshot ? catalogProjection.deserialize(snapshot.data) : catalogProjection.initialView());
  let start: CatalogMirrorStart;
  let tracked: TrackedCatalog;
  let position: bigint;
  if (checkpoint && checkpoint.version !== catalogProjection.version) {
    // Written by another version of the projection (other record shapes): same positions, so
    // the guard would keep them. Rebuilt blue/green from the log instead.
    const folded = await foldLog(store, catalogProjection, fromSnapshot(), { after: snapshot?.position ?? 0n });
    const rebuilt = await rebuildCatalogDocuments({ db, store, view: folded.view, position: folded.position });
    tracked = rebuilt.tracked;
    position = rebuilt.position;
    start = 'rebuilt';
    logger?.info({ from: checkpoint.version, to: catalogProjection.version, documents: rebuilt.documents, position: String(position) }, 'catalog documents rebuilt for a new projection version');
  } else if (snapshot && snapshot.position > checkpointAtStart) {
    tracked = trackCatalog(fromSnapshot());
    await reconcile(tracked.view, docs, checkpointAtStart, counts);
    position = snapshot.position;
    start = 'reconciled';
  } else {
    const folded = await foldLog(store, catalogProjection, fromSnapshot(), { after: snapshot?.position ?? 0n, to: checkpointAtStart });
    tracked = trackCatalog(folded.view);
    position = folded.position;
    if (position < checkpointAtStart) logger?.warn({ checkpoint: String(checkpointAtStart), head: String(position) }, 'the catalog documents are ahead of this log: are they from another one?');
    start = 'checkpoint';
  }
  const resumedFrom = position;

  let saved = start === 'rebuilt' ? position : checkpointAtStart;
  let saving: Promise<void> | null = null;
  async function saveCheckpoint(): Promise<void> {
    while (saving) await saving;
    const target = position;
    if (target <= saved) return;
    saving = (async () => {
      await saveCatalogCheckpoint(db, target);
      saved = target;
    })().finally(() => { saving = null; });
    await saving;
  }
  if (start === 'reconciled') await saveCheckpoint();

  let stopping = false;
  let retrying = false;
  /** Ends a retry's wait early (stop). */
  let wake: (() => void) | null = null;
  const waiters = new Set<{ position: bigint; resolve(): void }>();
  const retryMs = options.retryMs ?? 500;

  async function writeWithRetry(changes: CatalogChange[], at: bigint): Promise<void> {
    for (let wait = retryMs; ; wait = Math.min(wait * 2, 10_000)) {
      if (stopping) throw new MirrorStopped('catalog mirror stopped');
      const conflictsBefore = counts.conflicts.length;
      try {
        for (const change of changes) await writeChange(docs, change, at, counts);
        for (const c of counts.conflicts.slice(conflictsBefore)) {
          logger?.error({ view: c.records, id: c.id, position: String(c.position) }, 'a unique index of the catalog documents refused a record: another document holds its key');
        }
        retrying = false;
        return;
      } catch (e) {
        counts.conflicts.length = conflictsBefore; // the retry writes (and counts) them again
        retrying = true;
        logger?.warn({ err: e, position: String(at), retryInMs: wait }, 'catalog documents: write failed, retrying');
        await new Promise<void>((resolve) => {
          const t = setTimeout(() => { wake = null; resolve(); }, wait);
          wake = () => { clearTimeout(t); resolve(); };
        });
      }
    }
  }

  async function handle(raw: RecordedEvent): Promise<void> {
    const event = upcast(raw);
    const changes = tracked.apply(event);
    if (changes.length > 0) await writeWithRetry(changes, event.globalPosition);
    position = event.globalPosition;
    for (const w of waiters) if (position >= w.position) { waiters.delete(w); w.resolve(); }
  }

  const subscription: Subscription = store.subscribe(handle, { after: position });
  const timer = setInterval(() => void saveCheckpoint().catch((e: unknown) => logger?.warn({ err: e }, 'catalog documents: checkpoint not saved')), options.checkpointEveryMs ?? 1_000);
  timer.unref();
  const caughtUp = subscription.caughtUp.then(() => {
    logger?.info({ position: String(position), resumedFrom: String(resumedFrom), start }, 'catalog documents caught up with the log');
  });
  caughtUp.catch(() => {});
  logger?.info({ resumedFrom: String(resumedFrom), checkpoint: String(checkpointAtStart), start, snapshot: snapshot ? String(snapshot.position) : null }, 'catalog documents: following the log');

  return {
    resumedFrom,
    caughtUp,
    position: () => position,
    status: () => ({ position, checkpoint: saved, resumedFrom, start, applied: counts.applied, stale: counts.stale, conflicts: counts.conflicts.length, retrying }),
    waitForPosition(target, timeoutMs) {
      if (position >= target) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const w = { position: target, resolve: () => { clearTimeout(t); resolve(); } };
        const t = setTimeout(() => { waiters.delete(w); reject(new Error(`catalog documents did not reach position ${target} within ${timeoutMs} ms (at ${position})`)); }, timeoutMs);
        waiters.add(w);
      });
    },
    async stop() {
      stopping = true;
      clearInterval(timer);
      wake?.();
      await subscription.stop().catch((e: unknown) => { if (!(e instanceof MirrorStopped)) throw e; });
      await saveCheckpoint();
    },
  };
}
