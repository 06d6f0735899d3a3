/*
 * assets.h - the web pages' static files (src/http/assets/), compiled into
 * the binary by scripts/embed_assets.py at build time, so that the server
 * is one file to deploy and a page never meets a stylesheet of another
 * version. Served by GET /static/{name} (pages.c).
 */
#ifndef PD_HTTP_ASSETS_H
#define PD_HTTP_ASSETS_H

#include <stddef.h>

typedef struct pd_asset {
    const char *name;          /* "app.css": the file's name */
    const char *type;          /* its Content-Type */
    const char *version;       /* 10 hex digits of its SHA-256: links add ?v= so a
                                  changed file is never taken from a cache */
    const unsigned char *data; /* len bytes (and a NUL after them) */
    size_t len;
} pd_asset;

extern const pd_asset pd_assets[];
extern const size_t pd_assets_count;

#endif
