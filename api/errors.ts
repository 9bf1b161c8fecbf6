// The control plane's one error catalog: every error a GraphQL client can see has one of
// these `extensions.code`s. Domain errors map by code; anything unknown becomes INTERNAL with
// a generic message (the cause is logged, never sent: no stack traces to clients).
import { GraphQLError } from 'graphql';
import { ConcurrencyError, isDomainError, type DomainErrorCode } from '../domain/errors.ts';
import { ViewTimeoutError } from '../projections/runner-errors.ts';

export type ApiErrorCode =
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'BAD_USER_INPUT'
  | 'CONFLICT'
  | 'INVALID_TRANSITION'
  | 'INTERNAL';

/** Domain code → GraphQL code. Written out so a new domain code is a compile error here. */
const FROM_DOMAIN: Record<DomainErrorCode, ApiErrorCode> = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  FORBIDDEN: 'FORBIDDEN',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  CONFLICT: 'CONFLICT',
  INVALID_TRANSITION: 'INVALID_TRANSITION',
};

/** An error raised by the API layer itself (auth, view waits, argument parsing). */
export class ApiError extends Error {
  readonly code: ApiErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ApiErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.details = details;
  }
}

export const unauthenticated = (message = 'Authentication required: send Authorization: Bearer <access token>') =>
  new ApiError('UNAUTHENTICATED', message);

export const forbidden = (message: string) => new ApiError('FORBIDDEN', message);

export const notFound = (what: string, id: string) => new ApiError('NOT_FOUND', `${what} ${id} was not found`, { what, id });

export const badInput = (message: string, details: Record<string, unknown> = {}) =>
  new ApiError('BAD_USER_INPUT', message, details);

/** The views did not reach a position the client asked to read at, within the bounded wait. */
export const viewBehind = (wanted: bigint, reached: bigint, waitedMs: number) =>
  new ApiError('CONFLICT', `The views have not caught up with position ${wanted} after ${waitedMs} ms (at ${reached}); retry`, {
    reason: 'VIEW_BEHIND',
    atLeastPosition: wanted.toString(),
    viewPosition: reached.toString(),
  });

export interface ClientError {
  message: string;
  code: ApiErrorCode;
  extensions: Record<string, unknown>;
  /** false for errors whose cause must be logged (INTERNAL). */
  expected: boolean;
}

/** JSON-safe details: bigint → string, nothing else touched. */
function safeDetails(details: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out;
}

/** Classifies any thrown value into what a client may see. */
export function toClientError(error: unknown): ClientError {
  if (error instanceof ApiError) {
    return { message: error.message, code: error.code, extensions: { code: error.code, ...safeDetails(error.details) }, expected: true };
  }
  if (error instanceof ViewTimeoutError) return toClientError(viewBehind(error.position, error.reached, error.timeoutMs));
  if (error instanceof ConcurrencyError) {
    return {
      message: error.message,
      code: 'CONFLICT',
      extensions: { code: 'CONFLICT', currentVersion: Number(error.currentVersion), streamId: error.streamId },
      expected: true,
    };
  }
  if (isDomainError(error)) {
    const code = FROM_DOMAIN[error.code] ?? 'INTERNAL';
    const details = safeDetails(error.details);
    if (code === 'CONFLICT' && typeof details.currentVersion === 'string') details.currentVersion = Number(details.currentVersion);
    return { message: error.message, code, extensions: { ...details, code }, expected: true };
  }
  return { message: 'Internal server error', code: 'INTERNAL', extensions: { code: 'INTERNAL' }, expected: false };
}

/** Errors of the HTTP/GraphQL machinery (body too large, bad JSON, depth limit) that are the client's doing. */
export function clientStatusOf(e: unknown): number | undefined {
  if (!e || typeof e !== 'object') return undefined;
  const { statusCode, code } = e as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) return statusCode;
  if (typeof code === 'string' && code.startsWith('MER_ERR_GQL')) return 400;
  return undefined;
}

export interface WireError {
  error: GraphQLError;
  /** HTTP status this error asks for when the response carries no data (request-level). */
  status: number;
  /** The hidden cause of an INTERNAL error, for the log. */
  cause?: unknown;
}

/**
 * Rewrites one GraphQL error for the wire. Errors graphql-js raises itself (syntax, validation,
 * variable coercion) and 4xx errors of the HTTP layer are the client's: BAD_USER_INPUT. Anything
 * else uncatalogued is INTERNAL, its message hidden.
 */
export function formatGraphQLError(error: GraphQLError): WireError {
  const where = { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path };
  const original = error.originalError;
  if (original instanceof ApiError || isDomainError(original) || original instanceof ViewTimeoutError) {
    const client = toClientError(original);
    return { error: new GraphQLError(client.message, { ...where, extensions: client.extensions }), status: 200 };
  }
  const clientStatus = clientStatusOf(original);
  if (!original || original instanceof GraphQLError || clientStatus !== undefined) {
    const inner = original instanceof GraphQLError ? original : error;
    const given = inner.extensions?.code;
    const code = typeof given === 'string' && isApiErrorCode(given) && given !== 'INTERNAL' ? given : 'BAD_USER_INPUT';
    const message = original && !(original instanceof GraphQLError) ? original.message : inner.message;
    return { error: new GraphQLError(message, { ...where, extensions: { code } }), status: clientStatus ?? 400 };
  }
  return {
    error: new GraphQLError('Internal server error', { ...where, extensions: { code: 'INTERNAL' } }),
    status: error.path ? 200 : 500,
    cause: original,
  };
}

const CODES = new Set<string>(['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'INVALID_TRANSITION', 'INTERNAL']);
export const isApiErrorCode = (s: string): s is ApiErrorCode => CODES.has(s);
