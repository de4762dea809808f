// Saving the history as a file: a Blob behind a temporary object URL and a download link,
// which works in an extension popup without the downloads permission.

export function saveFile(fileName: string, mimeType: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: mimeType }));
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
