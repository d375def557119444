// Lease-based leader election with client-go's timings (15 s lease, 10 s renew deadline, 2 s retry).
// Expiry is judged by the observer's own clock from when it last saw the lease change, as client-go
// does, so clock skew between replicas does not matter. Losing the lease calls onLost (the operator exits).
import type * as k8s from "@kubernetes/client-node";
import type { Logger } from "pino";
import { isConflict, isNotFound } from "./kube.js";

/** metav1.MicroTime: the apiserver insists on exactly six fractional digits. */
export const microTime = (date = new Date()) => date.toISOString().replace(/\.(\d{3})Z$/, ".$1000Z") as unknown as Date;

export interface LeaderElectionOptions {
  coordination: k8s.CoordinationV1Api;
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log: Logger;
  onStartedLeading: () => void;
  onLost: () => void;
  onLeaderChange?: (leader: string | undefined) => void;
}

export class LeaderElector {
  private stopped = false;
  private leading = false;
  private observedRecord = "";
  private observedAt = 0;
  private lastRenew = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;

  constructor(private readonly options: LeaderElectionOptions) {
    this.leaseMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryMs = options.retryPeriodMs ?? 2_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    void this.tick();
  }

  /** Stops campaigning; a leader releases the lease so a peer takes over at once. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.leading = false;
    try {
      const lease = await this.read();
      if (lease?.spec?.holderIdentity === this.options.identity) {
        const released = { ...lease, spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: microTime() } };
        await this.options.coordination.replaceNamespacedLease({ name: this.options.name, namespace: this.options.namespace, body: released });
        this.options.log.info({ lease: this.options.name }, "Released Lease");
      }
    } catch (error) {
      this.options.log.warn({ err: String(error) }, "Could not release Lease; peers take over when it expires");
    }
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    let ok = false;
    try {
      ok = await this.tryAcquireOrRenew();
    } catch (error) {
      this.options.log.warn({ err: String(error) }, "Lease request failed");
    }
    if (this.stopped) return;
    const now = Date.now();
    if (ok) {
      this.lastRenew = now;
      if (!this.leading) {
        this.leading = true;
        this.options.log.info({ lease: this.options.name, identity: this.options.identity }, "Acquired Lease");
        this.options.onStartedLeading();
      }
    } else if (this.leading && now - this.lastRenew > this.renewDeadlineMs) {
      this.leading = false;
      this.stopped = true;
      this.options.log.error({ lease: this.options.name }, "Lost Lease");
      this.options.onLost();
      return;
    }
    this.timer = setTimeout(() => void this.tick(), this.retryMs);
  }

  private read(): Promise<k8s.V1Lease | undefined> {
    const { coordination, name, namespace } = this.options;
    return coordination.readNamespacedLease({ name, namespace }).catch((error) => {
      if (isNotFound(error)) return undefined;
      throw error;
    });
  }

  /** One election round; true when this replica holds the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    const { coordination, name, namespace, identity } = this.options;
    const now = microTime();
    const spec: k8s.V1LeaseSpec = {
      holderIdentity: identity,
      leaseDurationSeconds: Math.round(this.leaseMs / 1000),
      acquireTime: now,
      renewTime: now,
      leaseTransitions: 0,
    };
    const lease = await this.read();
    if (!lease) {
      try {
        await coordination.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec } });
        return true;
      } catch (error) {
        if (isConflict(error) || (error as { code?: number }).code === 409) return false;
        throw error;
      }
    }
    const holder = lease.spec?.holderIdentity ?? "";
    const record = `${holder}/${String(lease.spec?.renewTime ?? "")}/${lease.metadata?.resourceVersion}`;
    if (record !== this.observedRecord) {
      if (holder !== this.observedRecord.split("/")[0]) this.options.onLeaderChange?.(holder || undefined);
      this.observedRecord = record;
      this.observedAt = Date.now();
    }
    const leaseMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    const heldByOther = holder !== "" && holder !== identity;
    if (heldByOther && Date.now() - this.observedAt < leaseMs) return false;

    const renewing = holder === identity;
    const body: k8s.V1Lease = {
      ...lease,
      spec: {
        ...spec,
        acquireTime: renewing ? lease.spec?.acquireTime : now,
        leaseTransitions: (lease.spec?.leaseTransitions ?? 0) + (renewing ? 0 : 1),
      },
    };
    try {
      // resourceVersion in the body makes a concurrent writer get 409: only one candidate wins.
      const updated = await coordination.replaceNamespacedLease({ name, namespace, body });
      this.observedRecord = `${identity}/${String(updated.spec?.renewTime ?? "")}/${updated.metadata?.resourceVersion}`;
      this.observedAt = Date.now();
      return true;
    } catch (error) {
      if (isConflict(error)) return false;
      throw error;
    }
  }
}
