#!/usr/bin/env node
// The extension as a command with the CLI's shape, for labs that run `node <client> run URL
// --ca FILE --json` (bench/fast-line-cpu.sh): headless Chromium with the built extension
// (dist/extension), the endpoint added in the options page and the popup's Run test, the
// Result printed as one JSON line. Chromium runs in the caller's network namespace.
//   node bench/extension-run.mjs run https://10.81.0.1 --ca ca.pem --json
import { register } from 'tsx/esm/api';

register();
await import('./extension-run-main.ts');
