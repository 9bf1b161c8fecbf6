// Snapshot of the alert engine (learned baselines, active alerts, suppression), saved with the
// analytics view so a restart neither forgets its baselines nor raises an active alert twice.
import { alertConfig, type AlertConfig, type AlertConfigInput } from './config.ts';
import type { AlertEngine } from './engine.ts';
import type { Tracker } from './tracker.ts';

interface EngineJson {
  version: 1;
  config: AlertConfig;
  judgedBefore: number | null;
  trackers: [string, Tracker][];
  responseBaseline: [string, number[][]][];
  backendBaseline: [string, number[][]][];
  requestRates: [string, number[]][];
  throttles: [string, number[]][];
  clientIps: [string, number, [string, number][]][];
}

const sorted = <V>(m: Map<string, V>): [string, V][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function serializeAlertEngine(engine: AlertEngine): string {
  const d = engine.detectors;
  const json: EngineJson = {
    version: 1,
    config: engine.config,
    judgedBefore: engine.judgedBefore,
    trackers: sorted(engine.trackers),
    responseBaseline: sorted(d.responseBaseline).map(([k, ring]) => [k, ring.map((h) => [...h])]),
    backendBaseline: sorted(d.backendBaseline).map(([k, ring]) => [k, ring.map((h) => [...h])]),
    requestRates: sorted(d.requestRates),
    throttles: sorted(d.throttles),
    // Known IPs keep their recency order (it decides which IP is forgotten first).
    clientIps: sorted(d.clientIps).map(([k, s]) => [k, s.firstSeen, [...s.known]]),
  };
  return JSON.stringify(json);
}

/** `config`, when given, replaces the saved tuning (defaults + these settings). */
export function restoreAlertEngine(data: string | Buffer, config?: AlertConfigInput): AlertEngine {
  const j = JSON.parse(data.toString()) as EngineJson;
  if (j.version !== 1) throw new Error(`alert engine snapshot version ${String(j.version)} is not 1`);
  return {
    config: alertConfig(config ?? j.config),
    judgedBefore: j.judgedBefore,
    trackers: new Map(j.trackers),
    detectors: {
      responseBaseline: new Map(j.responseBaseline),
      backendBaseline: new Map(j.backendBaseline),
      requestRates: new Map(j.requestRates),
      throttles: new Map(j.throttles),
      clientIps: new Map(j.clientIps.map(([k, firstSeen, known]) => [k, { firstSeen, known: new Map(known) }])),
    },
  };
}
