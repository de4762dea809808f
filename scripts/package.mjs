// `npm run package`: the store uploads. One built extension (dist/extension) becomes two zips
// with a manifest each store accepts without warnings: Chrome's keeps background.service_worker
// only; Firefox's keeps background.scripts (Firefox runs MV3 backgrounds as event pages and
// ignores service_worker) and its browser_specific_settings. Both are linted by web-ext first.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = 'dist/extension';
const OUT = 'dist/packages';
const WEB_EXT = 'node_modules/.bin/web-ext';

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

if (!existsSync(join(SOURCE, 'manifest.json'))) {
  console.error(`${SOURCE}/manifest.json is missing: run \`npm run build\` first`);
  process.exit(1);
}
const base = JSON.parse(readFileSync(join(SOURCE, 'manifest.json'), 'utf8'));
mkdirSync(OUT, { recursive: true });
for (const [browser, adapt] of Object.entries(VARIANTS)) {
  const stage = join(OUT, `stage-${browser}`);
  rmSync(stage, { recursive: true, force: true });
  cpSync(SOURCE, stage, { recursive: true });
  const manifest = adapt(structuredClone(base));
  writeFileSync(join(stage, 'manifest.json'), JSON.stringify(manifest, null, 2));
  if (browser === 'firefox') {
    const report = JSON.parse(run(['lint', '--source-dir', stage, '--output', 'json']));
    if (report.errors.length) {
      console.error(report.errors.map((e) => `${e.code}: ${e.message}`).join('\n'));
      process.exit(1);
    }
  }
  const fileName = `tls-throttle-detector-${browser}-${manifest.version}.zip`;
  run(['build', '--source-dir', stage, '--artifacts-dir', OUT, '--filename', fileName, '--overwrite-dest']);
  rmSync(stage, { recursive: true, force: true });
  console.log(`${OUT}/${fileName}`);
}
