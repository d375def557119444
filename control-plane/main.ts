// `npx tsx control-plane/main.ts --help`: runs app.localstoreplatform.com's API, or rotates keys.
import { Command, Option } from "commander";
import { loadKubeConfig } from "../common/kube-config.js";
import { createLogger } from "../common/logger.js";
import { startTracing, withTraceIds } from "../observability/index.js";
import { DirectoryKeyStore, KeyRing, MemoryKeyStore } from "./identity/keys.js";
import { ACCESS_TOKEN_TTL_SECONDS } from "./identity/access-tokens.js";
import { KubernetesTenantRegistry } from "./onboarding/kubernetes-registry.js";
import { MemoryTenantRegistry } from "./onboarding/memory-registry.js";
import type { SmsProvider } from "./identity/sms.js";
import { SpeedSmsProvider } from "./identity/speedsms.js";
import { TURNSTILE_SCRIPT_URL, TURNSTILE_VERIFY_URL, type OtpChallengeConfig } from "./identity/otp-challenge.js";
import { createControlPlane } from "./server.js";
import { startOwnerAdoption } from "./onboarding/owner-sync.js";
import { CustomObjectsApi } from "@kubernetes/client-node";
import pg from "pg";
import { GROUP, TENANT_PLURAL, VERSION, type Tenant } from "../operator/api/v1alpha1/index.js";

function adoptionPool(url: string): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on("error", () => {});
  return pool;
}

function kubernetesTenantList(): () => Promise<Tenant[]> {
  const api = loadKubeConfig().makeApiClient(CustomObjectsApi);
  return async () => ((await api.listClusterCustomObject({ group: GROUP, version: VERSION, plural: TENANT_PLURAL })) as { items: Tenant[] }).items;
}

// Lines logged while serving a traced request carry its traceId and spanId.
const log = withTraceIds(createLogger("control-plane"));

function required(name: string, value: string | undefined, hint: string): string {
  if (!value) {
    console.error(`control-plane: ${name} is required (${hint})`);
    process.exit(2);
  }
  return value;
}

interface ServeOptions {
  port: string;
  metricsPort?: string;
  host: string;
  databaseUrl?: string;
  redisUrl?: string;
  smsProvider: "outbox" | "speedsms";
  speedsmsAccessToken?: string;
  speedsmsSmsType: string;
  speedsmsSender: string;
  speedsmsUrl: string;
  signingKeysDir?: string;
  otpPepper?: string;
  tenantRegistry: string;
  trustProxy?: boolean;
  smsOutboxHttp?: boolean;
  otpChallengeSiteKey?: string;
  otpChallengeSecret?: string;
  otpChallengeVerifyUrl: string;
  otpChallengeScriptUrl: string;
}

/** Both halves of a Turnstile widget's keys, or neither (no challenge). */
function otpChallenge(opts: ServeOptions): OtpChallengeConfig | undefined {
  if (!opts.otpChallengeSiteKey && !opts.otpChallengeSecret) return undefined;
  return {
    siteKey: required("OTP_CHALLENGE_SITE_KEY", opts.otpChallengeSiteKey, "the Turnstile widget's site key, with OTP_CHALLENGE_SECRET"),
    secret: required("OTP_CHALLENGE_SECRET", opts.otpChallengeSecret, "the Turnstile widget's secret key, with OTP_CHALLENGE_SITE_KEY"),
    verifyUrl: opts.otpChallengeVerifyUrl,
    scriptUrl: opts.otpChallengeScriptUrl,
  };
}

function smsProvider(opts: ServeOptions): SmsProvider | "outbox" {
  if (opts.smsProvider === "outbox") return "outbox";
  return new SpeedSmsProvider({
    accessToken: required("SPEEDSMS_ACCESS_TOKEN", opts.speedsmsAccessToken, "the SpeedSMS API access token, with SMS_PROVIDER=speedsms"),
    smsType: Number(opts.speedsmsSmsType) as 2 | 3 | 4 | 5,
    sender: opts.speedsmsSender,
    baseUrl: opts.speedsmsUrl,
  });
}

const program = new Command()
  .name("control-plane")
  .description("LocalStore Platform control plane: phone sign-in, tokens and JWKS for every cell, tenant signup, staff invites.");

