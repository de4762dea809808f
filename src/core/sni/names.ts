// The server names a run by name (`tls-throttle run --sni`) offers without being told, each one
// a name that has been throttled by the server name in its TLS ClientHello, with the public
// account of it. Only these names may ride in an anonymous report (core/report.ts): a name a
// user types may be their own, private one.

export const LISTED_SNI_NAMES = [
  // Russia, from 10 March 2021: TLS connections whose SNI named Twitter's domains were held to
  // about 130 kbit/s, triggered by the ClientHello alone, to any server (Xue, Kallitsis,
  // Ensafi et al., "Throttling Twitter: an emerging censorship technique in Russia", ACM IMC 2021).
  'twitter.com',
  't.co',
  // Russia, from July 2024: connections whose SNI ended in googlevideo.com (YouTube's video
  // servers) were slowed, to Google's servers and to anyone's given that SNI (net4people/bbs
  // issue 382, "Throttling of YouTube video playback (googlevideo.com) in Russia, 2024-07-12",
  // and the ntc.party threads it links). redirector.googlevideo.com is a real name under it.
  'redirector.googlevideo.com',
] as const;

export type ListedSniName = (typeof LISTED_SNI_NAMES)[number];

export function isListedSniName(name: string): name is ListedSniName {
  return (LISTED_SNI_NAMES as readonly string[]).includes(name.toLowerCase());
}
