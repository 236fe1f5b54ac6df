// Why talking to the hub failed, and the one rule for which failures are worth another try (CONTRIBUTING.md
// "Retries in one place": retry and back-off live in one helper, retry.ts, with this one classifier).
import type { ProtocolUpgrade, RefusalCode } from '@floe/shared';

export type HubFailureReason =
  /** The hub answered the hello with `refused`; for `incompatible-version`, whose floe is behind. */
  | { kind: 'refused'; code: RefusalCode; message: string; upgrade?: ProtocolUpgrade }
  /** An HTTP request got an error status. */
  | { kind: 'http'; status: number; message: string }
  /** The hub could not be reached, or the socket dropped, or it did not answer in time. */
  | { kind: 'network'; message: string };

/** A failure to talk to the hub; `retryable` says whether trying again later may succeed. */
export class HubFailure extends Error {
  override readonly name = 'HubFailure';
  readonly retryable: boolean;
  constructor(readonly reason: HubFailureReason) {
    super(reason.message);
    this.retryable = isRetryable(reason);
  }
}

/**
 * Network trouble and server errors pass (the hub restarts, the network heals); answers about the runner itself
 * do not: a rejected credential or registration token, a protocol only an upgrade of the runner fixes, a request
 * the hub calls malformed. Retrying those would only hammer the hub while a person needs to act. A hub whose
 * protocol is behind the runner's is waited for: a fleet is upgraded runners first as often as hub first, and a
 * runner that exited would need a person to start it again once the hub is upgraded
 * (DESIGN §5 "Protocol versions").
 */
export function isRetryable(reason: HubFailureReason): boolean {
  switch (reason.kind) {
    case 'network':
      return true;
    case 'refused':
      // A `bad-message` refusal is the hub not hearing hello in time (a slow link): worth another try.
      return reason.code === 'bad-message' || (reason.code === 'incompatible-version' && reason.upgrade === 'the hub');
    case 'http':
      return reason.status >= 500 || reason.status === 408 || reason.status === 429;
  }
}
