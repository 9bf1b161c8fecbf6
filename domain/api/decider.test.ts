import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import { apiDecider, type CreateApi } from './decider.ts';
import { DEFAULT_CORS } from './definition.ts';
import type { ApiCreated, ApiEvent, LifecycleStatus } from './events.ts';

const known = { subscription: ['Unlimited', 'Gold', 'Silver'], advanced: ['Unlimited', '10KPerMin'] };
const apiId = '0b6e4d5e-1b8c-4a57-9a43-2f8e0d7c1a11';

const create = (over: Partial<CreateApi['data']> = {}): CreateApi => ({
  type: 'CreateApi',
  data: {
    apiId,
    name: 'PizzaShack',
    context: '/pizzashack',
    version: '1.0.0',
    provider: 'alice',
    definition: {
      endpoints: { production: 'https://backend.example/pizza' },
      operations: [{ verb: 'GET', target: '/menu' }, { verb: 'POST', target: '/order', scopes: ['order'] }],
      subscriptionPolicies: ['Gold', 'Unlimited'],
      scopes: [{ name: 'order', roles: ['subscriber'] }],
    },
    documents: [],
    copiedFrom: null,
    knownTiers: known,
    ...over,
  },
});

const created: ApiCreated = {
  type: 'ApiCreated',
  data: {
    apiId,
    name: 'PizzaShack',
    context: '/pizzashack',
    version: '1.0.0',
    provider: 'alice',
    lifecycleStatus: 'CREATED',
    description: null,
    endpoints: { production: 'https://backend.example/pizza', sandbox: null },
    operations: [
      { verb: 'GET', target: '/menu', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: [], throttlingPolicy: null },
      { verb: 'POST', target: '/order', authType: 'APPLICATION_AND_APPLICATION_USER', scopes: ['order'], throttlingPolicy: null },
    ],
    subscriptionPolicies: ['Gold', 'Unlimited'],
    apiThrottlingPolicy: null,
    securitySchemes: ['OAUTH2'],
    scopes: [{ name: 'order', displayName: null, description: null, roles: ['subscriber'] }],
    backendJwt: false,
    cors: DEFAULT_CORS,
    tags: [],
    visibility: 'PUBLIC',
    visibleRoles: [],
    copiedFrom: null,
  },
};

const lifecycle = (from: LifecycleStatus, to: LifecycleStatus): ApiEvent => ({
  type: 'ApiLifecycleChanged',
  data: { apiId, action: 'PUBLISH', from, to, checklist: null, causedBy: null },
});

