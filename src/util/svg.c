/* svg.c - see svg.h.
 *
 * Layout is computed from estimated text widths (about 0.6 em per character,
 * which holds for the sans-serif fonts the chart names), so that long tick
 * labels widen the left margin and long group labels are turned to fit. */
#include "util/svg.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"

#define FONT_FAMILY                                                                                \
    "'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', 'Liberation Sans', sans-serif"
#define TEXT_COLOR "#222222"
#define MUTED_COLOR "#555555"
#define GRID_COLOR "#e3e3e3"
#define AXIS_COLOR "#333333"
#define TITLE_SIZE 18
#define SUBTITLE_SIZE 13
#define LABEL_SIZE 13 /* axis titles, legend */
#define TICK_SIZE 12
#define VALUE_SIZE 10       /* numbers on bars */
#define LABEL_MAX_CHARS 28  /* longer group labels are cut with an ellipsis */
#define LEGEND_MAX_CHARS 64 /* and legend labels */
#define MAX_TICKS 32

/* Colour-blind-friendly palette (Okabe-Ito, reordered for contrast). */
static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                      "#56B4E9", "#D55E00", "#F0E442", "#000000"};
#define NPALETTE (sizeof palette / sizeof palette[0])

/* ---- text ------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when it is not one
 * (util/utf8.h), or is one of the non-characters U+FFFE and U+FFFF, which
 * XML does not allow. s is NUL-terminated: a NUL ends a sequence early. */
static size_t utf8_seq(const unsigned char *s)
{
    uint32_t cp;
    size_t n = pd_utf8_decode(s, strnlen((const char *)s, 4), &cp);
    return cp == 0xFFFE || cp == 0xFFFF ? 0 : n;
}

void pd_svg_escape(pd_buf *out, const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    while (*s) {
        const unsigned char *run = s;
        /* copy runs of plain characters in one append */
        while (*s >= 0x20 && *s < 0x80 && *s != '&' && *s != '<' && *s != '>' && *s != '"' &&
               *s != '\'')
            s++;
        if (s > run)
            pd_buf_append(out, run, (size_t)(s - run));
        if (!*s)
            break;
        switch (*s) {
        case '&':
            pd_buf_puts(out, "&amp;");
            s++;
            continue;
        case '<':
            pd_buf_puts(out, "&lt;");
            s++;
            continue;
        case '>':
            pd_buf_puts(out, "&gt;");
            s++;
            continue;
        case '"':
            pd_buf_puts(out, "&quot;");
            s++;
            continue;
        case '\'':
            pd_buf_puts(out, "&#39;");
            s++;
            continue;
        default: break;
        }
        if (*s < 0x20) {
            pd_buf_putc(out, ' ');
            s++;
            continue;
        }
        size_t n = utf8_seq(s);
        if (n == 0) {
            pd_buf_puts(out, "&#xFFFD;");
            s++;
        } else {
            pd_buf_append(out, s, n);
            s += n;
        }
    }
}

/* Characters (code points) in s, counting an invalid byte as one. */
static size_t text_chars(const char *str)
{
    size_t n = 0;
    for (const unsigned char *s = (const unsigned char *)str; *s; s++)
        n += (*s & 0xC0) != 0x80;
    return n;
}

/* Estimated width in pixels of text in a font of this size. */
static double text_width(const char *s, double size)
{
    return (double)text_chars(s) * size * 0.6;
}

/* Copies s into dst (cap bytes), cut after max characters with an ellipsis,
 * never inside a UTF-8 sequence. */
static const char *shorten(const char *s, size_t max, char *dst, size_t cap)
{
    if (text_chars(s) <= max && strlen(s) < cap)
        return s;
    size_t chars = 0, i = 0;
    while (s[i] && chars < max - 1 && i + 4 < cap - 4) {
        i++;
        while ((s[i] & 0xC0) == 0x80)
            i++;
        chars++;
    }
    memcpy(dst, s, i);
    memcpy(dst + i, "\xE2\x80\xA6", 4); /* U+2026 and the NUL */
    return dst;
}

