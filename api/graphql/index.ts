// The GraphQL management API as a fastify plugin: the SDL in schema.graphql, resolvers from
// every module in resolvers/ (each exports `resolvers`; add a file to add an area), one error
// catalog, depth and size limits, subscriptions over WebSocket with auth on connection_init.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, GraphQLScalarType, Kind, buildSchema, isObjectType, type ASTVisitor, type ValidationContext } from 'graphql';
import mercurius, { type IResolvers, type MercuriusContext } from 'mercurius';
import { clientStatusOf, formatGraphQLError } from '../errors.ts';
import { callerFrom, type GqlContext, type GraphQLDeps } from './context.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
export const SCHEMA_PATH = `${here}schema.graphql`;

export const QUERY_DEPTH_LIMIT = 12;
/** Fields in one operation, fragments expanded (aliases count): a cheap complexity bound. */
export const MAX_FIELDS_PER_OPERATION = 2000;

type ResolverMap = Record<string, unknown>;

/** Loads every resolvers/*.ts (not tests) and merges them type by type. */
export async function loadResolvers(): Promise<ResolverMap> {
  const dir = `${here}resolvers/`;
  const files = readdirSync(dir).filter((f) => /\.ts$/.test(f) && !/\.test\.ts$/.test(f)).sort();
  const merged: ResolverMap = {};
  for (const f of files) {
    const mod = (await import(pathToFileURL(dir + f).href)) as { resolvers?: ResolverMap };
    if (!mod.resolvers) continue;
    for (const [type, fields] of Object.entries(mod.resolvers)) {
      const existing = merged[type];
      if (fields instanceof GraphQLScalarType || existing instanceof GraphQLScalarType) {
        if (existing) throw new Error(`resolver ${type} is defined twice (resolvers/${f})`);
        merged[type] = fields;
        continue;
      }
      const target = (merged[type] ??= {}) as Record<string, unknown>;
      for (const [name, resolver] of Object.entries(fields as Record<string, unknown>)) {
        if (name in target) throw new Error(`resolver ${type}.${name} is defined twice (resolvers/${f})`);
        target[name] = resolver;
      }
    }
  }
  return merged;
}

/** `position` and `streamVersion` are bigint inside: String and Int on the wire, on every type. */
function addVersionResolvers(sdl: string, resolvers: ResolverMap): void {
  const toPosition = (o: Record<string, unknown>) => (o.position == null ? o.position : String(o.position));
  const toVersion = (o: Record<string, unknown>) => (o.streamVersion == null ? o.streamVersion : Number(o.streamVersion));
  for (const type of Object.values(buildSchema(sdl).getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const fields = type.getFields();
    const target = (resolvers[type.name] ??= {}) as Record<string, unknown>;
    if (fields.position && !target.position) target.position = toPosition;
    if (fields.streamVersion && !target.streamVersion) target.streamVersion = toVersion;
    if (Object.keys(target).length === 0) delete resolvers[type.name];
  }
}

/** Refuses operations selecting more than `max` fields (fragments expanded once per spread). */
export function maxFieldsRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragmentCost = new Map<string, number>();
    const costOf = (node: { selectionSet?: { selections: readonly unknown[] } }, seen: Set<string>): number => {
      let n = 0;
      for (const sel of (node.selectionSet?.selections ?? []) as Array<{ kind: string; name?: { value: string }; selectionSet?: { selections: readonly unknown[] } }>) {
        if (sel.kind === Kind.FIELD) n += 1 + costOf(sel, seen);
        else if (sel.kind === Kind.INLINE_FRAGMENT) n += costOf(sel, seen);
        else if (sel.kind === Kind.FRAGMENT_SPREAD) {
          const name = sel.name!.value;
          if (seen.has(name)) continue; // cycles are reported by the standard rules
          let c = fragmentCost.get(name);
          if (c === undefined) {
            const frag = context.getFragment(name);
            c = frag ? costOf(frag, new Set([...seen, name])) : 0;
            fragmentCost.set(name, c);
          }
          n += c;
        }
        if (n > max) return n;
      }
      return n;
    };
    return {
      OperationDefinition(node) {
        const cost = costOf(node, new Set());
        if (cost > max) {
          context.reportError(new GraphQLError(`The operation selects ${cost > max ? `more than ${max}` : cost} fields (limit ${max})`, { nodes: [node] }));
        }
      },
    };
  };
}