describe('API: create', () => {
  test('a valid API is created in CREATED with defaults filled in', () => {
    given(apiDecider).when(create()).then([created]);
  });

  test('an API defined without operations gets WSO2 default /* operations', () => {
    const [e] = given(apiDecider).when(create({ definition: { endpoints: {}, operations: [] } })).events();
    assert.equal(e!.type, 'ApiCreated');
    assert.deepEqual(
      (e as ApiCreated).data.operations.map((o) => `${o.verb} ${o.target}`),
      ['GET /*', 'PUT /*', 'POST /*', 'DELETE /*', 'PATCH /*'],
    );
  });

  test('documents given at creation are added after the API', () => {
    const events = given(apiDecider)
      .when(create({ documents: [{ documentId: 'd1', isNew: true, name: 'Guide', type: 'HOWTO', sourceType: 'MARKDOWN', content: '# hi' }] }))
      .events();
    assert.deepEqual(events.map((e) => e.type), ['ApiCreated', 'ApiDocumentAdded']);
  });

  test('an API that already exists is refused', () => {
    given(apiDecider, [created]).when(create()).thenThrows('CONFLICT');
  });

  const bad: [string, Partial<CreateApi['data']>, RegExp][] = [
    ['context without leading slash', { context: 'pizzashack' }, /context/],
    ['context with a space', { context: '/pizza shack' }, /context/],
    ['context with trailing slash', { context: '/pizzashack/' }, /context/],
    ['context with ..', { context: '/a/../b' }, /context/],
    ['version with slash', { version: '1/0' }, /version/],
    ['empty version', { version: '' }, /version/],
    ['name with forbidden characters', { name: 'Pizza<script>' }, /name/],
    ['empty name', { name: '  ' }, /name/],
  ];
  for (const [what, over, field] of bad) {
    test(`refused: ${what}`, () => given(apiDecider).when(create(over)).thenThrows('BAD_USER_INPUT', field));
  }

  const badDefinition: [string, CreateApi['data']['definition'], RegExp][] = [
    ['unknown verb', { operations: [{ verb: 'FETCH', target: '/x' }] }, /verb/],
    ['URI template without slash', { operations: [{ verb: 'GET', target: 'menu' }] }, /target/],
    ['URI template with unbalanced brace', { operations: [{ verb: 'GET', target: '/menu/{id' }] }, /target/],
    ['wildcard in the middle', { operations: [{ verb: 'GET', target: '/*/x' }] }, /target/],
    ['duplicate operation', { operations: [{ verb: 'GET', target: '/a' }, { verb: 'get', target: '/a' }] }, /duplicate/],
    ['non-http endpoint', { endpoints: { production: 'ftp://x.example' } }, /endpoints.production/],
    ['endpoint with credentials', { endpoints: { production: 'https://u:p@x.example' } }, /credentials/],
    ['garbage endpoint', { endpoints: { sandbox: 'not a url' } }, /endpoints.sandbox/],
    ['unknown subscription tier', { subscriptionPolicies: ['Platinum'] }, /unknown tier "Platinum"/],
    ['no tier offered', { subscriptionPolicies: [] }, /subscriptionPolicies/],
    ['unknown API throttling policy', { apiThrottlingPolicy: '99PerMin' }, /unknown tier/],
    ['unknown resource throttling policy', { operations: [{ verb: 'GET', target: '/a', throttlingPolicy: 'nope' }] }, /unknown tier/],
    ['undeclared scope on an operation', { operations: [{ verb: 'GET', target: '/a', scopes: ['ghost'] }] }, /ghost/],
    ['unknown auth type', { operations: [{ verb: 'GET', target: '/a', authType: 'BASIC' }] }, /authType/],
    ['unknown security scheme', { securitySchemes: ['MTLS'] }, /securitySchemes/],
    ['RESTRICTED without roles', { visibility: 'RESTRICTED' }, /visibleRoles/],
    ['invalid scope name', { scopes: [{ name: 'has space' }] }, /scope/],
  ];
  for (const [what, definition, field] of badDefinition) {
    test(`refused: ${what}`, () => given(apiDecider).when(create({ definition })).thenThrows('BAD_USER_INPUT', field));
  }

  test('refused: a FILE document', () => {
    given(apiDecider)
      .when(create({ documents: [{ documentId: 'd1', isNew: true, name: 'F', type: 'HOWTO', sourceType: 'FILE' }] }))
      .thenThrows('BAD_USER_INPUT', /FILE/);
  });
});

