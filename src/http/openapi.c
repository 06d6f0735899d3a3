/* openapi.c - see openapi.h.
 *
 * Why the descriptions are JSON files beside the handlers, not data in the
 * route tables: a schema is a tree, and JSON Schema written as JSON is what
 * readers, reviewers, editors and validators know; in a C table it would be
 * strings of escaped quotes, or C structs that are a schema language of
 * their own. The route table keeps what the server acts on (method,
 * pattern, access), the file what a client needs to know, and the route's
 * name ties them: pd_openapi_build refuses to let the server start when
 * the two drift apart, and the end-to-end tests validate every answer they
 * get against the document (tests/node/validate_answers.mjs). */
#include "http/openapi.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/request.h"

/* What a description file may hold under "components". */
static const char *const sections[] = {"schemas",       "responses",       "parameters", "headers",
                                       "requestBodies", "securitySchemes", NULL};

/* What an operation of a description file may hold. */
static const char *const op_fields[] = {"route",       "description", "parameters",
                                        "requestBody", "responses",   NULL};

/* The answers the server gives any route, whatever its handler does: a
 * query, path parameter, encoding or framing it cannot read (request.c,
 * router.c), a body over the route's ceiling, a head over --max-head, a
 * transfer coding it does not read, a failure, and the stop, a busy store
 * or a limit of the server's (server.h). */
static const pd_openapi_response server_responses[] = {
    {"400", "BadRequest"},    {"413", "TooLarge"},       {"431", "HeadersTooLarge"},
    {"500", "InternalError"}, {"501", "NotImplemented"}, {"503", "Unavailable"},
};

/* The schemes a non-public route accepts, either one (accounts.api.json). */
static const char *const schemes[] = {"bearer", "session"};

typedef struct build {
    json_t *components; /* merged: section -> name -> value */
    json_t *ops;        /* route name -> its description, until used */
    json_t *files;      /* route name or "section/name" -> the file it is in */
    pd_error *err;
} build;

