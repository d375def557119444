// The images folder's public entry: the Dockerfile linter (images/Dockerfile builds every image).
export { lintDockerfile, stages, type Finding, type Stage } from "./lint.js";
