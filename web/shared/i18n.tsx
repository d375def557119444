// Vietnamese first, English available. One dictionary per language; a missing English string
// falls back to Vietnamese so nothing shows as a raw key.
import { createContext, useCallback, useContext, useMemo, useState, type ReactNode } from "react";

export type Lang = "vi" | "en";

const vi = {
  appName: "LocalStore",
  language: "Ngôn ngữ",
  switchLanguage: "English",
  signIn: "Đăng nhập",
  signOut: "Đăng xuất",
  signOutEverywhere: "Đăng xuất mọi thiết bị",
  challengeNeeded: "Số này vừa được yêu cầu mã quá nhiều lần. Hãy xác nhận bạn không phải người máy để nhận mã ngay.",
  signOutEverywhereConfirm: "Đăng xuất khỏi mọi điện thoại và máy tính đang đăng nhập tài khoản này, kể cả máy này?",
  signOutEverywhereFailed: "Chưa đăng xuất được mọi thiết bị",
  phone: "Số điện thoại",
  phoneHint: "Ví dụ 0912 345 678",
  sendCode: "Gửi mã",
  code: "Mã xác nhận (6 số)",
  codeSent: "Đã gửi mã đến {phone}.",
  verify: "Xác nhận",
  changePhone: "Đổi số điện thoại",
  loading: "Đang tải…",
  joinTitle: "Tham gia cửa hàng",
  joinExplain: "Số {phone} chưa là nhân viên của cửa hàng này. Nhập mã mời được gửi qua SMS.",
  inviteCode: "Mã mời",
  join: "Tham gia",
  retry: "Thử lại",
  sales: "Bán hàng",
  dashboard: "Tổng quan",
  location: "Chi nhánh",
  menu: "Thực đơn",
  noMenu: "Chưa có món nào trong thực đơn.",
  soldOut: "Hết",
  order: "Đơn hàng",
  emptyOrder: "Chạm vào món để thêm vào đơn.",
  add: "Thêm",
  remove: "Bớt",
  quantityOf: "Số lượng {name}",
  total: "Tổng cộng",
  payment: "Thanh toán",
  channel: "Hình thức",
  DINE_IN: "Tại chỗ",
  TAKEAWAY: "Mang đi",
  DELIVERY: "Giao hàng",
  CASH: "Tiền mặt",
  MOMO: "MoMo",
  ZALOPAY: "ZaloPay",
  VNPAY: "VNPay",
  CARD: "Thẻ",
  BANK_TRANSFER: "Chuyển khoản",
  recordSale: "Ghi đơn",
  recording: "Đang ghi…",
  clear: "Xoá đơn",
  saleRecorded: "Đã ghi đơn {total}.",
  todayRevenue: "Doanh thu hôm nay",
  todayOrders: "Số đơn hôm nay",
  averageTicket: "Trung bình mỗi đơn",
  hourly: "Doanh thu theo giờ",
  topItems: "Món bán chạy",
  item: "Món",
  quantity: "SL",
  revenue: "Doanh thu",
  noSales: "Chưa có đơn nào hôm nay.",
  recommendations: "Gợi ý",
  noRecommendations: "Không có gợi ý mới.",
  approve: "Duyệt",
  dismiss: "Bỏ qua",
  live: "Trực tiếp",
  offline: "Mất kết nối — đang thử lại",
  lastUpdate: "Cập nhật {time}",
  hour: "Giờ",
  orders: "Đơn",
  // Owner console
  ownerConsole: "Bảng điều khiển chủ quán",
  tenants: "Cửa hàng",
  overview: "Doanh số",
  staff: "Nhân viên",
  billing: "Thanh toán & hoá đơn",
  signup: "Đăng ký cửa hàng mới",
  displayName: "Tên cửa hàng",
  slug: "Địa chỉ (tên miền con)",
  slugHint: "3–40 ký tự a-z, 0-9 và '-'",
  ownerName: "Tên chủ quán",
  firstLocation: "Chi nhánh đầu tiên",
  plan: "Gói dịch vụ",
  STARTER: "Khởi đầu",
  GROWTH: "Phát triển",
  CHAIN: "Chuỗi",
  createTenant: "Tạo cửa hàng",
  creating: "Đang tạo…",
  provisioning: "Đang khởi tạo cửa hàng… ({phase})",
  ready: "Cửa hàng đã sẵn sàng",
  openStore: "Mở trang bán hàng",
  noTenants: "Bạn chưa có cửa hàng nào. Đăng ký cửa hàng đầu tiên bên dưới.",
  status: "Trạng thái",
  period: "Khoảng thời gian",
  last7: "7 ngày qua",
  last30: "30 ngày qua",
  byLocation: "Theo chi nhánh",
  daily: "Doanh thu theo ngày",
  inviteStaff: "Mời nhân viên",
  role: "Vai trò",
  STAFF: "Nhân viên",
  MANAGER: "Quản lý",
  OWNER: "Chủ quán",
  invite: "Gửi lời mời",
  invited: "Đã gửi lời mời đến {phone}.",
  pendingInvites: "Lời mời đang chờ",
  expires: "Hết hạn",
  name: "Tên",
  invoices: "Hoá đơn",
  noInvoices: "Chưa có hoá đơn nào.",
  invoiceNumber: "Số hoá đơn",
  due: "Hạn thanh toán",
  download: "Tải",
  paid: "Đã trả",
};

