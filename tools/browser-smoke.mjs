#!/usr/bin/env node
// Browser smoke test: bundles tools/browser-smoke/app.ts with esbuild for `platform: 'browser'`
// (the packages' browser-safe main entries, built dist, no Node built-ins allowed), serves it on
// 127.0.0.1 and runs it in headless Chromium through playwright-core. The app trains a small net
// with the Trainer and the dyrep policy (checkpoint and metrics in a MemoryRunStorage) until convs
// grow, resumes from the in-memory checkpoint, fuses, checks fused == trained (max |Δ|), and makes
// ONNX bytes and tfjs artifacts in memory. Usage: node tools/browser-smoke.mjs [--chromium /usr/bin/chromium]
import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium } from 'playwright-core';

const root = resolve(import.meta.dirname, '..');
const flag = process.argv.indexOf('--chromium');
const executablePath = flag > 0 ? process.argv[flag + 1] : '/usr/bin/chromium';
const started = Date.now();
const say = (m) => console.log(`[browser-smoke ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${m}`);

let bundle;
try {
  const result = await build({
    entryPoints: [join(root, 'tools', 'browser-smoke', 'app.ts')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    write: false,
    logLevel: 'silent',
    // Resolve the published entry points (dist), not the monorepo's source condition.
    conditions: ['browser', 'import', 'default'],
  });
  bundle = result.outputFiles[0].text;
} catch (e) {
  const errors = (e.errors ?? []).map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
  console.error(`browser-smoke: the browser bundle failed (a Node-only import reachable from a browser-safe entry?):\n  ${errors.join('\n  ') || e.message}`);
  process.exit(1);
}
say(`bundled the app for the browser: ${(bundle.length / 1e6).toFixed(1)} MB`);

const html = '<!doctype html><meta charset="utf-8"><title>dyrep browser smoke</title><script type="module" src="/app.js"></script>';
const server = createServer((req, res) => {
  if (req.url === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
  else if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(html);
  else if (req.url === '/favicon.ico') res.writeHead(204).end();
  else res.writeHead(404).end();
});
await new Promise((done) => server.listen(0, '127.0.0.1', done));
const url = `http://127.0.0.1:${server.address().port}/`;
const profile = mkdtempSync(join(tmpdir(), 'dyrep-chromium-'));
let context;
try {
  // A fresh profile directory per run (launchPersistentContext passes it as --user-data-dir).
  context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await page.goto(url);
  await page.waitForFunction(() => window.smokeResult !== undefined, null, { timeout: 300_000 });
  const result = await page.evaluate(() => window.smokeResult);
  say(`Chromium ${await page.evaluate(() => navigator.userAgent.match(/Chrome\/([\d.]+)/)?.[1])}`);
  for (const line of result.lines) say(line);
  if (!result.ok || errors.length) {
    console.error(`browser-smoke: failed in the page${errors.length ? `: ${errors.join(' | ')}` : ''}`);
    process.exitCode = 1;
  } else say('browser smoke passed');
} finally {
  await context?.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
