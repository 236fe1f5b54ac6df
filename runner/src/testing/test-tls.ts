// Test helper (not a test): a self-signed certificate for 127.0.0.1 and localhost, made with the openssl command,
// so that tests can serve https the way GitHub does. Trust it with GIT_SSL_CAINFO (git), the `ca` option or
// NODE_EXTRA_CA_CERTS (Node).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type TestCertificate = { key: string; cert: string; certFile: string };

export function testCertificate(): TestCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'floe-tls-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=floe-test',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile };
}
