import { describe, expect, it } from "@jest/globals";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { renderCrds } from "./crds.js";

const crdDir = resolve(import.meta.dirname, "..", "..", "..", "crds");

describe("Given the CRD source in operator/api/v1alpha1", () => {
  it.each(renderCrds().map((c) => [c.file, c.yaml]))("matches the committed crds/%s (run npm run crds:generate)", (file, yaml) => {
    expect(readFileSync(join(crdDir, file), "utf8")).toBe(yaml);
  });
});
