import type { RunnerConnection } from '../gateway/hub-core.js';

/** The runners connected to this hub now, by runner id (the gateway adds and removes them through HubCore). */
export class ConnectedRunners {
  private readonly byId = new Map<string, RunnerConnection>();

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

  /** Sends to the runner when it is connected; false when it is not. */
  send(runnerId: string, message: Parameters<RunnerConnection['send']>[0]): boolean {
    const connection = this.byId.get(runnerId);
    connection?.send(message);
    return connection !== undefined;
  }
}