/* <text ...>escaped s</text>; attrs holds the extra attributes. */
static void text_el(pd_buf *b, double x, double y, const char *attrs, const char *s)
{
    pd_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" %s>", x, y, attrs);
    pd_svg_escape(b, s);
    pd_buf_puts(b, "</text>\n");
}

/* ---- numbers ---------------------------------------------------------- */

static double nice_num(double x, int round_it)
{
    double e = floor(log10(x)), f = x / pow(10, e), nf;
    if (round_it)
        nf = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
    else
        nf = f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10;
    return nf * pow(10, e);
}

size_t pd_svg_nice_ticks(double lo, double hi, unsigned target, double *ticks, size_t cap,
                         double *step)
{
    if (target < 2)
        target = 2;
    if (!(hi > lo)) { /* one value: a range around it */
        double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    double st = nice_num(nice_num(hi - lo, 0) / (target - 1), 1);
    double first = floor(lo / st) * st, last = ceil(hi / st) * st;
    size_t n = 0;
    for (double k = 0;; k++) {
        double t = first + k * st;
        if (fabs(t) < st * 1e-9)
            t = 0; /* no "-0" */
        if (n < cap)
            ticks[n] = t;
        n++;
        if (t >= last - st * 1e-9 || n >= cap)
            break;
    }
    *step = st;
    return n < cap ? n : cap;
}

size_t pd_svg_format_number(double v, double step, char *buf)
{
    int decimals = 0;
    step = fabs(step);
    while (decimals < 6 && step > 0 && step < 1e15) {
        double scaled = step * pow(10, decimals);
        if (fabs(scaled - round(scaled)) <= 1e-6 * scaled)
            break;
        decimals++;
    }
    char raw[64];
    if (fabs(v) >= 1e18) { /* beyond thousands separators' use */
        snprintf(buf, 64, "%.3g", v);
        return strlen(buf);
    }
    snprintf(raw, sizeof raw, "%.*f", decimals, v);
    if (strspn(raw, "-0.") == strlen(raw) && raw[0] == '-')
        memmove(raw, raw + 1, strlen(raw)); /* "-0.0" -> "0.0" */
    const char *digits = raw[0] == '-' ? raw + 1 : raw;
    size_t nint = strcspn(digits, "."), n = 0;
    if (raw[0] == '-')
        buf[n++] = '-';
    for (size_t i = 0; i < nint; i++) {
        if (i > 0 && (nint - i) % 3 == 0)
            buf[n++] = ',';
        buf[n++] = digits[i];
    }
    size_t rest = strlen(digits + nint);
    memcpy(buf + n, digits + nint, rest + 1);
    return n + rest;
}

/* ---- frame ------------------------------------------------------------ */

typedef struct frame {
    double w, h;        /* canvas                                 */
    double left, right; /* plot area, pixels                      */
    double top, bottom;
    double x0, x1, y0, y1; /* data range mapped onto the plot area   */
} frame;

static double fx(const frame *f, double x)
{
    return f->x1 > f->x0 ? f->left + (x - f->x0) / (f->x1 - f->x0) * (f->right - f->left)
                         : (f->left + f->right) / 2;
}

static double fy(const frame *f, double y)
{
    return f->bottom - (y - f->y0) / (f->y1 - f->y0) * (f->bottom - f->top);
}

static void open_svg(pd_buf *b, double w, double h, const char *title, const char *subtitle)
{
    pd_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" role=\"img\" font-family=\"%s\">\n",
                  w, h, w, h, FONT_FAMILY);
    pd_buf_puts(b, "<title>");
    pd_svg_escape(b, title);
    pd_buf_puts(b, "</title>\n");
    pd_buf_printf(b, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w,
                  h);
    char attrs[128];
    snprintf(attrs, sizeof attrs, "font-size=\"%d\" font-weight=\"bold\" fill=\"%s\"", TITLE_SIZE,
             TEXT_COLOR);
    text_el(b, 20, 30, attrs, title);
    if (subtitle && *subtitle) {
        snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\"", SUBTITLE_SIZE, MUTED_COLOR);
        text_el(b, 20, 50, attrs, subtitle);
    }
}

