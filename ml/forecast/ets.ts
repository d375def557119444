// Additive Holt-Winters in state-space (ETS) form: ETS(A,N,A) and ETS(A,Ad,A) with a weekly
// season. Written out rather than taken from augurs because augurs' ETS is non-seasonal, and
// because a grid fit over a few hundred days costs well under a millisecond, which is what lets
// a pod forecast thousands of item series per second.
import { normalForecast } from "./intervals.js";
import { imputeSeasonal } from "./series.js";
import { WEEK } from "./seasonal-naive.js";
import type { Forecast } from "./types.js";

interface Params {
  alpha: number;
  beta: number;
  gamma: number;
  phi: number;
}

interface Fit {
  params: Params;
  sse: number;
  n: number;
  level: number;
  trend: number;
  season: number[];
}

/**
 * Robust final states (ADR 0941): the parameter grid is scored with plain updates, then the
 * chosen parameters run once more with each update's error clipped at ROBUST_K times a running
 * scale of the errors (their mean absolute size, ignoring errors over SCALE_CAP times it). One
 * Thanksgiving-sized spike then moves the level and that weekday's season by a normal day's step
 * instead of dragging the next weeks' forecasts up. ROBUST_K was chosen on validation windows
 * before the benchmark's test period (docs/adr/0941-*.md); SCALE_WEIGHT and SCALE_CAP were set
 * beforehand. Clipping inside the grid too was no more accurate there and cost 60% more CPU.
 * The interval still comes from the raw one-step errors.
 */
const ROBUST_K = 0.75;
const SCALE_WEIGHT = 0.05;
const SCALE_CAP = 4;

const ALPHAS = [0.02, 0.05, 0.1, 0.2, 0.35, 0.5];
const GAMMAS = [0.01, 0.05, 0.1, 0.2];
const DAMPED = [
  { beta: 0.01, phi: 0.9 },
  { beta: 0.01, phi: 0.98 },
  { beta: 0.05, phi: 0.9 },
  { beta: 0.05, phi: 0.98 },
];

export function ets(values: readonly number[], horizon: number, level: number, period = WEEK): Forecast {
  const fit = fitEts(values, period);
  const { alpha, beta, gamma, phi } = fit.params;
  const sigma2 = fit.n > 0 ? fit.sse / fit.n : 0;
  const n = values.length;
  const point: number[] = [];
  const sd: number[] = [];
  let damp = 0;
  let cumVar = 0;
  for (let h = 1; h <= horizon; h++) {
    damp += phi ** h;
    point.push(fit.level + damp * fit.trend + fit.season[(n + h - 1) % period]!);
    sd.push(Math.sqrt(sigma2 * (1 + cumVar)));
    // Linear ETS h-step variance: sigma^2 (1 + sum c_j^2), c_j = alpha + beta*sum(phi^i) + gamma*[j % m == 0].
    const c = alpha + beta * damp + (h % period === 0 ? gamma : 0);
    cumVar += c * c;
  }
  return normalForecast(point, sd, level);
}

/**
 * ETS on log(1 + y): a multiplicative weekly shape (a busy Friday is "+60%", not "+40 units")
 * and, back-transformed, a median forecast, which is what minimises absolute error (MASE).
 * Quantiles map through the transform, so the interval stays valid.
 */
export function etsLog(values: readonly number[], horizon: number, level: number, period = WEEK): Forecast {
  const f = ets(values.map((v) => Math.log1p(v)), horizon, level, period);
  const back = (xs: number[]) => xs.map((x) => Math.max(0, Math.expm1(x)));
  return { point: back(f.point), lower: back(f.lower), upper: back(f.upper) };
}

/**
 * Grid search over smoothing parameters for ETS(A,N,N), ETS(A,N,A) and ETS(A,Ad,A), chosen by
 * AIC. The non-seasonal form wins on noisy item series whose weekly shape is mostly noise.
 */
