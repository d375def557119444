// The chart folder's public entry: render and drive charts/lsp from TypeScript (tests, tooling).
export { helm, renderChart, renderError, parseManifests, find, type Manifest, type HelmResult, type RenderOptions } from "./testing/helm.js";
export { CHART_DIR, expectedChartFiles, actualChartFiles, writeChartFiles } from "./sync.js";