describe('API: update', () => {
  test('changes only the given fields and records the whole definition', () => {
    const [e] = given(apiDecider, [created])
      .when({ type: 'UpdateApi', data: { apiId, definition: { description: 'Pizzas', tags: ['food'] }, knownTiers: known } })
      .events();
    assert.equal(e!.type, 'ApiUpdated');
    const { apiId: _a, name: _n, context: _c, version: _v, provider: _p, lifecycleStatus: _l, copiedFrom: _f, ...def } = created.data;
    assert.deepEqual(e!.data, { apiId, ...def, description: 'Pizzas', tags: ['food'] });
  });

  test('an update that changes nothing appends nothing', () => {
    given(apiDecider, [created]).when({ type: 'UpdateApi', data: { apiId, definition: { backendJwt: false }, knownTiers: known } }).thenNothing();
  });

  test('documents list replaces: new added, changed updated, missing removed', () => {
    const doc = { documentId: 'd1', name: 'Guide', type: 'HOWTO', sourceType: 'INLINE', content: 'a' } as const;
    const withDoc: ApiEvent[] = [
      created,
      { type: 'ApiDocumentAdded', data: { apiId, documentId: 'd1', name: 'Guide', type: 'HOWTO', otherTypeName: null, summary: null, sourceType: 'INLINE', sourceUrl: null, content: 'a', visibility: 'API_LEVEL' } },
      { type: 'ApiDocumentAdded', data: { apiId, documentId: 'd2', name: 'Old', type: 'HOWTO', otherTypeName: null, summary: null, sourceType: 'INLINE', sourceUrl: null, content: 'x', visibility: 'API_LEVEL' } },
    ];
    const events = given(apiDecider, withDoc)
      .when({
        type: 'UpdateApi',
        data: {
          apiId,
          definition: {},
          knownTiers: known,
          documents: [
            { ...doc, isNew: false, content: 'b' },
            { documentId: 'd3', isNew: true, name: 'Site', type: 'OTHER', otherTypeName: 'Web', sourceType: 'URL', sourceUrl: 'https://docs.example' },
          ],
        },
      })
      .events();
    assert.deepEqual(events.map((e) => [e.type, (e.data as { documentId: string }).documentId]), [
      ['ApiDocumentRemoved', 'd2'],
      ['ApiDocumentUpdated', 'd1'],
      ['ApiDocumentAdded', 'd3'],
    ]);
  });

  test('refused: updating a document that does not exist', () => {
    given(apiDecider, [created])
      .when({ type: 'UpdateApi', data: { apiId, definition: {}, knownTiers: known, documents: [{ documentId: 'zz', isNew: false, name: 'X', type: 'HOWTO', sourceType: 'INLINE' }] } })
      .thenThrows('NOT_FOUND');
  });

  test('refused: renaming', () => {
    given(apiDecider, [created]).when({ type: 'UpdateApi', data: { apiId, name: 'Other', definition: {}, knownTiers: known } }).thenThrows('BAD_USER_INPUT', /renamed/);
  });

  test('the same name is accepted', () => {
    given(apiDecider, [created]).when({ type: 'UpdateApi', data: { apiId, name: 'PizzaShack', definition: {}, knownTiers: known } }).thenNothing();
  });

  test('refused: unknown tier in an update', () => {
    given(apiDecider, [created])
      .when({ type: 'UpdateApi', data: { apiId, definition: { subscriptionPolicies: ['Diamond'] }, knownTiers: known } })
      .thenThrows('BAD_USER_INPUT', /Diamond/);
  });

  test('refused: editing a RETIRED API', () => {
    const retired: ApiEvent = { type: 'ApiLifecycleChanged', data: { apiId, action: 'RETIRE', from: 'DEPRECATED', to: 'RETIRED', checklist: null, causedBy: null } };
    given(apiDecider, [created, retired]).when({ type: 'UpdateApi', data: { apiId, definition: { description: 'x' }, knownTiers: known } }).thenThrows('INVALID_TRANSITION');
  });

  test('refused: unknown API', () => {
    given(apiDecider).when({ type: 'UpdateApi', data: { apiId, definition: {}, knownTiers: known } }).thenThrows('NOT_FOUND');
  });
});

describe('API: lifecycle', () => {
  test('PUBLISH from CREATED carries the check items', () => {
    given(apiDecider, [created])
      .when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'PUBLISH', deprecateOldVersions: true } })
      .then([{ type: 'ApiLifecycleChanged', data: { apiId, action: 'PUBLISH', from: 'CREATED', to: 'PUBLISHED', checklist: { deprecateOldVersions: true, requireResubscription: false }, causedBy: null } }]);
  });

  test('check items are not recorded outside CREATED/PROTOTYPED', () => {
    given(apiDecider, [created, lifecycle('CREATED', 'PUBLISHED')])
      .when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'DEPRECATE', deprecateOldVersions: true, causedBy: { apiId: 'x', version: '2' } } })
      .then([{ type: 'ApiLifecycleChanged', data: { apiId, action: 'DEPRECATE', from: 'PUBLISHED', to: 'DEPRECATED', checklist: null, causedBy: { apiId: 'x', version: '2' } } }]);
  });

  test('refused: an action the table does not allow', () => {
    given(apiDecider, [created]).when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'RETIRE' } }).thenThrows('INVALID_TRANSITION', /RETIRE is not allowed from CREATED/);
  });

  test('refused: publishing without any endpoint', () => {
    const noEndpoint: ApiCreated = { ...created, data: { ...created.data, endpoints: { production: null, sandbox: null } } };
    given(apiDecider, [noEndpoint]).when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'PUBLISH' } }).thenThrows('INVALID_TRANSITION', /endpoint/);
  });

  test('a prototype needs no endpoint', () => {
    const noEndpoint: ApiCreated = { ...created, data: { ...created.data, endpoints: { production: null, sandbox: null } } };
    assert.equal(given(apiDecider, [noEndpoint]).when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'DEPLOY_AS_PROTOTYPE' } }).events().length, 1);
  });

  test('refused: unknown API', () => {
    given(apiDecider).when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'PUBLISH' } }).thenThrows('NOT_FOUND');
  });
});

