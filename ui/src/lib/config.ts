// Where the gateway answers, for the URLs shown to developers and the try-it console. The
// control plane says so in the public `config` query (the address its gateway listens on, or
// GATEHOUSE_GATEWAY_URL); until that answer arrives, or when the server knows no gateway, the
// portal assumes this host at port 8280. A person may still override it (kept in localStorage).
import { useSyncExternalStore } from 'react';
import { CONFIG } from './documents.ts';
import { gql } from './graphql.ts';

const KEY = 'gatehouse.gatewayUrl';
const DEFAULT_GATEWAY_PORT = 8280;

export interface ServerConfig {
  gatewayUrl: string | null;
  issuer: string;
  tokenEndpoint: string;
  version: string;
}

let server: ServerConfig | null = null;
let loading: Promise<ServerConfig | null> | null = null;
const listeners = new Set<() => void>();
const changed = () => listeners.forEach((l) => l());

/** Asks the control plane once (retried on the next call after a failure). */
export function loadServerConfig(): Promise<ServerConfig | null> {
  loading ??= gql<{ config: ServerConfig }>(CONFIG).then(
    (d) => {
      server = d.config;
      changed();
      return server;
    },
    () => {
      loading = null;
      return null;
    },
  );
  return loading;
}

export const serverConfig = (): ServerConfig | null => server;

/** The gateway URL the server reports, else the guess. */
export function defaultGatewayUrl(): string {
  return server?.gatewayUrl ?? `${location.protocol}//${location.hostname}:${DEFAULT_GATEWAY_PORT}`;
}

export function gatewayUrl(): string {
  return localStorage.getItem(KEY) || defaultGatewayUrl();
}

export function setGatewayUrl(url: string): void {
  const trimmed = url.trim().replace(/\/+$/, '');
  if (!trimmed || trimmed === defaultGatewayUrl()) localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, trimmed);
  changed();
}

function onChange(listener: () => void): () => void {
  listeners.add(listener);
  void loadServerConfig();
  return () => listeners.delete(listener);
}

/** The gateway URL, re-rendering when the server's answer arrives or the override changes. */
export function useGatewayUrl(): string {
  return useSyncExternalStore(onChange, gatewayUrl);
}

/** Gateway URLs of an API: versioned, and unversioned when it is the default version. */
export function invocationUrls(base: string, api: { context: string; version: string; isDefaultVersion: boolean }): string[] {
  const context = api.context.startsWith('/') ? api.context : `/${api.context}`;
  const urls = [`${base}${context}/${api.version}`];
  if (api.isDefaultVersion) urls.push(`${base}${context}`);
  return urls;
}
