// The Node-only part of @floe/shared (`@floe/shared/node`): what the hub and the runner both need and a browser
// cannot have. Nothing here is imported by the browser-safe part.
export { type FetchFlowFileOptions, fetchFlowFile } from './fetch-flow-file.js';
export { type HttpGetOptions, type HttpResponse, httpGet, UrlRefusedError } from './http-get.js';
export { type HttpPostOptions, httpPost } from './http-post.js';
export { type Cidr, cidr, isPublicAddress, parseIp } from './public-address.js';
export { chooseLogFormat, type LogFormat, LogFormatSchema, readableLine } from './readable-log-line.js';
export { utf8Text } from './utf8-text.js';
