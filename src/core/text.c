/* text.c - see text.h.
 *
 * The character classes are Unicode 15's, written out as ranges (they have
 * not changed since 2014, and a rule that follows a library's tables would
 * change under us): Bidi_Control from PropList.txt,
 * Default_Ignorable_Code_Point from DerivedCoreProperties.txt, White_Space
 * from PropList.txt. */
#include "core/text.h"

#include <stdio.h>
#include <string.h>

typedef struct range {
    uint32_t lo, hi;
} range;

static int in(const range *r, size_t n, uint32_t cp)
{
    for (size_t i = 0; i < n; i++)
        if (cp >= r[i].lo && cp <= r[i].hi)
            return 1;
    return 0;
}

#define IN(table, cp) in(table, sizeof table / sizeof table[0], cp)

static const range bidi_control[] = {
    {0x061C, 0x061C},
    {0x200E, 0x200F},
    {0x202A, 0x202E},
    {0x2066, 0x2069},
};

/* Default_Ignorable_Code_Point (it includes the bidi controls, tested
 * first, and U+200D, the zero-width joiner that prose keeps). */
static const range ignorable[] = {
    {0x00AD, 0x00AD},   {0x034F, 0x034F},   {0x061C, 0x061C}, {0x115F, 0x1160}, {0x17B4, 0x17B5},
    {0x180B, 0x180F},   {0x200B, 0x200F},   {0x202A, 0x202E}, {0x2060, 0x206F}, {0x3164, 0x3164},
    {0xFE00, 0xFE0F},   {0xFEFF, 0xFEFF},   {0xFFA0, 0xFFA0}, {0xFFF0, 0xFFF8}, {0x1BCA0, 0x1BCA3},
    {0x1D173, 0x1D17A}, {0xE0000, 0xE0FFF},
};

/* White_Space but the controls among it (tab, line feed ..., U+0085),
 * which are refused as controls before this is asked. */
static const range white_space[] = {
    {0x0020, 0x0020}, {0x00A0, 0x00A0}, {0x1680, 0x1680}, {0x2000, 0x200A},
    {0x2028, 0x2029}, {0x202F, 0x202F}, {0x205F, 0x205F}, {0x3000, 0x3000},
};

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

static int is_noncharacter(uint32_t cp)
{
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

static const char *too_long(size_t cap)
{
    switch (cap) {
    case 64: return "longer than 63 bytes";
    case 128: return "longer than 127 bytes";
    case 1024: return "longer than 1023 bytes";
    default: return "too long";
    }
}

static int fault(pd_text_fault *f, const char *why, uint32_t cp, size_t at)
{
    f->why = why;
    f->cp = cp;
    f->at = at;
    return -1;
}

/* Why the character cp may not stand in a text of this kind, or NULL. */
static const char *refused(uint32_t cp, pd_text_kind kind)
{
    if (kind == PD_TEXT_ANY)
        return NULL;
    if (is_control(cp)) {
        if (kind == PD_TEXT_PROSE && (cp == '\n' || cp == '\r' || cp == '\t'))
            return NULL;
        return kind == PD_TEXT_LABEL ? "contains a control character (a line break, a tab or "
                                       "another)"
                                     : "contains a control character other than a line break or "
                                       "a tab";
    }
    if (cp == 0x2028 || cp == 0x2029)
        return "contains a line or paragraph separator (write a line break as a newline)";
    if (IN(bidi_control, cp))
        return "contains a bidi control character (it reorders how the text around it is shown)";
    if (is_noncharacter(cp))
        return "contains a noncharacter (a code point Unicode keeps out of text)";
    if (kind == PD_TEXT_LABEL && IN(ignorable, cp))
        return "contains an invisible character (zero-width or another default-ignorable one)";
    if (kind == PD_TEXT_LABEL && cp != ' ' && IN(white_space, cp))
        return "contains white space other than single spaces between words";
    return NULL;
}

/* 1 when s[0..n) (n > 0 for a label) is printable ASCII that `kind`
 * allows: no such character is refused, only a label's spaces are judged.
 * The common case, a pass without decoding (certify checks every handle
 * and category of a million creators); 0 sends the text to the full walk,
 * which also words the fault. */
static int plain_ascii_ok(const char *s, size_t n, pd_text_kind kind)
{
    const unsigned char *p = (const unsigned char *)s;
    int label = kind == PD_TEXT_LABEL;
    if (label && (p[0] == ' ' || p[n - 1] == ' '))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7E)
            return 0;
        if (label && p[i] == ' ' && p[i - 1] == ' ') /* i > 0: p[0] is not a space */
            return 0;
    }
    return 1;
}

int pd_text_check(const char *s, size_t n, size_t cap, pd_text_kind kind, pd_text_fault *f)
{
    if (cap && n >= cap)
        return fault(f, too_long(cap), 0, cap - 1);
    if (n == 0 && kind == PD_TEXT_LABEL)
        return fault(f, "empty", 0, 0);
    if (plain_ascii_ok(s, n, kind))
        return 0;
    const char *nul = memchr(s, '\0', n);
    if (nul)
        return fault(f, "contains a NUL byte", 0, (size_t)(nul - s));
    int blank = 1; /* only white space so far */
    uint32_t prev = 0;
    const char *why = NULL;
    size_t at = 0;
    uint32_t bad = 0;
    for (size_t i = 0; i < n;) {
        size_t start = i;
        uint32_t cp;
        if (pd_utf8_next(s, n, &i, &cp) < 0)
            return fault(f, "not valid UTF-8", 0, start);
        int space = IN(white_space, cp) || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85;
        blank &= space;
        if (why)
            continue; /* the first fault is told, unless the text is all blank */
        why = refused(cp, kind);
        if (!why && kind == PD_TEXT_LABEL && cp == ' ' && (start == 0 || prev == ' '))
            why = start == 0 ? "begins or ends with white space"
                             : "contains white space other than single spaces between words";
        if (why)
            bad = cp, at = start;
        prev = cp;
    }
    if (kind == PD_TEXT_LABEL && blank)
        return fault(f, "only white space", 0, 0);
    if (!why && kind == PD_TEXT_LABEL && prev == ' ')
        why = "begins or ends with white space", bad = ' ', at = n - 1;
    return why ? fault(f, why, bad, at) : 0;
}

size_t pd_text_fault_char(const pd_text_fault *f, char buf[12])
{
    if (!f->cp) {
        buf[0] = '\0';
        return 0;
    }
    int len = snprintf(buf, 12, "U+%04X", (unsigned)f->cp);
    return len > 0 ? (size_t)len : 0;
}

int pd_text_require(const char *field, const char *s, size_t cap, pd_text_kind kind, pd_error *err)
{
    size_t n = cap ? strnlen(s, cap) : strlen(s);
    pd_text_fault f;
    if (pd_text_check(s, n, cap, kind, &f) == 0)
        return PD_OK;
    char c[12];
    if (pd_text_fault_char(&f, c))
        return pd_error_set(err, PD_EINPUT, "%s: %s at byte %zu: %s", field, c, f.at, f.why);
    return pd_error_set(err, PD_EINPUT, "%s: %s", field, f.why);
}
