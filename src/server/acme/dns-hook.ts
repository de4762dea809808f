// The operator's DNS-01 hook: a command that publishes or removes the TXT record a CA checks
// for a wildcard name (RFC 8555 sec. 8.4; a CA issues wildcard names over DNS-01 only, sec.
// 7.1.3). The endpoint cannot write the operator's zone itself, and every DNS provider has its
// own API, so the operator names a program, as certbot's --manual-auth-hook and acme.sh's
// dnsapi scripts do. It is called, without a shell, as
//   HOOK set   _acme-challenge.ZONE. VALUE
//   HOOK clear _acme-challenge.ZONE. VALUE
// and must exit 0 once the record is published (nsupdate against the zone's primary server,
// RFC 2136, or the provider's HTTP API). README.md, "A wildcard name for runs by server name",
// shows one.
import { execFile } from 'node:child_process';
import { safeText } from '../../core/safe-text.js';

export type DnsHookAction = 'set' | 'clear';

export interface DnsHook {
  (action: DnsHookAction, recordName: string, value: string): Promise<void>;
}

/** A hook that runs longer is stopped: a DNS update that has not finished by then will not. */
export const DNS_HOOK_TIMEOUT_MS = 120_000;
/** The hook's output kept for the log when it fails. */
const MAX_OUTPUT_BYTES = 64 * 1024;

export function commandDnsHook(command: string, timeoutMs = DNS_HOOK_TIMEOUT_MS): DnsHook {
  return (action, recordName, value) =>
    new Promise((resolve, reject) => {
      execFile(command, [action, recordName, value], { timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
        if (!err) return resolve();
        const said = safeText(`${stderr}${stdout}`.trim().slice(-500));
        const why = err.killed ? `did not finish within ${Math.round(timeoutMs / 1000)} s` : `failed (${err.code ?? err.message})`;
        reject(new Error(`the DNS hook ${command} ${action} ${recordName} ${why}${said ? `: ${said}` : ''}`));
      });
    });
}

/** The TXT record's name for a DNS-01 challenge of `domain` (RFC 8555 sec. 8.4), fully qualified. */
export function dnsChallengeRecordName(domain: string): string {
  return `_acme-challenge.${domain.replace(/^\*\./, '')}.`;
}