export function fitEts(values: readonly number[], period = WEEK): Fit {
  if (values.length < 2 * period) throw new RangeError(`ETS needs at least ${2 * period} days of history, got ${values.length}`);
  const init = initialStates(values, period);
  const flat = { level: init.level, season: new Array<number>(period).fill(0) };
  let best: { fit: Fit; aic: number; init: typeof init } | undefined;
  const consider = (fit: Fit, k: number, from: typeof init) => {
    const score = aic(fit, k);
    if (!best || score < best.aic) best = { fit, aic: score, init: from };
  };
  for (const alpha of ALPHAS) consider(run(values, period, flat, { alpha, beta: 0, gamma: 0, phi: 0 }), 2, flat);
  let bestSeasonal: { fit: Fit; aic: number } | undefined;
  for (const alpha of ALPHAS) {
    for (const gamma of GAMMAS) {
      if (gamma > 1 - alpha) continue;
      const fit = run(values, period, init, { alpha, beta: 0, gamma, phi: 0 });
      const score = aic(fit, period + 2);
      if (!bestSeasonal || score < bestSeasonal.aic) bestSeasonal = { fit, aic: score };
    }
  }
  consider(bestSeasonal!.fit, period + 2, init);
  // A damped trend is tried only on top of the best seasonal smoothing: the full cross product
  // costs four times as much and the fit is the hot path of every forecast.
  const { alpha, gamma } = bestSeasonal!.fit.params;
  for (const { beta, phi } of DAMPED) consider(run(values, period, init, { alpha, beta, gamma, phi }), period + 5, init);
  return run(values, period, best!.init, best!.fit.params, true);
}

function aic(fit: Fit, k: number): number {
  if (fit.n === 0) return Infinity;
  return fit.n * Math.log(Math.max(fit.sse, 1e-9) / fit.n) + 2 * k;
}

function initialStates(values: readonly number[], period: number): { level: number; season: number[] } {
  const head = imputeSeasonal(values.slice(0, 2 * period), period);
  const weekMeans = [0, 1].map((w) => head.slice(w * period, (w + 1) * period).reduce((a, b) => a + b, 0) / period);
  const season = new Array<number>(period).fill(0);
  for (let i = 0; i < period; i++) season[i] = (head[i]! - weekMeans[0]! + head[i + period]! - weekMeans[1]!) / 2;
  return { level: weekMeans[0]!, season };
}

function run(values: readonly number[], period: number, init: { level: number; season: number[] }, params: Params, robust = false): Fit {
  const { alpha, beta, gamma, phi } = params;
  let level = init.level;
  let trend = 0;
  const season = init.season.slice();
  let sse = 0;
  let n = 0;
  // Robust runs: mean absolute error of the warm-up season, then an exponentially weighted one.
  let scale = 0;
  let warm = 0;
  for (let t = 0; t < values.length; t++) {
    const slot = t % period;
    const y = values[t]!;
    const base = level + phi * trend;
    if (Number.isNaN(y)) {
      level = base;
      trend *= phi;
      continue;
    }
    const e = y - base - season[slot]!;
    // The first season only warms the states up; scoring it would reward the initial guess.
    if (t >= period) {
      sse += e * e;
      n++;
    }
    let u = e;
    if (robust) {
      const size = Math.abs(e);
      if (t < period) {
        warm++;
        scale += (size - scale) / warm;
      } else {
        // A scale still at zero (a flat first week) neither clips nor caps, so it can grow.
        const limit = ROBUST_K * scale || Infinity;
        u = Math.max(-limit, Math.min(limit, e));
        scale += SCALE_WEIGHT * (Math.min(size, SCALE_CAP * scale || Infinity) - scale);
      }
    }
    level = base + alpha * u;
    trend = phi * trend + beta * u;
    season[slot] = season[slot]! + gamma * u;
  }
  return { params, sse, n, level, trend, season };
}