describe('API: delete', () => {
  test('an API without subscriptions is deleted', () => {
    given(apiDecider, [created])
      .when({ type: 'DeleteApi', data: { apiId, activeSubscriptions: 0 } })
      .then([{ type: 'ApiDeleted', data: { apiId, name: 'PizzaShack', context: '/pizzashack', version: '1.0.0' } }]);
  });

  test('refused while subscriptions exist', () => {
    given(apiDecider, [created]).when({ type: 'DeleteApi', data: { apiId, activeSubscriptions: 2 } }).thenThrows('CONFLICT', /2 subscription/);
  });

  test('a deleted API is gone for every command', () => {
    const deleted: ApiEvent = { type: 'ApiDeleted', data: { apiId, name: 'PizzaShack', context: '/pizzashack', version: '1.0.0' } };
    given(apiDecider, [created, deleted]).when({ type: 'DeleteApi', data: { apiId, activeSubscriptions: 0 } }).thenThrows('NOT_FOUND');
    given(apiDecider, [created, deleted]).when({ type: 'ChangeApiLifecycle', data: { apiId, action: 'PUBLISH' } }).thenThrows('NOT_FOUND');
    given(apiDecider, [created, deleted]).when(create()).thenThrows('CONFLICT');
  });
});

describe('API: backend hard limit (maxTps)', () => {
  const update = (maxTps: unknown): Parameters<typeof apiDecider.decide>[0] =>
    ({ type: 'UpdateApi', data: { apiId, definition: { maxTps } as never, knownTiers: known } });
  const withLimit = (maxTps: { production: number | null; sandbox: number | null }): ApiCreated => ({ type: 'ApiCreated', data: { ...created.data, maxTps } });

  test('accepted on create, per key type; an unset key type is null', () => {
    given(apiDecider)
      .when(create({ definition: { ...create().data.definition, maxTps: { production: 5 } } }))
      .then([withLimit({ production: 5, sandbox: null })]);
  });

  test('an API created without it carries no maxTps field (the event shape of older APIs)', () => {
    const [e] = given(apiDecider).when(create()).events();
    assert.equal('maxTps' in (e as ApiCreated).data, false);
  });

  test('set on update; an update giving one key type keeps the other', () => {
    const { name: _n, context: _c, version: _v, provider: _p, lifecycleStatus: _l, copiedFrom: _f, ...definition } = withLimit({ production: 10, sandbox: 2 }).data;
    given(apiDecider, [created]).when(update({ production: 10, sandbox: 2 })).then([{ type: 'ApiUpdated', data: definition }]);
    const [e] = given(apiDecider, [withLimit({ production: 10, sandbox: 2 })]).when(update({ sandbox: 3 })).events();
    assert.deepEqual(e!.type === 'ApiUpdated' && e.data.maxTps, { production: 10, sandbox: 3 });
  });

  test('null, or both key types null, removes the limit; the same value again changes nothing', () => {
    for (const clear of [null, { production: null, sandbox: null }]) {
      const [e] = given(apiDecider, [withLimit({ production: 5, sandbox: null })]).when(update(clear)).events();
      assert.equal(e!.type, 'ApiUpdated');
      assert.equal('maxTps' in e!.data, false, JSON.stringify(clear));
    }
    given(apiDecider, [withLimit({ production: 5, sandbox: null })]).when(update({ production: 5 })).thenNothing();
    given(apiDecider, [created]).when(update(null)).thenNothing();
  });

  test('an old API (no maxTps in its events) updated without it appends nothing new', () => {
    given(apiDecider, [created]).when({ type: 'UpdateApi', data: { apiId, definition: { description: null }, knownTiers: known } }).thenNothing();
  });

  test('zero, negative, fractional, above 1e6 or not a number: BAD_USER_INPUT naming the field, on create and update', () => {
    for (const bad of [0, -1, 1.5, 1_000_001, Number.NaN, '5']) {
      given(apiDecider).when(create({ definition: { ...create().data.definition, maxTps: { production: bad as number } } })).thenThrows('BAD_USER_INPUT', /maxTps\.production/);
      given(apiDecider, [created]).when(update({ sandbox: bad })).thenThrows('BAD_USER_INPUT', /maxTps\.sandbox/);
    }
    const [ok] = given(apiDecider, [created]).when(update({ production: 1_000_000, sandbox: 1 })).events();
    assert.deepEqual(ok!.type === 'ApiUpdated' && ok.data.maxTps, { production: 1_000_000, sandbox: 1 }, 'the bounds themselves are accepted');
  });
});
