import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cachedUserAgentParser, parseUserAgent } from './user-agent.ts';

test('browsers, tools and platforms are recognised from common User-Agent headers', () => {
  const cases: [string | null, string, string][] = [
    ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36 Edg/124.0', 'Edge', 'Windows'],
    ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15', 'Safari', 'macOS'],
    ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36', 'Chrome', 'Android'],
    ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/125.0 Mobile/15E148', 'Firefox', 'iOS'],
    ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox', 'Linux'],
    ['curl/8.5.0', 'curl', 'Other'],
    ['PostmanRuntime/7.37.3', 'PostmanRuntime', 'Other'],
    ['python-requests/2.31.0', 'Python', 'Other'],
    ['okhttp/4.12.0', 'OkHttp', 'Other'],
    ['Go-http-client/1.1', 'Go', 'Other'],
    ['something-else/1.0', 'Other', 'Other'],
    [null, 'Unknown', 'Other'],
  ];
  for (const [ua, agent, platform] of cases) assert.deepEqual(parseUserAgent(ua), { agent, platform }, String(ua));
});

test('the cached parser answers like the plain one and stays bounded', () => {
  const parse = cachedUserAgentParser(2);
  for (const ua of ['curl/1', 'curl/2', 'curl/3', 'curl/1']) assert.deepEqual(parse(ua), parseUserAgent(ua));
});
