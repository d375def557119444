export { apply, describe, get, remove, CliError, type Output } from "./commands.js";
export { resolveTarget, LOCAL_KUBECONFIG, type Target } from "./target.js";
export { renderTable, age, evaluatePath } from "./columns.js";
