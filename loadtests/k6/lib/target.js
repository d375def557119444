// Where the load goes, from the environment only (k6 has no flags for script input). The npm
// runner (loadtests/main.ts) fills these in; in a cluster the Job manifest sets them.

function required(name, why) {
  const value = __ENV[name];
  if (!value) throw new Error(`${name} is required: ${why}`);
  return value;
}

export function readTarget() {
  const baseUrl = required("TARGET_URL", "the tenant's URL through the router, e.g. http://pho-bo-hanoi.localhost:8080").replace(/\/$/, "");
  return {
    baseUrl,
    wsUrl: baseUrl.replace(/^http/, "ws"),
    token: required("ACCESS_TOKEN", "a control-plane access token with a membership for the tenant"),
    locationId: required("LOCATION_ID", "the location whose dashboard is read and where sales are recorded"),
    menuItemId: required("MENU_ITEM_ID", "a menu item sold by the sales writes"),
    momo: __ENV.MOMO_PARTNER_CODE
      ? { partnerCode: __ENV.MOMO_PARTNER_CODE, accessKey: required("MOMO_ACCESS_KEY", "with MOMO_PARTNER_CODE"), secretKey: required("MOMO_SECRET_KEY", "with MOMO_PARTNER_CODE") }
      : undefined,
    profile: __ENV.PROFILE || "smoke",
    subscribeSeconds: Number(__ENV.SUBSCRIBE_SECONDS || 10),
  };
}
