// Billing: plans, subscriptions with proration, reproducible monthly invoices (CSV/PDF), payments
// and dunning that suspends a tenant through its Tenant resource.
export { migrateBilling, BILLING_MIGRATIONS_DIR } from "./migrate.js";
export { mulDivRound, formatVnd } from "./money.js";
export { parsePeriod, periodOf, localDateOf, localDayStart, InvalidPeriodError, BILLING_UTC_OFFSET_HOURS, type Period } from "./period.js";
export { DEFAULT_PLANS, planCatalog, PlanSchema, type Plan, type PlanCatalog } from "./plans.js";
export { DEFAULT_VAT, VIETNAM_REDUCED_VAT_PERIODS, vatConfig, vatRateOn, type VatConfig } from "./vat.js";
export { subscriptionSegments, CANCELLED, type PlanChange, type Segment } from "./segments.js";
export { computeInvoice, UnknownPlanError, type ComputedInvoice, type InvoiceInputs, type InvoiceLine, type SegmentUsage } from "./compute.js";
export { changePlan, planChanges, BillingInputError } from "./subscriptions.js";
export { prepareInvoice, issueInvoice, UsageNotCaughtUpError, getInvoice, listInvoices, recordPayment, invoiceNumber, type Invoice, type InvoiceStatus, type BillingConfig, type PreparedInvoice } from "./invoices.js";
export { invoiceCsv } from "./export-csv.js";
export { invoicePdf, DEFAULT_SELLER, type Seller } from "./export-pdf.js";
export { runDunning, dunningState, DunningIncompleteError, DEFAULT_DUNNING, type DunningPolicy, type DunningState, type DunningTransition } from "./dunning.js";
export { KubernetesTenantSuspender, MemoryTenantSuspender, TenantNotFoundError, SUSPENDED_REASON_ANNOTATION, type TenantSuspender } from "./suspension.js";
export { billingHttpHandler, type BillingHttpHandler, type BillingHttpOptions } from "./http.js";
export { issueMonth, subscribedTenants, type MonthRun } from "./run-month.js";
export { registerBillingSchema, type BillingAccess } from "./graphql.js";
