// Imports every type file (each registers its types and fields) and builds the schema.
import { builder } from "../builder.js";
import "./scalars.js";
import "./role.js";
import "./membership.js";
import "./user.js";
import "./tenant.js";
import "./staff.js";
import { registerControlPlaneRollups } from "../../rollups/index.js";

// Owner rollups and platform-ops views (issue 8), defined in control-plane/rollups.
registerControlPlaneRollups(builder);

builder.queryType({});
builder.mutationType({});

export const schema = builder.toSchema({ sortSchema: true });
