// The extension's estimate of its own TLS capacity (src/extension/platform/tls-capacity.ts):
// how WebCrypto AES-GCM throughput compares with what the browser's own HTTPS fetch carries
// over loopback, where no network limits it. Headless Chromium (and Firefox when installed),
// a loopback endpoint of ours, a page on its plain port (a secure context is not needed for
// crypto.subtle on 127.0.0.1).
//   npx tsx bench/tls-capacity-proxy.ts [repeats]
import { chromium } from 'playwright-core';
import { startTestEndpoint } from '../test/support/endpoint.js';
import { CHROMIUM_PATH } from '../test/e2e/support/extension-browser.js';

const repeats = Number(process.argv[2] ?? 3);

interface Figures {
  aes16k: number;
  aes256k: number;
  aes1m: number;
  https: number;
  http: number;
}

const PAGE_SCRIPT = `(async () => {
  const aes = async (chunk, total) => {
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 128 }, false, ['encrypt']);
    const data = new Uint8Array(chunk);
    const iv = new Uint8Array(12);
    const t0 = performance.now();
    for (let done = 0, i = 0; done < total; done += chunk, i++) {
      new DataView(iv.buffer).setUint32(0, i);
      await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, data);
    }
    return (total * 8) / ((performance.now() - t0) * 1000);
  };
  const get = async (origin, bytes) => {
    const res = await fetch(origin + '/payload?bytes=' + bytes + '&seed=1&n=' + Math.random(), { cache: 'no-store' });
    const reader = res.body.getReader();
    let got = 0;
    let first = -1;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (first < 0) first = performance.now();
      else got += value.length;
    }
    return (got * 8) / ((performance.now() - first) * 1000);
  };
  await get('TLS', 1 << 20);
  await get('PLAIN', 1 << 20);
  return {
    aes16k: await aes(16 << 10, 32 << 20),
    aes256k: await aes(256 << 10, 64 << 20),
    aes1m: await aes(1 << 20, 64 << 20),
    https: await get('TLS', 256 << 20),
    http: await get('PLAIN', 256 << 20),
  };
})()`;
const ep = await startTestEndpoint();
const browser = await chromium.launch({
  executablePath: CHROMIUM_PATH,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--ignore-certificate-errors'],
});
try {
  const page = await browser.newPage();
  await page.goto(`http://127.0.0.1:${ep.plainPort}/info`);
  for (let i = 0; i < repeats; i++) {
    // A string, not a function: tsx would wrap a function's inner functions in its own helpers,
    // which the page does not have.
    const figures = (await page.evaluate(PAGE_SCRIPT.replaceAll('TLS', `https://127.0.0.1:${ep.tlsPort}`).replaceAll('PLAIN', `http://127.0.0.1:${ep.plainPort}`))) as Figures;
    const r = (x: number) => Math.round(x);
    console.log(
      `Chromium: AES-GCM 16 KiB ${r(figures.aes16k)}, 256 KiB ${r(figures.aes256k)}, 1 MiB ${r(figures.aes1m)} Mbit/s; loopback HTTPS ${r(figures.https)}, HTTP ${r(figures.http)} Mbit/s; HTTPS / AES-GCM(256 KiB) ${(figures.https / figures.aes256k).toFixed(2)}`,
    );
  }
} finally {
  await browser.close();
  await ep.close(0);
}
