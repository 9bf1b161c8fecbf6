import { describe, test } from 'node:test';
import { given } from '../testing.ts';
import { applicationDecider, type CreateApplication, type UpdateKeys } from './decider.ts';
import type { ApplicationEvent } from './events.ts';

const applicationId = 'app-1';
const tiers = ['Unlimited', '10PerMin'];
const hashA = 'a'.repeat(64);
const hashB = 'b'.repeat(64);

const create = (over: Partial<CreateApplication['data']> = {}): CreateApplication => ({
  type: 'CreateApplication',
  data: { applicationId, name: 'My App', owner: 'bob', knownTiers: tiers, ...over },
});
const created: ApplicationEvent = {
  type: 'ApplicationCreated',
  data: { applicationId, name: 'My App', owner: 'bob', throttlingPolicy: 'Unlimited', description: null, attributes: {}, status: 'APPROVED', tokenType: 'JWT' },
};
const keys: ApplicationEvent = {
  type: 'ApplicationKeysGenerated',
  data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'ck1', secretHash: hashA, grantTypes: ['client_credentials'], tokenValiditySeconds: null },
};
const apiKey: ApplicationEvent = {
  type: 'ApiKeyIssued',
  data: { applicationId, jti: 'j1', keyType: 'PRODUCTION', exp: 2_000_000_000, permittedIPs: [], permittedReferers: [] },
};
const deleted: ApplicationEvent = { type: 'ApplicationDeleted', data: { applicationId, name: 'My App', owner: 'bob' } };

describe('Application: create / update / delete', () => {
  test('created with the Unlimited tier by default', () => given(applicationDecider).when(create()).then([created]));

  test('created with a chosen tier, description and attributes', () => {
    given(applicationDecider)
      .when(create({ throttlingPolicy: '10PerMin', description: 'd', attributes: { team: 'x', n: 3 } }))
      .then([{ ...created, data: { ...created.data, throttlingPolicy: '10PerMin', description: 'd', attributes: { team: 'x', n: '3' } } } as ApplicationEvent]);
  });

  test('refused: unknown tier', () => given(applicationDecider).when(create({ throttlingPolicy: '99PerMin' })).thenThrows('BAD_USER_INPUT', /unknown tier/));
  test('refused: invalid name', () => given(applicationDecider).when(create({ name: 'a/b' })).thenThrows('BAD_USER_INPUT', /name/));
  test('refused: empty name', () => given(applicationDecider).when(create({ name: '' })).thenThrows('BAD_USER_INPUT', /name/));
  test('refused: non-scalar attribute', () => given(applicationDecider).when(create({ attributes: { a: { b: 1 } } })).thenThrows('BAD_USER_INPUT', /attributes/));
  test('refused: already exists', () => given(applicationDecider, [created]).when(create()).thenThrows('CONFLICT'));

  test('update records the resulting fields', () => {
    given(applicationDecider, [created])
      .when({ type: 'UpdateApplication', data: { applicationId, name: 'Renamed', throttlingPolicy: '10PerMin', knownTiers: tiers } })
      .then([{ type: 'ApplicationUpdated', data: { applicationId, name: 'Renamed', throttlingPolicy: '10PerMin', description: null, attributes: {} } }]);
  });
  test('update without changes appends nothing', () => {
    given(applicationDecider, [created]).when({ type: 'UpdateApplication', data: { applicationId, name: 'My App', knownTiers: tiers } }).thenNothing();
  });
  test('refused: update to an unknown tier', () => {
    given(applicationDecider, [created]).when({ type: 'UpdateApplication', data: { applicationId, throttlingPolicy: 'Gold', knownTiers: tiers } }).thenThrows('BAD_USER_INPUT');
  });
  test('refused: update of a missing application', () => {
    given(applicationDecider).when({ type: 'UpdateApplication', data: { applicationId, knownTiers: tiers } }).thenThrows('NOT_FOUND');
  });

  test('delete', () => given(applicationDecider, [created]).when({ type: 'DeleteApplication', data: { applicationId } }).then([deleted]));
  test('refused: delete twice', () => given(applicationDecider, [created, deleted]).when({ type: 'DeleteApplication', data: { applicationId } }).thenThrows('NOT_FOUND'));
});

