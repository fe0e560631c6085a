// Validates every YAML document under the given directories against the JSON schemas shipped by the npm packages
// kubernetes-models (Kubernetes 1.27 API) and @kubernetes-models/prometheus-operator (ServiceMonitor, ...): required
// properties, types, enums and formats. Not strict: a property the schema does not define is not reported (as
// kubeconform without -strict). Strimzi resources (kafka.strimzi.io) have no schema package on the registries this
// project uses; they are listed as not schema-checked, and ManifestsTest (app module) checks their fields.
// Usage: node validate.mjs DIR... ; exit code 1 when a document is invalid or of an unknown kind.
import { createRequire } from "node:module";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { parseAllDocuments } from "yaml";

const require = createRequire(import.meta.url);

function yamlFiles(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== "node_modules") out.push(...yamlFiles(path));
    } else if (/\.ya?ml$/.test(name)) {
      out.push(path);
    }
  }
  return out;
}

function modelClass(apiVersion, kind) {
  const slash = apiVersion.indexOf("/");
  const group = slash < 0 ? "" : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  let module;
  if (group === "monitoring.coreos.com") {
    module = `@kubernetes-models/prometheus-operator/${group}/${version}/${kind}`;
  } else {
    module = `kubernetes-models/${group === "" ? "" : group + "/"}${version}/${kind}`;
  }
  try {
    return require(module)[kind] ?? null;
  } catch (e) {
    if (e.code === "MODULE_NOT_FOUND") return null;
    throw e;
  }
}

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: node validate.mjs DIR...");
  process.exit(2);
}
let valid = 0, invalid = 0, skipped = 0;
for (const file of dirs.flatMap(yamlFiles)) {
  const docs = parseAllDocuments(readFileSync(file, "utf8"));
  docs.forEach((doc, i) => {
    const where = `${relative(process.cwd(), file)} #${i + 1}`;
    if (doc.errors.length > 0) {
      console.log(`INVALID ${where}: YAML: ${doc.errors.map((e) => e.message).join("; ")}`);
      invalid++;
      return;
    }
    const obj = doc.toJS();
    if (obj === null || obj === undefined) return; // an empty document (comments only)
    const label = `${where} ${obj.kind ?? "?"} ${obj.metadata?.name ?? "?"}`;
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
      console.log(`INVALID ${label}: no apiVersion or kind`);
      invalid++;
      return;
    }
    if (obj.apiVersion.startsWith("kafka.strimzi.io/")) {
      console.log(`not schema-checked ${label} (${obj.apiVersion}: no Strimzi schema package; see ManifestsTest)`);
      skipped++;
      return;
    }
    const Model = modelClass(obj.apiVersion, obj.kind);
    if (Model === null) {
      console.log(`INVALID ${label}: no schema for ${obj.apiVersion} ${obj.kind}`);
      invalid++;
      return;
    }
    try {
      new Model(obj).validate();
      console.log(`valid ${label} (${obj.apiVersion})`);
      valid++;
    } catch (e) {
      console.log(`INVALID ${label}: ${e.message}`);
      invalid++;
    }
  });
}
console.log(`manifests: ${valid} valid, ${invalid} invalid, ${skipped} not schema-checked`);
process.exit(invalid > 0 || valid === 0 ? 1 : 0);