export type MessageKey = keyof typeof vi;

const en: Partial<Record<MessageKey, string>> = {
  language: "Language",
  switchLanguage: "Tiếng Việt",
  signIn: "Sign in",
  signOut: "Sign out",
  signOutEverywhere: "Sign out everywhere",
  challengeNeeded: "Too many codes were just asked for this number. Confirm you are human to get one now.",
  signOutEverywhereConfirm: "Sign out every phone and computer signed in to this account, this one included?",
  signOutEverywhereFailed: "Could not sign out every device",
  phone: "Phone number",
  phoneHint: "e.g. 0912 345 678",
  sendCode: "Send code",
  code: "Verification code (6 digits)",
  codeSent: "We sent a code to {phone}.",
  verify: "Verify",
  changePhone: "Use another phone",
  loading: "Loading…",
  joinTitle: "Join this store",
  joinExplain: "{phone} is not on this store's staff yet. Enter the invite code you received by SMS.",
  inviteCode: "Invite code",
  join: "Join",
  retry: "Retry",
  sales: "Sales",
  dashboard: "Dashboard",
  location: "Location",
  menu: "Menu",
  noMenu: "The menu has no items yet.",
  soldOut: "Sold out",
  order: "Order",
  emptyOrder: "Tap an item to add it to the order.",
  add: "Add",
  remove: "Remove",
  quantityOf: "Quantity of {name}",
  total: "Total",
  payment: "Payment",
  channel: "Channel",
  DINE_IN: "Dine in",
  TAKEAWAY: "Takeaway",
  DELIVERY: "Delivery",
  CASH: "Cash",
  CARD: "Card",
  BANK_TRANSFER: "Bank transfer",
  recordSale: "Record sale",
  recording: "Recording…",
  clear: "Clear",
  saleRecorded: "Sale of {total} recorded.",
  todayRevenue: "Today's revenue",
  todayOrders: "Orders today",
  averageTicket: "Average ticket",
  hourly: "Revenue by hour",
  topItems: "Top items",
  item: "Item",
  quantity: "Qty",
  revenue: "Revenue",
  noSales: "No sales yet today.",
  recommendations: "Recommendations",
  noRecommendations: "No new recommendations.",
  approve: "Approve",
  dismiss: "Dismiss",
  live: "Live",
  offline: "Disconnected — retrying",
  lastUpdate: "Updated {time}",
  hour: "Hour",
  orders: "Orders",
  ownerConsole: "Owner console",
  tenants: "Stores",
  overview: "Sales",
  staff: "Staff",
  billing: "Billing & invoices",
  signup: "Sign up a new store",
  displayName: "Store name",
  slug: "Address (subdomain)",
  slugHint: "3-40 of a-z, 0-9 and '-'",
  ownerName: "Owner name",
  firstLocation: "First location",
  plan: "Plan",
  STARTER: "Starter",
  GROWTH: "Growth",
  CHAIN: "Chain",
  createTenant: "Create store",
  creating: "Creating…",
  provisioning: "Setting up your store… ({phase})",
  ready: "Your store is ready",
  openStore: "Open the sales screen",
  noTenants: "You have no stores yet. Sign up your first one below.",
  status: "Status",
  period: "Period",
  last7: "Last 7 days",
  last30: "Last 30 days",
  byLocation: "By location",
  daily: "Revenue by day",
  inviteStaff: "Invite staff",
  role: "Role",
  STAFF: "Staff",
  MANAGER: "Manager",
  OWNER: "Owner",
  invite: "Send invite",
  invited: "Invite sent to {phone}.",
  pendingInvites: "Pending invites",
  expires: "Expires",
  name: "Name",
  invoices: "Invoices",
  noInvoices: "No invoices yet.",
  invoiceNumber: "Invoice number",
  due: "Due",
  download: "Download",
  paid: "Paid",
};

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

interface I18n {
  lang: Lang;
  setLang(lang: Lang): void;
  t: Translate;
}

const STORAGE_KEY = "lsp.lang";
const I18nContext = createContext<I18n | undefined>(undefined);

export function translate(lang: Lang, key: MessageKey, vars: Record<string, string | number> = {}): string {
  const template = (lang === "en" ? en[key] : undefined) ?? vi[key];
  return template.replace(/\{(\w+)\}/g, (_, name: string) => String(vars[name] ?? `{${name}}`));
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(() =>
    localStorage.getItem(STORAGE_KEY) === "en" ? "en" : "vi",
  );
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    document.documentElement.lang = next;
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(
    () => ({ lang, setLang, t: (key, vars) => translate(lang, key, vars) }),
    [lang, setLang],
  );
  document.documentElement.lang = lang;
  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const i18n = useContext(I18nContext);
  if (!i18n) throw new Error("useI18n outside I18nProvider");
  return i18n;
}

export function LanguageToggle() {
  const { lang, setLang, t } = useI18n();
  return (
    <button
      type="button"
      className="link"
      onClick={() => setLang(lang === "vi" ? "en" : "vi")}
      lang={lang === "vi" ? "en" : "vi"}
    >
      {t("switchLanguage")}
    </button>
  );
}
