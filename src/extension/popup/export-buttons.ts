// Saving a file (the history, the result image): a Blob behind a temporary object URL and a
// download link, which works in an extension popup without the downloads permission.

export function saveFile(fileName: string, mimeType: string, content: string | Blob): void {
  const blob = typeof content === 'string' ? new Blob([content], { type: mimeType }) : content;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoked on the next turn: the click has started the download by then.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

export function exportFileName(extension: 'json' | 'csv', nowMs: number): string {
  return `tls-throttle-history-${new Date(nowMs).toISOString().slice(0, 10)}.${extension}`;
}

export function imageFileName(finishedAtMs: number): string {
  return `tls-throttle-result-${new Date(finishedAtMs).toISOString().slice(0, 16).replace(':', '')}.png`;
}