static int listed(const char *s, const char *const *list)
{
    for (size_t i = 0; list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return 1;
    return 0;
}

static const char *file_of(const build *b, const char *key)
{
    const char *f = json_string_value(json_object_get(b->files, key));
    return f ? f : "?";
}

static int oom(pd_error *err)
{
    return pd_error_set(err, PD_ENOMEM, "out of memory building the OpenAPI document");
}

/* ---- loading the description files -------------------------------------------------------- */

/* Adds v to into as name, and the file it came from to b->files as key;
 * a name there already (what names it in the message) is refused. */
static int add_named(build *b, json_t *into, const char *name, json_t *v, const char *key,
                     const char *file, const char *what)
{
    if (json_object_get(into, name))
        return pd_error_set(b->err, PD_EINTERNAL, "%s is in both %s and %s: keep one", what,
                            file_of(b, key), file);
    if (json_object_set(into, name, v) || json_object_set_new(b->files, key, json_string(file)))
        return oom(b->err);
    return PD_OK;
}

static int load_components(build *b, const char *file, json_t *comp)
{
    if (!json_is_object(comp))
        return pd_error_set(b->err, PD_EINTERNAL, "%s: \"components\" is not an object", file);
    const char *section;
    json_t *entries;
    json_object_foreach(comp, section, entries)
    {
        if (!listed(section, sections) || !json_is_object(entries))
            return pd_error_set(b->err, PD_EINTERNAL,
                                "%s: components.%s: not a section of named components (known: "
                                "schemas, responses, parameters, headers, requestBodies, "
                                "securitySchemes)",
                                file, section);
        json_t *merged = json_object_get(b->components, section);
        if (!merged) {
            merged = json_object();
            if (!merged || json_object_set_new(b->components, section, merged))
                return oom(b->err);
        }
        const char *name;
        json_t *v;
        json_object_foreach(entries, name, v)
        {
            char key[256], what[300];
            snprintf(key, sizeof key, "%s/%s", section, name);
            snprintf(what, sizeof what, "components.%s.%s", section, name);
            int rc = add_named(b, merged, name, v, key, file, what);
            if (rc)
                return rc;
        }
    }
    return PD_OK;
}

static int load_operations(build *b, const char *file, json_t *ops)
{
    if (!json_is_object(ops))
        return pd_error_set(b->err, PD_EINTERNAL, "%s: \"operations\" is not an object", file);
    const char *name;
    json_t *op;
    json_object_foreach(ops, name, op)
    {
        if (!json_is_object(op))
            return pd_error_set(b->err, PD_EINTERNAL, "%s: operations.%s is not an object", file,
                                name);
        char what[300];
        snprintf(what, sizeof what, "the description of %s", name);
        int rc = add_named(b, b->ops, name, op, name, file, what);
        if (rc)
            return rc;
    }
    return PD_OK;
}

static int load_file(build *b, const pd_asset *d)
{
    json_error_t je;
    json_t *root = json_loadb((const char *)d->data, d->len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return pd_error_set(b->err, PD_EINTERNAL, "%s:%d:%d: %s", d->name, je.line, je.column,
                            je.text);
    int rc = PD_OK;
    if (!json_is_object(root))
        rc = pd_error_set(b->err, PD_EINTERNAL, "%s: not a JSON object", d->name);
    const char *key;
    json_t *v;
    if (rc == PD_OK)
        json_object_foreach(root, key, v)
        {
            if (strcmp(key, "components") == 0)
                rc = load_components(b, d->name, v);
            else if (strcmp(key, "operations") == 0)
                rc = load_operations(b, d->name, v);
            else
                rc = pd_error_set(b->err, PD_EINTERNAL,
                                  "%s: \"%s\": a description file holds \"operations\" and "
                                  "\"components\" only",
                                  d->name, key);
            if (rc)
                break;
        }
    json_decref(root);
    return rc;
}

/* ---- checks ---------------------------------------------------------------------------------- */

/* The component a local $ref names ("#/components/schemas/Creator"), or NULL. */
static json_t *component(const build *b, const char *ref)
{
    static const char prefix[] = "#/components/";
    if (strncmp(ref, prefix, sizeof prefix - 1) != 0)
        return NULL;
    const char *section = ref + sizeof prefix - 1;
    const char *slash = strchr(section, '/');
    if (!slash || strchr(slash + 1, '/') || !slash[1])
        return NULL;
    char name[64];
    size_t n = (size_t)(slash - section);
    if (n >= sizeof name)
        return NULL;
    memcpy(name, section, n);
    name[n] = '\0';
    return json_object_get(json_object_get(b->components, name), slash + 1);
}

/* Every "$ref" under v names a component. */
static int check_refs(const build *b, const json_t *v, const char *where)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++)
            if (check_refs(b, json_array_get(v, i), where))
                return b->err->code;
        return PD_OK;
    }
    if (!json_is_object(v))
        return PD_OK;
    const char *key;
    json_t *x;
    json_object_foreach((json_t *)v, key, x)
    {
        if (strcmp(key, "$ref") == 0) {
            const char *ref = json_string_value(x);
            if (!ref || !component(b, ref))
                return pd_error_set(b->err, PD_EINTERNAL,
                                    "%s: $ref %s names no component (refs look like "
                                    "\"#/components/schemas/Name\", defined in some .api.json)",
                                    where, ref ? ref : "(not a string)");
        } else if (check_refs(b, x, where)) {
            return b->err->code;
        }
    }
    return PD_OK;
}

/* A content map: each media type has a schema. */
static int check_content(const build *b, const json_t *content, const char *where)
{
    if (!json_is_object(content) || json_object_size(content) == 0)
        return pd_error_set(b->err, PD_EINTERNAL, "%s: \"content\" needs a media type", where);
    const char *media;
    json_t *m;
    json_object_foreach((json_t *)content, media, m)
    {
        if (!json_is_object(json_object_get(m, "schema")))
            return pd_error_set(b->err, PD_EINTERNAL, "%s: %s has no schema", where, media);
    }
    return PD_OK;
}

/* A response written out (not a $ref): a description, and a schema for
 * each media type of its content. */