describe('Application: OAuth keys', () => {
  test('keys per key type with only the secret hash; default grant types', () => {
    given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'SANDBOX', consumerKey: 'ck2', secretHash: hashB } })
      .then([{ type: 'ApplicationKeysGenerated', data: { applicationId, keyType: 'SANDBOX', consumerKey: 'ck2', secretHash: hashB, grantTypes: ['client_credentials', 'password', 'refresh_token'], tokenValiditySeconds: null } }]);
  });
  test('refused: keys for a key type that has them already', () => {
    given(applicationDecider, [created, keys])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'ck3', secretHash: hashB } })
      .thenThrows('CONFLICT', /regenerate/);
  });
  test('refused: unknown key type', () => {
    given(applicationDecider, [created]).when({ type: 'GenerateKeys', data: { applicationId, keyType: 'TEST', consumerKey: 'c', secretHash: hashA } }).thenThrows('BAD_USER_INPUT', /keyType/);
  });
  test('refused: unknown grant type', () => {
    given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'c', secretHash: hashA, grantTypes: ['implicit'] } })
      .thenThrows('BAD_USER_INPUT', /grantTypes/);
  });
  test('refused: a secret in clear instead of its hash', () => {
    given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'c', secretHash: 'my-plain-secret' } })
      .thenThrows('BAD_USER_INPUT', /SHA-256/);
  });
  test('refused: token validity out of range', () => {
    given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'c', secretHash: hashA, tokenValiditySeconds: 5 } })
      .thenThrows('BAD_USER_INPUT', /tokenValiditySeconds/);
  });
  test('authorization_code keys record their callback URL (the redirect URI)', () => {
    given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'SANDBOX', consumerKey: 'ck2', secretHash: hashB, grantTypes: ['authorization_code'], callbackUrl: 'https://app.example/cb?x=1' } })
      .then([{ type: 'ApplicationKeysGenerated', data: { applicationId, keyType: 'SANDBOX', consumerKey: 'ck2', secretHash: hashB, grantTypes: ['authorization_code'], tokenValiditySeconds: null, callbackUrl: 'https://app.example/cb?x=1' } }]);
  });
  test('refused: authorization_code without a callback URL; a callback URL with a fragment, credentials or another scheme', () => {
    const generate = (callbackUrl: string | null) => given(applicationDecider, [created])
      .when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'c', secretHash: hashA, grantTypes: ['authorization_code'], callbackUrl } });
    generate(null).thenThrows('BAD_USER_INPUT', /callbackUrl: is required/);
    generate('https://app.example/cb#frag').thenThrows('BAD_USER_INPUT', /fragment/);
    generate('https://u:p@app.example/cb').thenThrows('BAD_USER_INPUT', /credentials/);
    generate('javascript:alert(1)').thenThrows('BAD_USER_INPUT', /http or https/);
  });
  test('refused: keys for a deleted application', () => {
    given(applicationDecider, [created, deleted]).when({ type: 'GenerateKeys', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'c', secretHash: hashA } }).thenThrows('NOT_FOUND');
  });
  test('secret regeneration keeps the consumer key, records the new hash', () => {
    given(applicationDecider, [created, keys])
      .when({ type: 'RegenerateSecret', data: { applicationId, keyType: 'PRODUCTION', secretHash: hashB } })
      .then([{ type: 'ApplicationSecretRegenerated', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'ck1', secretHash: hashB } }]);
  });
  test('refused: regenerating a secret for a key type without keys', () => {
    given(applicationDecider, [created, keys]).when({ type: 'RegenerateSecret', data: { applicationId, keyType: 'SANDBOX', secretHash: hashB } }).thenThrows('NOT_FOUND');
  });
});

