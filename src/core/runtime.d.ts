// The few globals every runtime we target has (Node 20, Chrome and Firefox service workers,
// background scripts): the WinterCG Minimum Common API subset the core relies on.
// Anything else (fetch, storage, clocks) is passed in as an argument, so a stray browser or
// Node call fails the core's type check.

declare function setTimeout(handler: () => void, timeoutMs?: number): unknown;
declare function clearTimeout(id: unknown): void;

interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
  addEventListener(type: 'abort', listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}
// eslint-disable-next-line no-var -- a global declaration must be a var
declare var AbortSignal: { prototype: AbortSignal };

interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
}
// eslint-disable-next-line no-var -- a global declaration must be a var
declare var AbortController: { prototype: AbortController; new (): AbortController };

declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare class TextDecoder {
  constructor(label?: string);
  decode(input?: Uint8Array): string;
}

declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly host: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly username: string;
  readonly password: string;
  readonly href: string;
}
