/** Exit status for what only a person can fix (a rejected credential or token, a bad config): EX_CONFIG. The
 * systemd unit lists it in RestartPreventExitStatus, so the service does not restart into the same refusal. */
export const EXIT_CONFIG = 78;
