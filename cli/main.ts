// The `gatehouse` command. Each subcommand lives in cli/commands/<name>.ts and exports
// `register(program: Command)`; this table only names them, so startup loads one module.
import { Command, CommanderError } from 'commander';
import { isDomainError } from '../domain/errors.ts';

interface CommandEntry { name: string; summary: string; }

const commands: CommandEntry[] = [
  { name: 'start', summary: 'all-in-one: control plane (:8080) + gateway (:8280) on the embedded store' },
  { name: 'control-plane', summary: 'GraphQL, key manager, projections and the Kafka relay (distributed role)' },
  { name: 'gateway', summary: 'the data plane alone, fed by the log or by Kafka' },
  { name: 'traffic-manager', summary: 'cluster-wide throttle counters → throttle decisions (Kafka)' },
  { name: 'analytics-worker', summary: 'request facts → analytics views and alerts' },
  { name: 'events', summary: 'list or follow events in the log' },
  { name: 'audit', summary: 'human-readable history of a stream with actors and diffs' },
  { name: 'replay', summary: 'rebuild a projection from position 0 and compare it with the live one' },
  { name: 'export', summary: 'write the log as NDJSON (no secrets)' },
  { name: 'import', summary: 'load an NDJSON export into an empty store, verified' },
  { name: 'api', summary: 'import or export an API as OpenAPI' },
  { name: 'analytics', summary: 'traffic table and sparkline for an API' },
];

export async function main(argv: string[]): Promise<void> {
  const program = new Command('gatehouse')
    .description('Gatehouse: an event-sourced API manager')
    .showHelpAfterError()
    .exitOverride();
  const wanted = argv[2];
  for (const entry of commands) {
    if (entry.name === wanted) {
      let mod: { register(p: Command): void };
      try {
        mod = await import(`./commands/${entry.name}.ts`);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ERR_MODULE_NOT_FOUND' && String((e as Error).message).includes(`commands/${entry.name}.ts`)) {
          throw new Error(`'${entry.name}' is not available in this build`);
        }
        throw e;
      }
      mod.register(program);
    } else {
      program.command(entry.name).description(entry.summary).allowUnknownOption().helpOption(false);
    }
  }
  await program.parseAsync(argv);
}

// Errors are one line (first line, first problem, a count of the rest); `--verbose` (any
// position) or GATEHOUSE_DEBUG=1 prints the whole message, and the stack of unexpected errors.
const verbose = process.argv.includes('--verbose') || process.env.GATEHOUSE_DEBUG === '1';
main(process.argv.filter((a) => a !== '--verbose')).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode);
  const message = isDomainError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
  if (verbose) {
    console.error(`gatehouse: ${message}`);
    if (!isDomainError(e) && e instanceof Error && e.stack) console.error(e.stack);
    process.exit(1);
  }
  // Validators add code frames ("> 3 |   ...", "    |   ^ ...") under each problem: not problems.
  const frame = /^\s*(?:>\s*)?\d*\s*\|/;
  const [first = '', ...problems] = message.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !frame.test(l));
  let line = first;
  if (problems.length > 0) {
    line += `${/[.:;]$/.test(first) ? ' ' : ': '}${problems[0]}`;
    if (problems.length > 1) line += ` (+${problems.length - 1} more; --verbose or GATEHOUSE_DEBUG=1 shows all)`;
  }
  console.error(`gatehouse: ${line}`);
  process.exit(1);
});
