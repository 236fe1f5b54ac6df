import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { webhookSignatureProblem } from './verify-webhook-signature.js';

const sign = (secret: string, body: string) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe('webhookSignatureProblem', () => {
  it("accepts GitHub's signature of the exact body, and nothing else", () => {
    const body = '{"zen":"héllo"}';
    expect(webhookSignatureProblem('s3cret', body, sign('s3cret', body))).toBeUndefined();
    expect(webhookSignatureProblem('s3cret', body, sign('other', body))).toBe('bad signature');
    expect(webhookSignatureProblem('s3cret', `${body} `, sign('s3cret', body))).toBe('bad signature');
    expect(webhookSignatureProblem('s3cret', body, sign('s3cret', body).toUpperCase())).toBe('bad signature');
    expect(webhookSignatureProblem('s3cret', body, 'sha256=')).toBe('bad signature');
    expect(webhookSignatureProblem('s3cret', body, undefined)).toBe('no signature');
    expect(webhookSignatureProblem('s3cret', body, '')).toBe('no signature');
    expect(webhookSignatureProblem('s3cret', body, [sign('s3cret', body)])).toBe('no signature');
  });
});