export async function graphqlPlugin(app: FastifyInstance, deps: GraphQLDeps): Promise<void> {
  const schema = readFileSync(SCHEMA_PATH, 'utf8');
  const resolvers = await loadResolvers();
  addVersionResolvers(schema, resolvers);

  // graphql-js expects a string query: anything else is the client's mistake, answered before it.
  app.addHook('preValidation', async (request, reply) => {
    if (request.routeOptions.url !== '/graphql' || request.headers.upgrade?.toLowerCase() === 'websocket') return; // upgrades carry no query
    const source = (request.method === 'GET' ? request.query : request.body) as Record<string, unknown> | undefined;
    if (Array.isArray(source)) return; // batches: mercurius refuses them (allowBatchedQueries: false)
    const bad = !source || typeof source !== 'object' ? 'The request must carry a GraphQL query'
      : typeof source.query !== 'string' ? 'query must be a string'
        : source.variables != null && typeof source.variables !== 'object' && request.method !== 'GET' ? 'variables must be an object'
          : source.operationName != null && typeof source.operationName !== 'string' ? 'operationName must be a string'
            : undefined;
    if (bad) return reply.code(400).send({ data: null, errors: [{ message: bad, extensions: { code: 'BAD_USER_INPUT' } }] });
  });

  await app.register(mercurius, {
    schema,
    resolvers: resolvers as IResolvers,
    path: '/graphql',
    graphiql: true,
    queryDepth: QUERY_DEPTH_LIMIT,
    allowBatchedQueries: false,
    validationRules: [maxFieldsRule(MAX_FIELDS_PER_OPERATION)],
    async context(request): Promise<GqlContext> {
      const { caller, authError } = await callerFrom(deps, request.headers.authorization);
      return { deps, caller, authError, correlationId: String(request.id), origin: { protocol: request.protocol, hostname: request.hostname } };
    },
    subscription: {
      async onConnect(data: { payload?: Record<string, unknown> | null }) {
        const payload = data.payload ?? {};
        const headers = (payload.headers && typeof payload.headers === 'object' ? payload.headers : payload) as Record<string, unknown>;
        const raw = headers.authorization ?? headers.Authorization;
        const { caller } = await callerFrom(deps, typeof raw === 'string' ? raw : undefined);
        if (!caller) return false; // connection_error: subscriptions need a valid token
        return { deps, caller, authError: null, correlationId: deps.random.uuid() } satisfies GqlContext;
      },
      keepAlive: 15_000,
    },
    errorFormatter(execution, context) {
      const log = (context as MercuriusContext).reply?.log ?? (context as MercuriusContext).app.log;
      let status = 200;
      const errors = (execution.errors ?? [])
        .flatMap((e) => {
          // mercurius wraps request-level failures (validation, depth, GET mutation) around a list
          const nested = (e.originalError as { errors?: unknown } | undefined)?.errors;
          if (!Array.isArray(nested)) return [formatGraphQLError(e)];
          const parentStatus = clientStatusOf(e.originalError);
          return nested.map((n) => {
            if (n instanceof GraphQLError) {
              const wire = formatGraphQLError(n);
              return parentStatus ? { ...wire, status: parentStatus } : wire;
            }
            const message = (n as Error).message;
            return parentStatus
              ? { error: new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } }), status: parentStatus }
              : formatGraphQLError(new GraphQLError(message, { originalError: n as Error }));
          });
        })
        .map((wire) => {
          if (wire.cause) log.error({ err: wire.cause }, 'resolver failed');
          status = Math.max(status, wire.status);
          return wire.error.toJSON();
        });
      return { statusCode: execution.data ? 200 : status, response: { data: execution.data ?? null, errors } };
    },
  });
}
