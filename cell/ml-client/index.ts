// The cell's client for its ML pod: deadlines, 5-minute recommendation cache, circuit breaker
// with rule-based fallback, the nightly refresh and the approval-rate metric.
export { createMlClient, type MlClient, type MlClientOptions, type RecommendationsInput, type RecommendationsResult, type RecommendationsSource, type VersionedRecommendationsInput, type DemandSeries, type DemandForecast, type DemandResult } from "./client.js";
export { CircuitBreaker, type BreakerOptions, type BreakerState } from "./breaker.js";
export { refreshAll, type LocationToRefresh, type RefreshOutcome } from "./nightly.js";
export { approvalRates, type ApprovalRate, type RecommendationStatus } from "./approvals.js";
