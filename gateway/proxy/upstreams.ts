// Backends by endpoint URL: one undici Pool per origin (keep-alive, bounded connections,
// connect/headers/body timeouts), shared by every API pointing at that origin. Endpoint URLs
// are parsed once; the base path is joined with the request's resource path per request.
import { Pool } from 'undici';

export interface UpstreamOptions {
  connections: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  keepAliveTimeoutMs: number;
}

export interface Upstream {
  /** The endpoint URL as the API defines it. */
  url: string;
  origin: string;
  /** Path of the endpoint without a trailing slash ('' for the root). */
  basePath: string;
  /** The endpoint's own query string (without `?`), merged before the request's; '' if none. */
  baseQuery: string;
  pool: Pool;
}

export class Upstreams {
  private readonly byUrl = new Map<string, Upstream | null>();
  private readonly pools = new Map<string, Pool>();

  constructor(private readonly options: UpstreamOptions) {}

  /** The upstream for an endpoint URL, or null when the URL is not a usable http(s) URL. */
  get(url: string): Upstream | null {
    const known = this.byUrl.get(url);
    if (known !== undefined) return known;
    const upstream = this.create(url);
    this.byUrl.set(url, upstream);
    return upstream;
  }

  private create(url: string): Upstream | null {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return null;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return null;
    let pool = this.pools.get(parsed.origin);
    if (!pool) {
      const o = this.options;
      pool = new Pool(parsed.origin, {
        connections: o.connections,
        pipelining: 1,
        keepAliveTimeout: o.keepAliveTimeoutMs,
        connectTimeout: o.connectTimeoutMs,
        headersTimeout: o.headersTimeoutMs,
        bodyTimeout: o.bodyTimeoutMs,
      });
      this.pools.set(parsed.origin, pool);
    }
    const basePath = parsed.pathname === '/' ? '' : parsed.pathname.replace(/\/+$/, '');
    return { url, origin: parsed.origin, basePath, baseQuery: parsed.search.slice(1), pool };
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    this.byUrl.clear();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }
}
