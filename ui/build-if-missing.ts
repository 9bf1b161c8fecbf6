// Builds the portals into ui/dist when no build is there yet, so `npm start` serves them after
// a plain `npm install`. Builds into a private folder and renames it into place, so two
// processes starting at once never serve (or delete) a half-written build.
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));
export const UI_DIST = join(uiRoot, 'dist');

export type UiBuildOutcome = 'present' | 'built' | 'unavailable';

interface Log { info(msg: string): void; warn(msg: string): void }

export async function ensureUiBuilt(options: { distDir?: string; log?: Log } = {}): Promise<UiBuildOutcome> {
  const dist = options.distDir ?? UI_DIST;
  const log = options.log ?? { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
  if (existsSync(join(dist, 'index.html'))) return 'present';
  const staging = `${dist}.building-${process.pid}-${Date.now()}`;
  log.info('building the portals (ui/dist is missing)…');
  try {
    const vite = await import('vite');
    await vite.build({
      configFile: join(uiRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    if (existsSync(join(dist, 'index.html'))) {
      rmSync(staging, { recursive: true, force: true }); // another process finished first
    } else {
      rmSync(dist, { recursive: true, force: true });
      renameSync(staging, dist);
    }
    return 'built';
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    log.warn(`the portals could not be built (${e instanceof Error ? e.message : String(e)}); run npm run build`);
    return 'unavailable';
  }
}