/* Lines after the first are dashed, so that they stay apart from the first
 * where they coincide with it, and in grey print. */
static const char *line_dash(size_t i)
{
    static const char *const dashes[] = {"", " stroke-dasharray=\"7 4\"",
                                         " stroke-dasharray=\"2 3\"",
                                         " stroke-dasharray=\"10 3 2 3\""};
    return dashes[i % (sizeof dashes / sizeof dashes[0])];
}

/* Legend entries in a row (wrapping) from (x, y); returns the y below it. */
static double legend(pd_buf *b, double x, double y, double max_x, const char *const *names,
                     size_t n, int as_lines)
{
    double cx = x;
    char attrs[96], cut[LEGEND_MAX_CHARS * 4 + 8];
    snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" dy=\"0.35em\"", LABEL_SIZE,
             TEXT_COLOR);
    for (size_t i = 0; i < n; i++) {
        const char *name = shorten(names[i] ? names[i] : "", LEGEND_MAX_CHARS, cut, sizeof cut);
        double w = 22 + text_width(name, LABEL_SIZE) + 18;
        if (cx > x && cx + w > max_x) {
            cx = x;
            y += 20;
        }
        const char *color = palette[i % NPALETTE];
        if (as_lines)
            pd_buf_printf(b,
                          "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                          "stroke-width=\"3\"%s/>\n",
                          cx, y, cx + 16, y, color, line_dash(i));
        else
            pd_buf_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"14\" height=\"14\" fill=\"%s\"/>\n",
                          cx, y - 7, color);
        text_el(b, cx + 22, y + 1, attrs, name);
        cx += w;
    }
    return y + 18;
}

/* Horizontal grid lines, the y tick labels and the y axis title. */
static void y_axis(pd_buf *b, const frame *f, const double *ticks, size_t nt, double step,
                   const char *y_title)
{
    char attrs[128], label[64];
    snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"end\" dy=\"0.35em\"",
             TICK_SIZE, TEXT_COLOR);
    for (size_t i = 0; i < nt; i++) {
        double y = fy(f, ticks[i]);
        pd_buf_printf(b,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                      "stroke-width=\"1\"/>\n",
                      f->left, y, f->right, y, GRID_COLOR);
        pd_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n",
                      f->left - 5, y, f->left, y, AXIS_COLOR);
        pd_svg_format_number(ticks[i], step, label);
        text_el(b, f->left - 8, y, attrs, label);
    }
    if (y_title && *y_title) {
        double cy = (f->top + f->bottom) / 2;
        pd_buf_printf(b,
                      "<text x=\"0\" y=\"0\" transform=\"translate(20 %.1f) rotate(-90)\" "
                      "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\">",
                      cy, LABEL_SIZE, TEXT_COLOR);
        pd_svg_escape(b, y_title);
        pd_buf_puts(b, "</text>\n");
    }
}

static void axis_lines(pd_buf *b, const frame *f, double y_at)
{
    pd_buf_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"1.5\"/>\n",
                  f->left, f->top, f->left, f->bottom, AXIS_COLOR);
    pd_buf_printf(b,
                  "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                  "stroke-width=\"1.5\"/>\n",
                  f->left, y_at, f->right, y_at, AXIS_COLOR);
}

static void x_title_el(pd_buf *b, const frame *f, const char *x_title)
{
    if (!x_title || !*x_title)
        return;
    char attrs[96];
    snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\"", LABEL_SIZE,
             TEXT_COLOR);
    text_el(b, (f->left + f->right) / 2, f->h - 14, attrs, x_title);
}

/* Widest tick label, in pixels. */
static double ticks_width(const double *ticks, size_t nt, double step)
{
    double w = 0;
    char label[64];
    for (size_t i = 0; i < nt; i++) {
        pd_svg_format_number(ticks[i], step, label);
        double lw = text_width(label, TICK_SIZE);
        w = lw > w ? lw : w;
    }
    return w;
}

