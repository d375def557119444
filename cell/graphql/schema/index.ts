// The cell's GraphQL schema: imports every type file, then builds.
import { builder } from "../builder.js";
import "./scalars.js";
import "./enums.js";
import "./tenant.js";
import "./menu.js";
import "./dashboard.js";
import "./location.js";
import "./order.js";
import "./staff.js";
import "./recommendation.js";
import "../../realtime/graphql.js";

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: true });
