// Expected errors (ControlPlaneError) reach the client with their code and field; anything else
// is masked to "Unexpected error." and logged, so internals never leak.
import { GraphQLError } from "graphql";
import { maskError as yogaMaskError } from "graphql-yoga";
import type { Logger } from "../../common/logger.js";
import { ControlPlaneError } from "../identity/errors.js";

export function errorMasker(log: Logger) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    const original = error instanceof GraphQLError ? error.originalError : error;
    if (original instanceof ControlPlaneError) {
      // A failure underneath (the registry, the SMS gateway) is for operators, not the caller.
      if (original.cause !== undefined) log.warn({ err: original.cause, code: original.code }, "GraphQL request refused over a failure underneath");
      return new GraphQLError(original.message, {
        nodes: error instanceof GraphQLError ? error.nodes : undefined,
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: { code: original.code, ...original.details },
      });
    }
    if (!(error instanceof GraphQLError) || error.originalError) log.error({ err: original }, "GraphQL resolver failed");
    return yogaMaskError(error, message, isDev);
  };
}