static int finish(pd_buf *out, pd_error *err)
{
    pd_buf_puts(out, "</svg>\n");
    if (pd_buf_failed(out))
        return pd_error_set(err, PD_ENOMEM, "chart: out of memory or over the output ceiling");
    return PD_OK;
}

/* ---- line chart ------------------------------------------------------- */

int pd_svg_line(pd_buf *out, const pd_svg_line_chart *c, pd_error *err)
{
    if (!c->title)
        return pd_error_set(err, PD_EINPUT, "line chart: a title is required");
    if (c->nseries < 1 || c->nseries > PD_SVG_MAX_SERIES || !c->series)
        return pd_error_set(err, PD_EINPUT, "line chart: 1 to %d series, not %zu",
                            PD_SVG_MAX_SERIES, c->nseries);
    double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (size_t s = 0; s < c->nseries; s++) {
        const pd_svg_series *se = &c->series[s];
        if (se->n > PD_SVG_MAX_POINTS || (se->n && (!se->x || !se->y)))
            return pd_error_set(err, PD_EINPUT, "line chart: series %zu: bad points", s);
        for (size_t i = 0; i < se->n; i++) {
            if (!isfinite(se->x[i]) || !isfinite(se->y[i]))
                return pd_error_set(err, PD_EINPUT,
                                    "line chart: series %zu, point %zu: not a finite number", s, i);
            xmin = fmin(xmin, se->x[i]);
            xmax = fmax(xmax, se->x[i]);
            ymin = fmin(ymin, se->y[i]);
            ymax = fmax(ymax, se->y[i]);
        }
    }
    for (size_t m = 0; m < c->nmarkers; m++)
        if (!isfinite(c->markers[m].x))
            return pd_error_set(err, PD_EINPUT, "line chart: marker %zu: not a finite number", m);
    if (xmin > xmax) { /* no points at all */
        xmin = 0;
        xmax = 1;
        ymin = 0;
        ymax = 1;
    }
    if (c->y_from_zero) {
        ymin = fmin(ymin, 0);
        ymax = fmax(ymax, 0);
    }
    if (ymax == ymin)
        ymax = ymin + (ymin == 0 ? 1 : fabs(ymin) * 0.1);

    frame f = {.w = c->width ? c->width : 860, .h = c->height ? c->height : 500};
    double yt[MAX_TICKS], xt[MAX_TICKS], ystep, xstep;
    size_t nyt = pd_svg_nice_ticks(ymin, ymax, 6, yt, MAX_TICKS, &ystep);
    f.y0 = yt[0];
    f.y1 = yt[nyt - 1];
    /* x: the data's own range, nice ticks inside it */
    if (xmax == xmin) {
        xmin -= 1;
        xmax += 1;
    }
    size_t nxt = pd_svg_nice_ticks(xmin, xmax, 8, xt, MAX_TICKS, &xstep);
    f.x0 = xmin;
    f.x1 = xmax;

    const char *names[PD_SVG_MAX_SERIES];
    for (size_t s = 0; s < c->nseries; s++)
        names[s] = c->series[s].name;

    open_svg(out, f.w, f.h, c->title, c->subtitle);
    double ly = (c->subtitle && *c->subtitle) ? 74 : 56;
    f.top = legend(out, 20, ly, f.w - 20, names, c->nseries, 1) + 14;
    f.left = 36 + ticks_width(yt, nyt, ystep) + 12;
    f.right = f.w - 36;
    f.bottom = f.h - 62;
    if (f.bottom - f.top < 60)
        f.bottom = f.top + 60; /* a tiny canvas: keep a plot, however cramped */

    y_axis(out, &f, yt, nyt, ystep, c->y_title);
    char attrs[128], label[64];
    snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\"", TICK_SIZE,
             TEXT_COLOR);
    for (size_t i = 0; i < nxt; i++) {
        if (xt[i] < xmin - xstep * 1e-9 || xt[i] > xmax + xstep * 1e-9)
            continue;
        double x = fx(&f, xt[i]);
        pd_buf_printf(out,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>\n", x,
                      f.bottom, x, f.bottom + 5, AXIS_COLOR);
        pd_svg_format_number(xt[i], xstep, label);
        text_el(out, x, f.bottom + 20, attrs, label);
    }
    axis_lines(out, &f, f.bottom);
    x_title_el(out, &f, c->x_title);

    for (size_t m = 0; m < c->nmarkers; m++) {
        const pd_svg_marker *mk = &c->markers[m];
        if (mk->x < xmin || mk->x > xmax)
            continue;
        double x = fx(&f, mk->x);
        pd_buf_printf(out,
                      "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
                      "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                      x, f.top, x, f.bottom, MUTED_COLOR);
        if (mk->label && *mk->label) {
            int right_half = x > (f.left + f.right) / 2;
            snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"%s\"",
                     TICK_SIZE, MUTED_COLOR, right_half ? "end" : "start");
            text_el(out, right_half ? x - 6 : x + 6, f.top + 14, attrs, mk->label);
        }
    }

    for (size_t s = 0; s < c->nseries; s++) {
        const pd_svg_series *se = &c->series[s];
        const char *color = palette[s % NPALETTE];
        if (se->n == 0)
            continue;
        pd_buf_printf(out,
                      "<polyline fill=\"none\" stroke-width=\"2.5\" stroke-linejoin=\"round\" "
                      "stroke=\"%s\"%s points=\"",
                      color, line_dash(s));
        for (size_t i = 0; i < se->n; i++)
            pd_buf_printf(out, "%s%.1f,%.1f", i ? " " : "", fx(&f, se->x[i]), fy(&f, se->y[i]));
        pd_buf_puts(out, "\"/>\n");
        if (se->n <= 60)
            for (size_t i = 0; i < se->n; i++)
                pd_buf_printf(out, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\"/>\n",
                              fx(&f, se->x[i]), fy(&f, se->y[i]), color);
    }
    return finish(out, err);
}

