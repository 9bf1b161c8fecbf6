// ApiCreated schemaVersion 1 carried one backend URL (`endpoint: string`); version 2 carries
// `endpoints {production, sandbox}` as WSO2's endpointConfig does. Old events are read as v2.
import { registerUpcaster } from '../upcasting.ts';

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** v1 → v2: `endpoint` becomes the production endpoint; there was no sandbox. */
export function apiCreatedV1toV2(data: unknown): unknown {
  if (!isRecord(data)) return data;
  const { endpoint, ...rest } = data;
  return { ...rest, endpoints: { production: typeof endpoint === 'string' ? endpoint : null, sandbox: null } };
}

registerUpcaster({ type: 'ApiCreated', fromVersion: 1, up: apiCreatedV1toV2 });
