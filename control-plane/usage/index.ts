// Usage metering: cells' outbox → idempotent usage events in the control plane (schema billing).
export { UsageKinds, GaugeKinds, outboxEventId, gaugeEventId, translateFeedEvent, type UsageKind, type UsageEvent, type RejectedFeedEvent } from "./events.js";
export { ingestUsageEvents, recordRejects, type IngestResult } from "./ingest.js";
export { httpCellFeed, CellUnavailableError, CellFeedRequestError, type CellFeed, type FeedPage, type HttpCellFeedOptions } from "./feed-client.js";
export { pullTenantUsage, localDate, type PullOptions, type PullResult } from "./pull.js";
export { createUsageMetrics, feedLag, type UsageMetrics, type FeedLag } from "./metrics.js";
export { usageSummaries, lastGaugeBefore, type UsageSummary } from "./query.js";
export { subscriptionEnded } from "./ended.js";
