// Validates the gateway's OpenAPI document with Redocly's OpenAPI linter: the document must be
// valid OpenAPI 3 (the "spec" rules) and pass the structural rules a client generator relies on.
// usage: node scripts/validate-openapi.mjs openapi.json
import { createConfig, lint } from '@redocly/openapi-core';

const file = process.argv[2] ?? 'openapi.json';
const config = await createConfig({
  rules: {
    struct: 'error', // the OpenAPI 3 schema itself
    'no-unresolved-refs': 'error',
    'operation-operationId-unique': 'error',
    'operation-operationId-url-safe': 'error',
    'path-parameters-defined': 'error',
    'path-declaration-must-exist': 'error',
    'no-identical-paths': 'error',
    'no-ambiguous-paths': 'error',
    'operation-parameters-unique': 'error',
    'operation-summary': 'error',
    'operation-description': 'error', // every method of the contract has its comment
    'no-server-example.com': 'error',
    'no-empty-servers': 'error',
    'no-path-trailing-slash': 'error',
    'no-invalid-media-type-examples': 'error',
    'no-enum-type-mismatch': 'error',
    'spec-components-invalid-map-name': 'error',
  },
});
const problems = await lint({ ref: file, config });
const errors = problems.filter((p) => p.severity === 'error');
for (const p of errors.slice(0, 40)) {
  const where = p.location?.[0]?.pointer ?? '';
  console.error(`${p.ruleId}: ${p.message} ${where}`);
}
console.log(`${file}: ${errors.length} errors, ${problems.length - errors.length} warnings`);
process.exit(errors.length ? 1 : 0);
