// One jest config, two kinds of test:
//   *.test.ts      unit tests: pure logic, no services, run anywhere (`npm run test:unit`)
//   *.int.test.ts  integration tests: real Postgres, Redis and a Kubernetes control plane,
//                  started once by scripts/jest/global-setup.js (`npm test` runs both)
// ESM throughout (@kubernetes/client-node is ESM-only), so jest runs with --experimental-vm-modules.
const swc = [
  "@swc/jest",
  {
    jsc: { parser: { syntax: "typescript" }, target: "es2023", keepClassNames: true },
    module: { type: "es6" },
    sourceMaps: "inline",
  },
];

const common = {
  extensionsToTreatAsEsm: [".ts"],
  transform: { "^.+\\.ts$": swc },
  // Source imports use NodeNext's ".js" suffix; map them back to the .ts files.
  moduleNameMapper: { "^(\\.{1,2}/.*)\\.js$": "$1" },
  testEnvironment: "node",
  testPathIgnorePatterns: ["/node_modules/", "/dist/", "/.lsp/"],
};

const withServices = process.env.LSP_TEST_SCOPE !== "unit";

export default {
  projects: [
    { ...common, displayName: "unit", testMatch: ["<rootDir>/**/*.test.ts"], testPathIgnorePatterns: [...common.testPathIgnorePatterns, "\\.int\\.test\\.ts$"] },
    ...(withServices ? [{ ...common, displayName: "integration", testMatch: ["<rootDir>/**/*.int.test.ts"], testPathIgnorePatterns: common.testPathIgnorePatterns }] : []),
  ],
  ...(withServices ? { globalSetup: "<rootDir>/scripts/jest/global-setup.js", globalTeardown: "<rootDir>/scripts/jest/global-teardown.js" } : {}),
  testTimeout: 60_000,
};
