// validate_openapi.mjs FILE: validates an OpenAPI document with
// @apidevtools/swagger-parser; exit 0 when valid, 1 with the reason.
import SwaggerParser from '@apidevtools/swagger-parser';
import { readFileSync } from 'node:fs';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  await SwaggerParser.validate(doc);
  console.log('valid');
} catch (e) {
  console.log(`invalid: ${e.message}`);
  process.exit(1);
}
