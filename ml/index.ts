// The ML pod's public surface: the gRPC server, and the pure forecasting / recommendation
// functions the cell's client reuses for its rule-based fallback.
export type { Forecast, ForecastFn, ModelName } from "./forecast/types.js";
export { forecastSeries, MAX_HORIZON, type ForecastDay, type ForecastOptions, type SeriesForecast } from "./forecast/predict.js";
export { selectModel, MODELS, type Selection } from "./forecast/select.js";
export { backtest, originIndices, type BacktestOptions, type OriginScore } from "./forecast/backtest.js";
export { mase, smape, seasonalScale } from "./forecast/metrics.js";
export { densify, type DailyPoint, type DailySeries } from "./forecast/series.js";
export { toDayNumber, fromDayNumber, addDays } from "./forecast/dates.js";
export { readPizzaSales, parsePizzaSales, type SaleLine } from "./data/pizza-sales.js";
export { dailySeries, type SalesSeries } from "./data/pizza-series.js";
export { startMlServer, type MlServer, type MlServerOptions } from "./server/server.js";
export { mlServiceConstructor, PROTO_PATH, LOADER_OPTIONS, ML_SERVICE_NAME } from "./server/proto.js";
export { ForecastCache } from "./forecast/cache.js";
export { getRecommendations, ruleBasedRecommendations } from "./recommend/recommend.js";
export { recommendationInput } from "./server/handlers.js";
export { LIMITS as ML_REQUEST_LIMITS } from "./server/validate.js";
export { syntheticRecommendationInput } from "./recommend/synthetic.js";
export type { RecommendationInput, Recommendation, MenuItem, ItemDailySales, HourlySales, BasketCounts, Priority, RecommendationKind, Text } from "./recommend/types.js";
export { countBaskets, MIN_PAIR_ORDERS } from "./recommend/combos.js";
export { analyzePricing, type PricingResult, type PriceHistory, type PricePoint } from "./pricing/elasticity.js";
export { cachedRecommendationRequest, recommendationRequest } from "./server/wire.js";
export { RecommendationCache, type RecommendationCacheOptions } from "./server/recommendation-cache.js";
export type { RecommendationsResponse } from "./server/handlers.js";
