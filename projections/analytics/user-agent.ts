// Client family and platform (OS) from a User-Agent header, for the "devices" view WSO2's
// analytics show. A small ordered rule list, not a full UA database: unknown agents count as
// "Other". Results are cached per distinct header (bounded) because agents repeat heavily.

export interface ClientAgent {
  /** Browser or tool family, e.g. "Chrome", "curl", "PostmanRuntime". */
  agent: string;
  /** Operating system, e.g. "Windows", "macOS", "Android"; "Other" when not stated. */
  platform: string;
}

// Order matters: Edge and Opera also say "Chrome"; Chrome also says "Safari"; iOS says "Mac OS X".
const AGENTS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bEdg(e|A|iOS)?\//, 'Edge'],
  [/\bOPR\/|\bOpera\b/, 'Opera'],
  [/\bSamsungBrowser\//, 'Samsung Internet'],
  [/\bFirefox\/|\bFxiOS\//, 'Firefox'],
  [/\bChrome\/|\bCriOS\//, 'Chrome'],
  [/\bSafari\//, 'Safari'],
  [/\bPostmanRuntime\//, 'PostmanRuntime'],
  [/^curl\//, 'curl'],
  [/^Wget\//, 'Wget'],
  [/^python-requests\/|^python-urllib|^aiohttp\//i, 'Python'],
  [/^okhttp\//i, 'OkHttp'],
  [/^Go-http-client\//, 'Go'],
  [/^Java\/|^Apache-HttpClient\//, 'Java'],
  [/^node-fetch|^undici|^axios\/|^node\b/i, 'Node.js'],
  [/^insomnia\//i, 'Insomnia'],
  [/bot\b|crawler|spider/i, 'Bot'],
];

const PLATFORMS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bAndroid\b/, 'Android'],
  [/\biPhone\b|\biPad\b|\biPod\b|\biOS\b/, 'iOS'],
  [/\bCrOS\b/, 'ChromeOS'],
  [/\bWindows\b/, 'Windows'],
  [/\bMac OS X\b|\bMacintosh\b|\bDarwin\b/, 'macOS'],
  [/\bLinux\b|\bUbuntu\b|\bFedora\b/, 'Linux'],
];

const UNKNOWN: ClientAgent = { agent: 'Unknown', platform: 'Other' };

export function parseUserAgent(ua: string | null): ClientAgent {
  if (!ua) return UNKNOWN;
  const agent = AGENTS.find(([re]) => re.test(ua))?.[1] ?? 'Other';
  const platform = PLATFORMS.find(([re]) => re.test(ua))?.[1] ?? 'Other';
  return { agent, platform };
}

/** parseUserAgent behind a cache of `cap` headers (cleared whole when full: bounded, deterministic). */
export function cachedUserAgentParser(cap = 2_000): (ua: string | null) => ClientAgent {
  const cache = new Map<string, ClientAgent>();
  return (ua) => {
    if (!ua) return UNKNOWN;
    let hit = cache.get(ua);
    if (hit) return hit;
    hit = parseUserAgent(ua);
    if (cache.size >= cap) cache.clear();
    cache.set(ua, hit);
    return hit;
  };
}
