// The web apps' server-side entry: where the built apps live and how servers hand them out.
// The apps themselves (tenant-app/, owner-console/) are browser code built by Vite (web/build.ts).
import { fileURLToPath } from "node:url";
import { serveStatic, type StaticHandler } from "./serve/static.js";

export { serveStatic, type StaticHandler };

/** Built staff sales screen and dashboard, served by each cell on its tenant subdomain. */
export const TENANT_APP_DIST = fileURLToPath(new URL("./tenant-app/dist/", import.meta.url));
/** Built owner console, served by the control plane on app.<domain>. */
export const OWNER_CONSOLE_DIST = fileURLToPath(new URL("./owner-console/dist/", import.meta.url));

export const tenantApp = (): StaticHandler => serveStatic(TENANT_APP_DIST, "tenant");
export const ownerConsole = (): StaticHandler => serveStatic(OWNER_CONSOLE_DIST, "owner console");
