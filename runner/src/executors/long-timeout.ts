/** Node's timers fire at once (with a warning) beyond 2^31-1 ms, about 24.8 days; a `timeout: 30d` must not. */
const MAX_TIMER_MS = 2_147_483_647;

/** Calls `fn` after `ms` (any length), in steps Node's timers can hold. Returns a function that cancels it. */
export function setLongTimeout(fn: () => void, ms: number): () => void {
  let timer: NodeJS.Timeout;
  const due = Date.now() + ms;
  const arm = () => {
    const left = due - Date.now();
    timer = left > MAX_TIMER_MS ? setTimeout(arm, MAX_TIMER_MS) : setTimeout(fn, Math.max(0, left));
  };
  arm();
  return () => clearTimeout(timer);
}
