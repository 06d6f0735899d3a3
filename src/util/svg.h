/*
 * svg.h - small, dependency-free SVG charts: a line chart and a grouped bar
 * chart, with a title, axes, nice tick values with labels, axis titles and a
 * legend, in fonts a person can read.
 *
 * Domain-free: the caller passes numbers and labels, nothing about creators
 * or policies. Every label is escaped for XML (and invalid UTF-8 replaced),
 * so user text can go in as it is. The chart is appended to a caller-owned
 * pd_buf; the charts borrow the caller's arrays and strings for the duration
 * of the call only and allocate nothing that outlives it.
 */
#ifndef PD_SVG_H
#define PD_SVG_H

#include <stddef.h>

#include "util/error.h"
#include "util/buf.h"

/* One line: n points (x[i], y[i]), drawn in the order given. */
typedef struct pd_svg_series {
    const char *name; /* legend label */
    const double *x;
    const double *y;
    size_t n;
} pd_svg_series;

/* A vertical reference line, e.g. the threshold a policy uses today. */
typedef struct pd_svg_marker {
    double x;
    const char *label; /* drawn beside the line; may be NULL */
} pd_svg_marker;

typedef struct pd_svg_line_chart {
    const char *title;    /* required                                 */
    const char *subtitle; /* optional, below the title                */
    const char *x_title;  /* optional axis titles                     */
    const char *y_title;
    const pd_svg_series *series;
    size_t nseries; /* 1 .. PD_SVG_MAX_SERIES                   */
    const pd_svg_marker *markers;
    size_t nmarkers;
    int y_from_zero;        /* start the y axis at 0 (counts)           */
    unsigned width, height; /* pixels; 0 picks a default (860 x 500)  */
} pd_svg_line_chart;

/* Bars of nseries values for each of ngroups groups, side by side. */
typedef struct pd_svg_bar_chart {
    const char *title;    /* required                                 */
    const char *subtitle; /* optional                                 */
    const char *x_title;
    const char *y_title;
    const char *const *groups; /* ngroups labels along the x axis      */
    size_t ngroups;            /* 0 .. PD_SVG_MAX_GROUPS               */
    const char *const *series; /* nseries legend labels                */
    size_t nseries;            /* 1 .. PD_SVG_MAX_SERIES               */
    const double *values;      /* values[g * nseries + s]              */
    unsigned width, height;    /* 0 picks a size that fits the bars    */
} pd_svg_bar_chart;

#define PD_SVG_MAX_SERIES 16
#define PD_SVG_MAX_GROUPS 1000
#define PD_SVG_MAX_POINTS 1000000 /* per series */

/* Appends a line chart to out. Returns PD_OK, PD_EINPUT for a missing title,
 * a bad series count, a NULL array or a value that is not finite, or
 * PD_ENOMEM when out failed (its ceiling or malloc). */
int pd_svg_line(pd_buf *out, const pd_svg_line_chart *c, pd_error *err);

/* Appends a grouped bar chart to out. Same errors as pd_svg_line. */
int pd_svg_bars(pd_buf *out, const pd_svg_bar_chart *c, pd_error *err);

/* Appends s escaped for XML text and attribute values: & < > " ' become
 * entities, control characters become spaces, invalid UTF-8 becomes U+FFFD. */
void pd_svg_escape(pd_buf *out, const char *s);

/* Nice tick values covering [lo, hi]: multiples of 1, 2 or 5 x 10^k, about
 * `target` of them. Stores up to cap ticks in ticks[] (ascending, the first
 * <= lo and the last >= hi) and the step in *step; returns the count. */
size_t pd_svg_nice_ticks(double lo, double hi, unsigned target, double *ticks, size_t cap,
                         double *step);

/* Formats v as a tick label for ticks `step` apart: thousands separators,
 * as many decimals as the step needs ("12,500", "0.25"). buf holds at least
 * 64 bytes; returns the length (NUL-terminated). */
size_t pd_svg_format_number(double v, double step, char *buf);

#endif