static int check_response(const build *b, const json_t *r, const char *where)
{
    if (!json_is_object(r))
        return pd_error_set(b->err, PD_EINTERNAL, "%s: not an object", where);
    if (json_object_get(r, "$ref"))
        return PD_OK;
    if (!json_is_string(json_object_get(r, "description")))
        return pd_error_set(b->err, PD_EINTERNAL, "%s: a response needs a \"description\"", where);
    const json_t *content = json_object_get(r, "content");
    return content ? check_content(b, content, where) : PD_OK;
}

static int check_components(const build *b)
{
    const char *name;
    json_t *v;
    char where[160];
    json_object_foreach(json_object_get(b->components, "responses"), name, v)
    {
        char key[96];
        snprintf(key, sizeof key, "responses/%s", name);
        snprintf(where, sizeof where, "%s: components.responses.%s", file_of(b, key), name);
        if (check_response(b, v, where))
            return b->err->code;
    }
    json_object_foreach(json_object_get(b->components, "requestBodies"), name, v)
    {
        snprintf(where, sizeof where, "components.requestBodies.%s", name);
        if (check_content(b, json_object_get(v, "content"), where))
            return b->err->code;
    }
    json_object_foreach(b->components, name, v)
    {
        snprintf(where, sizeof where, "components.%s", name);
        if (check_refs(b, v, where))
            return b->err->code;
    }
    return PD_OK;
}

/* ---- one operation -------------------------------------------------------------------------- */

/* A parameter or a schema of a description, its $refs followed. */
static const json_t *resolved(const build *b, const json_t *p)
{
    for (int hops = 0; p && hops < 8; hops++) {
        const char *ref = json_string_value(json_object_get(p, "$ref"));
        if (!ref)
            return p;
        p = component(b, ref);
    }
    return NULL;
}

static json_t *path_parameter(const char *name, int is_int)
{
    json_t *schema = is_int ? json_pack("{s:s, s:i, s:I}", "type", "integer", "minimum", 0,
                                        "maximum", (json_int_t)INT64_MAX)
                            : json_pack("{s:s, s:i}", "type", "string", "minLength", 1);
    return json_pack("{s:s, s:s, s:b, s:o}", "name", name, "in", "path", "required", 1, "schema",
                     schema);
}

/* The parameters: the pattern's, in its order (the description's entry
 * for one when it gives one, which must agree with the pattern), then the
 * description's others. */
static json_t *parameters(const build *b, const pd_openapi_ctx *c, size_t i, const char *where,
                          const json_t *given)
{
    const char *names[PD_ROUTE_MAX_PARAMS];
    int is_int[PD_ROUTE_MAX_PARAMS];
    size_t np = pd_router_params(c->router, i, names, is_int);
    if (given && !json_is_array(given)) {
        pd_error_set(b->err, PD_EINTERNAL, "%s: \"parameters\" is not a list", where);
        return NULL;
    }
    for (size_t k = 0; k < json_array_size(given); k++) {
        const json_t *p = resolved(b, json_array_get(given, k));
        const char *name = json_string_value(json_object_get(p, "name"));
        const char *in = json_string_value(json_object_get(p, "in"));
        const char *type =
            json_string_value(json_object_get(resolved(b, json_object_get(p, "schema")), "type"));
        if (!name || !in || !type) {
            pd_error_set(b->err, PD_EINTERNAL,
                         "%s: parameter %zu needs a name, \"in\" and a schema with a type (or a "
                         "$ref to a component that has them)",
                         where, k + 1);
            return NULL;
        }
        if (strcmp(in, "path") != 0)
            continue;
        size_t j = 0;
        while (j < np && strcmp(names[j], name) != 0)
            j++;
        if (j == np) {
            pd_error_set(b->err, PD_EINTERNAL, "%s: path parameter %s is not in the pattern", where,
                         name);
            return NULL;
        }
        if (strcmp(type, is_int[j] ? "integer" : "string") != 0 ||
            !json_is_true(json_object_get(p, "required"))) {
            pd_error_set(b->err, PD_EINTERNAL,
                         "%s: path parameter %s: the pattern makes it a required %s", where, name,
                         is_int[j] ? "integer ({name:int})" : "string");
            return NULL;
        }
    }
    json_t *out = json_array();
    for (size_t j = 0; out && j < np; j++) {
        json_t *mine = NULL;
        for (size_t k = 0; !mine && k < json_array_size(given); k++) {
            const json_t *p = resolved(b, json_array_get(given, k));
            if (strcmp(json_string_value(json_object_get(p, "in")), "path") == 0 &&
                strcmp(json_string_value(json_object_get(p, "name")), names[j]) == 0)
                mine = json_array_get(given, k);
        }
        if (json_array_append_new(out,
                                  mine ? json_incref(mine) : path_parameter(names[j], is_int[j]))) {
            json_decref(out);
            out = NULL;
        }
    }
    for (size_t k = 0; out && k < json_array_size(given); k++) {
        json_t *p = json_array_get(given, k);
        if (strcmp(json_string_value(json_object_get(resolved(b, p), "in")), "path") != 0 &&
            json_array_append(out, p)) {
            json_decref(out);
            out = NULL;
        }
    }
    if (!out)
        oom(b->err);
    return out;
}

