// First start (and every start, idempotently): WSO2 default policies, the admin user and a
// signing key, then wait until the views and the key ring hold them.
import type { Logger } from 'pino';
import type { Gatehouse } from '../domain/services/gatehouse.ts';
import type { KeyRing } from '../api/oauth/keyring.ts';
import type { ProjectionRunner } from '../projections/runner.ts';

export interface BootstrapOutcome {
  /** Only when this start chose the admin password: print it once, store it nowhere. */
  generatedAdminPassword: string | null;
}

export async function bootstrap(deps: {
  gatehouse: Gatehouse;
  runner: ProjectionRunner;
  ring: KeyRing;
  adminPassword: string | undefined;
  logger: Logger;
}): Promise<BootstrapOutcome> {
  const r = await deps.gatehouse.bootstrap({ adminPassword: deps.adminPassword ?? null });
  await deps.runner.waitForPosition(r.position, 30_000);
  // The ring follows the runner, so once the views hold the bootstrap it holds the key too.
  if (!deps.ring.keys().some((k) => k.kid === r.signingKeyKid && k.status === 'CURRENT')) {
    throw new Error(`signing key ${r.signingKeyKid} is not the key ring's current key after bootstrap`);
  }
  deps.logger.info({ adminCreated: r.adminCreated, policiesSeeded: r.policiesSeeded, signingKey: r.signingKeyKid, position: r.position.toString() }, 'bootstrap done');
  return { generatedAdminPassword: r.generatedAdminPassword };
}
