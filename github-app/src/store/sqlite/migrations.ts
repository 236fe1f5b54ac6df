import { migration001 } from './migrations/001-initial.js';
import { migration002 } from './migrations/002-cancel-request.js';
import { migration003 } from './migrations/003-runs-by-flow-id.js';
import { migration004 } from './migrations/004-secrets.js';
import { migration005 } from './migrations/005-runs-by-result.js';
import { migration006 } from './migrations/006-run-trust.js';
import { migration007 } from './migrations/007-token-expiry-and-audit.js';
import { migration008 } from './migrations/008-runner-sandbox.js';
import { migration009 } from './migrations/009-runner-connection.js';
import { migration010 } from './migrations/010-log-byte-offset.js';
import { migration011 } from './migrations/011-github-state.js';
import { migration012 } from './migrations/012-artifacts.js';
import { migration013 } from './migrations/013-run-reports.js';
import { migration014 } from './migrations/014-notify-deliveries.js';
import { migration015 } from './migrations/015-runner-drain.js';
import { migration016 } from './migrations/016-task-caches.js';
import { migration018 } from './migrations/018-log-files.js';

/** A numbered schema change; applied once, in order, each in its own transaction. */
export type Migration = { version: number; name: string; sql: string };

/** Every migration, in order. Append only: a released migration is never edited (add the next number instead). */
export const MIGRATIONS: readonly Migration[] = [
  migration001,
  migration002,
  migration003,
  migration004,
  migration005,
  migration006,
  migration007,
  migration008,
  migration009,
  migration010,
  migration011,
  migration012,
  migration013,
  migration014,
  migration015,
  migration016,
  migration018,
];
