import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphQLError } from 'graphql';
import { ConcurrencyError, DomainError, invalidTransition, notFound } from '../domain/errors.ts';
import { ViewTimeoutError } from '../projections/runner-errors.ts';
import { badInput, formatGraphQLError, toClientError, unauthenticated } from './errors.ts';

const atPath = (original: Error) => new GraphQLError(original.message, { path: ['field'], originalError: original });

test('domain errors map to their GraphQL code with their details', () => {
  assert.deepEqual(toClientError(notFound('API', 'x')).extensions, { what: 'API', id: 'x', code: 'NOT_FOUND' });
  assert.equal(toClientError(invalidTransition('no')).code, 'INVALID_TRANSITION');
  assert.equal(toClientError(new DomainError('FORBIDDEN', 'no')).code, 'FORBIDDEN');
});

test('a version race is CONFLICT with currentVersion as a number', () => {
  const e = toClientError(new ConcurrencyError('api-1', '3', 4n));
  assert.equal(e.code, 'CONFLICT');
  assert.equal(e.extensions.currentVersion, 4);
});

test('a view timeout is CONFLICT with reason VIEW_BEHIND and positions as strings', () => {
  const e = toClientError(new ViewTimeoutError(10n, 7n, 5000));
  assert.deepEqual(e.extensions, { code: 'CONFLICT', reason: 'VIEW_BEHIND', atLeastPosition: '10', viewPosition: '7' });
});

test('an unknown error is INTERNAL with a generic message, and its cause is kept for the log only', () => {
  const secret = new Error('SQLITE_CORRUPT at /var/data/events.db');
  const wire = formatGraphQLError(atPath(secret));
  assert.equal(wire.error.message, 'Internal server error');
  assert.deepEqual(wire.error.extensions, { code: 'INTERNAL' });
  assert.equal(wire.cause, secret);
  assert.doesNotMatch(JSON.stringify(wire.error.toJSON()), /SQLITE|events\.db/);
});

test('graphql-js errors (no cause) and 4xx HTTP-layer errors are BAD_USER_INPUT', () => {
  const syntax = formatGraphQLError(new GraphQLError('Syntax Error: Unexpected <EOF>.'));
  assert.deepEqual(syntax.error.extensions, { code: 'BAD_USER_INPUT' });
  assert.equal(syntax.status, 400);
  const tooLarge = Object.assign(new Error('Request body is too large'), { statusCode: 413, code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
  const wire = formatGraphQLError(new GraphQLError(tooLarge.message, { originalError: tooLarge }));
  assert.equal(wire.status, 413);
  assert.equal(wire.error.extensions.code, 'BAD_USER_INPUT');
});

test('API-layer errors keep their code', () => {
  assert.equal(formatGraphQLError(atPath(unauthenticated())).error.extensions.code, 'UNAUTHENTICATED');
  assert.equal(formatGraphQLError(atPath(badInput('bad', { argument: 'x' }))).error.extensions.argument, 'x');
});
