import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The console is served by the gateway from web/dist: `/` and `/app/...` are index.html, hashed
// files under /assets are cached for a year. `npm run dev` proxies the API to a running gateway.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 700, // the ECharts chunk (570 kB) loads only on chart screens
  },
  server: {
    proxy: {
      '/v1': 'http://127.0.0.1:8080',
      '/console': 'http://127.0.0.1:8080',
      '/openapi.json': 'http://127.0.0.1:8080',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
  },
});
