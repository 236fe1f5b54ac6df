import type { HubMessage } from '@floe/shared';
import type { RunnerConnection } from '../gateway/hub-core.js';

/** The runners connected to this hub now, by runner id (the gateway adds and removes them through HubCore). */
export class ConnectedRunners {
  private readonly byId = new Map<string, RunnerConnection>();
  private relay: ((runnerId: string, message: HubMessage) => void) | undefined;

  /**
   * Several hubs on one database (issue 7): a message for a runner connected to another hub (a cancel or form data
   * asked for through this hub's API) is handed to `relay`, which signals the other hubs; the one the runner is
   * connected to delivers it (hub.ts).
   */
  relayTo(relay: (runnerId: string, message: HubMessage) => void): void {
    this.relay = relay;
  }

  /** Adds a connection; a newer connection of the same runner replaces the older one. */
  add(connection: RunnerConnection): void {
    this.byId.set(connection.runnerId, connection);
  }

  /**
   * Removes the runner's connection. With `connection`, only if it is still the current one: a socket that closes
   * after its runner reconnected must not unregister the new socket.
   */
  remove(runnerId: string, connection?: RunnerConnection): boolean {
    const current = this.byId.get(runnerId);
    if (!current || (connection !== undefined && current !== connection)) return false;
    return this.byId.delete(runnerId);
  }

  get(runnerId: string): RunnerConnection | undefined {
    return this.byId.get(runnerId);
  }

  list(): RunnerConnection[] {
    return [...this.byId.values()];
  }

  /**
   * Sends to the runner when it is connected; false when it is not. With a relay (several hubs), a runner not
   * connected here may be connected to another hub: the message is relayed and this answers true, as whether it
   * arrives is not known here.
   */
  send(runnerId: string, message: HubMessage): boolean {
    const connection = this.byId.get(runnerId);
    if (connection) {
      connection.send(message);
      return true;
    }
    this.relay?.(runnerId, message);
    return this.relay !== undefined;
  }
}
