import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRequestTarget } from './path.ts';

test('an ordinary target passes and pathEnd is the index of the query string', () => {
  assert.equal(checkRequestTarget('/pizza/1.0.0/menu'), 17);
  assert.equal(checkRequestTarget('/pizza/1.0.0/menu?x=1.2&y=../z'), 17);
  assert.equal(checkRequestTarget('/a/v1.0/caf%C3%A9'), 17);
  assert.equal(checkRequestTarget('/a/.well-known'), 14, 'a dot that starts a name is not a dot segment');
});

test('dot segments, raw or encoded, are refused', () => {
  for (const t of ['/a/../b', '/a/./b', '/a/..', '/a/%2e%2e/b', '/a/.%2E/b', '/a/%2e/b', '/..']) assert.equal(checkRequestTarget(t), -1, t);
});

test('encoded separators, backslashes, control characters and raw non-ASCII are refused', () => {
  for (const t of ['/a/b%2fc', '/a/b%2Fc', '/a/b%5cc', '/a\\b', '/a/%00', '/a/b c', '/a/\u0001', '/a/é']) assert.equal(checkRequestTarget(t), -1, JSON.stringify(t));
});

test('invalid percent-encoding or encoded invalid UTF-8 is refused, in the path and the query', () => {
  for (const t of ['/a/%zz', '/a/%', '/a/%ff', '/a/%c3%28', '/a/b?q=%ff', '/a/b?q=%']) assert.equal(checkRequestTarget(t), -1, t);
});

test('absolute-form and asterisk-form targets are refused', () => {
  assert.equal(checkRequestTarget('http://evil.example/x'), -1);
  assert.equal(checkRequestTarget('*'), -1);
});
