export default async function globalTeardown() {
  await globalThis.__LSP_TEST_SERVICES__?.stop();
  globalThis.__LSP_TEST_SERVICES__ = undefined;
}
