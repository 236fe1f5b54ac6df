import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { decodeLogFrame, encodeLogFrame, type LogFrameHeader, logFrameAround } from './log-frame.js';

const texts = ['héllo\n', '', 'wörld 😀'].map((text) => new TextEncoder().encode(text));
const header: LogFrameHeader = {
  runId: 'run-1',
  epoch: 3,
  records: texts.map((text, i) => ({
    seq: 7 + i,
    node: 'build',
    attempt: 1,
    stream: 'out',
    at: 1.5,
    bytes: text.length,
  })),
};

describe('binary log frames', () => {
  it('carry the header and each record text byte for byte', () => {
    const decoded = decodeLogFrame(encodeLogFrame(header, texts), isUtf8);
    expect(decoded.ok && decoded.header).toEqual(header);
    expect(decoded.ok && decoded.texts.map((text) => new TextDecoder().decode(text))).toEqual([
      'héllo\n',
      '',
      'wörld 😀',
    ]);
  });

  it('are laid out around entries that are JSON already, in a buffer that may be a view into a larger one', () => {
    // Spaced as the runner's spool keeps them (still JSON), runId needing escapes.
    const entries = header.records.map((record) =>
      new TextEncoder().encode(JSON.stringify(record).replace('"bytes":', '"bytes":   ')),
    );
    const runId = 'run "1"\n';
    // A small Buffer.allocUnsafe is a view into Node's pool, at an offset.
    const { frame, entryAt, textAt } = logFrameAround(
      runId,
      3,
      entries.map((entry) => entry.length),
      texts.reduce((sum, text) => sum + text.length, 0),
      Buffer.allocUnsafe,
    );
    expect(frame.byteOffset).toBeGreaterThan(0);
    for (const [i, entry] of entries.entries()) frame.set(entry, entryAt[i] as number);
    let at = textAt;
    for (const text of texts) {
      frame.set(text, at);
      at += text.length;
    }
    expect(at).toBe(frame.length);
    const decoded = decodeLogFrame(frame, isUtf8);
    expect(decoded.ok && decoded.header).toEqual({ ...header, runId });
    expect(decoded.ok && Buffer.concat(decoded.texts)).toEqual(Buffer.concat(texts));
  });

  it('read a frame inside a larger buffer by its own bytes only (a view, as ws hands them)', () => {
    const frame = encodeLogFrame(header, texts);
    const larger = new Uint8Array(frame.length + 6);
    larger.set(frame, 3);
    const decoded = decodeLogFrame(larger.subarray(3, 3 + frame.length), isUtf8);
    expect(decoded.ok && decoded.texts.map((text) => text.length)).toEqual(texts.map((text) => text.length));
  });

  it('refuse every malformed frame, saying why, and never throw', () => {
    const good = encodeLogFrame(header, texts);
    const withHeader = (json: string) => {
      const bytes = new TextEncoder().encode(json);
      const frame = new Uint8Array(4 + bytes.length);
      new DataView(frame.buffer).setUint32(0, bytes.length);
      frame.set(bytes, 4);
      return frame;
    };
    const cases: [Uint8Array, string][] = [
      [new Uint8Array(0), 'shorter than its header length'],
      [new Uint8Array([0, 0, 0]), 'shorter than its header length'],
      [new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x7b]), 'does not fit the frame'],
      [withHeader('{"runId":'), 'header is not JSON'],
      [withHeader('"\udfff"').map((b, i) => (i === 5 ? 0xff : b)), 'header is not JSON'],
      [withHeader('{"runId":"r","epoch":-1,"records":[]}'), 'invalid binary frame header at epoch'],
      [
        withHeader(JSON.stringify({ ...header, records: [{ ...header.records[0], stream: 'tty' }] })),
        'at records.0.stream',
      ],
      [withHeader(JSON.stringify({ ...header, records: [{ ...header.records[0], bytes: -1 }] })), 'at records.0.bytes'],
      [good.subarray(0, good.length - 1), 'shorter than its records (seq 9)'],
      [new Uint8Array([...good, 0x61]), '1 bytes after its records'],
      [
        encodeLogFrame({ ...header, records: [{ ...header.records[0], bytes: 2 }] } as LogFrameHeader, [
          new Uint8Array([0xc3, 0x28]),
        ]),
        'text of seq 7 is not UTF-8',
      ],
    ];
    for (const [frame, why] of cases) {
      const decoded = decodeLogFrame(frame, isUtf8);
      expect(decoded.ok).toBe(false);
      expect(!decoded.ok && decoded.message).toContain(why);
    }
  });
});