program
  .command("serve", { isDefault: true })
  .description("serve REST (/auth/*, /.well-known/jwks.json, /healthz, /readyz, /metrics) and GraphQL (/graphql)")
  .addOption(new Option("--port <port>", "port to listen on").env("PORT").default("8080"))
  .addOption(new Option("--metrics-port <port>", "serve /metrics on this port only (the public port then answers 404 there); unset: on the public port, to requests that came through no proxy").env("METRICS_PORT"))
  .addOption(new Option("--host <host>", "address to bind").env("HOST").default("0.0.0.0"))
  .addOption(new Option("--database-url <url>", "Postgres (schema control_plane is migrated on start)").env("DATABASE_URL"))
  .addOption(new Option("--redis-url <url>", "Redis for OTP codes, rate limits and the SMS outbox").env("REDIS_URL"))
  .addOption(new Option("--sms-provider <name>", "outbox: kept in Redis, not sent (development); speedsms: the SpeedSMS gateway").env("SMS_PROVIDER").choices(["outbox", "speedsms"]).default("outbox"))
  .addOption(new Option("--sms-outbox-http", "serve the outbox at GET /dev/sms-outbox — development only: anyone who reaches it reads every sign-in code").env("SMS_OUTBOX_HTTP"))
  .addOption(new Option("--speedsms-access-token <token>", "SpeedSMS API access token (with --sms-provider speedsms)").env("SPEEDSMS_ACCESS_TOKEN"))
  .addOption(new Option("--speedsms-sms-type <type>", "SpeedSMS sms_type: 2 random number, 3 brandname, 4 default brandname, 5 Android app").env("SPEEDSMS_SMS_TYPE").choices(["2", "3", "4", "5"]).default("2"))
  .addOption(new Option("--speedsms-sender <name>", "registered brandname (type 3) or device id (type 5)").env("SPEEDSMS_SENDER").default(""))
  .addOption(new Option("--speedsms-url <url>", "SpeedSMS API base URL").env("SPEEDSMS_URL").default("https://api.speedsms.vn/index.php"))
  .addOption(new Option("--signing-keys-dir <dir>", "directory of signing keys shared by replicas (a mounted Secret); a first key is created when empty. Omit only for a single dev process").env("SIGNING_KEYS_DIR"))
  .addOption(new Option("--otp-pepper <secret>", "secret (>= 16 chars) mixed into stored OTP hashes").env("OTP_PEPPER"))
  .addOption(new Option("--otp-challenge-site-key <key>", "Cloudflare Turnstile site key: a solved challenge gets a code past the phone-wide limits strangers can spend (ADR 0510); none without it").env("OTP_CHALLENGE_SITE_KEY"))
  .addOption(new Option("--otp-challenge-secret <secret>", "the Turnstile widget's secret key (with --otp-challenge-site-key)").env("OTP_CHALLENGE_SECRET"))
  .addOption(new Option("--otp-challenge-verify-url <url>", "Turnstile's Siteverify endpoint").env("OTP_CHALLENGE_VERIFY_URL").default(TURNSTILE_VERIFY_URL))
  .addOption(new Option("--otp-challenge-script-url <url>", "where browsers load the Turnstile widget").env("OTP_CHALLENGE_SCRIPT_URL").default(TURNSTILE_SCRIPT_URL))
  .addOption(new Option("--tenant-registry <kind>", "kubernetes: Tenant resources via KUBECONFIG or in-cluster; memory: in-process (dev)").env("TENANT_REGISTRY").choices(["kubernetes", "memory"]).default("memory"))
  .addOption(new Option("--trust-proxy", "take the client IP from X-Forwarded-For (only behind a proxy that sets it)").env("TRUST_PROXY"))
  .action(async (opts: ServeOptions) => {
    const port = Number(opts.port);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) required("PORT", undefined, `'${opts.port}' is not a port number`);
    const metricsPort = opts.metricsPort === undefined || opts.metricsPort === "" ? undefined : Number(opts.metricsPort);
    if (metricsPort !== undefined && (!Number.isInteger(metricsPort) || metricsPort < 1 || metricsPort > 65_535 || metricsPort === port)) {
      console.error(`control-plane: METRICS_PORT '${opts.metricsPort}' must be a port number (1-65535) other than PORT`);
      process.exit(2);
    }
    // Spans for every HTTP request (continuing the caller's traceparent); off without OTEL_EXPORTER_OTLP_ENDPOINT.
    const tracing = await startTracing("lsp-control-plane");
    const controlPlane = await createControlPlane({
      databaseUrl: required("DATABASE_URL", opts.databaseUrl, "e.g. postgres://user:pass@localhost:5432/lsp"),
      redisUrl: required("REDIS_URL", opts.redisUrl, "e.g. redis://localhost:6379"),
      otpPepper: required("OTP_PEPPER", opts.otpPepper, "a random secret of at least 16 characters"),
      keyStore: opts.signingKeysDir ? new DirectoryKeyStore(opts.signingKeysDir) : new MemoryKeyStore(),
      tenantRegistry: opts.tenantRegistry === "kubernetes" ? KubernetesTenantRegistry.fromDefault() : new MemoryTenantRegistry(),
      sms: smsProvider(opts),
      trustProxy: Boolean(opts.trustProxy),
      smsOutboxHttp: Boolean(opts.smsOutboxHttp) && opts.smsProvider === "outbox",
      otpChallenge: otpChallenge(opts),
      logger: log,
    });
    if (!opts.signingKeysDir) log.warn("SIGNING_KEYS_DIR is not set: signing keys live in memory and change on every restart");
    if (opts.smsProvider === "outbox") {
      if (opts.smsOutboxHttp) log.warn("SMS_OUTBOX_HTTP is on: every sign-in code is readable at /dev/sms-outbox — development only, never on a public address");
      else log.warn("SMS_PROVIDER=outbox: SMS (sign-in codes, invites) are kept, not sent; set SMS_PROVIDER=speedsms to send them");
    }
    // Metrics first: the public port never serves /metrics, not even for a moment.
    if (metricsPort !== undefined) await controlPlane.listenMetrics(metricsPort, opts.host);
    await controlPlane.listen(port, opts.host);
    // Owners of Tenants applied with kubectl get their owner membership, as signup gives it.
    const stopAdoption =
      opts.tenantRegistry === "kubernetes"
        ? startOwnerAdoption(adoptionPool(opts.databaseUrl!), kubernetesTenantList(), {
            onError: (err) => log.warn({ err }, "Owner adoption round failed"),
            onSkipped: (tenant, reason) => log.warn({ tenant, reason }, "Owner of a Tenant cannot log in"),
            onUnseenDeletionsHeld: (tenants) =>
              log.error({ tenants, count: tenants.length }, "Subscriptions of tenants with no Tenant in the cluster left running: too many at once to be deletions; check the cluster this control plane watches, and end real ones with `npm run billing -- plan --tenant <slug> --plan cancelled --from <day>`"),
          })
        : () => {};
    const stop = async (signal: string) => {
      stopAdoption();
      log.info({ signal }, "Stopping control plane");
      await controlPlane.close();
      await tracing?.stop();
      process.exit(0);
    };
    process.once("SIGTERM", () => void stop("SIGTERM"));
    process.once("SIGINT", () => void stop("SIGINT"));
  });

