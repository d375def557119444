import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", ".lsp/", "cell/generated/", "**/*.d.ts", "**/web/dist/", "web/*/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { languageOptions: { globals: { ...globals.node } } },
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/consistent-type-imports": "error",
    },
  },
  // The web apps' browser code, bundled by Vite (docs/web.md).
  { files: ["web/shared/**", "web/*/src/**"], languageOptions: { globals: { ...globals.browser } } },
  // k6 scripts run in k6's JavaScript runtime, not Node.
  { files: ["loadtests/**/*.js", "**/fixtures/k6-*.js"], languageOptions: { globals: { __ENV: "readonly", __VU: "readonly", __ITER: "readonly" } } },
);
