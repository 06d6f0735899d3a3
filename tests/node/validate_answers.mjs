// validate_answers.mjs DOC DIR: checks every answer an end-to-end test
// received (recorded in DIR by `get` in tests/cli/lib_http.sh) against the
// server's OpenAPI document DOC, with ajv's JSON Schema 2020-12 validator
// (OpenAPI 3.1's dialect) and ajv-formats, so that the document cannot
// drift from the code:
//
//   - the answer's route is found the way the router finds it (literal
//     segments first); HEAD is answered by the GET operation;
//   - its status must be one the operation describes; its required
//     headers must be there (and fit their schemas), its Content-Type one
//     of the response's media types, and its body fit that media type's
//     schema (JSON parsed; other types as a string);
//   - an answer to a path no route fits, or a method the path has not,
//     must be the router's JSON error (components.responses: NotFound,
//     MethodNotAllowed, BadRequest, ...);
//   - and for a success (2xx, 3xx) the request too: every query parameter
//     described and fitting its schema, the path parameters, and a JSON or
//     form body fitting the request body's schema.
//
// An answer is four files: ID.meta (the status, the method and the URL, a
// line each), ID.headers (the response's head as sent, curl -D), ID.args
// (NUL-separated: the test's name for the request, the URL, then the curl
// arguments that made it) and ID.body (absent when empty).
//
// Prints one line per problem, naming the request, route, status and the
// validator's message, then a summary; exits 1 when anything failed.
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [docPath, dir] = process.argv.slice(2);
if (!docPath || !dir) {
  console.error('usage: validate_answers.mjs OPENAPI.json ANSWERS_DIR');
  process.exit(2);
}
const doc = JSON.parse(readFileSync(docPath, 'utf8'));

// strict: an unknown keyword in a schema (a typo such as "requried") is an
// error, not a schema that accepts everything.
const ajvOptions = { allErrors: true, strict: true, strictTypes: false, strictTuples: false, strictRequired: false };
const ajv = new Ajv2020(ajvOptions);
addFormats(ajv);
// Parameters and headers travel as text: "5" is read as the integer 5.
const ajvText = new Ajv2020({ ...ajvOptions, coerceTypes: true });
addFormats(ajvText);
// The document is added whole, so that its "#/components/..." refs resolve;
// its top-level fields are OpenAPI's, not JSON Schema keywords.
const openapiFields = ['openapi', 'info', 'jsonSchemaDialect', 'servers', 'paths', 'webhooks', 'components',
  'security', 'tags', 'externalDocs'];
for (const a of [ajv, ajvText]) {
  a.addVocabulary(openapiFields);
  a.addSchema(doc, 'openapi.json');
}

