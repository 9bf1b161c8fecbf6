// Builds the portals into ui/dist when no build is there yet (or the sources are newer than
// it), so `npm start` serves them after a plain `npm install`. Builds into a private folder and
// renames it into place, so two processes starting at once never serve a half-written build.
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const uiRoot = fileURLToPath(new URL('.', import.meta.url));
export const UI_DIST = join(uiRoot, 'dist');

export type UiBuildOutcome = 'present' | 'built' | 'unavailable';

interface Log { info(msg: string): void; warn(msg: string): void }

/** Newest modification time (ms) of the files the build reads. */
function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    const st = statSync(path);
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ['src', 'index.html', 'vite.config.ts']) {
    const full = join(uiRoot, p);
    if (existsSync(full)) visit(full);
  }
  return newest;
}

const isFresh = (dist: string): boolean => {
  const index = join(dist, 'index.html');
  return existsSync(index) && statSync(index).mtimeMs >= newestSource();
};

export async function ensureUiBuilt(options: { distDir?: string; log?: Log } = {}): Promise<UiBuildOutcome> {
  const dist = options.distDir ?? UI_DIST;
  const log = options.log ?? { info: (m: string) => console.log(m), warn: (m: string) => console.warn(m) };
  if (isFresh(dist)) return 'present';
  const staging = join(dirname(dist), `.dist-building-${process.pid}-${Date.now()}`);
  log.info(`building the portals (${existsSync(join(dist, 'index.html')) ? 'sources changed' : 'no build yet'})…`);
  try {
    const vite = await import('vite');
    await vite.build({
      configFile: join(uiRoot, 'vite.config.ts'),
      logLevel: 'warn',
      build: { outDir: staging, emptyOutDir: true },
    });
    if (isFresh(dist)) {
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
