import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The live lab: web/ is bundled (core, charts, worker and styles) into web-dist/, which
// `sarlab serve` ships. Relative asset paths, so the page works from any folder or prefix.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('./web-dist', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
  },
  worker: { format: 'es' },
});
