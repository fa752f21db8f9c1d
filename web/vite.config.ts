import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Root is this folder whatever the working directory: `npx vite build --config web/vite.config.ts`
// from the repo root and `npx vite build` from web/ give the same web/dist.
const root = decodeURIComponent(new URL(".", import.meta.url).pathname);
const daemon = `http://127.0.0.1:${process.env.CCCC_PORT ?? "8848"}`;

export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  // `npx vite --config web/vite.config.ts` serves the UI with hot reload against a running daemon.
  server: { proxy: { "/api": { target: daemon, changeOrigin: false } } },
});
