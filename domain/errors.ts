// The domain's typed errors. api/errors.ts maps each `code` to a GraphQL extensions.code;
// the CLI prints the message. One catalog: never throw a bare Error for a rule violation.

export type DomainErrorCode =
  | 'BAD_USER_INPUT'
  | 'NOT_FOUND'
  | 'FORBIDDEN'
  | 'UNAUTHENTICATED'
  | 'CONFLICT'
  | 'INVALID_TRANSITION';

export class DomainError extends Error {
  readonly code: DomainErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: DomainErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export const invalidInput = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('BAD_USER_INPUT', message, details);

export const notFound = (what: string, id: string) =>
  new DomainError('NOT_FOUND', `${what} ${id} was not found`, { what, id });

export const forbidden = (message: string) => new DomainError('FORBIDDEN', message);

export const invalidTransition = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('INVALID_TRANSITION', message, details);

/** A uniqueness or state conflict decided by the domain (not a version race). */
export const conflict = (message: string, details: Record<string, unknown> = {}) =>
  new DomainError('CONFLICT', message, details);

/** Optimistic concurrency failure raised by event stores (ARCHITECTURE rule 4). */
export class ConcurrencyError extends DomainError {
  readonly streamId: string;
  readonly expected: string;
  readonly currentVersion: bigint;
  constructor(streamId: string, expected: string, currentVersion: bigint) {
    super('CONFLICT', `Stream ${streamId} is at version ${currentVersion}, expected ${expected}`, {
      streamId,
      expected,
      currentVersion: Number(currentVersion),
    });
    this.name = 'ConcurrencyError';
    this.streamId = streamId;
    this.expected = expected;
    this.currentVersion = currentVersion;
  }
}

export const isDomainError = (e: unknown): e is DomainError => e instanceof DomainError;
