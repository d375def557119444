// Sales import from POS CSV exports (library; the CLI is main.ts).
export { importSales, ImportError, type ImportOptions, type ImportReport, type ImportProgress, type Rejection } from "./importer.js";
export { MappingError, FIELDS as IMPORT_FIELDS } from "./mapping.js";
