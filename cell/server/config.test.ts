import { describe, expect, it } from "@jest/globals";
import { CellConfigError, configFromEnv } from "./config.js";

const BASE = {
  DATABASE_URL: "postgres://cell_api:pw@127.0.0.1:5432/lsp",
  CELL_SCHEMA: "cell_shared_1",
  ROUTER_SIGNING_KEY: "router-signing-key-of-this-cell",
  JWKS_JSON: '{"keys":[]}',
};

function issues(env: NodeJS.ProcessEnv): string[] {
  try {
    configFromEnv(env);
  } catch (error) {
    if (error instanceof CellConfigError) return error.issues;
    throw error;
  }
  throw new Error("expected a CellConfigError");
}

describe("Given the cell's keys in its environment", () => {
  it("takes the previous keys of a rotation alongside the current ones, and has none outside a rotation", () => {
    const { config } = configFromEnv({ ...BASE, ROUTER_SIGNING_KEY_PREVIOUS: "previous-router-key-of-this-cell", PLATFORM_KEY: "platform-key-of-this-cell", PLATFORM_KEY_PREVIOUS: "previous-platform-key-of-this-cell" });
    expect(config).toMatchObject({
      routerSigningKey: "router-signing-key-of-this-cell",
      routerSigningKeyPrevious: "previous-router-key-of-this-cell",
      platformKey: "platform-key-of-this-cell",
      platformKeyPrevious: "previous-platform-key-of-this-cell",
    });
    const settled = configFromEnv({ ...BASE, PLATFORM_KEY: "platform-key-of-this-cell" }).config;
    expect([settled.routerSigningKeyPrevious, settled.platformKeyPrevious]).toEqual([undefined, undefined]);
  });

  it("refuses a short previous key, naming the variable, and a previous router key without a current one", () => {
    expect(issues({ ...BASE, ROUTER_SIGNING_KEY_PREVIOUS: "short" })).toEqual([expect.stringMatching(/^ROUTER_SIGNING_KEY_PREVIOUS: .*at least 16 characters/)]);
    expect(issues({ ...BASE, PLATFORM_KEY: "platform-key-of-this-cell", PLATFORM_KEY_PREVIOUS: "short" })).toEqual([expect.stringMatching(/^PLATFORM_KEY_PREVIOUS: .*at least 16 characters/)]);
    const { ROUTER_SIGNING_KEY: _current, ...withoutCurrent } = BASE;
    expect(issues({ ...withoutCurrent, ROUTER_SIGNING_KEY_PREVIOUS: "previous-router-key-of-this-cell" })).toEqual([expect.stringMatching(/^ROUTER_SIGNING_KEY: /)]);
  });

  it("refuses a previous platform key without a current one, saying so", () => {
    expect(issues({ ...BASE, PLATFORM_KEY_PREVIOUS: "previous-platform-key-of-this-cell" })).toEqual([expect.stringMatching(/^PLATFORM_KEY_PREVIOUS: is set without PLATFORM_KEY/)]);
  });
});
