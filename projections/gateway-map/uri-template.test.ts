import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileTemplate, matchesAt, normaliseTemplate } from './uri-template.ts';

const matches = (template: string, path: string, prefix = '/api/1.0'): boolean =>
  matchesAt(compileTemplate(template), prefix + path, prefix.length);

describe('URI templates', () => {
  test('a variable matches exactly one non-empty segment', () => {
    assert.equal(matches('/orders/{id}', '/orders/42'), true);
    assert.equal(matches('/orders/{id}', '/orders/42/'), true);
    assert.equal(matches('/orders/{id}', '/orders/'), false);
    assert.equal(matches('/orders/{id}', '/orders/42/items'), false);
    assert.equal(matches('/orders/{id}/items', '/orders/42/items'), true);
  });

  test('literals are matched exactly and regex characters in them are literal', () => {
    assert.equal(matches('/a.b', '/a.b'), true);
    assert.equal(matches('/a.b', '/axb'), false);
    assert.equal(matches('/menu', '/menus'), false);
  });

  test('a trailing /* matches the path itself and anything below it', () => {
    assert.equal(matches('/orders/*', '/orders'), true);
    assert.equal(matches('/orders/*', '/orders/1/2'), true);
    assert.equal(matches('/orders/*', '/ordersx'), false);
    assert.equal(matches('/*', ''), true);
    assert.equal(matches('/*', '/anything/at/all'), true);
  });

  test('the query string is not part of the match', () => {
    assert.equal(matches('/orders/{id}', '/orders/42?x=1&y=/z'), true);
    assert.equal(matches('/orders', '/orders?id=1'), true);
    assert.equal(matches('/orders/{id}?expand={e}', '/orders/1'), true);
  });

  test('"/" matches the API root only', () => {
    assert.equal(matches('/', ''), true);
    assert.equal(matches('/', '/'), true);
    assert.equal(matches('/', '/x'), false);
  });

  test('specificity: literal beats variable beats wildcard', () => {
    const literal = compileTemplate('/orders/latest').specificity;
    const variable = compileTemplate('/orders/{id}').specificity;
    const wildcard = compileTemplate('/orders/*').specificity;
    assert.ok(literal > variable && variable > wildcard);
  });

  test('templates are normalised: leading slash added, trailing slash and query removed', () => {
    assert.equal(normaliseTemplate('orders/'), '/orders');
    assert.equal(normaliseTemplate('/orders?x={x}'), '/orders');
    assert.equal(normaliseTemplate('/'), '/');
  });
});
