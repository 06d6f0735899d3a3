/* template.c - see template.h. */
#include "pages/template.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "util/buf.h"

/* ---- escaping ------------------------------------------------------------------------ */

/* Bytes written as they are: printable ASCII other than & < > " '. */
static const unsigned char plain[256] = {
    [' '] = 1, ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['('] = 1, [')'] = 1, ['*'] = 1,
    ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1, ['/'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, [':'] = 1,
    [';'] = 1, ['='] = 1, ['?'] = 1, ['@'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1,
    ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1,
    ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1,
    ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['['] = 1, ['\\'] = 1,
    [']'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1,
    ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1,
    ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1,
    ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['{'] = 1, ['|'] = 1,
    ['}'] = 1, ['~'] = 1,
};

static void escape_n(pd_buf *out, const char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t run = i; /* a run of plain bytes goes out in one append */
        while (run < n && plain[(unsigned char)p[run]])
            run++;
        if (run > i) {
            pd_buf_append(out, p + i, run - i);
            i = run;
            if (i == n)
                break;
        }
        unsigned char c = (unsigned char)p[i];
        const char *ent = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        if (ent) {
            pd_buf_puts(out, ent);
            i++;
        } else if (c < 0x20 || c == 0x7F) {
            pd_buf_putc(out, c == '\n' || c == '\t' ? (char)c : ' ');
            i++;
        } else {
            size_t at = i;
            uint32_t cp;
            if (pd_utf8_next(p, n, &i, &cp) < 0) {
                pd_buf_puts(out, "\xEF\xBF\xBD");
                i++;
            } else {
                pd_buf_append(out, p + at, i - at);
            }
        }
    }
}

void pd_html_escape(pd_buf *out, const char *s)
{
    if (s)
        escape_n(out, s, strlen(s));
}

/* ---- parsing ------------------------------------------------------------------------- */

enum kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED };

typedef struct node {
    enum kind kind;
    uint32_t hash;   /* others than TEXT: the name's (name_hash) */
    size_t off, len; /* TEXT: the text; others: the name, in src */
    size_t end;      /* sections: the index of the first node after it */
} node;

struct pd_tpl {
    char *name;
    char *src;
    node *nodes;
    size_t n, cap;
};

const char *pd_tpl_name(const pd_tpl *t)
{
    return t->name;
}

void pd_tpl_free(pd_tpl *t)
{
    if (!t)
        return;
    free(t->name);
    free(t->src);
    free(t->nodes);
    free(t);
}

/* FNV-1a of a name: lookups compare it before the bytes. */
static uint32_t name_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static int push(pd_tpl *t, enum kind k, size_t off, size_t len)
{
    node *nn = pd_grow(t->nodes, &t->cap, t->n, sizeof *nn, 64);
    if (!nn)
        return -1;
    t->nodes = nn;
    t->nodes[t->n++] = (node){.kind = k,
                              .hash = k == N_TEXT ? 0 : name_hash(t->src + off, len),
                              .off = off,
                              .len = len,
                              .end = 0};
    return 0;
}

static unsigned line_of(const char *src, size_t at)
{
    unsigned line = 1;
    for (size_t i = 0; i < at; i++)
        line += src[i] == '\n';
    return line;
}

static int good_name(const char *s, size_t n)
{
    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
            return 0;
    return 1;
}

static int parse(pd_tpl *t, size_t len, pd_error *err)
{
    const char *s = t->src;
    size_t open[PD_TPL_DEPTH_MAX]; /* the nodes of the sections open */
    size_t depth = 0, i = 0;
    while (i < len) {
        const char *tag = memmem(s + i, len - i, "{{", 2);
        size_t at = tag ? (size_t)(tag - s) : len;
        if (at > i && push(t, N_TEXT, i, at - i) < 0)
            return pd_error_set(err, PD_ENOMEM, "out of memory");
        if (!tag)
            break;
        int raw = at + 2 < len && s[at + 2] == '{';
        size_t body = at + (raw ? 3 : 2);
        const char *close = memmem(s + body, len - body, raw ? "}}}" : "}}", raw ? 3 : 2);
        if (!close)
            return pd_error_set(err, PD_EINPUT, "template %s, line %u: a tag is not closed",
                                t->name, line_of(s, at));
        size_t b = body, e = (size_t)(close - s);
        i = e + (raw ? 3 : 2);
        while (b < e && s[b] == ' ')
            b++;
        while (e > b && s[e - 1] == ' ')
            e--;
        char sigil = !raw && b < e && strchr("#^/!", s[b]) ? s[b] : 0;
        if (sigil == '!')
            continue;
        if (sigil)
            b++;
        if (!good_name(s + b, e - b))
            return pd_error_set(err, PD_EINPUT, "template %s, line %u: bad name '%.*s'", t->name,
                                line_of(s, at), (int)(e - b > 40 ? 40 : e - b), s + b);
        if (sigil == '/') {
            if (depth == 0)
                return pd_error_set(err, PD_EINPUT,
                                    "template %s, line %u: {{/%.*s}} closes nothing", t->name,
                                    line_of(s, at), (int)(e - b), s + b);
            node *o = &t->nodes[open[--depth]];
            if (o->len != e - b || memcmp(s + o->off, s + b, o->len) != 0)
                return pd_error_set(err, PD_EINPUT,
                                    "template %s, line %u: {{/%.*s}} closes {{#%.*s}}", t->name,
                                    line_of(s, at), (int)(e - b), s + b, (int)o->len, s + o->off);
            o->end = t->n;
            continue;
        }
        enum kind k = raw ? N_RAW : sigil == '#' ? N_SECTION : sigil == '^' ? N_INVERTED : N_VAR;
        if (k == N_SECTION || k == N_INVERTED) {
            if (depth == PD_TPL_DEPTH_MAX)
                return pd_error_set(err, PD_EINPUT,
                                    "template %s, line %u: sections nested more than %d deep",
                                    t->name, line_of(s, at), PD_TPL_DEPTH_MAX);
            open[depth++] = t->n;
        }
        if (push(t, k, b, e - b) < 0)
            return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    if (depth > 0) {
        const node *o = &t->nodes[open[depth - 1]];
        return pd_error_set(err, PD_EINPUT, "template %s, line %u: {{#%.*s}} is never closed",
                            t->name, line_of(s, o->off), (int)o->len, s + o->off);
    }
    return PD_OK;
}

int pd_tpl_parse(const char *name, const char *text, size_t len, pd_tpl **out, pd_error *err)
{
    *out = NULL;
    pd_tpl *t = calloc(1, sizeof *t);
    if (!t)
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    t->name = strdup(name);
    t->src = malloc(len + 1);
    if (!t->name || !t->src) {
        pd_tpl_free(t);
        return pd_error_set(err, PD_ENOMEM, "out of memory");
    }
    memcpy(t->src, text, len);
    t->src[len] = '\0';
    int rc = parse(t, len, err);
    if (rc) {
        pd_tpl_free(t);
        return rc;
    }
    *out = t;
    return PD_OK;
}

/* ---- values ------------------------------------------------------------------------- */

enum vkind { V_TEXT, V_RAW, V_FLAG, V_LIST };

typedef struct entry {
    struct entry *next;
    const char *name;
    uint32_t hash, nlen; /* name_hash(name), strlen(name) */
    enum vkind kind;
    const char *s; /* TEXT, RAW: s[0..n) and a NUL */
    size_t n;      /* FLAG: 0 or 1; LIST: the items */
    pd_tpl_scope *first, *last;
} entry;

struct pd_tpl_scope {
    pd_tpl_data *d;
    const pd_tpl_scope *parent;
    pd_tpl_scope *next; /* the next item of the same list */
    entry *entries;     /* the latest set first */
};

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    max_align_t data[];
} chunk;

struct pd_tpl_data {
    chunk *chunks;
    int failed;
    pd_tpl_scope top;
};

#define CHUNK_MIN 16384

static void *arena(pd_tpl_data *d, size_t n)
{
    n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
    chunk *c = d->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > CHUNK_MIN ? n : CHUNK_MIN;
        c = malloc(sizeof *c + cap);
        if (!c) {
            d->failed = 1;
            return NULL;
        }
        c->next = d->chunks;
        c->used = 0;
        c->cap = cap;
        d->chunks = c;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

pd_tpl_data *pd_tpl_data_new(void)
{
    pd_tpl_data *d = calloc(1, sizeof *d);
    if (d)
        d->top.d = d;
    return d;
}

void pd_tpl_data_free(pd_tpl_data *d)
{
    if (!d)
        return;
    for (chunk *c = d->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(d);
}

pd_tpl_scope *pd_tpl_top(pd_tpl_data *d)
{
    return &d->top;
}

static entry *new_entry(pd_tpl_scope *s, const char *name, enum vkind k)
{
    if (!s)
        return NULL;
    entry *e = arena(s->d, sizeof *e);
    if (!e)
        return NULL;
    size_t nlen = strlen(name);
    *e = (entry){.next = s->entries,
                 .name = name,
                 .hash = name_hash(name, nlen),
                 .nlen = (uint32_t)nlen,
                 .kind = k};
    s->entries = e;
    return e;
}

static void set_bytes(pd_tpl_scope *s, const char *name, enum vkind k, const char *p, size_t n)
{
    entry *e = new_entry(s, name, k);
    char *copy = e ? arena(s->d, n + 1) : NULL;
    if (!copy) {
        if (e)
            e->s = "", e->n = 0;
        return;
    }
    memcpy(copy, p, n);
    copy[n] = '\0';
    e->s = copy;
    e->n = n;
}

void pd_tpl_set(pd_tpl_scope *s, const char *name, const char *text)
{
    text = text ? text : "";
    set_bytes(s, name, V_TEXT, text, strlen(text));
}

void pd_tpl_setf(pd_tpl_scope *s, const char *name, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        set_bytes(s, name, V_TEXT, "", 0);
        return;
    }
    if ((size_t)n < sizeof small) {
        set_bytes(s, name, V_TEXT, small, (size_t)n);
        return;
    }
    entry *e = new_entry(s, name, V_TEXT);
    char *big = e ? arena(s->d, (size_t)n + 1) : NULL;
    if (!big) {
        if (e)
            e->s = "", e->n = 0;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    e->s = big;
    e->n = (size_t)n;
}

void pd_tpl_set_raw(pd_tpl_scope *s, const char *name, const char *html, size_t len)
{
    set_bytes(s, name, V_RAW, html ? html : "", html ? len : 0);
}

void pd_tpl_set_flag(pd_tpl_scope *s, const char *name, int on)
{
    entry *e = new_entry(s, name, V_FLAG);
    if (e)
        e->n = on != 0;
}

static entry *own_list(pd_tpl_scope *s, const char *name)
{
    if (!s)
        return NULL;
    size_t n = strlen(name);
    uint32_t h = name_hash(name, n);
    for (entry *e = s->entries; e; e = e->next)
        if (e->kind == V_LIST && e->hash == h && e->nlen == n && memcmp(e->name, name, n) == 0)
            return e;
    return new_entry(s, name, V_LIST);
}

void pd_tpl_list(pd_tpl_scope *s, const char *name)
{
    own_list(s, name);
}

pd_tpl_scope *pd_tpl_add(pd_tpl_scope *s, const char *name)
{
    entry *e = own_list(s, name);
    pd_tpl_scope *item = e ? arena(s->d, sizeof *item) : NULL;
    if (!item)
        return NULL;
    *item = (pd_tpl_scope){.d = s->d, .parent = s};
    if (e->last)
        e->last->next = item;
    else
        e->first = item;
    e->last = item;
    e->n++;
    return item;
}

/* ---- rendering ---------------------------------------------------------------------- */

static const entry *lookup(const pd_tpl_scope *s, const char *name, size_t len, uint32_t hash)
{
    for (; s; s = s->parent)
        for (const entry *e = s->entries; e; e = e->next)
            if (e->hash == hash && e->nlen == len && memcmp(e->name, name, len) == 0)
                return e;
    return NULL;
}

static int wrong(const pd_tpl *t, const node *nd, const char *why, pd_error *err)
{
    const char *open = nd->kind == N_RAW        ? "{{{"
                       : nd->kind == N_SECTION  ? "{{#"
                       : nd->kind == N_INVERTED ? "{{^"
                                                : "{{";
    const char *close = nd->kind == N_RAW ? "}}}" : "}}";
    return pd_error_set(err, PD_EINPUT, "template %s: %s %s%.*s%s", t->name, why, open,
                        (int)nd->len, t->src + nd->off, close);
}

/* Renders nodes [from, to) in scope s. Sections recurse at most
 * PD_TPL_DEPTH_MAX deep: parse refused deeper ones. */
static int render(const pd_tpl *t, size_t from, size_t to, const pd_tpl_scope *s, pd_buf *out,
                  pd_error *err)
{
    for (size_t i = from; i < to; i++) {
        const node *nd = &t->nodes[i];
        if (nd->kind == N_TEXT) {
            pd_buf_append(out, t->src + nd->off, nd->len);
            continue;
        }
        const entry *e = lookup(s, t->src + nd->off, nd->len, nd->hash);
        if (!e)
            return wrong(t, nd, "no value for", err);
        switch (nd->kind) {
        case N_VAR:
            if (e->kind == V_RAW)
                return pd_error_set(err, PD_EINPUT,
                                    "template %s: trusted HTML must be written {{{%.*s}}} not "
                                    "{{%.*s}}",
                                    t->name, (int)nd->len, t->src + nd->off, (int)nd->len,
                                    t->src + nd->off);
            if (e->kind != V_TEXT)
                return wrong(t, nd, "a list or flag cannot be written as", err);
            escape_n(out, e->s, e->n);
            break;
        case N_RAW:
            if (e->kind != V_RAW)
                return wrong(t, nd, "text (not set as trusted HTML) cannot be written as", err);
            pd_buf_append(out, e->s, e->n);
            break;
        case N_SECTION:
            if (e->kind == V_LIST) {
                for (const pd_tpl_scope *it = e->first; it; it = it->next) {
                    int rc = render(t, i + 1, nd->end, it, out, err);
                    if (rc)
                        return rc;
                }
            } else if (e->n > 0) { /* a true flag, non-empty text */
                int rc = render(t, i + 1, nd->end, s, out, err);
                if (rc)
                    return rc;
            }
            i = nd->end - 1;
            break;
        case N_INVERTED:
            if (e->n == 0) {
                int rc = render(t, i + 1, nd->end, s, out, err);
                if (rc)
                    return rc;
            }
            i = nd->end - 1;
            break;
        default: break;
        }
    }
    return PD_OK;
}

int pd_tpl_render(const pd_tpl *t, pd_tpl_data *d, pd_buf *out, pd_error *err)
{
    if (d->failed)
        return pd_error_set(err, PD_ENOMEM, "template %s: out of memory for its values", t->name);
    int rc = render(t, 0, t->n, &d->top, out, err);
    if (rc == PD_OK && pd_buf_failed(out))
        rc = pd_error_set(err, PD_ENOMEM, "template %s: the page is larger than the answer limit",
                          t->name);
    return rc;
}
