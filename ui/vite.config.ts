/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Tauri serves ui/dist in the app and http://localhost:1420 in `tauri dev`.
const host = process.env.TAURI_DEV_HOST;

export default defineConfig({
  clearScreen: false,
  server: {
    port: 1420,
    strictPort: true,
    host: host || false,
    hmr: host ? { protocol: "ws", host, port: 1421 } : undefined,
    watch: { ignored: ["**/src-tauri/**"] },
  },
  envPrefix: ["VITE_", "TAURI_ENV_"],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // WebView2 (Chromium) on Windows, WebKit on macOS/Linux.
    target: process.env.TAURI_ENV_PLATFORM === "windows" ? "chrome105" : "safari15",
    // The webviews all support <link rel=modulepreload>; no polyfill keeps the bundle CSP-clean.
    modulePreload: { polyfill: false },
    sourcemap: !!process.env.TAURI_ENV_DEBUG,
    minify: process.env.TAURI_ENV_DEBUG ? false : "esbuild",
    chunkSizeWarningLimit: 300,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
});
