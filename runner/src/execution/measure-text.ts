// A log chunk's size in UTF-8 (for the log cap: log-cap.ts) and its lines (for the line an annotation names:
// drive-run.ts). Counting lines was a tenth of the runner's time on a task printing short lines: a JS loop calls indexOf once a line, ~13 ns each, 16 M times for 256 MiB of 17-byte
// lines. Here the text is written as UTF-8 into a WebAssembly memory (no JS string is made) and its newlines are
// counted 16 bytes at a time, ~6× faster. A newline byte is never part of a longer UTF-8 sequence, so counting bytes
// counts the text's '\n's. The module, by hand (there is no assembler in the build); its text form:
//   (module
//     (memory (export "memory") 2)
//     (func (export "count") (param $at i32) (param $end i32) (result i32) (local $n i32)
//       (block (loop
//         (br_if 1 (i32.ge_u (local.get $at) (local.get $end)))
//         (local.set $n (i32.add (local.get $n) (i32.popcnt (i8x16.bitmask
//           (i8x16.eq (v128.load (local.get $at)) (v128.const i8x16 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10 10)))))))
//         (local.set $at (i32.add (local.get $at) (i32.const 16)))
//         (br 0)))
//       (local.get $n)))
// It reads whole 16-byte blocks: the bytes after the text, up to the block's end, are zeroed first.
const MODULE =
  'AGFzbQEAAAABBwFgAn9/AX8DAgEABQMBAAIHEgIGbWVtb3J5AgAFY291bnQAAApAAT4BAX8CQANAIAAgAU8NASACIAD9AAAA/QwKCgoKCgoKCgoKCgoKCgoK/SP9ZGlqIQIgAEEQaiEADAALCyACCw==';
/** Longer texts (rare: output comes in pieces of about 64 KiB) are counted in JS rather than grow the memory. */
const MAX_CHARS = 256 * 1024;
const PAGE = 64 * 1024;

/** The part of WebAssembly used here (Node has it; the runner's TypeScript libraries do not declare it). */
type Wasm = {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: { memory: WasmMemory; count: (at: number, end: number) => number } };
};
type WasmMemory = { buffer: ArrayBuffer; grow(pages: number): number };

let counter: { memory: WasmMemory; count: (at: number, end: number) => number; bytes: Buffer } | undefined;

let last: { text: string; figures: { bytes: number; lines: number } } | undefined;

/**
 * The UTF-8 length of `text` and how many '\n' it holds. The log cap asks for the one and the line count for the
 * other of the same chunk, one after the other: the last text's figures are kept, so it is encoded once.
 */
export function measureText(text: string): { bytes: number; lines: number } {
  if (last?.text !== text) last = { text, figures: measure(text) };
  return last.figures;
}

function measure(text: string): { bytes: number; lines: number } {
  if (text.length > MAX_CHARS) return { bytes: Buffer.byteLength(text), lines: countLinesInJs(text) };
  counter ??= instantiate();
  // At most 3 bytes a UTF-16 unit, and a block of zeros after.
  const need = text.length * 3 + 16;
  if (counter.bytes.length < need) {
    counter.memory.grow(Math.ceil((need - counter.bytes.length) / PAGE));
    counter.bytes = Buffer.from(counter.memory.buffer);
  }
  const end = counter.bytes.write(text, 0);
  counter.bytes.fill(0, end, end + 16);
  return { bytes: end, lines: counter.count(0, end) };
}

function instantiate() {
  const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
  const { memory, count } = new wasm.Instance(new wasm.Module(Buffer.from(MODULE, 'base64'))).exports;
  return { memory, count, bytes: Buffer.from(memory.buffer) };
}

function countLinesInJs(text: string): number {
  let lines = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines++;
  return lines;
}
