// Running `gatehouse` as a user would, from the tests: the CLI in a child process (tsx loader),
// from the repository root, without colours; and a data dir holding the catalog story's events.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqliteEventStore } from '../../infra/eventstore/sqlite.ts';
import { writeStory } from '../../projections/catalog/story.fixture.ts';

export const repoRoot = new URL('../..', import.meta.url).pathname;

/** `gatehouse <args>` to completion: status, stdout, stderr. `env` is added to this process's. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'cli/main.ts', ...args], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh data dir (under the OS temp dir) whose events.db holds the catalog story. */
export async function storyDataDir(prefix: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const store = openSqliteEventStore({ path: join(dir, 'events.db') });
  await writeStory(store);
  await store.close();
  return dir;
}
