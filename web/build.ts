// Builds the web apps with Vite into web/<app>/dist (served by the cell and the control plane).
//   npm run web:build                  both apps
//   npm run web:build -- tenant-app    one of them
import { buildWebApp, WEB_APPS, type WebApp } from "./build-apps.js";

const asked = process.argv.slice(2).filter((a) => a !== "--");
if (asked.includes("--help") || asked.includes("-h")) {
  console.log(
    `usage: npm run web:build [-- ${WEB_APPS.join(" | ")}]\nBuilds the web apps into web/<app>/dist; with no argument, both.`,
  );
  process.exit(0);
}
const unknown = asked.filter((a) => !WEB_APPS.includes(a as WebApp));
if (unknown.length) {
  console.error(`unknown app ${unknown.join(", ")}: choose from ${WEB_APPS.join(", ")}`);
  process.exit(2);
}
for (const app of asked.length ? (asked as WebApp[]) : WEB_APPS)
  console.log(`built ${await buildWebApp(app)}`);
