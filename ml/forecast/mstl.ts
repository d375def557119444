// MSTL + ETS from augurs (Rust compiled to WASM): STL-decomposes weekly (and, with two years of
// history, yearly) seasonality and forecasts the rest with ETS. The WASM module is instantiated
// synchronously once per process; Node's fetch cannot read the file: URL augurs defaults to.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initSync, MSTL } from "@bsull/augurs/mstl";
import type { Forecast } from "./types.js";
import { WEEK } from "./seasonal-naive.js";
import { imputeSeasonal } from "./series.js";

const YEAR = 365;
let ready = false;

function ensureWasm(): void {
  if (ready) return;
  const entry = createRequire(import.meta.url).resolve("@bsull/augurs/mstl");
  initSync({ module: readFileSync(entry.replace(/mstl\.js$/, "mstl_bg.wasm")) });
  ready = true;
}

export function mstlEts(values: readonly number[], horizon: number, level: number): Forecast {
  ensureWasm();
  const periods = values.length >= 2 * YEAR + WEEK ? [WEEK, YEAR] : [WEEK];
  const model = MSTL.ets(periods);
  try {
    // augurs' own imputation still left NaN for its ETS on some real series ("no model found").
    model.fit(Float64Array.from(imputeSeasonal(values)));
    const f = model.predict(horizon, level);
    const lower = f.intervals?.lower ?? f.point;
    const upper = f.intervals?.upper ?? f.point;
    return {
      point: f.point.map((p) => Math.max(0, p)),
      lower: lower.map((p) => Math.max(0, p)),
      upper: upper.map((p) => Math.max(0, p)),
    };
  } finally {
    model.free();
  }
}
