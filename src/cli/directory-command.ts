// `tls-throttle directory keygen | sign | verify`: the operator's side of the signed endpoint
// directory (src/core/endpoint-directory.ts). Ed25519 from @noble/curves (audited, pure
// JavaScript, so the same code verifies in a browser).
import { ed25519 } from '@noble/curves/ed25519.js';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { DIRECTORY_FORMAT, hexToBytes, verifyDirectory, type Ed25519Verify } from '../core/endpoint-directory.js';
import { readPrivateFile, writePrivateFile } from '../server/acme/private-file.js';
import { UsageError } from './args.js';

export const DIRECTORY_USAGE = `  tls-throttle directory keygen --out SECRET-KEY-FILE
  tls-throttle directory sign --key SECRET-KEY-FILE --in LIST.json --out SIGNED.json
                   [--valid-days 30] [--sequence N]
  tls-throttle directory verify <SIGNED.json | URL> [--public-key HEX]... [--config FILE]`;

export interface DirectoryArgs {
  command: 'directory';
  action: 'keygen' | 'sign' | 'verify';
  out?: string;
  key?: string;
  in?: string;
  validDays: number;
  sequence?: number;
  source?: string;
  publicKeys: string[];
  config: string;
}

export const nobleVerify: Ed25519Verify = (signature, message, publicKey) => ed25519.verify(signature, message, publicKey);

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export function parseDirectoryArgs(argv: string[]): DirectoryArgs {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: 'string' },
        key: { type: 'string' },
        in: { type: 'string' },
        'valid-days': { type: 'string' },
        sequence: { type: 'string' },
        'public-key': { type: 'string', multiple: true },
        config: { type: 'string' },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [action, ...rest] = parsed.positionals;
  const v = parsed.values;
  if (action !== 'keygen' && action !== 'sign' && action !== 'verify') throw new UsageError(`directory needs keygen, sign or verify\n${DIRECTORY_USAGE}`);
  const validDays = v['valid-days'] === undefined ? 30 : Number(v['valid-days']);
  if (!(validDays > 0)) throw new UsageError(`--valid-days must be a positive number, not "${v['valid-days']}"`);
  const sequence = v.sequence === undefined ? undefined : Number(v.sequence);
  if (sequence !== undefined && !(Number.isSafeInteger(sequence) && sequence >= 0)) throw new UsageError(`--sequence must be a whole number, not "${v.sequence}"`);
  if (action === 'keygen' && !v.out) throw new UsageError('directory keygen needs --out FILE');
  if (action === 'sign' && !(v.key && v.in && v.out)) throw new UsageError('directory sign needs --key, --in and --out');
  if (action === 'verify' && rest.length !== 1) throw new UsageError('directory verify takes one file or URL');
  for (const k of v['public-key'] ?? []) if (hexToBytes(k)?.length !== 32) throw new UsageError(`--public-key must be 64 hex digits, not "${k}"`);
  return {
    command: 'directory',
    action,
    out: v.out,
    key: v.key,
    in: v.in,
    validDays,
    sequence,
    source: rest[0],
    publicKeys: v['public-key'] ?? [],
    config: v.config ?? 'config/endpoints.json',
  };
}

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//.test(source)) {
    const res = await fetch(source);
    if (!res.ok) throw new Error(`${source} answered ${res.status}`);
    return res.text();
  }
  return readFile(source, 'utf8');
}

/** The build's keys: "directory": { "publicKeys": [...] } in config/endpoints.json. */
async function configKeys(path: string): Promise<string[]> {
  const config = JSON.parse(await readFile(path, 'utf8')) as { directory?: { publicKeys?: unknown } };
  const keys = config.directory?.publicKeys;
  return Array.isArray(keys) ? keys.filter((k): k is string => typeof k === 'string') : [];
}

export async function directoryCommand(args: DirectoryArgs, out: (line: string) => void = console.log): Promise<number> {
  if (args.action === 'keygen') {
    const secret = ed25519.utils.randomSecretKey();
    // The secret key is written 0600 and never over a symbolic link (private-file.ts).
    await writePrivateFile(args.out!, `${toHex(secret)}\n`);
    out(`Secret key written to ${args.out} (keep it off the endpoint hosts).`);
    out(`Public key, for "directory": { "publicKeys": [...] } in config/endpoints.json:`);
    out(toHex(ed25519.getPublicKey(secret)));
    return 0;
  }
  if (args.action === 'sign') {
    const secretHex = (await readPrivateFile(args.key!))?.trim();
    const secret = secretHex === undefined ? undefined : hexToBytes(secretHex);
    if (!secret || secret.length !== 32) throw new Error(`${args.key} holds no Ed25519 secret key (64 hex digits)`);
    const list = JSON.parse(await readFile(args.in!, 'utf8')) as unknown;
    const endpoints = Array.isArray(list) ? list : (list as { endpoints?: unknown }).endpoints;
    const nowMs = Date.now();
    const payload = JSON.stringify({
      issuedAt: new Date(nowMs).toISOString(),
      expiresAt: new Date(nowMs + args.validDays * 86_400_000).toISOString(),
      // Seconds since 1970 by default: each list signed later has a higher number.
      sequence: args.sequence ?? Math.floor(nowMs / 1000),
      endpoints,
    });
    const signed = JSON.stringify({ format: DIRECTORY_FORMAT, payload, signature: toHex(ed25519.sign(new TextEncoder().encode(payload), secret)) }, null, 2);
    // Checked as a client will check it, so a malformed entry is caught before publishing.
    const verdict = await verifyDirectory(signed, { publicKeysHex: [toHex(ed25519.getPublicKey(secret))], verify: nobleVerify, nowMs });
    if (!verdict.ok) throw new Error(`not signed: ${verdict.reason}`);
    await (await import('node:fs/promises')).writeFile(args.out!, `${signed}\n`);
    out(`Signed ${verdict.directory.endpoints.length} endpoints, sequence ${verdict.directory.sequence}, valid until ${new Date(verdict.directory.expiresAtMs).toISOString()}: ${args.out}`);
    return 0;
  }
  const keys = args.publicKeys.length ? args.publicKeys : await configKeys(args.config);
  const verdict = await verifyDirectory(await readSource(args.source!), { publicKeysHex: keys, verify: nobleVerify, nowMs: Date.now() });
  if (!verdict.ok) {
    out(`Refused: ${verdict.reason}`);
    return 1;
  }
  out(`Valid, sequence ${verdict.directory.sequence}, until ${new Date(verdict.directory.expiresAtMs).toISOString()}:`);
  for (const e of verdict.directory.endpoints) out(`  ${e.id}  ${e.url}  ${e.name}`);
  return 0;
}
