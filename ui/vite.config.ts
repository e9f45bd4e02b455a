import { defineConfig } from "vite";

// The Python service serves the built UI from src/linewise/web/dist ("/" and "/assets").
// During development `npm run dev` proxies the API to a local `linewise serve`.
export default defineConfig({
  base: "/",
  oxc: { jsx: { runtime: "automatic" } },
  build: {
    outDir: "../src/linewise/web/dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8123" },
  },
});
