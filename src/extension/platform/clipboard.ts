// Copying text for the user: the asynchronous Clipboard API, which extension pages may use
// inside a click without the clipboardWrite permission (MDN, "Clipboard: writeText()").
export async function copyText(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}
