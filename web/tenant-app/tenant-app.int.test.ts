// The staff app in a real browser against the whole local platform: OTP sign-in on the tenant
// subdomain (cross-origin to app.localhost), a sale on one tab, the dashboard on another tab
// updating from the cell's push within a second.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { startE2ePlatform, type E2ePlatform } from "../../e2e/platform.js";
import { buildForTest, launchChromium, screenshotsDir } from "../testing/browser.js";
import {
  addRecommendation,
  cellGraphql,
  inviteStaff,
  latestOtp,
  randomPhone,
  readyTenantWithMenu,
  type ReadyTenant,
} from "../testing/platform.js";

const slug = `web-pho-${process.pid}`;
let platform: E2ePlatform;
let tenant: ReadyTenant;
let staffPhone: string;
let inviteCode: string;
let browser: Browser;
let context: BrowserContext;
let sales: Page;
let dashboard: Page;

const text = (page: Page, testId: string) =>
  page
    .getByTestId(testId)
    .innerText()
    .then((t) => t.replace(/\s/g, " "));

beforeAll(async () => {
  [platform] = await Promise.all([startE2ePlatform("web_tenant"), buildForTest("tenant-app")]);
  tenant = await readyTenantWithMenu(platform, slug);
  staffPhone = randomPhone();
  inviteCode = await inviteStaff(platform, tenant, staffPhone, "MANAGER");
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1024, height: 768 }, locale: "vi-VN" });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe("Given a Ready tenant with a menu and a manager invited by phone", () => {
  it("signs the manager in by phone OTP, redeems the invite, and shows the menu with prices in VND", async () => {
    sales = await context.newPage();
    await sales.goto(platform.tenantUrl(slug));
    await sales.getByLabel("Số điện thoại").fill(staffPhone);
    const since = new Date(Date.now() - 1000).toISOString();
    await sales.getByRole("button", { name: "Gửi mã" }).click();
    const code = await latestOtp(platform, staffPhone, since);
    await sales.getByLabel("Mã xác nhận").fill(code);
    await sales.getByRole("button", { name: "Xác nhận" }).click();
    // A first sign-in carries no membership of this tenant yet: the app asks for the invite code.
    await sales.getByLabel("Mã mời").fill(inviteCode);
    await sales.getByRole("button", { name: "Tham gia" }).click();
    const pho = sales.getByRole("button", { name: /Thêm Phở bò tái, 55\.000\s₫/ });
    await pho.waitFor({ timeout: 15_000 });
    expect(await sales.getByRole("heading", { name: "Thực đơn" }).isVisible()).toBe(true);
  }, 30_000);

  it("updates the dashboard in another tab within a second of recording a sale", async () => {
    dashboard = await context.newPage();
    await dashboard.goto(`${platform.tenantUrl(slug)}/dashboard`);
    await dashboard.locator("[data-testid=live-status][data-connected=true]").waitFor({ timeout: 15_000 });
    expect(await text(dashboard, "today-revenue")).toBe("0 ₫");

    await sales.getByRole("button", { name: /Thêm Phở bò tái/ }).click();
    await sales
      .getByRole("button", { name: /Thêm Phở bò tái/ })
      .first()
      .click();
    await sales
      .getByRole("button", { name: /Thêm Trà đá/ })
      .first()
      .click();
    await sales.getByLabel("MoMo").check();
    expect(await text(sales, "order-total")).toBe("115.000 ₫");

    const recorded = sales.waitForResponse(
      (r) => r.url().endsWith("/graphql") && (r.request().postData() ?? "").includes("createOrder"),
    );
    await sales.getByRole("button", { name: "Ghi đơn" }).click();
    const reply = await recorded;
    const committedAt = Date.now();
    expect(reply.status()).toBe(200);
    await dashboard.waitForFunction(
      () =>
        document.querySelector("[data-testid=today-revenue]")?.textContent?.replace(/\s/g, " ") ===
        "115.000 ₫",
      undefined,
      { timeout: 1_000 },
    );
    const seenAfterMs = Date.now() - committedAt;
    expect(seenAfterMs).toBeLessThan(1_000);
    expect(await text(dashboard, "today-orders")).toBe("1");
    await sales.getByText("Đã ghi đơn 115.000", { exact: false }).waitFor();
    // The detail panels follow shortly after the pushed totals.
    await dashboard.getByRole("cell", { name: "Phở bò tái" }).waitFor({ timeout: 5_000 });
  }, 30_000);

  it("records the sale exactly once, as the cell reports it", async () => {
    const { location } = await cellGraphql<{ location: { todayOrders: number; todayRevenue: number } }>(
      platform,
      slug,
      `query($id: ID!) { location(id: $id) { todayOrders todayRevenue } }`,
      { id: tenant.locationId },
      tenant.ownerToken,
    );
    const { todayOrders, todayRevenue } = location;
    expect({ todayOrders, todayRevenue }).toEqual({ todayOrders: 1, todayRevenue: 115_000 });
  });

  it("approves and dismisses recommendations from the dashboard", async () => {
    await addRecommendation(
      platform,
      slug,
      tenant.locationId,
      "Chuẩn bị thêm 20 tô phở",
      "Trưa thứ Bảy thường bán nhiều hơn 30%.",
    );
    await addRecommendation(
      platform,
      slug,
      tenant.locationId,
      "Tăng giá trà đá",
      "Giá thấp hơn các quán gần đây.",
    );
    await dashboard.reload();
    await dashboard.getByRole("heading", { name: "Chuẩn bị thêm 20 tô phở" }).waitFor({ timeout: 10_000 });
    if (screenshotsDir())
      await dashboard.screenshot({
        path: join(screenshotsDir()!, "tenant-dashboard-recommendations.png"),
        fullPage: true,
      });
    await dashboard.getByRole("button", { name: "Duyệt: Chuẩn bị thêm 20 tô phở" }).click();
    await dashboard.getByRole("button", { name: "Bỏ qua: Tăng giá trà đá" }).click();
    await dashboard.getByText("Không có gợi ý mới.").waitFor({ timeout: 5_000 });
    const decided = await cellGraphql<{ approved: { title: string }[]; dismissed: { title: string }[] }>(
      platform,
      slug,
      `{ approved: recommendations(status: APPROVED) { title } dismissed: recommendations(status: DISMISSED) { title } }`,
      {},
      tenant.ownerToken,
    );
    expect(decided).toEqual({
      approved: [{ title: "Chuẩn bị thêm 20 tô phở" }],
      dismissed: [{ title: "Tăng giá trà đá" }],
    });
  }, 30_000);

  it("refreshes a rejected access token once and carries on", async () => {
    // A token the cell refuses (as after its 15 minutes): the app swaps the refresh token for a new pair.
    await sales.evaluate(() => {
      const session = JSON.parse(localStorage.getItem("lsp.session")!) as { accessToken: string };
      localStorage.setItem("lsp.session", JSON.stringify({ ...session, accessToken: "not-a-valid-token" }));
    });
    await sales.reload();
    await sales
      .getByRole("button", { name: /Phở bò tái/ })
      .first()
      .waitFor({ timeout: 10_000 });
    const token = await sales.evaluate(
      () => (JSON.parse(localStorage.getItem("lsp.session")!) as { accessToken: string }).accessToken,
    );
    expect(token.split(".")).toHaveLength(3);
  }, 30_000);

  it("switches to English and keeps working at phone width", async () => {
    await dashboard.getByRole("button", { name: "English" }).click();
    await dashboard.getByText("Today's revenue").waitFor();
    await dashboard.setViewportSize({ width: 375, height: 740 });
    const overflow = await dashboard.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await sales.setViewportSize({ width: 375, height: 740 });
    await sales.reload();
    await sales.getByRole("button", { name: /Add Phở bò tái/ }).waitFor();
    expect(
      await sales.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);

    const dir = screenshotsDir();
    if (dir) {
      await sales.getByRole("button", { name: /Add Bún chả/ }).click();
      await sales.screenshot({ path: join(dir, "tenant-sales-phone.png"), fullPage: true });
      await dashboard.screenshot({ path: join(dir, "tenant-dashboard-phone-en.png"), fullPage: true });
      await dashboard.getByRole("button", { name: "Tiếng Việt" }).click();
      await dashboard.setViewportSize({ width: 1024, height: 768 });
      await sales.setViewportSize({ width: 1024, height: 768 });
      await sales.reload();
      await sales.getByRole("button", { name: /Thêm Phở bò tái/ }).click();
      await dashboard.screenshot({ path: join(dir, "tenant-dashboard-tablet.png"), fullPage: true });
      await sales.screenshot({ path: join(dir, "tenant-sales-tablet.png"), fullPage: true });
      const login = await browser.newPage({ viewport: { width: 1024, height: 768 } });
      await login.goto(platform.tenantUrl(slug));
      await login.getByLabel("Số điện thoại").waitFor();
      await login.screenshot({ path: join(dir, "tenant-login.png") });
      await login.close();
    }
  }, 30_000);
});
