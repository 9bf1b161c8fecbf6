// The GraphQL management API as a fastify plugin: the SDL in schema.graphql, resolvers from
// every module in resolvers/ (each exports `resolvers`; add a file to add an area), one error
// catalog, depth and size limits, subscriptions over WebSocket with auth on connection_init.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { GraphQLError, GraphQLScalarType, Kind, buildSchema, isObjectType, type ASTVisitor, type ValidationContext } from 'graphql';
import mercurius, { type IResolvers, type MercuriusContext } from 'mercurius';
import { formatGraphQLError } from '../errors.ts';
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
      return { deps, caller, authError, correlationId: String(request.id) };
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
          const nested = (e.originalError as { errors?: unknown } | undefined)?.errors;
          return Array.isArray(nested)
            ? nested.map((n) => (n instanceof GraphQLError ? n : new GraphQLError((n as Error).message, { originalError: n as Error })))
            : [e];
        })
        .map((e) => {
          const wire = formatGraphQLError(e);
          if (wire.cause) log.error({ err: wire.cause, path: e.path }, 'resolver failed');
          status = Math.max(status, wire.status);
          return wire.error.toJSON();
        });
      return { statusCode: execution.data ? 200 : status, response: { data: execution.data ?? null, errors } };
    },
  });
}
