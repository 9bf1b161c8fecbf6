// Unit-test support for the phases (test code only): a Gateway over a map built from domain
// events, and request contexts over stand-ins for node's request and response that record
// what a phase wrote.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import pino from 'pino';
import type { GatehouseEvent } from '../../domain/events.ts';
import { createMemoryRequestStream } from '../../infra/bus/memory-request-stream.ts';
import { gatewayMapProjection } from '../../projections/gateway-map/projection.ts';
import { recorded } from '../../projections/gateway-map/fixtures.ts';
import type { GatewayMapView } from '../../projections/gateway-map/view.ts';
import { RequestContext } from '../context.ts';
import { staticMapSource } from '../map-source.ts';
import { BackendJwtSigner } from '../mediation/backend-jwt.ts';
import { Upstreams } from '../proxy/upstreams.ts';
import { Gateway, type GatewayConfig } from '../runtime.ts';

export interface RecordedResponse {
  status: number | null;
  headers: string[];
  body: Buffer | null;
}

export function mapOf(events: GatehouseEvent[]): GatewayMapView {
  return recorded(events).reduce(gatewayMapProjection.apply, gatewayMapProjection.initialView());
}

export function testGateway(view: GatewayMapView, config: Partial<GatewayConfig> = {}): Gateway {
  return new Gateway({
    config: {
      gatewayId: 'test',
      issuer: 'https://issuer.test',
      audience: 'gatehouse-gateway',
      clockToleranceS: 0,
      maxTokenLength: 8192,
      maxUrlLength: 8192,
      maxBodyBytes: 1024,
      trustForwardedFor: false,
      backendJwtHeader: 'x-jwt-assertion',
      customKeyTemplates: [],
      reportThrottleHits: false,
      localQuotaGateways: 1,
      ...config,
    },
    source: staticMapSource(view),
    requestStream: createMemoryRequestStream(),
    upstreams: new Upstreams({ connections: 1, connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100, keepAliveTimeoutMs: 100 }),
    backendJwt: new BackendJwtSigner({ issuer: 'wso2.org/products/am', ttlSeconds: 900 }),
    logger: pino({ level: 'silent' }),
  });
}

export function testContext(gw: Gateway, method: string, url: string, headers: IncomingHttpHeaders = {}, clientIp = '127.0.0.1'): { ctx: RequestContext; response: RecordedResponse } {
  const response: RecordedResponse = { status: null, headers: [], body: null };
  const req = { url, method, headers, socket: { remoteAddress: clientIp } } as unknown as IncomingMessage;
  const res: { headersSent: boolean; destroyed: boolean; statusCode: number; writeHead(status: number, h: string[]): unknown; end(body?: Buffer): void } = {
    headersSent: false,
    destroyed: false,
    statusCode: 200,
    writeHead(status, h) {
      response.status = status;
      response.headers = h;
      res.statusCode = status;
      res.headersSent = true;
      return res;
    },
    end(body) {
      response.body = body ?? null;
    },
  };
  const q = url.indexOf('?');
  const ctx = new RequestContext(gw, req, res as unknown as ServerResponse, gw.currentView(), q < 0 ? url.length : q, 'corr-1', clientIp);
  return { ctx, response };
}

/** The value of a header in a flat [name, value, …] list. */
export function header(headers: string[], name: string): string | undefined {
  for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === name) return headers[i + 1];
  return undefined;
}
