// Validates an OpenAPI document with swagger-parser (schema and references).
//   node tests/openapi/validate.js docs/openapi.yaml
'use strict';

const SwaggerParser = require('@apidevtools/swagger-parser');

const file = process.argv[2];
if (!file) {
  console.error('usage: node validate.js OPENAPI_YAML');
  process.exit(2);
}
SwaggerParser.validate(file).then(
  (api) => console.log(`${file}: valid OpenAPI ${api.openapi}, ${Object.keys(api.paths).length} paths`),
  (err) => {
    console.error(`${file}: ${err.message}`);
    process.exit(1);
  });
