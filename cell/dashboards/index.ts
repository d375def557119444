export { dashboards, type Dashboards } from "./service.js";
export { noCache, redisDashboardCache, TTL_SECONDS, type DashboardCache } from "./cache.js";
export { loadSalesFigures, localDays, localToday, type SalesFigures, type HourFigure, type DayFigure, type ItemFigure, type ItemRow } from "./figures.js";