static int by_status(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static json_t *ref_to(const char *section, const char *name)
{
    char ref[128];
    snprintf(ref, sizeof ref, "#/components/%s/%s", section, name);
    return json_pack("{s:s}", "$ref", ref);
}

/* The description's answers, then those of the server and the guard for
 * statuses it does not give, in the order of their status. */
static json_t *responses(const build *b, const pd_openapi_ctx *c, const pd_route *rt,
                         const char *where, const json_t *given)
{
    if (!json_is_object(given) || json_object_size(given) == 0) {
        pd_error_set(b->err, PD_EINTERNAL, "%s: \"responses\" is missing or empty", where);
        return NULL;
    }
    int success = 0;
    const char *status;
    json_t *r;
    char at[200];
    json_object_foreach((json_t *)given, status, r)
    {
        if (strlen(status) != 3 || status[0] < '1' || status[0] > '5' ||
            strspn(status, "0123456789") != 3) {
            pd_error_set(b->err, PD_EINTERNAL, "%s: response \"%s\" is not an HTTP status", where,
                         status);
            return NULL;
        }
        success |= status[0] == '2' || status[0] == '3';
        snprintf(at, sizeof at, "%s: %s", where, status);
        if (check_response(b, r, at))
            return NULL;
    }
    if (!success) {
        pd_error_set(b->err, PD_EINTERNAL, "%s: no success answer (a 2xx or 3xx response)", where);
        return NULL;
    }
    pd_openapi_response
        add[sizeof server_responses / sizeof server_responses[0] + PD_OPENAPI_GUARD_MAX];
    size_t nadd = 0;
    for (size_t k = 0; k < sizeof server_responses / sizeof server_responses[0]; k++)
        add[nadd++] = server_responses[k];
    if (c->guard_responses)
        nadd += c->guard_responses(rt, add + nadd, PD_OPENAPI_GUARD_MAX);
    json_t *all = json_deep_copy(given);
    for (size_t k = 0; all && k < nadd; k++)
        if (!json_object_get(all, add[k].status) &&
            json_object_set_new(all, add[k].status, ref_to("responses", add[k].name))) {
            json_decref(all);
            all = NULL;
        }
    const char *keys[64];
    size_t nkeys = 0;
    json_t *out = all && json_object_size(all) <= 64 ? json_object() : NULL;
    if (out) {
        json_object_foreach(all, status, r) keys[nkeys++] = status;
        qsort(keys, nkeys, sizeof keys[0], by_status);
        for (size_t k = 0; k < nkeys; k++)
            if (json_object_set(out, keys[k], json_object_get(all, keys[k]))) {
                json_decref(out);
                out = NULL;
                break;
            }
    }
    json_decref(all);
    if (!out)
        oom(b->err);
    return out;
}

/* The operation of route i (whose OpenAPI path is path) into *out. */
static int operation(build *b, const pd_openapi_ctx *c, size_t i, const char *path, json_t **out)
{
    const pd_route *rt = pd_router_route(c->router, i, NULL);
    json_t *d = json_object_get(b->ops, rt->name);
    if (!d)
        return pd_error_set(b->err, PD_EINTERNAL,
                            "route %s (%s %s) has no description: add \"%s\" to the "
                            "\"operations\" of the .api.json file beside its handler "
                            "(docs/internals/http.md, \"Adding a route\")",
                            rt->name, rt->method, rt->pattern, rt->name);
    char where[160];
    snprintf(where, sizeof where, "%s: operations.%s", file_of(b, rt->name), rt->name);
    const char *key;
    json_t *v;
    json_object_foreach(d, key, v)
    {
        if (!listed(key, op_fields))
            return pd_error_set(b->err, PD_EINTERNAL,
                                "%s: \"%s\" is not a field of a description (route, description, "
                                "parameters, requestBody, responses: the route table gives "
                                "operationId, summary and security)",
                                where, key);
    }
    char want[PD_PATH_MAX + 16];
    snprintf(want, sizeof want, "%s %s", rt->method, path);
    const char *route = json_string_value(json_object_get(d, "route"));
    if (!route || strcmp(route, want) != 0)
        return pd_error_set(b->err, PD_EINTERNAL,
                            "%s: \"route\" is \"%s\", but the route %s is %s (pattern %s)", where,
                            route ? route : "(missing)", rt->name, want, rt->pattern);
    const json_t *body = json_object_get(d, "requestBody");
    if (body && !json_object_get(body, "$ref")) {
        char at[200];
        snprintf(at, sizeof at, "%s: requestBody", where);
        if (check_content(b, json_object_get(body, "content"), at))
            return b->err->code;
    }
    json_t *params = parameters(b, c, i, where, json_object_get(d, "parameters"));
    json_t *resp = params ? responses(b, c, rt, where, json_object_get(d, "responses")) : NULL;
    if (!resp) {
        json_decref(params);
        return b->err->code;
    }
    char tag[64];
    size_t tn = strcspn(rt->name, ".");
    snprintf(tag, sizeof tag, "%.*s", (int)(tn < sizeof tag ? tn : sizeof tag - 1), rt->name);
    json_t *op = json_pack("{s:s, s:s}", "operationId", rt->name, "summary", rt->summary);
    json_t *security = json_array();
    int bad = !op || !security;
    if (!bad && json_object_get(d, "description"))
        bad = json_object_set(op, "description", json_object_get(d, "description"));
    if (!bad)
        bad = json_object_set_new(op, "tags", json_pack("[s]", tag));
    if (!bad && json_array_size(params))
        bad = json_object_set(op, "parameters", params);
    if (!bad && body)
        bad = json_object_set(op, "requestBody", (json_t *)body);
    for (size_t k = 0; !bad && rt->access != PD_ACCESS_PUBLIC && k < 2; k++)
        bad = json_array_append_new(security, json_pack("{s:[]}", schemes[k]));
    if (!bad)
        bad = json_object_set(op, "security", security);
    if (!bad)
        bad = json_object_set(op, "responses", resp);
    json_decref(params);
    json_decref(resp);
    json_decref(security);
    if (bad) {
        json_decref(op);
        return oom(b->err);
    }
    if (check_refs(b, op, where)) {
        json_decref(op);
        return b->err->code;
    }
    *out = op;
    return PD_OK;
}

/* ---- the document ---------------------------------------------------------------------------- */

static json_t *paths(build *b, const pd_openapi_ctx *c)
{
    json_t *out = json_object();
    if (!out) {
        oom(b->err);
        return NULL;
    }
    size_t n = pd_router_count(c->router);
    int public_only = 1;
    for (size_t i = 0; i < n; i++) {
        const pd_route *rt = pd_router_route(c->router, i, NULL);
        char path[PD_PATH_MAX], method[16];
        if (pd_router_openapi_path(c->router, i, path, sizeof path) < 0) {
            pd_error_set(b->err, PD_EINTERNAL, "route %s: path too long", rt->name);
            break;
        }
        size_t k = 0;
        for (; rt->method[k] && k + 1 < sizeof method; k++)
            method[k] = (char)(rt->method[k] | 0x20); /* "get" for "GET" */
        method[k] = '\0';
        json_t *op = NULL;
        if (operation(b, c, i, path, &op))
            break;
        json_object_del(b->ops, rt->name); /* used */
        json_t *item = json_object_get(out, path);
        if (!item && json_object_set_new(out, path, item = json_object())) {
            json_decref(op);
            oom(b->err);
            break;
        }
        if (json_object_set_new(item, method, op)) {
            oom(b->err);
            break;
        }
        public_only &= rt->access == PD_ACCESS_PUBLIC;
    }
    if (b->err->code == PD_OK && json_object_size(b->ops)) {
        void *it = json_object_iter(b->ops);
        const char *name = json_object_iter_key(it);
        const char *route = json_string_value(json_object_get(json_object_iter_value(it), "route"));
        pd_error_set(b->err, PD_EINTERNAL,
                     "%s: operations.%s (\"%s\") names no route the server has: remove it, or "
                     "give it the route's name (the .name of its pd_route)",
                     file_of(b, name), name, route ? route : "no route");
    }
    for (size_t k = 0; b->err->code == PD_OK && !public_only && k < 2; k++)
        if (!json_object_get(json_object_get(b->components, "securitySchemes"), schemes[k]))
            pd_error_set(b->err, PD_EINTERNAL,
                         "components.securitySchemes.%s: missing (the security of every "
                         "non-public route names it)",
                         schemes[k]);
    if (b->err->code != PD_OK) {
        json_decref(out);
        return NULL;
    }
    return out;
}

int pd_openapi_build(pd_openapi_ctx *c, pd_error *err)
{
    pd_error_clear(err);
    build b = {
        .components = json_object(), .ops = json_object(), .files = json_object(), .err = err};
    json_t *doc = NULL;
    int rc = b.components && b.ops && b.files ? PD_OK : oom(err);
    for (size_t i = 0; rc == PD_OK && i < c->ndocs; i++)
        rc = load_file(&b, &c->docs[i]);
    if (rc == PD_OK)
        rc = check_components(&b);
    json_t *p = rc == PD_OK ? paths(&b, c) : NULL;
    if (p) {
        doc = json_pack("{s:s, s:{s:s, s:s, s:s}, s:o, s:O}", "openapi", "3.1.0", "info", "title",
                        "partnerd", "version", c->version, "description",
                        "The partnerd platform: accounts, creators and their posts, discovery, "
                        "certification policies and their impact, and the web pages. Errors "
                        "are JSON: {\"error\": {\"code\", \"message\"}}.",
                        "paths", p, "components", b.components);
        if (!doc)
            rc = oom(err);
    } else if (rc == PD_OK) {
        rc = err->code;
    }
    char *text =
        doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) : NULL;
    if (doc && !text)
        rc = oom(err);
    json_decref(doc);
    json_decref(b.components);
    json_decref(b.ops);
    json_decref(b.files);
    if (rc)
        return rc;
    pd_openapi_free(c);
    c->doc = text;
    c->len = strlen(text);
    return PD_OK;
}

void pd_openapi_free(pd_openapi_ctx *c)
{
    free(c->doc);
    c->doc = NULL;
    c->len = 0;
}

static int get_openapi(pd_req *req, void *ctx, pd_error *err)
{
    const pd_openapi_ctx *c = ctx;
    if (!c->doc)
        return pd_error_set(err, PD_EINTERNAL, "the OpenAPI document was not built");
    if (pd_buf_append(pd_req_out(req), c->doc, c->len) < 0)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    return PD_OK;
}

static const pd_route openapi_routes[] = {
    {.method = "GET",
     .pattern = "/openapi.json",
     .name = "ops.openapi",
     .summary = "This API described as an OpenAPI 3.1 document",
     .access = PD_ACCESS_PUBLIC,
     .handler = get_openapi,
     .quick = 1},
};

int pd_openapi_route(pd_router *r, pd_openapi_ctx *ctx, pd_error *err)
{
    return pd_router_add(r, openapi_routes, PD_ROUTES_COUNT(openapi_routes), ctx, err);
}
