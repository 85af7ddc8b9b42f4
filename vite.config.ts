import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** Ships docs/web.md with the page (as plain text, which every browser shows), for its docs link. */
function labDocs(): Plugin {
  return {
    name: 'sarlab-lab-docs',
    apply: 'build',
    generateBundle() {
      const source = readFileSync(fileURLToPath(new URL('./docs/web.md', import.meta.url)), 'utf8');
      this.emitFile({ type: 'asset', fileName: 'docs/web.txt', source });
    },
  };
}

// The live lab: web/ is bundled (core, charts, worker and styles) into web-dist/, which
// `sarlab serve` ships. Relative asset paths, so the page works from any folder or prefix.
export default defineConfig({
  root: fileURLToPath(new URL('./web', import.meta.url)),
  base: './',
  publicDir: false,
  plugins: [labDocs()],
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
