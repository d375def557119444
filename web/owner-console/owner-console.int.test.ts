// The owner console in a real browser against the whole local platform: OTP sign-in on
// app.localhost, self-serve signup followed to a Ready tenant, then sales, staff and billing.
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { startE2ePlatform, viaRouter, type E2ePlatform } from "../../e2e/platform.js";
import { startFakeTurnstile, type FakeTurnstile } from "../../control-plane/testing/fake-turnstile.js";
import { buildForTest, launchChromium, screenshotsDir } from "../testing/browser.js";
import { controlPlaneGraphql, latestOtp, randomPhone, sellAndSync, sessionByOtp } from "../testing/platform.js";

const slug = `web-com-tam-${process.pid}`;
let platform: E2ePlatform;
let turnstile: FakeTurnstile;
let browser: Browser;
let page: Page;
const ownerPhone = randomPhone();
const shots = screenshotsDir();

beforeAll(async () => {
  turnstile = await startFakeTurnstile();
  const otpChallenge = { siteKey: turnstile.siteKey, secret: turnstile.secret, verifyUrl: turnstile.verifyUrl, scriptUrl: turnstile.scriptUrl };
  [platform] = await Promise.all([
    startE2ePlatform("web_owner", { otpChallenge }),
    buildForTest("owner-console"),
    buildForTest("tenant-app"),
  ]);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: "vi-VN" });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await turnstile?.stop();
});

