// What every page needs once a person has signed in: the REST client, the live connection and who they are.
import {
  connectLive,
  createFloeClient,
  type FloeClient,
  type LiveConnection,
  type LiveSocketConstructor,
  type LiveStatus,
  type Me,
  type Role,
  roleAllows,
} from '@floe/shared';
import { createContext } from '@lit/context';

export interface Services {
  client: FloeClient;
  live: LiveConnection;
  me: Me;
}

/** Handed down from <floe-app> to every element that talks to the hub; `undefined` while signed out. */
export const servicesContext = createContext<Services | undefined>(Symbol('floe-services'));

const TOKEN_KEY = 'floe.token';

/** The token kept from the last sign-in, if any (localStorage: a person stays signed in). */
export function savedToken(): string | undefined {
  return localStorage.getItem(TOKEN_KEY) ?? undefined;
}

export function saveToken(token: string): void {
  localStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken(): void {
  localStorage.removeItem(TOKEN_KEY);
}

/** Checks the token (GET /api/me) and opens the live connection; rejects with the API's error. */
export async function signIn(
  baseUrl: string,
  token: string,
  onStatus: (status: LiveStatus) => void,
): Promise<Services> {
  const client = createFloeClient({ baseUrl, token });
  const me = await client.me();
  const live = connectLive({ url: baseUrl, token, WebSocket: WebSocket as unknown as LiveSocketConstructor, onStatus });
  return { client, live, me };
}

/** Whether the signed-in person may do what needs `role` (buttons are hidden otherwise). */
export function may(services: Services | undefined, role: Role): boolean {
  return services !== undefined && roleAllows(services.me.role, role);
}
