import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileKeyTemplate } from './custom-keys.ts';

test('key templates split into literals and WSO2 variables ($appTenant is not $appId + "Tenant")', () => {
  assert.deepEqual(compileKeyTemplate('$apiContext:$apiVersion:$userId'), [{ variable: '$apiContext' }, ':', { variable: '$apiVersion' }, ':', { variable: '$userId' }]);
  assert.deepEqual(compileKeyTemplate('ip-$clientIp-$appTenant'), ['ip-', { variable: '$clientIp' }, '-', { variable: '$appTenant' }]);
  assert.deepEqual(compileKeyTemplate('$unknown'), ['$unknown']);
});
