// Load tests: k6 scripts under k6/ (they run in k6, not Node), and the Node side that prepares a
// target and runs them (npm run loadtest, the smoke test).
export { busyMachineSlack, CELL_SCRIPT, describeLoad, PROFILE_NAMES, k6Environment, runK6, type K6Result, type K6RunOptions, type K6Summary, type MachineLoad, type MomoAccount, type ProfileName } from "./lib/k6.js";
export { prepareTenant, servingCell, startLocalTarget, type PreparedPlatform } from "./lib/local.js";
export { configureLocalPayments, loadTestMomoAccount } from "./lib/payments.js";
export { describeTenant, signIn, signupTenant, type LoadTarget } from "./lib/tenant-setup.js";