/* ---- bar chart -------------------------------------------------------- */

int pd_svg_bars(pd_buf *out, const pd_svg_bar_chart *c, pd_error *err)
{
    if (!c->title)
        return pd_error_set(err, PD_EINPUT, "bar chart: a title is required");
    if (c->nseries < 1 || c->nseries > PD_SVG_MAX_SERIES || !c->series)
        return pd_error_set(err, PD_EINPUT, "bar chart: 1 to %d series, not %zu", PD_SVG_MAX_SERIES,
                            c->nseries);
    if (c->ngroups > PD_SVG_MAX_GROUPS)
        return pd_error_set(err, PD_EINPUT, "bar chart: more than %d groups", PD_SVG_MAX_GROUPS);
    if (c->ngroups && (!c->groups || !c->values))
        return pd_error_set(err, PD_EINPUT, "bar chart: groups or values missing");
    size_t ns = c->nseries, nv = c->ngroups * ns;
    double vmin = 0, vmax = 0;
    for (size_t i = 0; i < nv; i++) {
        if (!isfinite(c->values[i]))
            return pd_error_set(err, PD_EINPUT, "bar chart: value %zu: not a finite number", i);
        vmin = fmin(vmin, c->values[i]);
        vmax = fmax(vmax, c->values[i]);
    }
    if (vmax == vmin)
        vmax = vmin + 1;

    double yt[MAX_TICKS], ystep;
    size_t nyt = pd_svg_nice_ticks(vmin, vmax, 6, yt, MAX_TICKS, &ystep);
    double left = 36 + ticks_width(yt, nyt, ystep) + 12;

    /* Width: a band per group wide enough for its bars and, where it can
     * be, for the values written above them; within limits. */
    double widest_value = 0;
    for (size_t i = 0; i < nv; i++) {
        char num[64];
        pd_svg_format_number(c->values[i], 1, num);
        widest_value = fmax(widest_value, text_width(num, VALUE_SIZE));
    }
    double band = (double)ns * fmax(18, widest_value + 6) / 0.8 + 8;
    double w = c->width ? c->width : left + 36 + band * (double)c->ngroups;
    if (!c->width)
        w = w < 640 ? 640 : w > 1600 ? 1600 : w;
    band = c->ngroups ? (w - left - 36) / (double)c->ngroups : 0;

    /* Group labels: flat when they fit their band, turned otherwise. */
    char cut[LABEL_MAX_CHARS * 4 + 8];
    double widest = 0;
    for (size_t g = 0; g < c->ngroups; g++) {
        double lw = text_width(
            shorten(c->groups[g] ? c->groups[g] : "", LABEL_MAX_CHARS, cut, sizeof cut), TICK_SIZE);
        widest = lw > widest ? lw : widest;
    }
    int turned = widest > band - 6;
    double label_h = turned ? widest * 0.64 + 16 : 20; /* sin(40 degrees) ~ 0.64 */

    frame f = {.w = w, .h = c->height ? c->height : 420 + label_h};
    open_svg(out, f.w, f.h, c->title, c->subtitle);
    double ly = (c->subtitle && *c->subtitle) ? 74 : 56;
    f.top = legend(out, 20, ly, f.w - 20, c->series, ns, 0) + 14;
    f.left = left;
    f.right = f.w - 36;
    f.bottom = f.h - 44 - label_h;
    if (f.bottom - f.top < 60)
        f.bottom = f.top + 60;
    f.x0 = 0;
    f.x1 = (double)c->ngroups;
    f.y0 = yt[0];
    f.y1 = yt[nyt - 1];

    y_axis(out, &f, yt, nyt, ystep, c->y_title);

    double zero = fy(&f, 0), inner = band * 0.8, bw = ns ? inner / (double)ns : 0;
    char attrs[160], num[64];
    for (size_t g = 0; g < c->ngroups; g++) {
        double gx = f.left + band * (double)g + (band - inner) / 2;
        for (size_t s = 0; s < ns; s++) {
            double v = c->values[g * ns + s], y = fy(&f, v);
            double top = v >= 0 ? y : zero, h = fabs(zero - y);
            pd_buf_printf(out,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"%s\"><title>",
                          gx + bw * (double)s + 0.5, top, bw > 1.5 ? bw - 1 : bw, h,
                          palette[s % NPALETTE]);
            pd_svg_escape(out, c->series[s] ? c->series[s] : "");
            pd_buf_puts(out, ", ");
            pd_svg_escape(out, c->groups[g] ? c->groups[g] : "");
            pd_svg_format_number(v, 1, num);
            pd_buf_printf(out, ": %s</title></rect>\n", num);
            /* the value above the bar, when there is room for it */
            if (text_width(num, VALUE_SIZE) <= bw + 2) {
                snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\"",
                         VALUE_SIZE, TEXT_COLOR);
                text_el(out, gx + bw * ((double)s + 0.5), v >= 0 ? top - 4 : top + h + 11, attrs,
                        num);
            }
        }
        const char *label =
            shorten(c->groups[g] ? c->groups[g] : "", LABEL_MAX_CHARS, cut, sizeof cut);
        double cx = f.left + band * ((double)g + 0.5);
        if (turned) {
            pd_buf_printf(out,
                          "<text x=\"0\" y=\"0\" transform=\"translate(%.1f %.1f) rotate(-40)\" "
                          "font-size=\"%d\" fill=\"%s\" text-anchor=\"end\">",
                          cx + 4, f.bottom + 16, TICK_SIZE, TEXT_COLOR);
            pd_svg_escape(out, label);
            pd_buf_puts(out, "</text>\n");
        } else {
            snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\"",
                     TICK_SIZE, TEXT_COLOR);
            text_el(out, cx, f.bottom + 20, attrs, label);
        }
    }
    if (c->ngroups == 0) {
        snprintf(attrs, sizeof attrs, "font-size=\"%d\" fill=\"%s\" text-anchor=\"middle\"",
                 LABEL_SIZE, MUTED_COLOR);
        text_el(out, (f.left + f.right) / 2, (f.top + f.bottom) / 2, attrs, "no data");
    }
    axis_lines(out, &f, zero);
    x_title_el(out, &f, c->x_title);
    return finish(out, err);
}