describe('Application: updating OAuth keys', () => {
  const update = (over: Partial<UpdateKeys['data']> = {}): UpdateKeys => ({ type: 'UpdateKeys', data: { applicationId, keyType: 'PRODUCTION', ...over } });
  const updated = (data: Omit<Extract<ApplicationEvent, { type: 'ApplicationKeysUpdated' }>['data'], 'applicationId' | 'keyType'>): ApplicationEvent =>
    ({ type: 'ApplicationKeysUpdated', data: { applicationId, keyType: 'PRODUCTION', ...data } });
  const withCallback = updated({ grantTypes: ['authorization_code', 'refresh_token'], callbackUrl: 'https://app.example/cb' });

  test('adds authorization_code with a callback URL and sets the validity: only the changed fields are recorded', () => {
    given(applicationDecider, [created, keys])
      .when(update({ grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'], callbackUrl: 'https://app.example/cb', tokenValiditySeconds: 900 }))
      .then([updated({ grantTypes: ['client_credentials', 'authorization_code', 'refresh_token'], tokenValiditySeconds: 900, callbackUrl: 'https://app.example/cb' })]);
  });
  test('fields left out stay as they are (the recorded callback URL satisfies authorization_code)', () => {
    given(applicationDecider, [created, keys, withCallback]).when(update({ tokenValiditySeconds: 120 })).then([updated({ tokenValiditySeconds: 120 })]);
    given(applicationDecider, [created, keys, withCallback]).when(update({ grantTypes: ['authorization_code'] })).then([updated({ grantTypes: ['authorization_code'] })]);
  });
  test('no change appends nothing (same values, grant types in another order, or no fields at all)', () => {
    given(applicationDecider, [created, keys]).when(update()).thenNothing();
    given(applicationDecider, [created, keys]).when(update({ grantTypes: ['client_credentials'], tokenValiditySeconds: null, callbackUrl: null })).thenNothing();
    given(applicationDecider, [created, keys, withCallback])
      .when(update({ grantTypes: ['refresh_token', 'authorization_code', 'refresh_token'], callbackUrl: 'https://app.example/cb' })).thenNothing();
  });
  test('callbackUrl: null clears it (and tokenValiditySeconds: null returns to the server default)', () => {
    const later = updated({ grantTypes: ['client_credentials'], tokenValiditySeconds: 600 });
    given(applicationDecider, [created, keys, withCallback, later])
      .when(update({ callbackUrl: null, tokenValiditySeconds: null }))
      .then([updated({ tokenValiditySeconds: null, callbackUrl: null })]);
    // Once cleared, authorization_code needs a callback URL again: the state no longer holds one.
    const cleared = updated({ callbackUrl: null });
    given(applicationDecider, [created, keys, withCallback, later, cleared])
      .when(update({ grantTypes: ['authorization_code'] }))
      .thenThrows('BAD_USER_INPUT', /callbackUrl: is required/);
  });
  test('refused: authorization_code without a callback URL, or clearing the callback URL it needs', () => {
    given(applicationDecider, [created, keys]).when(update({ grantTypes: ['authorization_code'] })).thenThrows('BAD_USER_INPUT', /callbackUrl: is required/);
    given(applicationDecider, [created, keys, withCallback]).when(update({ callbackUrl: null })).thenThrows('BAD_USER_INPUT', /callbackUrl: is required/);
    given(applicationDecider, [created, keys, withCallback]).when(update({ callbackUrl: '  ' })).thenThrows('BAD_USER_INPUT', /callbackUrl: is required/);
  });
  test('refused: invalid values, as generateKeys refuses them', () => {
    given(applicationDecider, [created, keys]).when(update({ grantTypes: ['implicit'] })).thenThrows('BAD_USER_INPUT', /grantTypes/);
    given(applicationDecider, [created, keys]).when(update({ grantTypes: [] })).thenThrows('BAD_USER_INPUT', /grantTypes/);
    given(applicationDecider, [created, keys]).when(update({ tokenValiditySeconds: 5 })).thenThrows('BAD_USER_INPUT', /tokenValiditySeconds/);
    given(applicationDecider, [created, keys]).when(update({ callbackUrl: 'https://app.example/cb#frag' })).thenThrows('BAD_USER_INPUT', /fragment/);
    given(applicationDecider, [created, keys]).when(update({ keyType: 'TEST' })).thenThrows('BAD_USER_INPUT', /keyType/);
  });
  test('refused: no keys of that type, or a deleted application', () => {
    given(applicationDecider, [created, keys]).when(update({ keyType: 'SANDBOX', tokenValiditySeconds: 900 })).thenThrows('NOT_FOUND', /SANDBOX keys/);
    given(applicationDecider, [created, keys, deleted]).when(update({ tokenValiditySeconds: 900 })).thenThrows('NOT_FOUND');
  });
  test('the consumer key and secret hash stay: a secret regeneration afterwards names the same consumer key', () => {
    given(applicationDecider, [created, keys, withCallback])
      .when({ type: 'RegenerateSecret', data: { applicationId, keyType: 'PRODUCTION', secretHash: hashB } })
      .then([{ type: 'ApplicationSecretRegenerated', data: { applicationId, keyType: 'PRODUCTION', consumerKey: 'ck1', secretHash: hashB } }]);
  });
});

describe('Application: API keys', () => {
  test('issued with normalised IP restrictions', () => {
    given(applicationDecider, [created])
      .when({ type: 'IssueApiKey', data: { applicationId, jti: 'j1', keyType: 'PRODUCTION', exp: 2_000_000_000, permittedIPs: ['10.0.0.0/8', ' 192.168.1.5', '::1'], permittedReferers: ['*.example.com'] } })
      .then([{ type: 'ApiKeyIssued', data: { applicationId, jti: 'j1', keyType: 'PRODUCTION', exp: 2_000_000_000, permittedIPs: ['10.0.0.0/8', '192.168.1.5', '::1'], permittedReferers: ['*.example.com'] } }]);
  });
  test('refused: invalid permitted IP', () => {
    given(applicationDecider, [created]).when({ type: 'IssueApiKey', data: { applicationId, jti: 'j', keyType: 'PRODUCTION', exp: null, permittedIPs: ['300.1.1.1'] } }).thenThrows('BAD_USER_INPUT', /permittedIPs/);
    given(applicationDecider, [created]).when({ type: 'IssueApiKey', data: { applicationId, jti: 'j', keyType: 'PRODUCTION', exp: null, permittedIPs: ['10.0.0.0/99'] } }).thenThrows('BAD_USER_INPUT', /permittedIPs/);
  });
  test('refused: negative expiry', () => {
    given(applicationDecider, [created]).when({ type: 'IssueApiKey', data: { applicationId, jti: 'j', keyType: 'PRODUCTION', exp: -5 } }).thenThrows('BAD_USER_INPUT', /exp/);
  });
  test('revoked by jti, carrying its expiry', () => {
    given(applicationDecider, [created, apiKey])
      .when({ type: 'RevokeApiKey', data: { applicationId, jti: 'j1' } })
      .then([{ type: 'ApiKeyRevoked', data: { applicationId, jti: 'j1', exp: 2_000_000_000 } }]);
  });
  test('revoking twice appends nothing', () => {
    const revoked: ApplicationEvent = { type: 'ApiKeyRevoked', data: { applicationId, jti: 'j1', exp: 2_000_000_000 } };
    given(applicationDecider, [created, apiKey, revoked]).when({ type: 'RevokeApiKey', data: { applicationId, jti: 'j1' } }).thenNothing();
  });
  test('refused: revoking an unknown key', () => {
    given(applicationDecider, [created]).when({ type: 'RevokeApiKey', data: { applicationId, jti: 'nope' } }).thenThrows('NOT_FOUND');
  });
});
