import { describe, expect, it } from "@jest/globals";
import { CHUNKED_ERROR, CHUNKED_MORE, ChunkedFramer } from "./chunked.js";

function frame(text: string, pieces = 1): number {
  const buf = Buffer.from(text, "latin1");
  const framer = new ChunkedFramer(1024);
  const step = Math.ceil(buf.length / pieces);
  for (let start = 0; start < buf.length; start += step) {
    const sub = buf.subarray(0, Math.min(buf.length, start + step));
    const at = framer.feed(sub, start, sub.length);
    if (at !== CHUNKED_MORE) return at;
  }
  return CHUNKED_MORE;
}

describe("Given chunked bodies", () => {
  const body = "5\r\nhello\r\n1;name=value;x\r\n!\r\n0\r\nTrailer-A: 1\r\nTrailer-B: two\r\n\r\n";

  it("finds the end of the body, however the bytes are split, with extensions and trailers", () => {
    for (const pieces of [1, 2, 7, body.length]) expect(frame(body + "GET /next", pieces)).toBe(body.length);
    expect(frame("0\r\n\r\n")).toBe(5);
    expect(frame("A\r\n0123456789\r\n0\r\n\r\n")).toBe(20);
    expect(frame("5 ;ext\r\nhello\r\n0\r\n\r\n")).toBe(20);
    expect(frame("5\r\nhel")).toBe(CHUNKED_MORE);
  });

  it("counts payload bytes for the body limit", () => {
    const framer = new ChunkedFramer(1024);
    framer.feed(Buffer.from(body), 0, body.length);
    expect([framer.dataBytes, framer.done]).toEqual([6, true]);
  });

  it.each([
    ["a bare LF after the size", "5\nhello\r\n0\r\n\r\n"],
    ["a bare LF in an extension", "5;a\nhello\r\n0\r\n\r\n"],
    ["a CR without LF", "5\rhello\r\n0\r\n\r\n"],
    ["a non-hex size", "g\r\nhello\r\n0\r\n\r\n"],
    ["a negative size", "-5\r\nhello\r\n0\r\n\r\n"],
    ["a 0x prefix", "0x5\r\nhello\r\n0\r\n\r\n"],
    ["a size too large", "1000000000000\r\n"],
    ["whitespace after the size without an extension", "5 \r\nhello\r\n0\r\n\r\n"],
    ["data longer than its size", "3\r\nhello\r\n0\r\n\r\n"],
    ["a missing size", "\r\nhello\r\n0\r\n\r\n"],
    ["a control character in an extension", "5;a=\u0001\r\nhello\r\n0\r\n\r\n"],
    ["a trailer without a colon", "0\r\nTrailer\r\n\r\n"],
    ["an obs-folded trailer", "0\r\nA: b\r\n c\r\n\r\n"],
    ["a bare LF ending the body", "0\r\n\n"],
  ])("refuses %s", (_what, text) => {
    expect(frame(text)).toBe(CHUNKED_ERROR);
  });

  it("refuses trailers larger than allowed", () => {
    const framer = new ChunkedFramer(16);
    const text = `0\r\nX-Long: ${"a".repeat(40)}\r\n\r\n`;
    expect(framer.feed(Buffer.from(text), 0, text.length)).toBe(CHUNKED_ERROR);
  });
});