describe("Given a new owner on the control plane's app domain", () => {
  it("signs in by phone OTP and is offered signup", async () => {
    await page.goto(platform.tenantUrl("app"));
    await page.getByLabel("Số điện thoại").fill(ownerPhone);
    const since = new Date(Date.now() - 1000).toISOString();
    await page.getByRole("button", { name: "Gửi mã" }).click();
    await page.getByLabel("Mã xác nhận").fill(await latestOtp(platform, ownerPhone, since));
    await page.getByRole("button", { name: "Xác nhận" }).click();
    await page.getByText("Bạn chưa có cửa hàng nào").waitFor({ timeout: 10_000 });
    expect(await page.getByRole("heading", { name: "Đăng ký cửa hàng mới" }).isVisible()).toBe(true);
  }, 30_000);

  it("signs a store up and follows it until the platform reports it Ready", async () => {
    await page.getByLabel("Tên cửa hàng").fill("Cơm Tấm Sài Gòn");
    await page.getByLabel("Địa chỉ (tên miền con)").fill(slug);
    await page.getByLabel("Tên chủ quán").fill("Anh Minh");
    await page.getByLabel("Chi nhánh đầu tiên").fill("Quận 3");
    await page.getByRole("button", { name: "Tạo cửa hàng" }).click();
    const status = page.getByTestId(`status-${slug}`);
    await status.waitFor({ timeout: 10_000 });
    if (shots) await page.screenshot({ path: join(shots, "owner-signup-provisioning.png"), fullPage: true });
    await page.getByText("Cửa hàng đã sẵn sàng").waitFor({ timeout: 60_000 });
    const link = await status.getByRole("link", { name: "Mở trang bán hàng" }).getAttribute("href");
    expect(link).toBe(platform.tenantUrl(slug));
    // The platform agrees: the Tenant is Ready and its cell answers on the subdomain.
    const token = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem("lsp.session") ?? "{}") as { accessToken?: string }).accessToken ??
        "",
    );
    const { tenant } = await controlPlaneGraphql<{ tenant: { status: { ready: boolean } } }>(
      platform,
      `query($s: String!) { tenant(slug: $s) { status { ready } } }`,
      { s: slug },
      token,
    );
    expect(tenant.status.ready).toBe(true);
    // Its cell serves the staff app on the new subdomain.
    const store = await browser.newPage();
    await store.goto(link!);
    await store.getByLabel("Số điện thoại").waitFor({ timeout: 10_000 });
    await store.close();
    if (shots) await page.screenshot({ path: join(shots, "owner-tenants-ready.png"), fullPage: true });
  }, 90_000);

  it("shows sales across locations with a chart once the cells' figures are synced", async () => {
    const token = await page.evaluate(
      () =>
        (JSON.parse(localStorage.getItem("lsp.session") ?? "{}") as { accessToken?: string }).accessToken ??
        "",
    );
    // 2 x 55.000 + 1 x 5.000, then 1 x 45.000: 160.000 đ over 2 orders.
    await sellAndSync(platform, slug, token, [
      [
        { itemIndex: 0, quantity: 2 },
        { itemIndex: 2, quantity: 1 },
      ],
      [{ itemIndex: 1, quantity: 1 }],
    ]);
    await page.getByRole("link", { name: "Doanh số" }).click();
    await page.getByTestId("rollup-revenue").filter({ hasText: "160.000" }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole("cell", { name: "Quận 3" }).count()).toBe(1);
    await page.getByRole("heading", { name: "Theo chi nhánh" }).waitFor({ timeout: 10_000 });
    expect(await page.getByRole("img", { name: "Doanh thu theo ngày" }).isVisible()).toBe(true);
    await page.getByLabel("30 ngày qua").check();
    await page.getByRole("heading", { name: "Theo chi nhánh" }).waitFor();
    if (shots) await page.screenshot({ path: join(shots, "owner-sales.png"), fullPage: true });
  }, 30_000);

  it("invites a staff member by phone and lists the pending invite", async () => {
    const staffPhone = randomPhone();
    await page.getByRole("link", { name: "Nhân viên" }).click();
    await page.getByLabel("Số điện thoại").fill(staffPhone);
    await page.getByLabel("Vai trò").selectOption("MANAGER");
    await page.getByRole("button", { name: "Gửi lời mời" }).click();
    await page.getByText(`Đã gửi lời mời đến ${staffPhone}`).waitFor({ timeout: 10_000 });
    await page.getByRole("heading", { name: "Lời mời đang chờ" }).waitFor();
    expect(await page.getByRole("cell", { name: staffPhone }).count()).toBe(1);
    if (shots) await page.screenshot({ path: join(shots, "owner-staff.png"), fullPage: true });
  }, 30_000);

  it("shows the billing page, empty before the first invoice run", async () => {
    await page.getByRole("link", { name: "Thanh toán & hoá đơn" }).click();
    await page.getByText("Chưa có hoá đơn nào.").waitFor({ timeout: 10_000 });
  }, 30_000);

  it("keeps the layout within a phone's width", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.getByRole("link", { name: "Cửa hàng" }).click();
    await page.getByText("Cửa hàng đã sẵn sàng").waitFor();
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth),
    ).toBeLessThanOrEqual(0);
    if (shots) await page.screenshot({ path: join(shots, "owner-tenants-phone.png"), fullPage: true });
  }, 30_000);

  it("signs out of this browser, or, once confirmed, of every device, and the control plane ends those sessions", async () => {
    const storedRefreshToken = () =>
      page.evaluate(() => (JSON.parse(localStorage.getItem("lsp.session") ?? "{}") as { refreshToken?: string }).refreshToken);
    // One refresh per token, so a token that still worked is spent and not tried twice (a second
    // try would be refused as reuse whatever sign-out did).
    const refreshRefusal = async (refreshToken: string) => {
      const reply = await fetch(`${platform.controlPlaneUrl}/auth/refresh`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ refreshToken }),
      });
      return reply.ok ? "accepted" : ((await reply.json()) as { error: { code: string } }).error.code;
    };
    const signInHere = async () => {
      const since = new Date(Date.now() - 1000).toISOString();
      await page.getByLabel("Số điện thoại").fill(ownerPhone);
      await page.getByRole("button", { name: "Gửi mã" }).click();
      await page.getByLabel("Mã xác nhận").fill(await latestOtp(platform, ownerPhone, since));
      await page.getByRole("button", { name: "Xác nhận" }).click();
      await page.getByRole("button", { name: "Đăng xuất", exact: true }).waitFor({ timeout: 10_000 });
    };

    const here = (await storedRefreshToken())!;
    const loggedOut = page.waitForResponse((r) => new URL(r.url()).pathname === "/auth/logout");
    await page.getByRole("button", { name: "Đăng xuất", exact: true }).click();
    await page.getByRole("button", { name: "Gửi mã" }).waitFor();
    expect((await loggedOut).status()).toBe(204);
    expect(await refreshRefusal(here)).toBe("REFRESH_TOKEN_INVALID");

    await signInHere();
    const elsewhere = (await sessionByOtp(platform, ownerPhone, "10.20.30.40")).refreshToken;
    const beforeEverywhere = (await storedRefreshToken())!;
    // Declining the confirmation changes nothing.
    page.once("dialog", (dialog) => void dialog.dismiss());
    await page.getByRole("button", { name: "Đăng xuất mọi thiết bị" }).click();
    expect(await storedRefreshToken()).toBe(beforeEverywhere);
    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByRole("button", { name: "Đăng xuất mọi thiết bị" }).click();
    await page.getByRole("button", { name: "Gửi mã" }).waitFor({ timeout: 10_000 });
    expect(await storedRefreshToken()).toBeUndefined();
    expect(await refreshRefusal(elsewhere)).toBe("REFRESH_TOKEN_INVALID");
    expect(await refreshRefusal(beforeEverywhere)).toBe("REFRESH_TOKEN_INVALID");
  }, 60_000);
});

