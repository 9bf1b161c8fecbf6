import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import type { ApiVersionsEvent } from './events.ts';
import { apiVersionsDecider } from './versions.ts';

const v1: ApiVersionsEvent = { type: 'ApiVersionRegistered', data: { name: 'Pizza', apiId: 'a1', context: '/pizza', version: '1.0.0' } };
const v2: ApiVersionsEvent = { type: 'ApiVersionRegistered', data: { name: 'Pizza', apiId: 'a2', context: '/pizza', version: '2.0.0' } };
const v1Default: ApiVersionsEvent = { type: 'DefaultApiVersionChanged', data: { name: 'Pizza', context: '/pizza', apiId: 'a1', version: '1.0.0', previousApiId: null } };

describe('API versions index', () => {
  test('the first version registers (and may become the default)', () => {
    given(apiVersionsDecider)
      .when({ type: 'RegisterApiVersion', data: { name: 'Pizza', apiId: 'a1', context: '/pizza', version: '1.0.0', makeDefault: true } })
      .then([v1, v1Default]);
  });

  test('registering the same API again is a no-op', () => {
    given(apiVersionsDecider, [v1])
      .when({ type: 'RegisterApiVersion', data: { name: 'Pizza', apiId: 'a1', context: '/pizza', version: '1.0.0', makeDefault: false } })
      .thenNothing();
  });

  test('refused: the name with another context', () => {
    given(apiVersionsDecider, [v1])
      .when({ type: 'RegisterApiVersion', data: { name: 'Pizza', apiId: 'a9', context: '/other', version: '3' , makeDefault: false } })
      .thenThrows('CONFLICT', /context \/pizza/);
  });

  test('refused: the same version under another API id', () => {
    given(apiVersionsDecider, [v1])
      .when({ type: 'RegisterApiVersion', data: { name: 'Pizza', apiId: 'a9', context: '/pizza', version: '1.0.0', makeDefault: false } })
      .thenThrows('CONFLICT');
  });

  test('setting a default unsets the previous one (one default per name)', () => {
    given(apiVersionsDecider, [v1, v1Default, v2])
      .when({ type: 'SetDefaultApiVersion', data: { apiId: 'a2' } })
      .then([{ type: 'DefaultApiVersionChanged', data: { name: 'Pizza', context: '/pizza', apiId: 'a2', version: '2.0.0', previousApiId: 'a1' } }]);
  });

  test('setting the current default again is a no-op', () => {
    given(apiVersionsDecider, [v1, v1Default]).when({ type: 'SetDefaultApiVersion', data: { apiId: 'a1' } }).thenNothing();
  });

  test('refused: default for an API that is not a version of the name', () => {
    given(apiVersionsDecider, [v1]).when({ type: 'SetDefaultApiVersion', data: { apiId: 'zz' } }).thenThrows('NOT_FOUND');
  });

  test('unsetting the default leaves the name without one', () => {
    given(apiVersionsDecider, [v1, v1Default])
      .when({ type: 'UnsetDefaultApiVersion', data: { apiId: 'a1' } })
      .then([{ type: 'DefaultApiVersionChanged', data: { name: 'Pizza', context: '/pizza', apiId: null, version: null, previousApiId: 'a1' } }]);
    given(apiVersionsDecider, [v1, v1Default, v2]).when({ type: 'UnsetDefaultApiVersion', data: { apiId: 'a2' } }).thenNothing();
  });

  test('deregistering the default version also clears the default', () => {
    given(apiVersionsDecider, [v1, v1Default, v2])
      .when({ type: 'DeregisterApiVersion', data: { apiId: 'a1' } })
      .then([
        { type: 'DefaultApiVersionChanged', data: { name: 'Pizza', context: '/pizza', apiId: null, version: null, previousApiId: 'a1' } },
        { type: 'ApiVersionDeregistered', data: { name: 'Pizza', apiId: 'a1', version: '1.0.0' } },
      ]);
  });

  test('deregistering an unknown API is a no-op; the last one gone frees the name for another context', () => {
    given(apiVersionsDecider, [v1]).when({ type: 'DeregisterApiVersion', data: { apiId: 'zz' } }).thenNothing();
    const gone: ApiVersionsEvent = { type: 'ApiVersionDeregistered', data: { name: 'Pizza', apiId: 'a1', version: '1.0.0' } };
    given(apiVersionsDecider, [v1, gone])
      .when({ type: 'RegisterApiVersion', data: { name: 'Pizza', apiId: 'a3', context: '/new', version: '1.0.0', makeDefault: false } })
      .then([{ type: 'ApiVersionRegistered', data: { name: 'Pizza', apiId: 'a3', context: '/new', version: '1.0.0' } }]);
  });
});
