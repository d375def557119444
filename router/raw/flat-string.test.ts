import { flat } from "./flat-string.js";

describe("flat", () => {
  it("keeps every character of a head line built from pieces, latin1 bytes above 0x7f included", () => {
    const host = "pho-bo-hanoi.localstoreplatform.com";
    const built = `x-forwarded-host: ${host}\r\nx-forwarded-proto: https\r\nx-note: caf\u00e9 \u00ff\r\n\r\n`;
    expect(flat(built)).toBe(built);
    expect(Buffer.from(flat(built), "latin1")).toEqual(Buffer.from(built, "latin1"));
  });

  it("returns an empty string for an empty one", () => {
    expect(flat("")).toBe("");
  });
});