const pointerOf = (tokens) =>
  tokens.map((t) => '/' + encodeURIComponent(String(t).replace(/~/g, '~0').replace(/\//g, '~1'))).join('');

const compiled = new Map();
function validatorAt(tokens, text) {
  const key = (text ? 't' : 'j') + pointerOf(tokens);
  if (!compiled.has(key)) {
    const a = text ? ajvText : ajv;
    compiled.set(key, a.getSchema('openapi.json#' + pointerOf(tokens)));
  }
  return compiled.get(key);
}

// A $ref'd object of the document, with the pointer tokens where it lives.
function deref(value, tokens) {
  for (let hops = 0; value && value.$ref && hops < 8; hops++) {
    const ref = value.$ref;
    if (!ref.startsWith('#/')) throw new Error(`$ref ${ref} is not local`);
    tokens = ref.slice(2).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    value = tokens.reduce((v, t) => (v === undefined ? v : v[t]), doc);
  }
  return [value, tokens];
}

function errorsText(validate) {
  return validate.errors
    .slice(0, 5)
    .map((e) => `${e.instancePath ? e.instancePath + ' ' : ''}${e.message}${e.params && e.params.additionalProperty ? ` ('${e.params.additionalProperty}')` : ''}${e.params && e.params.allowedValues ? ` ${JSON.stringify(e.params.allowedValues)}` : ''}`)
    .join('; ');
}

// ---- routes, as router.c matches them ------------------------------------------------------

const segmentsOf = (p) => (p === '/' ? [] : p.split('/').slice(1));
const routes = Object.keys(doc.paths).map((p) => ({ path: p, segs: segmentsOf(p) }));

function findPath(rawPath) {
  let segs;
  try {
    segs = segmentsOf(rawPath).map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  let best = null;
  for (const r of routes) {
    if (r.segs.length !== segs.length) continue;
    const params = {};
    let ok = true;
    for (let i = 0; ok && i < segs.length; i++) {
      const m = /^\{(.+)\}$/.exec(r.segs[i]);
      if (m) {
        params[m[1]] = segs[i];
        ok = segs[i] !== '';
      } else {
        ok = r.segs[i] === segs[i];
      }
    }
    if (!ok) continue;
    // the route with a literal segment earliest wins
    if (best) {
      const lit = (x, i) => !/^\{/.test(x.segs[i]);
      let i = 0;
      while (i < segs.length && lit(best, i) === lit(r, i)) i++;
      if (i === segs.length || lit(best, i)) continue;
    }
    best = { ...r, params };
  }
  return best;
}

// ---- the recorded requests: curl's arguments ---------------------------------------------------

const takesValue = new Set(['-X', '--request', '-H', '--header', '-d', '--data', '--data-ascii', '--data-binary',
  '--data-raw', '--data-urlencode', '-b', '--cookie', '-c', '--cookie-jar', '-D', '--dump-header', '-o', '--output',
  '-w', '--write-out', '-m', '--max-time', '--connect-timeout', '-u', '--user', '-A', '--user-agent', '-e',
  '--referer', '--limit-rate', '-F', '--form', '-T', '--upload-file', '--resolve', '-x', '--proxy']);

function readData(v, binary) {
  if (!v.startsWith('@')) return v;
  try {
    const text = readFileSync(v.slice(1), 'latin1');
    return binary ? text : text.replace(/[\r\n]/g, '');
  } catch {
    return null;
  }
}

function parseRequest(args) {
  const req = { headers: {}, data: [], get: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const v = takesValue.has(a) ? args[++i] : undefined;
    if (a === '-H' || a === '--header') {
      const c = v.indexOf(':');
      if (c > 0) req.headers[v.slice(0, c).trim().toLowerCase()] = v.slice(c + 1).trim();
    } else if (a === '-d' || a === '--data' || a === '--data-ascii') {
      req.data.push(readData(v, false));
    } else if (a === '--data-binary') {
      req.data.push(readData(v, true));
    } else if (a === '--data-raw') {
      req.data.push(v);
    } else if (a === '--data-urlencode') {
      const eq = v.indexOf('=');
      req.data.push(eq < 0 ? encodeURIComponent(v) : v.slice(0, eq + 1) + encodeURIComponent(v.slice(eq + 1)));
    } else if (a === '-G' || a === '--get') {
      req.get = true;
    }
  }
  req.body = req.data.length && req.data.every((d) => d !== null) ? req.data.join('&') : null;
  if (req.data.length && !req.headers['content-type']) req.headers['content-type'] = 'application/x-www-form-urlencoded';
  return req;
}

// ---- checking one answer --------------------------------------------------------------------------

const mediaOf = (ct) => (ct || '').split(';')[0].trim().toLowerCase();
const isJson = (m) => m === 'application/json' || m.endsWith('+json');

// For answers the router gives itself (no route fits the path or the method).
const routerAnswers = { 400: 'BadRequest', 404: 'NotFound', 405: 'MethodNotAllowed', 413: 'TooLarge',
  431: 'HeadersTooLarge', 500: 'InternalError', 503: 'Unavailable' };

function checkValue(problems, what, schemaTokens, value, text) {
  const validate = validatorAt(schemaTokens, text);
  if (!validate) {
    problems.push(`${what}: no schema at ${pointerOf(schemaTokens)}`);
    return;
  }
  if (!validate(value)) problems.push(`${what}: ${errorsText(validate)}`);
}

function checkResponse(problems, a, response, responseTokens) {
  for (const [name, h0] of Object.entries(response.headers || {})) {
    const [h, hTokens] = deref(h0, [...responseTokens, 'headers', name]);
    const got = a.headers[name.toLowerCase()];
    if (!got) {
      if (h.required) problems.push(`header ${name} is missing`);
      continue;
    }
    // a header sent more than once (Set-Cookie): every value must fit
    if (h.schema) for (const v of got) checkValue(problems, `header ${name}`, [...hTokens, 'schema'], v, true);
  }
  const content = response.content;
  if (a.method === 'HEAD') return;
  if (!content) {
    if (a.body.length) problems.push('a body, where the document describes none');
    return;
  }
  // x-without-content-type: an answer that is not ours (libmicrohttpd's 431) comes untyped: the
  // first media of the description is its (text/html)
  const media = !a.contentType && response['x-without-content-type'] ? mediaOf(Object.keys(content)[0]) : mediaOf(a.contentType);
  const key = Object.keys(content).find((k) => mediaOf(k) === media);
  if (key === undefined) {
    problems.push(`Content-Type ${a.contentType || '(none)'}, the document says ${Object.keys(content).join(' or ')}`);
    return;
  }
  let value = a.body.toString('utf8');
  if (isJson(media)) {
    try {
      value = JSON.parse(value);
    } catch (e) {
      problems.push(`the body is not JSON: ${e.message}`);
      return;
    }
  }
  checkValue(problems, 'body', [...responseTokens, 'content', key, 'schema'], value, false);
}

function checkRequest(problems, a, route, op, opTokens) {
  const params = (op.parameters || []).map((p, i) => deref(p, [...opTokens, 'parameters', i]));
  const url = new URL(a.url);
  const seen = new Set();
  for (const [name, value] of url.searchParams) {
    const found = params.find(([p]) => p.in === 'query' && p.name === name);
    if (!found) {
      problems.push(`request: query parameter ${name} is not described`);
      continue;
    }
    seen.add(name);
    checkValue(problems, `request: query parameter ${name}`, [...found[1], 'schema'], value, true);
  }
  for (const [p, tokens] of params) {
    if (p.in === 'query' && p.required && !seen.has(p.name)) problems.push(`request: query parameter ${p.name} is required`);
    if (p.in === 'path' && route.params[p.name] !== undefined)
      checkValue(problems, `request: path parameter ${p.name}`, [...tokens, 'schema'], route.params[p.name], true);
  }
  const req = parseRequest(a.args);
  const [body, bodyTokens] = op.requestBody ? deref(op.requestBody, [...opTokens, 'requestBody']) : [null, null];
  if (req.data.length === 0 || req.get) {
    if (body && body.required) problems.push('request: no body, where one is required');
    return;
  }
  if (!body) {
    return; // sent where none is read (the access walk's "{}" to a sign-out): ignored
  }
  if (req.body === null) return; // a file the test has removed since
  const media = mediaOf(req.headers['content-type']);
  const key = Object.keys(body.content).find((k) => mediaOf(k) === media);
  if (key === undefined) {
    problems.push(`request: Content-Type ${media}, the document says ${Object.keys(body.content).join(' or ')}`);
    return;
  }
  let value = req.body;
  if (isJson(media)) {
    try {
      value = JSON.parse(value);
    } catch (e) {
      problems.push(`request: the body is not JSON: ${e.message}`);
      return;
    }
  } else if (media === 'application/x-www-form-urlencoded') {
    value = Object.fromEntries(new URLSearchParams(value));
  }
  checkValue(problems, 'request: body', [...bodyTokens, 'content', key, 'schema'], value, false);
}

function check(a) {
  const problems = [];
  const path = new URL(a.url).pathname;
  const route = findPath(path);
  const method = a.method === 'HEAD' ? 'get' : a.method.toLowerCase();
  const op = route && doc.paths[route.path][method];
  if (!op) {
    const name = routerAnswers[a.status];
    if (!name) return { where: `${a.method} ${path} (no route)`, problems: [`status ${a.status}: the router answers 400, 404 or 405 here`] };
    const [response, tokens] = deref({ $ref: `#/components/responses/${name}` }, []);
    checkResponse(problems, a, response, tokens);
    return { where: `${a.method} ${path} (no route) ${a.status}`, problems };
  }
  const opTokens = ['paths', route.path, method];
  const where = `${a.method} ${route.path} (${op.operationId}) ${a.status}`;
  const r0 = op.responses[String(a.status)];
  if (!r0)
    return { where, problems: [`the document describes ${Object.keys(op.responses).join(', ')}, not ${a.status}`] };
  const [response, tokens] = deref(r0, [...opTokens, 'responses', String(a.status)]);
  checkResponse(problems, a, response, tokens);
  if (a.status >= 200 && a.status < 400) checkRequest(problems, a, route, op, opTokens);
  return { where, problems };
}

function load(id) {
  const meta = readFileSync(join(dir, id + '.meta'), 'utf8').split('\n');
  const args = readFileSync(join(dir, id + '.args'), 'utf8').split('\0');
  if (args.length && args[args.length - 1] === '') args.pop();
  // the last head (after a 100 Continue, or redirects followed): name -> values
  const headers = {};
  const headFile = join(dir, id + '.headers');
  const heads = existsSync(headFile) ? readFileSync(headFile, 'latin1').split(/\r?\n\r?\n/).filter((h) => h.startsWith('HTTP/')) : [];
  for (const line of (heads.pop() || '').split(/\r?\n/).slice(1)) {
    const c = line.indexOf(':');
    if (c > 0) (headers[line.slice(0, c).trim().toLowerCase()] ??= []).push(line.slice(c + 1).trim());
  }
  const bodyFile = join(dir, id + '.body');
  return {
    id,
    status: Number(meta[0]),
    method: meta[1] || 'GET',
    url: meta[2],
    headers,
    contentType: (headers['content-type'] || [])[0],
    name: args[0],
    args: args.slice(2),
    body: existsSync(bodyFile) ? readFileSync(bodyFile) : Buffer.alloc(0),
  };
}

const ids = existsSync(dir) ? [...new Set(readdirSync(dir).filter((f) => f.endsWith('.meta')).map((f) => f.slice(0, -5)))].sort() : [];
let valid = 0, failed = 0, skipped = 0;
for (const id of ids) {
  const a = load(id);
  if (!a.status) {
    skipped++; // no answer at all (the test expected none, or says so itself)
    continue;
  }
  let result;
  try {
    result = check(a);
  } catch (e) {
    result = { where: `${a.method} ${a.url}`, problems: [`cannot check: ${e.message}`] };
  }
  if (result.problems.length) {
    failed++;
    console.log(`FAIL: ${result.where} (request "${a.name}", ${id}): ${result.problems.join('; ')}`);
  } else {
    valid++;
  }
}
console.log(`validate_answers: ${valid} answers fit the document, ${failed} do not${skipped ? `, ${skipped} without an answer` : ''}`);
process.exit(failed ? 1 : 0);
