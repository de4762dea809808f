// `npm run package`: the store uploads. One built extension (dist/extension) becomes two zips
// with a manifest each store accepts without warnings: Chrome's keeps background.service_worker
// only; Firefox's keeps background.scripts (Firefox runs MV3 backgrounds as event pages and
// ignores service_worker) and its browser_specific_settings. Both are linted by web-ext first.
//   node scripts/package.mjs [--source dist/extension] [--out dist/packages]
// --source and --out let a test package a build made with another server list (the mirror
// lab's first click installs the very zips a store would get: test/lab/mirror).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const WEB_EXT = fileURLToPath(new URL('../node_modules/.bin/web-ext', import.meta.url));

const VARIANTS = {
  chrome(manifest) {
    delete manifest.background.scripts;
    delete manifest.browser_specific_settings;
    return manifest;
  },
  firefox(manifest) {
    delete manifest.background.service_worker;
    return manifest;
  },
};

function run(args) {
  return execFileSync(WEB_EXT, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Packages the built extension in `source` into one zip per browser under `out`; answers the
 * zips' paths by browser. Throws when the build is missing or web-ext's lint finds an error.
 */
export function packageExtension({ source = 'dist/extension', out = 'dist/packages' } = {}) {
  if (!existsSync(join(source, 'manifest.json'))) {
    throw new Error(`${source}/manifest.json is missing: run \`npm run build\` first`);
  }
  const base = JSON.parse(readFileSync(join(source, 'manifest.json'), 'utf8'));
  mkdirSync(out, { recursive: true });
  const zips = {};
  for (const [browser, adapt] of Object.entries(VARIANTS)) {
    const stage = join(out, `stage-${browser}`);
    rmSync(stage, { recursive: true, force: true });
    cpSync(source, stage, { recursive: true });
    const manifest = adapt(structuredClone(base));
    writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));
    try {
      if (browser === 'firefox') {
        const report = JSON.parse(run(['lint', '--source-dir', stage, '--output', 'json']));
        if (report.errors.length) throw new Error(report.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
      }
      const fileName = `tls-throttle-detector-${browser}-${manifest.version}.zip`;
      run(['build', '--source-dir', stage, '--artifacts-dir', out, '--filename', fileName, '--overwrite-dest']);
      zips[browser] = join(out, fileName);
    } finally {
      rmSync(stage, { recursive: true, force: true });
    }
  }
  return zips;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { source: { type: 'string' }, out: { type: 'string' } } });
  try {
    const zips = packageExtension({ ...(values.source ? { source: values.source } : {}), ...(values.out ? { out: values.out } : {}) });
    for (const path of Object.values(zips)) console.log(path);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
}
