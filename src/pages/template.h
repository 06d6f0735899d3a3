/*
 * template.h - the pages' markup: small HTML templates, escaped by default.
 *
 * A template is text with tags:
 *   {{name}}               the value's text, HTML-escaped (pd_html_escape)
 *   {{{name}}}             trusted HTML (an SVG chart, markup built by a
 *                          page's own code), inserted as it is; only a value
 *                          set with pd_tpl_set_raw may go there, and only
 *                          there: text in {{{ }}} or HTML in {{ }} is an
 *                          error, so escaping cannot be skipped by mistake
 *   {{#name}}...{{/name}}  a section: once per item of a list, once for a
 *                          true flag or non-empty text, never otherwise
 *   {{^name}}...{{/name}}  the opposite: only for an empty list, a false
 *                          flag, empty text
 *   {{! comment }}         nothing
 * Names are letters, digits, '_' and '-'. Inside a list's item a name is
 * looked up in the item, then in the scopes around it. Sections nest at
 * most PD_TPL_DEPTH_MAX deep. A name with no value in any scope is an
 * error naming the template and the name (never an empty string).
 *
 * Templates are parsed once (pd_tpl_parse, at start: pages/frame.c parses
 * the ones compiled in from src/pages/templates/) and rendered many times
 * by concurrent requests: a pd_tpl is read-only after parsing.
 *
 * Values (pd_tpl_data) are built per render: each set copies its text into
 * the data's own memory, so the caller's buffers may be reused at once;
 * pd_tpl_data_free releases it all. Names are not copied: pass literals.
 * An allocation that fails is remembered and reported by pd_tpl_render.
 */
#ifndef PD_PAGES_TEMPLATE_H
#define PD_PAGES_TEMPLATE_H

#include <stddef.h>

#include "util/buf.h"
#include "util/error.h"

#define PD_TPL_DEPTH_MAX 8 /* sections inside sections */

typedef struct pd_tpl pd_tpl;             /* a parsed template          */
typedef struct pd_tpl_data pd_tpl_data;   /* the values of one render   */
typedef struct pd_tpl_scope pd_tpl_scope; /* the top, or a list's item  */

/* Parses text[0..len) (copied) as the template called name (for messages,
 * copied). PD_EINPUT with the line of a tag left open, a section closed
 * by another name or never closed, nesting too deep, or a bad name. */
int pd_tpl_parse(const char *name, const char *text, size_t len, pd_tpl **out, pd_error *err);
void pd_tpl_free(pd_tpl *t);
const char *pd_tpl_name(const pd_tpl *t);

/* NULL when out of memory. */
pd_tpl_data *pd_tpl_data_new(void);
void pd_tpl_data_free(pd_tpl_data *d);
pd_tpl_scope *pd_tpl_top(pd_tpl_data *d);

/* Text (escaped when rendered); NULL reads as "". */
void pd_tpl_set(pd_tpl_scope *s, const char *name, const char *text);
void pd_tpl_setf(pd_tpl_scope *s, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Trusted HTML, for {{{name}}} only. */
void pd_tpl_set_raw(pd_tpl_scope *s, const char *name, const char *html, size_t len);
/* A flag for {{#name}} / {{^name}}. */
void pd_tpl_set_flag(pd_tpl_scope *s, const char *name, int on);
/* Declares list `name` in s (empty until items are added). */
void pd_tpl_list(pd_tpl_scope *s, const char *name);
/* Appends an item to list `name` of s (declared if need be) and returns its
 * scope, or NULL when out of memory (remembered: set on NULL is a no-op). */
pd_tpl_scope *pd_tpl_add(pd_tpl_scope *s, const char *name);

/* Appends t rendered with the values of d to out. PD_EINPUT for a name
 * without a value or used as the wrong kind ("template creator.html: no
 * value for {{handle}}"), PD_ENOMEM when building the values or out failed.
 * out holds a partial page after an error. */
int pd_tpl_render(const pd_tpl *t, pd_tpl_data *d, pd_buf *out, pd_error *err);

/* Appends s to out escaped for HTML text and attribute values: & < > " '
 * become entities, control characters other than tab and newline become
 * spaces, and bytes that are not valid UTF-8 become U+FFFD. */
void pd_html_escape(pd_buf *out, const char *s);

#endif
