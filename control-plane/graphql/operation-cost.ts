// How much one GraphQL operation may ask of the control plane. graphql-js resolves root fields
// concurrently, so one small request with many aliases of an expensive field (an owner's rollup,
// a Tenant read from the Kubernetes API) took every pooled connection and stalled sign-in and
// refresh for every tenant. Each field costs 1, expensive ones more; an operation over the limit
// is refused before anything runs. Fragments are costed once each, so nesting them cannot make
// the check itself expensive. Introspection is not counted (tools need its deep queries).
import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from "graphql";

export const OPERATION_LIMITS = { cost: 300, depth: 10 } as const;

/** Fields that cost more than 1: each reads much of the database, or calls the Kubernetes API. */
export const FIELD_COSTS: Readonly<Record<string, number>> = {
  ownerRollup: 250,
  platformTenantsPerCell: 100,
  platformCellHealth: 100,
  platformUsage: 100,
  signupTenant: 50,
  slugAvailability: 10,
  status: 10,
};

interface Cost {
  cost: number;
  depth: number;
}

export function operationCostRule(context: ValidationContext): ASTVisitor {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of context.getDocument().definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const costed = new Map<string, Cost>();

  const fragmentCost = (name: string, visiting: Set<string>): Cost => {
    const known = costed.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic spreads are other rules' errors; they cost nothing here.
    if (!fragment || visiting.has(name)) return { cost: 0, depth: 0 };
    visiting.add(name);
    const cost = selectionCost(fragment.selectionSet, visiting);
    visiting.delete(name);
    costed.set(name, cost);
    return cost;
  };

  const selectionCost = (set: SelectionSetNode, visiting: Set<string>): Cost => {
    let cost = 0;
    let depth = 0;
    for (const s of set.selections) {
      let inner: Cost;
      if (s.kind === Kind.FIELD) {
        if (s.name.value.startsWith("__")) continue;
        const below = s.selectionSet ? selectionCost(s.selectionSet, visiting) : { cost: 0, depth: 0 };
        inner = { cost: (FIELD_COSTS[s.name.value] ?? 1) + below.cost, depth: 1 + below.depth };
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        inner = selectionCost(s.selectionSet, visiting);
      } else {
        inner = fragmentCost(s.name.value, visiting);
      }
      cost += inner.cost;
      depth = Math.max(depth, inner.depth);
    }
    return { cost, depth };
  };

  return {
    OperationDefinition(node) {
      const { cost, depth } = selectionCost(node.selectionSet, new Set());
      if (cost > OPERATION_LIMITS.cost) {
        context.reportError(
          new GraphQLError(`this operation costs ${cost}, over the limit of ${OPERATION_LIMITS.cost}: ask for fewer rollups or lookups in one request`, {
            nodes: [node],
            extensions: { code: "QUERY_TOO_COMPLEX", limit: "cost" },
          }),
        );
      }
      if (depth > OPERATION_LIMITS.depth) {
        context.reportError(
          new GraphQLError(`this operation is ${depth} fields deep, over the limit of ${OPERATION_LIMITS.depth}`, { nodes: [node], extensions: { code: "QUERY_TOO_COMPLEX", limit: "depth" } }),
        );
      }
    },
  };
}
