// The cell side of usage metering and rollups: what the control plane reads from a cell.
export { readOutbox, MAX_OUTBOX_PAGE, DEFAULT_SETTLE_MS, type FeedEvent, type FeedOrder, type OutboxPage, type ReadOutboxOptions } from "./outbox.js";
export { readDailySales, MAX_DAILY_RANGE_DAYS, type DailyLocationSales, type DailyItemSales } from "./daily.js";
export { readUsageGauges, type UsageGauges } from "./gauges.js";
export { createUsageFeedHandler, type UsageFeedHandler, type UsageFeedOptions } from "./handler.js";
