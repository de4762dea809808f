// The side effects the core is given. Structural types, so that the browser's and Node's
// fetch both fit without the core knowing either.

export interface ReadResult {
  done: boolean;
  value?: Uint8Array;
}

export interface ReaderLike {
  read(): Promise<ReadResult>;
  cancel(reason?: unknown): Promise<void>;
}

export interface ResponseLike {
  readonly status: number;
  readonly url: string;
  readonly redirected: boolean;
  /** 'opaqueredirect' when a browser stopped at a redirect with `redirect: 'manual'`. */
  readonly type: string;
  readonly headers: { get(name: string): string | null };
  readonly body: { getReader(): ReaderLike } | null;
  text(): Promise<string>;
}

/** The same response with its body read through `body` and `text`: a wrapper's one way to build one. */
export function withBody(res: ResponseLike, body: ResponseLike['body'], text: () => Promise<string>): ResponseLike {
  return { status: res.status, url: res.url, redirected: res.redirected, type: res.type, headers: res.headers, body, text };
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'HEAD';
  body?: Uint8Array;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Always 'manual': a redirect on a measured leg is a finding, never something to follow. */
  redirect?: 'manual';
  cache?: 'no-store';
  /**
   * The flow (a leg's id) this request belongs to. Requests of one flow share one connection
   * and no two flows share one: a middlebox that classifies a connection by its first
   * response would otherwise give one leg the class another leg earned (docs/method.md, "One
   * flow per leg"). Absent: any connection the platform picks.
   */
  flow?: string;
  /**
   * This response is the last on its connection: the client asks the server to end it
   * (`Connection: close`, RFC 9112 sec. 9.6) and opens a new one for the flow's next request.
   * Only a platform that can send it says so (TransferDeps.endsConnections): browsers forbid
   * the header to a page or an extension (Fetch standard, forbidden request-header names).
   */
  closeConnection?: boolean;
}

export type FetchLike = (url: string, init: RequestOptions) => Promise<ResponseLike>;

/** A streaming digest (SHA-256 by default); the CLI passes Node's, which is ten times faster. */
export interface Hasher {
  update(chunk: Uint8Array): void;
  /** Base64 of the digest, as in RFC 9530's Repr-Digest `sha-256=:...:`. */
  digestBase64(): string;
}
export type HasherFactory = () => Hasher;

export interface Clock {
  /** Milliseconds, monotonic (performance.now()). */
  now(): number;
}

/** Per-transfer checks only a platform can make (e.g. Resource Timing's nextHopProtocol). */
export type ResponseInspector = (
  response: ResponseLike,
  expectedScheme: 'http' | 'https',
) => Promise<string | undefined> | string | undefined;
