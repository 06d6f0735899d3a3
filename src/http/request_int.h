/*
 * request_int.h - the inside of a pd_req, shared by the files that make up
 * the request module and by them only: request.c (memory, the target and
 * what came in), request_json.c (JSON bodies in) and request_answer.c (the
 * answer, the one mapping of errors to statuses, the head check). Handlers
 * and the server see request.h alone.
 */
#ifndef PD_HTTP_REQUEST_INT_H
#define PD_HTTP_REQUEST_INT_H

#include <stdalign.h>
#include <stddef.h>

#include "http/request.h"

#define ARENA_INLINE 2048
#define ARENA_CHUNK 4096
#define OUT_MIN 4096 /* an error answer always fits */

/* The media type of every JSON answer and body. */
#define PD_REQ_JSON_MEDIA "application/json"

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t cap, used;
    alignas(max_align_t) unsigned char data[];
} arena_chunk;

typedef struct name_value {
    const char *name, *value;
} name_value;

struct pd_req {
    const char *method;
    const char *path;
    char client[64];
    pd_req_limits lim;
    pd_error early; /* found while parsing the target */

    size_t nquery;
    name_value query[PD_REQ_QUERY_MAX];

    pd_req_header_fn header_fn;
    void *header_ctx;
    void *principal;
    void *held;
    void (*release_held)(void *held);
    pd_buf body;

    int routed;
    int guarded; /* the guard ran before the body (pd_router_guard) */
    pd_route_match match;

    unsigned status;
    const char *content_type;
    size_t nheaders;
    name_value headers[PD_REQ_HEADERS_MAX];
    unsigned retry_after;
    pd_buf out;
    pd_jsonw jw;
    int jw_started;

    arena_chunk *chunks;
    size_t inline_used;
    alignas(max_align_t) unsigned char inline_mem[ARENA_INLINE];
};

#endif