const keys = program.command("keys").description("manage access-token signing keys");
keys
  .command("rotate")
  .description("add a new signing key: published at once, signing after --lead, old keys retired after their tokens expired")
  .addOption(new Option("--signing-keys-dir <dir>", "the key directory the servers use").env("SIGNING_KEYS_DIR").makeOptionMandatory())
  .option("--lead <seconds>", "seconds between publishing the key and signing with it (> the servers' 30 s reload)", "60")
  .action(async (opts: { signingKeysDir: string; lead: string }) => {
    const ring = await new KeyRing(new DirectoryKeyStore(opts.signingKeysDir)).init();
    const key = await ring.rotate({ publishLeadSeconds: Number(opts.lead), accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS });
    console.log(`added key ${key.kid}: published now, signs from ${key.activateAt}`);
  });
keys
  .command("list")
  .description("show the keys in the directory and their activation and retirement times")
  .addOption(new Option("--signing-keys-dir <dir>", "the key directory").env("SIGNING_KEYS_DIR").makeOptionMandatory())
  .action(async (opts: { signingKeysDir: string }) => {
    for (const k of await new DirectoryKeyStore(opts.signingKeysDir).list()) console.log(`${k.kid}  activates ${k.activateAt}  retires ${k.retireAt ?? "-"}`);
  });

await program.parseAsync();
