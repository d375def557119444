// Loads ml.proto at runtime (proto-loader): one source of truth for server and the cell's client,
// no generated code to drift.
import { loadPackageDefinition, type GrpcObject, type ServiceClientConstructor } from "@grpc/grpc-js";
import { loadSync, type Options } from "@grpc/proto-loader";
import { fileURLToPath } from "node:url";

export const PROTO_PATH = fileURLToPath(new URL("../proto/lsp/ml/v1/ml.proto", import.meta.url));

/** camelCase fields, defaults filled in, so handlers see complete plain objects. */
export const LOADER_OPTIONS: Options = { keepCase: false, longs: Number, enums: String, defaults: true, arrays: true, objects: true, oneofs: true };

let cached: ServiceClientConstructor | undefined;

export function mlServiceConstructor(): ServiceClientConstructor {
  if (!cached) {
    const definition = loadPackageDefinition(loadSync(PROTO_PATH, LOADER_OPTIONS));
    const v1 = ((definition.lsp as GrpcObject).ml as GrpcObject).v1 as GrpcObject;
    cached = v1.MlService as ServiceClientConstructor;
  }
  return cached;
}

export const ML_SERVICE_NAME = "lsp.ml.v1.MlService";