describe("Given a stranger who spent a phone's sign-in codes from many addresses", () => {
  it("shows its owner the challenge (Turnstile), and solving it sends the code at once", async () => {
    const phone = randomPhone();
    for (let i = 1; i <= 10; i++) {
      const reply = await fetch(`${platform.controlPlaneUrl}/auth/otp/request`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-for": `10.66.0.${i}` },
        body: JSON.stringify({ phone }),
      });
      expect(reply.status).toBe(202);
    }
    // The owner's code is then the only one texted within the second before they solve the challenge.
    await new Promise((r) => setTimeout(r, 1_100));
    const context = await browser.newContext({ locale: "vi-VN" });
    try {
      const fresh = await context.newPage();
      await fresh.goto(platform.tenantUrl("app"));
      await fresh.getByLabel("Số điện thoại").fill(phone);
      await fresh.getByRole("button", { name: "Gửi mã" }).click();
      await fresh.getByText("Hãy xác nhận bạn không phải người máy").waitFor({ timeout: 10_000 });
      const since = new Date(Date.now() - 1000).toISOString();
      await fresh.getByLabel("Verify you are human").check();
      await fresh.getByLabel("Mã xác nhận").fill(await latestOtp(platform, phone, since));
      await fresh.getByRole("button", { name: "Xác nhận" }).click();
      await fresh.getByText("Bạn chưa có cửa hàng nào").waitFor({ timeout: 10_000 });
      expect(turnstile.calls.at(-1)?.remoteip).toBe("127.0.0.1");
    } finally {
      await context.close();
    }
  }, 60_000);
});

describe("Given a browser on another site", () => {
  it("refuses the control plane's API to a foreign origin but allows the tenant subdomain", async () => {
    const host = `app.localhost:${new URL(platform.routerUrl).port}`;
    const preflight = (origin: string) =>
      viaRouter(platform.routerUrl, host, "/auth/otp/request", {
        method: "OPTIONS",
        headers: { origin, "access-control-request-method": "POST" },
      }).then((r) => r.status);
    expect([await preflight("http://evil.example"), await preflight(platform.tenantUrl(slug))]).toEqual([
      403, 204,
    ]);
  });
});
