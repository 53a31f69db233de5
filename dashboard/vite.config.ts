import react from '@vitejs/plugin-react'
import { defineConfig } from 'vite'

/**
 * The dashboard is a static SPA for Cloudflare Pages. In development Vite proxies API calls to
 * the local gateway, so the browser sees one origin as it will in production.
 */
export default defineConfig({
  plugins: [react()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': process.env.TRUEPORT_GATEWAY_URL ?? 'http://127.0.0.1:8787',
      '/healthz': process.env.TRUEPORT_GATEWAY_URL ?? 'http://127.0.0.1:8787',
    },
  },
  build: { outDir: 'dist', sourcemap: true },
})
