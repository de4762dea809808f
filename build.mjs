// The build is data: one row an entry. The manifest is hand-written and copied, with the
// version taken from package.json; the build fails on any warning (a warning from esbuild is
// usually an import that resolves to nothing).
import * as esbuild from 'esbuild';
import { cp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';

const pkg = JSON.parse(await readFile('package.json', 'utf8'));

/** Endpoints the extension offers out of the box; deployers ship their own build (README). */
const endpointsFile = process.env.TTD_ENDPOINTS ?? 'config/endpoints.json';

const browserCommon = { bundle: true, format: 'esm', target: ['chrome120', 'firefox128'], minify: true, sourcemap: false };

export const ENTRIES = [
  { in: 'src/extension/background/main.ts', out: 'dist/extension/background.js', ...browserCommon },
  { in: 'src/extension/popup/main.ts', out: 'dist/extension/popup.js', ...browserCommon },
  { in: 'src/extension/options/main.ts', out: 'dist/extension/options.js', ...browserCommon },
  { in: 'src/extension/how/main.ts', out: 'dist/extension/how.js', ...browserCommon },
  {
    in: 'src/cli/main.ts',
    out: 'dist/cli.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    banner: { js: '#!/usr/bin/env node' },
  },
];

/** Static files copied as they are. */
const STATIC = [
  ['src/extension/popup/popup.html', 'dist/extension/popup.html'],
  ['src/extension/popup/popup.css', 'dist/extension/popup.css'],
  ['src/extension/options/options.html', 'dist/extension/options.html'],
  ['src/extension/how/how.html', 'dist/extension/how.html'],
  ['src/extension/how/how.css', 'dist/extension/how.css'],
  ['src/extension/options/options.css', 'dist/extension/options.css'],
  ['src/extension/_locales', 'dist/extension/_locales'],
  ['src/extension/icons', 'dist/extension/icons'],
];

async function buildManifest(configFile, outDir) {
  const manifest = JSON.parse(await readFile('manifest.json', 'utf8'));
  manifest.version = pkg.version;
  const endpoints = JSON.parse(await readFile(configFile, 'utf8'));
  // Least privilege: host permissions only for the default endpoints and mirrors, over both
  // schemes (a mirror's file is fetched from the same host over http and https).
  // An M-Lab entry ("kind": "mlab", its url the locate API) gets none at install: its locate
  // host is an optional permission asked for when the user accepts M-Lab's terms.
  const hosts = new Set();
  for (const e of endpoints.endpoints) {
    if (e.kind === 'mlab') continue;
    const u = new URL(e.url);
    hosts.add(`http://${u.hostname}/*`);
    hosts.add(`https://${u.hostname}/*`);
  }
  manifest.host_permissions = [...hosts];
  await writeFile(`${outDir}/extension/manifest.json`, JSON.stringify(manifest, null, 2));
  return endpoints;
}

/**
 * `outDir` and `configFile` let a test build the extension with another server list (the mirror
 * lab's) into a directory of its own, leaving dist/ to the other tests.
 */
export async function build({ only, clean = false, outDir = 'dist', configFile = endpointsFile } = {}) {
  const entries = ENTRIES.filter((e) => existsSync(e.in) && (!only || e.out.startsWith(only)));
  const place = (path) => path.replace(/^dist\//, `${outDir}/`);
  // Only a release build starts from nothing: tests rebuild in place while other runs read dist/.
  if (clean) await rm(outDir, { recursive: true, force: true });
  await mkdir(`${outDir}/extension`, { recursive: true });
  const endpoints = existsSync(configFile) ? JSON.parse(await readFile(configFile, 'utf8')) : { endpoints: [] };
  for (const { in: entry, out, ...options } of entries) {
    const result = await esbuild.build({
      entryPoints: [entry],
      outfile: place(out),
      logLevel: 'silent',
      metafile: true,
      define: {
        __VERSION__: JSON.stringify(pkg.version),
        // The project's home page for the CLI's User-Agent (src/core/user-agent.ts); none when
        // package.json names none.
        __HOMEPAGE__: JSON.stringify(pkg.homepage ?? ''),
        __DEFAULT_ENDPOINTS__: JSON.stringify(endpoints.endpoints),
        // Where the extension sends anonymous reports once the user opts in; "" when
        // the config names no collector, and the options page then asks for one.
        __REPORT_COLLECTOR_URL__: JSON.stringify(endpoints.collector ?? ''),
      },
      ...options,
    });
    if (result.warnings.length) {
      const text = await esbuild.formatMessages(result.warnings, { kind: 'warning' });
      throw new Error(`build of ${entry} has warnings:\n${text.join('\n')}`);
    }
  }
  for (const [from, to] of STATIC) if (existsSync(from)) await cp(from, place(to), { recursive: true });
  if (existsSync('manifest.json') && existsSync('src/extension/background/main.ts')) await buildManifest(configFile, outDir);
  if (existsSync(`${outDir}/cli.js`)) await chmod(`${outDir}/cli.js`, 0o755);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await build({ clean: process.argv.includes('--clean') }).catch((err) => {
    console.error(err.message);
    process.exit(1);
  });
}
