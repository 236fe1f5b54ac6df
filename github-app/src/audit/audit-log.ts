// The audit log (docs/security.md "Revocation, expiry and audit"): every admin and operator action through the API —
// tokens, secrets, runners, starts, cancels, retries, form answers — is written with who, what, when and on what.
// An entry is written after the action succeeded; an audit write that fails is logged and does not undo the action
// (it happened) nor fail the request.
import type { AuditAction, AuditEntry, AuditPage, Me } from '@floe/shared';
import type { Logger } from 'pino';
import type { AuditRow, Store } from '../store/store.js';

export class AuditLog {
  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  /** Writes one entry; never rejects. */
  async record(by: Me, action: AuditAction, target: string, detail?: Record<string, string>): Promise<void> {
    try {
      await this.store.appendAudit({
        at: this.now(),
        actor: by.name,
        role: by.role,
        action,
        target,
        ...(detail !== undefined ? { detail } : {}),
      });
    } catch (err) {
      this.log.error({ err, action, target, by: by.name }, 'could not write the audit log');
    }
  }

  /** `GET /api/audit`: newest first; `cursor` is the `next` of the previous page. */
  async page(query: { limit?: number | undefined; cursor?: string | undefined }): Promise<AuditPage> {
    const page = await this.store.listAudit({
      ...(query.limit !== undefined ? { limit: query.limit } : {}),
      ...(query.cursor !== undefined ? { before: Number(query.cursor) } : {}),
    });
    const entries = page.entries.map(toEntry);
    return page.next !== undefined ? { entries, next: String(page.next) } : { entries };
  }
}

function toEntry(row: AuditRow): AuditEntry {
  return { ...row, id: String(row.id) };
}
