/** The UTF-8 length of a string in bytes — the unit of log offsets — without Node's Buffer (browser-safe). */
export function utf8Length(text: string): number {
  return encoder.encode(text).byteLength;
}

const encoder = new TextEncoder();
