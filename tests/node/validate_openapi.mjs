// validate_openapi.mjs FILE: validates an OpenAPI document with
// @apidevtools/swagger-parser, then compiles every schema in it (the
// components' and each parameter's, body's and answer's) with ajv's JSON
// Schema 2020-12 validator in strict mode, so that a misspelt keyword
// ("requried") is an error instead of a schema that accepts anything.
// Exit 0 when valid, 1 with the reasons.
import SwaggerParser from '@apidevtools/swagger-parser';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';

const doc = JSON.parse(readFileSync(process.argv[2], 'utf8'));
try {
  await SwaggerParser.validate(structuredClone(doc));
} catch (e) {
  console.log(`invalid: ${e.message}`);
  process.exit(1);
}

const ajv = new Ajv2020({ strict: true, strictTypes: false, strictTuples: false, strictRequired: false });
addFormats(ajv);
ajv.addVocabulary(['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components', 'security',
  'tags', 'externalDocs']);
ajv.addSchema(doc, 'openapi.json');

// Every "schema" of the document, as JSON pointer tokens.
const found = [];
(function walk(v, tokens) {
  if (!v || typeof v !== 'object') return;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'schema' || (tokens.length === 2 && tokens[0] === 'components' && tokens[1] === 'schemas')) {
      found.push([...tokens, k]);
      continue;
    }
    walk(x, [...tokens, k]);
  }
})(doc, []);
const pointer = (t) => t.map((s) => '/' + encodeURIComponent(s.replace(/~/g, '~0').replace(/\//g, '~1'))).join('');
const bad = [];
for (const tokens of found) {
  try {
    ajv.getSchema('openapi.json#' + pointer(tokens));
  } catch (e) {
    bad.push(`${tokens.join('.')}: ${e.message}`);
  }
}
if (bad.length) {
  console.log(`invalid: ${bad.length} of ${found.length} schemas do not compile:\n${bad.join('\n')}`);
  process.exit(1);
}
console.log(`valid (${found.length} schemas compiled)`);
