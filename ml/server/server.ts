// The ML pod's gRPC server: the four RPCs plus the standard grpc.health.v1 service. Errors map
// to one status each: bad input INVALID_ARGUMENT (field named), passed deadline
// DEADLINE_EXCEEDED, a cached-only call for an answer not held FAILED_PRECONDITION, anything else
// INTERNAL with details only in the log.
import { Server, ServerCredentials, status, type ServerUnaryCall, type ServiceDefinition, type sendUnaryData, type UntypedServiceImplementation } from "@grpc/grpc-js";
import { HealthImplementation } from "grpc-health-check";
import { createLogger, type Logger } from "../../common/index.js";
import { ForecastCache } from "../forecast/cache.js";
import { checkDeadline, DeadlineExceeded, deadlineOf } from "./deadline.js";
import { anomalies, NotCached, predictDemand, pricing, recommendations, type HandlerContext, type RecommendationsResponse } from "./handlers.js";
import { ML_SERVICE_NAME, mlServiceConstructor } from "./proto.js";
import { RecommendationCache } from "./recommendation-cache.js";
import { InvalidArgument } from "./validate.js";

export interface MlServerOptions {
  port?: number;
  host?: string;
  logger?: Logger;
  cache?: ForecastCache;
  /** Per-location GetRecommendations answers (ADR 0940). */
  recommendationCache?: RecommendationCache<RecommendationsResponse>;
}

export interface MlServer {
  port: number;
  close(): Promise<void>;
}

type Handler = (request: unknown, ctx: HandlerContext) => unknown;

/** Largest request accepted: a year of daily values for a few thousand items. */
const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export async function startMlServer(options: MlServerOptions = {}): Promise<MlServer> {
  const log = options.logger ?? createLogger("ml");
  const cache = options.cache ?? new ForecastCache();
  const recommendationCache = options.recommendationCache ?? new RecommendationCache<RecommendationsResponse>();
  const server = new Server({ "grpc.max_receive_message_length": MAX_MESSAGE_BYTES, "grpc.max_send_message_length": MAX_MESSAGE_BYTES });

  const unary = (method: string, handler: Handler) => (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
    const started = performance.now();
    const deadline = deadlineOf(call);
    try {
      const response = handler(call.request, { cache, recommendations: recommendationCache, checkpoint: (done, total) => checkDeadline(deadline, call, done, total) });
      log.debug({ method, ms: performance.now() - started }, "Served request");
      callback(null, response);
    } catch (err) {
      if (err instanceof InvalidArgument) return callback({ code: status.INVALID_ARGUMENT, details: err.message });
      if (err instanceof DeadlineExceeded) return callback({ code: status.DEADLINE_EXCEEDED, details: err.message });
      if (err instanceof NotCached) return callback({ code: status.FAILED_PRECONDITION, details: err.message });
      log.error({ err, method }, "Failed request");
      callback({ code: status.INTERNAL, details: "internal error in the ML pod" });
    }
  };

  const implementation: UntypedServiceImplementation = {
    PredictDemand: unary("PredictDemand", predictDemand),
    GetRecommendations: unary("GetRecommendations", recommendations),
    AnalyzePricing: unary("AnalyzePricing", pricing),
    DetectAnomalies: unary("DetectAnomalies", anomalies),
  };
  server.addService(withEncodingMemo(mlServiceConstructor().service, "GetRecommendations"), implementation);
  const health = new HealthImplementation({ "": "SERVING", [ML_SERVICE_NAME]: "SERVING" });
  health.addToServer(server);

  const host = options.host ?? "0.0.0.0";
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:${options.port ?? 0}`, ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  log.info({ port }, "Started ML gRPC server");

  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        health.setStatus("", "NOT_SERVING");
        health.setStatus(ML_SERVICE_NAME, "NOT_SERVING");
        // Let in-flight calls finish, but never hang shutdown on a stuck client.
        const timer = setTimeout(() => server.forceShutdown(), 5_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}

/**
 * A cached answer is the same object on every hit, so its protobuf encoding (~0.7 ms for a
 * location's advice in both languages) is done once and the bytes reused; objects are keys of a
 * WeakMap, so answers nobody holds any more take their bytes with them.
 */
function withEncodingMemo(service: ServiceDefinition, method: string): ServiceDefinition {
  const definition = service[method]!;
  const encoded = new WeakMap<object, Buffer>();
  const serialize = (value: object): Buffer => {
    let bytes = encoded.get(value);
    if (!bytes) {
      bytes = definition.responseSerialize(value);
      encoded.set(value, bytes);
    }
    return bytes;
  };
  return { ...service, [method]: { ...definition, responseSerialize: serialize } };
}
