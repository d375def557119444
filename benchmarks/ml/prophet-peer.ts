// The Prophet peer: augurs' Rust port of Prophet with Prophet's own Stan model compiled to WASM
// (@bsull/augurs-prophet-wasmstan), run in-process. Default settings, as a team would use
// Prophet out of the box: weekly seasonality on, yearly and daily left to Prophet's own rules.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { initSync, Prophet } from "@bsull/augurs/prophet";
import { optimizer } from "@bsull/augurs-prophet-wasmstan";
import type { Forecast } from "../../ml/index.js";

let ready = false;
const DAY_S = 86_400;

function ensureWasm(): void {
  if (ready) return;
  const entry = createRequire(import.meta.url).resolve("@bsull/augurs/prophet");
  initSync({ module: readFileSync(entry.replace(/prophet\.js$/, "prophet_bg.wasm")) });
  ready = true;
}

/** Same signature as the ML pod's models; missing days are simply left out of Prophet's input. */
export function prophetForecast(startDay: number, values: readonly number[], horizon: number, level: number): Forecast {
  ensureWasm();
  const ds: number[] = [];
  const y: number[] = [];
  values.forEach((v, i) => {
    if (Number.isNaN(v)) return;
    ds.push((startDay + i) * DAY_S);
    y.push(v);
  });
  const model = new Prophet({ optimizer, intervalWidth: level, uncertaintySamples: 0 });
  try {
    model.fit({ ds, y });
    const future: number[] = [];
    for (let h = 0; h < horizon; h++) future.push((startDay + values.length + h) * DAY_S);
    const p = model.predict({ ds: future });
    const lower = p.yhat.intervals?.lower ?? p.yhat.point;
    const upper = p.yhat.intervals?.upper ?? p.yhat.point;
    return { point: p.yhat.point.map((v) => Math.max(0, v)), lower: lower.map((v) => Math.max(0, v)), upper: upper.map((v) => Math.max(0, v)) };
  } finally {
    model.free();
  }
}
