// How times and durations read on every page.

export function formatTime(ms: number | undefined): string {
  if (ms === undefined) return '';
  const date = new Date(ms);
  const today = new Date();
  const sameDay = date.toDateString() === today.toDateString();
  return sameDay ? date.toLocaleTimeString() : date.toLocaleString();
}

export function formatElapsed(from: number | undefined, to: number | undefined = Date.now()): string {
  if (from === undefined) return '';
  const seconds = Math.max(0, Math.round((to - from) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${seconds % 60}s`;
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}

/** `1536` → `1.5 KiB`: sizes of artifacts. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  return `${(bytes / 1024 / 1024 / 1024).toFixed(2)} GiB`;
}

/** `refs/heads/main` → `main`; other refs as they are. */
export function shortRef(ref: string | undefined): string {
  if (ref === undefined) return '';
  return ref.replace(/^refs\/heads\//, '');
}

/** The API's message for an error, or the thrown thing's. */
export function errorText(error: unknown): { code: string | undefined; message: string } {
  if (error !== null && typeof error === 'object' && 'message' in error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
    return { code, message: String(error.message) };
  }
  return { code: undefined, message: String(error) };
}
