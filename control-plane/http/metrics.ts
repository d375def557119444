// Prometheus metrics, one registry per control plane (tests run several in one process).
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";
import type { OtpOutcome } from "../identity/otp.js";
import type { RefreshOutcome } from "../identity/refresh-tokens.js";

export class ControlPlaneMetrics {
  readonly registry = new Registry();
  readonly requests = new Histogram({
    name: "control_plane_http_request_duration_seconds",
    help: "HTTP requests by route and status",
    labelNames: ["route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly otp = new Counter({ name: "control_plane_otp_events_total", help: "OTP requests and verifications by outcome", labelNames: ["outcome"] as const, registers: [this.registry] });
  readonly refresh = new Counter({ name: "control_plane_refresh_events_total", help: "Refresh-token uses by outcome (reused = a family was revoked)", labelNames: ["outcome"] as const, registers: [this.registry] });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "control_plane_" });
  }

  observeOtp = (outcome: OtpOutcome) => this.otp.inc({ outcome });
  observeRefresh = (outcome: RefreshOutcome) => this.refresh.inc({ outcome });
}
