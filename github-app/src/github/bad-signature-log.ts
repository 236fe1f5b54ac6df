// Forged or misconfigured webhooks can arrive by the thousand (a wrong secret after a rotation, a scanner): each one
// logged at error level with a stack drowned the hub's log. The first is logged at warn with what identifies it;
// those that follow within the window are counted, and the count is logged once when the window ends — a line a
// minute at most, however many arrive.
import type { Logger } from 'pino';

export interface BadSignatureFields {
  reason: 'no signature' | 'bad signature';
  /** X-GitHub-Delivery and X-GitHub-Event as sent (the sender chose them: cut to 100 characters). */
  deliveryId?: string;
  event?: string;
  remoteAddress?: string;
}

export interface BadSignatureLog {
  /** Call for each refused delivery. */
  refused(fields: BadSignatureFields): void;
  /** True when the next refusal will be logged at once (no window is open). */
  quiet(): boolean;
}

/**
 * `windowMs` (default 60 s) is the least time between two lines; its timer never keeps the hub running.
 */
export function badSignatureLog(log: Logger, windowMs = 60_000): BadSignatureLog {
  let open = false;
  let counted = 0;
  const closeWindow = () => {
    if (counted === 0) {
      open = false;
      return;
    }
    log.warn({ refused: counted, windowMs }, 'more webhooks with a bad signature refused');
    counted = 0;
    setTimeout(closeWindow, windowMs).unref();
  };
  const refused = (fields: BadSignatureFields) => {
    if (open) {
      counted += 1;
      return;
    }
    open = true;
    log.warn(
      {
        reason: fields.reason,
        deliveryId: fields.deliveryId?.slice(0, 100),
        event: fields.event?.slice(0, 100),
        remoteAddress: fields.remoteAddress,
      },
      'webhook with a bad signature refused',
    );
    setTimeout(closeWindow, windowMs).unref();
  };
  return { refused, quiet: () => !open };
}
