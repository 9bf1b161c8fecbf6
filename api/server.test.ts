import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChildLogger } from './server.ts';

function capture(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({ write(chunk, _enc, cb) { lines.push(JSON.parse(String(chunk))); cb(); } });
  const parent = pino({ level }, stream);
  let children = 0;
  const original = parent.child;
  (parent as unknown as { child: typeof parent.child }).child = function (this: typeof parent, b, o) {
    children++;
    return original.call(this, b, o);
  } as typeof parent.child;
  return { parent: parent as unknown as FastifyBaseLogger, lines, children: () => children };
}

describe('lazyChildLogger (request.log)', () => {
  test('calls at disabled levels make no child and write nothing', () => {
    const c = capture('warn');
    const log = lazyChildLogger(c.parent, { correlationId: 'abc' }, {});
    log.info('hidden');
    log.debug({ x: 1 }, 'hidden');
    assert.equal(c.children(), 0);
    assert.equal(c.lines.length, 0);
  });

  test('an enabled call writes through a child carrying the bindings; later calls reuse it', () => {
    const c = capture('info');
    const log = lazyChildLogger(c.parent, { correlationId: 'abc' }, {});
    log.info({ n: 1 }, 'one');
    log.warn('two');
    assert.equal(c.children(), 1);
    assert.deepEqual(c.lines.map((l) => [l.correlationId, l.msg]), [['abc', 'one'], ['abc', 'two']]);
    assert.equal(log.level, 'info');
  });

  test('child() of the lazy logger keeps both bindings; a route log level makes an eager child', () => {
    const c = capture('info');
    lazyChildLogger(c.parent, { correlationId: 'abc' }, {}).child({ part: 'x' }).info('nested');
    assert.deepEqual([c.lines[0]?.correlationId, c.lines[0]?.part], ['abc', 'x']);
    const eager = lazyChildLogger(c.parent, { correlationId: 'def' }, { level: 'debug' });
    assert.equal(c.children(), 3); // the request child, its nested child, the eager one
    eager.debug('shown at the route level');
    assert.equal(c.lines[1]?.correlationId, 'def');
  });
});
