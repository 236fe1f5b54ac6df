import { z } from 'zod';

/**
 * How far a run's code is trusted (docs/security.md). `untrusted`: the code comes from another repository than the
 * base one — a fork's pull request, or any ref under `refs/pull/` however the run was started. Such a run gets no
 * secrets, a fresh workspace, the base branch's host and resource tags, checkouts of its own repositories only,
 * no URL to a private address and a minimal environment. Every run made from another (a retry) keeps its trust.
 */
export const TrustSchema = z.enum(['trusted', 'untrusted']);
export type Trust = z.infer<typeof TrustSchema>;
export const Trust = TrustSchema.enum;

/** What `untrusted` means, in one line for people (the dashboard and VS Code show it beside an untrusted run). */
export const UNTRUSTED_SUMMARY =
  'code from another repository (a fork or refs/pull/): no secrets, a fresh workspace, the base branch’s tags';
