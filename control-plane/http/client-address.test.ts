import type { IncomingMessage } from "node:http";
import { clientAddress, rateKey } from "./client-address.js";

const request = (remoteAddress: string, forwardedFor?: string | string[]) =>
  ({ socket: { remoteAddress }, headers: forwardedFor === undefined ? {} : { "x-forwarded-for": forwardedFor } }) as unknown as IncomingMessage;

describe("clientAddress", () => {
  it("takes the entry the nearest proxy added, not one the client wrote", () => {
    expect(clientAddress(request("10.0.0.5", "6.6.6.6, 203.0.113.9"), true)).toBe("203.0.113.9");
    expect(clientAddress(request("10.0.0.5", ["1.1.1.1", "203.0.113.9"]), true)).toBe("203.0.113.9");
    expect(clientAddress(request("10.0.0.5", "203.0.113.9"), true)).toBe("203.0.113.9");
  });

  it("ignores X-Forwarded-For unless told the proxy in front sets it", () => {
    expect(clientAddress(request("198.51.100.7", "203.0.113.9"), false)).toBe("198.51.100.7");
    expect(clientAddress(request("198.51.100.7", " , "), true)).toBe("198.51.100.7");
  });
});

describe("rateKey", () => {
  it("counts IPv6 clients by their /64", () => {
    expect(rateKey("2001:db8:0:1:aaaa:bbbb:cccc:dddd")).toBe("2001:db8:0:1::/64");
    expect(rateKey("2001:db8:0:1::42")).toBe("2001:db8:0:1::/64");
    expect(rateKey("2001:DB8::1")).toBe("2001:db8:0:0::/64");
    expect(rateKey("::1")).toBe("0:0:0:0::/64");
  });

  it("keeps IPv4 as is, also when mapped into IPv6", () => {
    expect(rateKey("203.0.113.9")).toBe("203.0.113.9");
    expect(rateKey("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(rateKey("unknown")).toBe("unknown");
  });
});
