// Builds the portals (ui/) into ui/dist, which the control plane serves at /.
// `npm run build` runs this; in dev, `npx vite --config ui/vite.config.ts` proxies the
// control plane (GATEHOUSE_URL, default http://localhost:8080) so the SPA talks to a real server.
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const controlPlane = process.env.GATEHOUSE_URL ?? 'http://localhost:8080';

export default defineConfig({
  root,
  base: '/',
  plugins: [react()],
  build: {
    outDir: `${root}dist`,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1200,
  },
  server: {
    proxy: {
      '/graphql': { target: controlPlane, ws: true },
      '/oauth2': controlPlane,
      '/.well-known': controlPlane,
    },
  },
});
