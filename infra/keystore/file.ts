// Private signing keys on disk, never in the log (ARCHITECTURE rule 5): one JWK per file in
// `<dataDir>/keys/<kid>.json`, directory 0700, files 0600, written atomically (temp + rename).
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { conflict, invalidInput } from '../../domain/errors.ts';
import type { KeyStore } from '../../domain/ports.ts';

export interface FileKeyStoreOptions {
  dataDir: string;
}

/** Key ids become file names: keep them to a safe alphabet (JWK thumbprints and uuids fit). */
const KID = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;

function checkKid(kid: string): void {
  if (typeof kid !== 'string' || !KID.test(kid) || kid.includes('..')) {
    throw invalidInput('a key id must be 1-128 characters of A-Z a-z 0-9 . _ - (no "..")', { kid: String(kid) });
  }
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function openFileKeyStore(options: FileKeyStoreOptions): KeyStore & { readonly dir: string } {
  const dir = join(options.dataDir, 'keys');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const fileOf = (kid: string) => join(dir, `${kid}.json`);

  function read(kid: string): Record<string, unknown> | undefined {
    try {
      return JSON.parse(readFileSync(fileOf(kid), 'utf8')) as Record<string, unknown>;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  return {
    dir,

    async putPrivateKey(kid, privateJwk) {
      checkKid(kid);
      if (!privateJwk || typeof privateJwk !== 'object' || typeof privateJwk.kty !== 'string') {
        throw invalidInput('a private key must be a JWK object with a "kty"', { kid });
      }
      const existing = read(kid);
      if (existing) {
        if (sameJson(existing, privateJwk)) return;
        throw conflict(`a different private key is already stored under key id ${kid}`, { kid });
      }
      const temp = join(dir, `.${kid}.${randomBytes(6).toString('hex')}.tmp`);
      const fd = openSync(temp, 'wx', 0o600);
      try {
        writeSync(fd, JSON.stringify(privateJwk));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      try {
        renameSync(temp, fileOf(kid));
      } catch (e) {
        rmSync(temp, { force: true });
        throw e;
      }
      const dirFd = openSync(dir, 'r');
      try {
        fsyncSync(dirFd);
      } finally {
        closeSync(dirFd);
      }
    },

    async getPrivateKey(kid) {
      checkKid(kid);
      return read(kid);
    },
  };
}
