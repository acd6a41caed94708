// Validate FHIR JSON resources against base FHIR R4 with the npm `fhir` package (ADR 0122).
//
// Usage: node tests/fhir/validate_r4.mjs FILE...   (each file: one resource, a JSON array of
// resources, or NDJSON). Prints one JSON line per resource:
//   {"resourceType": ..., "id": ..., "valid": true|false, "messages": ["ERROR path: text", ...]}
// and exits 1 when any resource has an error. fhir.resources (Python) checks R4B models; this
// checks what R4 models differently (reference targets, cardinalities, required bindings).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const { Fhir } = require("fhir");

const fhir = new Fhir(); // the package's own base R4 StructureDefinitions and value sets

function resourcesIn(text) {
  const trimmed = text.trim();
  if (trimmed.startsWith("[")) return JSON.parse(trimmed);
  if (trimmed.startsWith("{") && !trimmed.includes("\n{")) return [JSON.parse(trimmed)];
  return trimmed.split("\n").filter((line) => line.trim()).map((line) => JSON.parse(line));
}

let failed = false;
for (const file of process.argv.slice(2)) {
  for (const resource of resourcesIn(readFileSync(file, "utf8"))) {
    const result = fhir.validate(resource, { errorOnUnexpected: true });
    const messages = result.messages
      .filter((m) => m.severity === "error" || m.severity === "fatal")
      .map((m) => `${m.severity.toUpperCase()} ${m.location}: ${m.message}`);
    if (messages.length) failed = true;
    process.stdout.write(
      JSON.stringify({
        resourceType: resource.resourceType,
        id: resource.id ?? null,
        valid: messages.length === 0,
        messages,
      }) + "\n",
    );
  }
}
process.exit(failed ? 1 : 0);
