// The one thing the extension takes from `ws` (bundled by build.mjs): a WebSocket class for the live API client.
declare module 'ws' {
  const WebSocket: new (url: string) => unknown;
  export default WebSocket;
}
