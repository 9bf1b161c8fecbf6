import assert from 'node:assert/strict';
import { test } from 'node:test';
import { queryParam, withoutQueryParam } from './query.ts';

const url = '/a/b?x=1&apikey=abc%2Bdef&empty=&flag&y=a+b';
const q = url.indexOf('?');

test('queryParam finds a parameter by exact name and decodes it', () => {
  assert.equal(queryParam(url, q, 'apikey'), 'abc+def');
  assert.equal(queryParam(url, q, 'y'), 'a b');
  assert.equal(queryParam(url, q, 'empty'), '');
  assert.equal(queryParam(url, q, 'flag'), '');
  assert.equal(queryParam(url, q, 'api'), undefined);
  assert.equal(queryParam('/a/b', 4, 'x'), undefined);
});

test('withoutQueryParam removes every occurrence and a dangling ?', () => {
  assert.equal(withoutQueryParam(url, q, 'apikey'), '/a/b?x=1&empty=&flag&y=a+b');
  assert.equal(withoutQueryParam('/a?apikey=1', 2, 'apikey'), '/a');
  assert.equal(withoutQueryParam('/a?apikey=1&apikey=2&k=v', 2, 'apikey'), '/a?k=v');
  assert.equal(withoutQueryParam('/a', 2, 'apikey'), '/a');
});
