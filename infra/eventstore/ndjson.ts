// The log as NDJSON, for backups and moves between stores (`gatehouse export` / `import`).
// One JSON object per line: a header, one line per event in global order, a trailer with
// the count and last position (so a truncated file is detected). Positions and versions are
// decimal strings (bigint). The export refuses to write an event carrying a secret-looking
// field: the log must never hold one (ARCHITECTURE rule 5), and an export is where it leaks.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { invalidInput } from '../../domain/errors.ts';
import type { EventMetadata, EventStore, RecordedEvent } from '../../domain/ports.ts';

export const NDJSON_FORMAT = 'gatehouse-events';
export const NDJSON_VERSION = 1;

/** Field names that must never appear in an event (a SHA-256 `secretHash` of a client secret is fine). */
export const SECRET_FIELD_NAMES: ReadonlySet<string> = new Set([
  'password',
  'passwordhash',
  'consumersecret',
  'clientsecret',
  'secret',
  'privatekey',
  'privatejwk',
  'd', // a JWK's private exponent / EC private key
]);

/** Paths (`data.keys[0].d`) of fields whose name marks a secret, anywhere in `value`. */
export function findSecretFields(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => findSecretFields(v, `${path}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  for (const [k, v] of Object.entries(value)) {
    const p = path ? `${path}.${k}` : k;
    if (SECRET_FIELD_NAMES.has(k.toLowerCase())) found.push(p);
    found.push(...findSecretFields(v, p));
  }
  return found;
}

interface EventLine {
  globalPosition: string;
  streamId: string;
  streamVersion: string;
  type: string;
  data: unknown;
  metadata: EventMetadata;
}

/** The exported line of an event (also what import hashes to verify the store it filled). */
export const eventLine = (e: RecordedEvent): string =>
  JSON.stringify({
    globalPosition: e.globalPosition.toString(),
    streamId: e.streamId,
    streamVersion: e.streamVersion.toString(),
    type: e.type,
    data: e.data,
    metadata: e.metadata,
  } satisfies EventLine);

export interface Progress {
  events: number;
  position: bigint;
  /** The position export/import runs up to (the head when export started; the trailer's on import). */
  target: bigint;
}

export interface TransferSummary {
  count: number;
  lastPosition: bigint;
}

const PAGE = 2000;

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

/** Writes every event up to the head at the time of the call. Does not end `out`. */
export async function exportEvents(
  store: EventStore,
  out: Writable,
  options: { onProgress?: (p: Progress) => void } = {},
): Promise<TransferSummary> {
  const target = await store.headPosition();
  await write(out, `${JSON.stringify({ format: NDJSON_FORMAT, version: NDJSON_VERSION })}\n`);
  let count = 0;
  let position = 0n;
  while (position < target) {
    const page = await store.readAll({ after: position, limit: PAGE });
    if (page.length === 0) break;
    let chunk = '';
    for (const e of page) {
      if (e.globalPosition > target) break;
      const secrets = findSecretFields({ data: e.data, metadata: e.metadata });
      if (secrets.length) {
        throw new Error(`refusing to export: event at position ${e.globalPosition} (${e.type} in ${e.streamId}) carries secret-looking field(s) ${secrets.join(', ')}`);
      }
      chunk += `${eventLine(e)}\n`;
      count++;
      position = e.globalPosition;
    }
    await write(out, chunk);
    options.onProgress?.({ events: count, position, target });
    if (page.at(-1)!.globalPosition >= target) break;
  }
  await write(out, `${JSON.stringify({ end: true, count, lastPosition: position.toString() })}\n`);
  return { count, lastPosition: position };
}

const fail = (line: number, message: string) => invalidInput(`import line ${line}: ${message}`, { line });

function parseEventLine(obj: Record<string, unknown>, line: number): RecordedEvent {
  const { globalPosition, streamId, streamVersion, type, data, metadata } = obj as Partial<EventLine>;
  const decimal = /^[1-9][0-9]*$/;
  if (typeof globalPosition !== 'string' || !decimal.test(globalPosition)) throw fail(line, 'globalPosition must be a positive decimal string');
  if (typeof streamVersion !== 'string' || !decimal.test(streamVersion)) throw fail(line, 'streamVersion must be a positive decimal string');
  if (typeof streamId !== 'string' || !streamId) throw fail(line, 'streamId must be a non-empty string');
  if (typeof type !== 'string' || !type) throw fail(line, 'type must be a non-empty string');
  if (!metadata || typeof metadata !== 'object' || typeof metadata.eventId !== 'string') throw fail(line, 'metadata.eventId is missing');
  return { globalPosition: BigInt(globalPosition), streamId, streamVersion: BigInt(streamVersion), type, data, metadata };
}

/**
 * Loads an export into an EMPTY store, preserving positions and stream versions, then
 * verifies the store: same count, same last position, and the same bytes when re-exported
 * (a SHA-256 over every event line). Throws, naming the first mismatch, otherwise.
 */
export async function importEvents(
  store: EventStore,
  input: Readable,
  options: { onProgress?: (p: Progress) => void } = {},
): Promise<TransferSummary> {
  const head = await store.headPosition();
  if (head !== 0n) throw invalidInput(`refusing to import into a store that already holds events (head position ${head})`);

  const digest = createHash('sha256');
  const versions = new Map<string, bigint>();
  let batch: RecordedEvent[] = [];
  let count = 0;
  let lastPosition = 0n;
  let lineNo = 0;
  let header = false;
  let trailer: { count: number; lastPosition: bigint } | undefined;

  async function flush(): Promise<void> {
    if (batch.length === 0) return;
    const first = batch[0]!;
    const result = await store.appendToStream(
      first.streamId,
      batch.map((e) => ({ type: e.type, data: e.data, metadata: e.metadata })),
      { expectedStreamVersion: first.streamVersion - 1n },
    );
    batch.forEach((e, i) => {
      if (result.globalPositions[i] !== e.globalPosition) {
        throw new Error(
          `the store recorded event ${e.metadata.eventId} at position ${result.globalPositions[i]}, the export has it at ${e.globalPosition}: this store cannot reproduce the export's positions`,
        );
      }
    });
    batch = [];
  }

  for await (const text of createInterface({ input, crlfDelay: Infinity })) {
    lineNo++;
    if (text.trim() === '') continue;
    if (trailer) throw fail(lineNo, 'content after the end line');
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw fail(lineNo, 'not valid JSON');
    }
    if (!header) {
      if (obj.format !== NDJSON_FORMAT || obj.version !== NDJSON_VERSION) {
        throw fail(lineNo, `not a Gatehouse export (expected a header {"format":"${NDJSON_FORMAT}","version":${NDJSON_VERSION}})`);
      }
      header = true;
      continue;
    }
    if (obj.end === true) {
      if (typeof obj.count !== 'number' || typeof obj.lastPosition !== 'string') throw fail(lineNo, 'malformed end line');
      trailer = { count: obj.count, lastPosition: BigInt(obj.lastPosition) };
      continue;
    }
    const e = parseEventLine(obj, lineNo);
    if (e.globalPosition <= lastPosition) throw fail(lineNo, `position ${e.globalPosition} does not follow ${lastPosition}`);
    const expectedVersion = (versions.get(e.streamId) ?? 0n) + 1n;
    if (e.streamVersion !== expectedVersion) throw fail(lineNo, `${e.streamId} version ${e.streamVersion} should be ${expectedVersion}`);
    versions.set(e.streamId, expectedVersion);
    if (batch.length > 0 && (batch[0]!.streamId !== e.streamId || batch.length >= 1000)) await flush();
    batch.push(e);
    digest.update(`${eventLine(e)}\n`);
    count++;
    lastPosition = e.globalPosition;
    if (count % PAGE === 0) options.onProgress?.({ events: count, position: lastPosition, target: lastPosition });
  }
  await flush();

  if (!header) throw invalidInput('import: the file is empty');
  if (!trailer) throw invalidInput(`import: the file ends without its end line after ${count} events: truncated export?`);
  if (trailer.count !== count || trailer.lastPosition !== lastPosition) {
    throw invalidInput(`import: the end line announces ${trailer.count} events up to ${trailer.lastPosition}, the file holds ${count} up to ${lastPosition}`);
  }
  options.onProgress?.({ events: count, position: lastPosition, target: lastPosition });

  const imported = createHash('sha256');
  let stored = 0;
  for (let after = 0n; ; ) {
    const page = await store.readAll({ after, limit: PAGE });
    if (page.length === 0) break;
    for (const e of page) imported.update(`${eventLine(e)}\n`);
    stored += page.length;
    after = page.at(-1)!.globalPosition;
  }
  const storeHead = await store.headPosition();
  if (stored !== count || storeHead !== lastPosition) {
    throw new Error(`import verification failed: the store holds ${stored} events up to ${storeHead}, the export ${count} up to ${lastPosition}`);
  }
  if (imported.digest('hex') !== digest.digest('hex')) throw new Error('import verification failed: the stored events differ from the export');
  return { count, lastPosition };
}
