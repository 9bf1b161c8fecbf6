// `gatehouse audit <stream>`: the readable history of one aggregate — who did what, when, and
// which fields changed (secrets redacted).
import type { Command } from 'commander';
import { history, type HistoryEntry } from '../../projections/audit/history.ts';
import type { FieldChange } from '../../projections/audit/diff.ts';
import { DATA_OPTION_HELP, dataDirOf, exitQuietlyOnClosedPipe, openLog, paint, toJson } from './events.ts';

interface AuditOptions {
  json?: boolean;
  data?: string;
}

const VALUE_WIDTH = 100;

function show(value: unknown): string {
  if (value === undefined) return paint('dim', '(none)');
  const text = toJson(value);
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

const changeLine = (c: FieldChange): string =>
  c.before === undefined
    ? `    ${paint('green', '+')} ${c.path}: ${show(c.after)}`
    : c.after === undefined
      ? `    ${paint('red', '-')} ${c.path}: ${show(c.before)}`
      : `    ${paint('yellow', '~')} ${c.path}: ${paint('red', show(c.before))} → ${paint('green', show(c.after))}`;

export function formatHistory(streamId: string, entries: readonly HistoryEntry[]): string {
  const lines = [paint('bold', `${streamId}: ${entries.length} event(s)`)];
  for (const e of entries) {
    lines.push(
      `${paint('dim', `v${e.streamVersion}`.padStart(5))}  pos ${e.position}  ${e.recordedAt}  ${paint('cyan', e.actor)}  ${paint('bold', e.type)}  ${paint('dim', `corr ${e.correlationId}`)}`,
    );
    if (e.changes.length === 0) lines.push(paint('dim', '    (no field changed)'));
    for (const c of e.changes) lines.push(changeLine(c));
  }
  return `${lines.join('\n')}\n`;
}

async function run(streamId: string, options: AuditOptions): Promise<void> {
  exitQuietlyOnClosedPipe();
  const store = openLog(dataDirOf(options.data));
  try {
    const entries = await history(store, streamId);
    if (entries.length === 0) throw new Error(`stream ${streamId} has no events`);
    if (options.json) for (const e of entries) process.stdout.write(`${toJson(e)}\n`);
    else process.stdout.write(formatHistory(streamId, entries));
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('history of one stream: each event with its actor, time and the fields it changed')
    .argument('<stream>', 'stream id, e.g. api-<uuid>, app-<uuid>, user-alice, keys-signing')
    .option('--json', 'one JSON object per event: position, streamVersion, type, actor, recordedAt, changes[{path, before, after}]')
    .option('--data <dir>', DATA_OPTION_HELP)
    .addHelpText('after', '\nFind stream ids with `gatehouse events`. Secret-looking fields (hashes included) are shown as «redacted».')
    .action(run);
}
