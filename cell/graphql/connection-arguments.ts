// A Pothos plugin: a connection's own argument mistakes (a cursor that does not decode, `first: -1`)
// are the client's, so they are answered as BAD_USER_INPUT on the argument. Pothos reports them as
// PothosValidationError before the field's resolver runs, which the server would otherwise mask
// and log as an unexpected error.
import SchemaBuilder, { BasePlugin, isThenable, PothosValidationError, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver } from "graphql";
import { badInput } from "./errors.js";

const PLUGIN = "connectionArguments";

/** The argument a connection's validation error is about and what to tell the client, or undefined. */
function mistake(error: PothosValidationError, args: Record<string, unknown>): [field: string, message: string] | undefined {
  if (/cursor/i.test(error.message)) return [args.before != null ? "before" : "after", "is not a cursor of this list"];
  const size = /^Argument "(first|last)" must be a non-negative integer/.exec(error.message);
  if (size) return [size[1]!, "must not be negative"];
  const pair = /^Arguments "(\w+)" and "(\w+)" are not supported at the same time/.exec(error.message);
  if (pair) return [pair[1]!, `cannot be combined with ${pair[2]}`];
  return undefined;
}

function asBadInput(error: unknown, args: object): unknown {
  const found = error instanceof PothosValidationError ? mistake(error, args as Record<string, unknown>) : undefined;
  return found ? badInput(...found) : error;
}

export class ConnectionArgumentsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(resolver: GraphQLFieldResolver<unknown, Types["Context"], object>, fieldConfig: PothosOutputFieldConfig<Types>): GraphQLFieldResolver<unknown, Types["Context"], object> {
    // Only connections: every other field keeps its resolver unwrapped.
    if (!("first" in fieldConfig.args && "after" in fieldConfig.args)) return resolver;
    return (parent, args, context, info) => {
      try {
        const result = resolver(parent, args, context, info);
        return isThenable(result)
          ? Promise.resolve(result).catch((error: unknown) => {
              throw asBadInput(error, args);
            })
          : result;
      } catch (error) {
        throw asBadInput(error, args);
      }
    };
  }
}

// Pothos registers plugins by declaration merging into its global namespace (as its own plugins do).
declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  export namespace PothosSchemaTypes {
    interface Plugins<Types extends SchemaTypes> {
      connectionArguments: ConnectionArgumentsPlugin<Types>;
    }
  }
}

SchemaBuilder.registerPlugin(PLUGIN, ConnectionArgumentsPlugin);
