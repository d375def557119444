// Recommendations in the cell: the ML pod's advice for a location, recorded for owners to approve
// or dismiss (GraphQL in cell/graphql/schema/recommendation.ts).
export { refreshLocationRecommendations, lastCompleteDay, type RefreshResult } from "./refresh.js";
export { recommendationsDataVersion, recommendationsInput } from "./ml-input.js";
export { refreshThrottle, REFRESH_INTERVAL_SECONDS, type RefreshThrottle } from "./throttle.js";
