// `gatehouse api import <openapi.yaml|json> [--publish]` and `gatehouse api export <id|name:version>`:
// the OpenAPI round trip (WSO2 x-wso2-* / x-auth-type / x-throttling-tier extensions) on the
// local data dir. Import goes through the command facade like any mutation (authorised as
// --as, default admin); a running server picks the events up from the shared log.
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { stringify as toYaml } from 'yaml';
import { invalidInput, notFound } from '../../domain/errors.ts';
import '../../domain/events.ts';
import type { EventStore } from '../../domain/ports.ts';
import { createGatehouse } from '../../domain/services/gatehouse.ts';
import { lookupFromStore } from '../../domain/services/lookup-from-store.ts';
import { upcast } from '../../domain/upcasting.ts';
import { openSqliteCredentialStore } from '../../infra/keystore/credentials.ts';
import { openFileKeyStore } from '../../infra/keystore/file.ts';
import { applyToCatalog } from '../../projections/catalog/projection.ts';
import { createCatalogView, type ApiRecord, type CatalogView } from '../../projections/catalog/view.ts';
import { apiToOpenApi } from '../../api/openapi/export.ts';
import { DATA_OPTION_HELP, dataDirOf, openLog, toJson } from './events.ts';

interface ImportOptions {
  publish?: boolean;
  as: string;
  name?: string;
  context?: string;
  version?: string;
  production?: string;
  sandbox?: string;
  data?: string;
  json?: boolean;
}

interface ExportOptions {
  format: string;
  out?: string;
  data?: string;
}

const PAGE = 1000;

/** The catalog as of the head of the log (a fresh fold: the CLI never writes views.db). */
export async function catalogAtHead(store: EventStore): Promise<CatalogView> {
  const view = createCatalogView();
  for (let after = 0n; ;) {
    const page = await store.readAll({ after, limit: PAGE });
    for (const e of page) applyToCatalog(view, upcast(e));
    if (page.length < PAGE) return view;
    after = page.at(-1)!.globalPosition;
  }
}

/** `id` or `name:version` (name case-insensitive). */
export function findApi(view: CatalogView, ref: string): ApiRecord {
  const byId = view.apis.get(ref);
  if (byId) return byId;
  const colon = ref.lastIndexOf(':');
  if (colon > 0) {
    const name = ref.slice(0, colon).toLowerCase();
    const version = ref.slice(colon + 1);
    for (const id of view.index.apisByName.get(name) ?? []) {
      const api = view.apis.get(id)!;
      if (api.version === version) return api;
    }
  }
  throw notFound('API', ref);
}

async function runImport(file: string, options: ImportOptions): Promise<void> {
  const dataDir = dataDirOf(options.data);
  const definition = readFileSync(file, 'utf8');
  const store = openLog(dataDir);
  const credentials = openSqliteCredentialStore({ dataDir });
  try {
    const gatehouse = createGatehouse({
      store,
      clock: { now: () => new Date() },
      random: { uuid: randomUUID, token: (n) => randomBytes(n).toString('base64url') },
      credentials,
      keyStore: openFileKeyStore({ dataDir }),
      lookup: lookupFromStore(store),
      signer: {
        sign: () => Promise.reject(invalidInput('signing is not available to the api command')),
      },
    });
    const endpoints = options.production || options.sandbox
      ? { production: options.production ?? null, sandbox: options.sandbox ?? null }
      : null;
    const result = await gatehouse.importOpenApi(
      { definition, name: options.name ?? null, context: options.context ?? null, version: options.version ?? null, endpoints, publish: options.publish ?? false },
      { actor: options.as, correlationId: randomUUID() },
    );
    const api = findApi(await catalogAtHead(store), result.id);
    if (options.json) {
      process.stdout.write(`${toJson({ id: api.id, name: api.name, context: api.context, version: api.version, lifecycleStatus: api.lifecycleStatus, operations: api.operations.length, position: result.position })}\n`);
    } else {
      process.stdout.write(`imported ${api.name} ${api.version} as ${api.id}: context ${api.context}, ${api.operations.length} operation(s), ${api.lifecycleStatus} (position ${result.position})\n`);
    }
  } finally {
    await credentials.close();
    await store.close();
  }
}

async function runExport(ref: string, options: ExportOptions): Promise<void> {
  if (options.format !== 'yaml' && options.format !== 'json') throw invalidInput(`--format must be yaml or json, not ${options.format}`);
  const store = openLog(dataDirOf(options.data));
  try {
    const doc = apiToOpenApi(findApi(await catalogAtHead(store), ref));
    const text = options.format === 'json' ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc);
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
  } finally {
    await store.close();
  }
}

export function register(program: Command): void {
  const api = program.command('api').description('import or export an API as OpenAPI');
  api
    .command('import')
    .description('create an API from an OpenAPI 3.0/3.1 or Swagger 2.0 file (YAML or JSON)')
    .argument('<file>', 'the OpenAPI document')
    .option('--publish', 'publish it right away')
    .option('--as <user>', 'the acting user (needs creator, and publisher with --publish)', 'admin')
    .option('--name <name>', 'override info.title')
    .option('--context <context>', 'override the context (x-wso2-basePath)')
    .option('--version <version>', 'override info.version')
    .option('--production <url>', 'production endpoint (x-wso2-production-endpoints)')
    .option('--sandbox <url>', 'sandbox endpoint (x-wso2-sandbox-endpoints)')
    .option('--json', 'print the result as JSON')
    .option('--data <dir>', DATA_OPTION_HELP)
    .action((file: string, options: ImportOptions) => runImport(file, options));
  api
    .command('export')
    .description('print an API as OpenAPI 3.0 with WSO2 extensions')
    .argument('<api>', 'API id, or name:version')
    .option('--format <format>', 'yaml or json', 'yaml')
    .option('--out <file>', 'write to a file instead of stdout')
    .option('--data <dir>', DATA_OPTION_HELP)
    .action((ref: string, options: ExportOptions) => runExport(ref, options));
}
