/*
 * text.h - what text a creator's profile may hold: one rule for a label (a
 * handle, a category), one for prose (a bio), used by every path such text
 * enters the store (the API's create, PATCH and CSV import, the command
 * line's import), so that what one path refuses no other path lets in.
 *
 * A label is one line that shows what it is: printable characters with
 * single spaces between them. Refused: control characters (a newline, a
 * tab), line and paragraph separators, bidi controls (U+202E and the others
 * of Unicode's Bidi_Control: they reorder the text around them, so that
 * "alice\u202Egnp.exe" shows as "aliceexe.png"), invisible characters
 * (Unicode's Default_Ignorable_Code_Point: zero-width spaces and joiners,
 * the word joiner, soft hyphens, variation selectors, Hangul fillers, tag
 * characters...), noncharacters, white space other than U+0020, a space
 * at either end or next to another, and a label of white space only.
 * Letters that merely look alike ("a" and Cyrillic "а") and the forms of
 * Unicode normalization are not judged here.
 *
 * Prose may span lines: it may hold line feeds, carriage returns and tabs,
 * zero-width joiners (emoji, Indic and Persian writing need them) and any
 * white space; it may not hold other control characters, line or paragraph
 * separators, bidi controls or noncharacters.
 *
 * Both: valid UTF-8 (no overlong forms, no surrogates), no NUL byte, and
 * shorter than the field's capacity in bytes (the capacity counts the NUL).
 * Pure functions: no allocation, no state.
 */
#ifndef PD_TEXT_H
#define PD_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/utf8.h"

typedef enum pd_text_kind {
    PD_TEXT_ANY = 0, /* any UTF-8 without NUL (a search text, say)       */
    PD_TEXT_LABEL,   /* a handle or a category: the rule above           */
    PD_TEXT_PROSE,   /* a bio: the rule above; may be empty              */
} pd_text_kind;

/* Why a text was refused. */
typedef struct pd_text_fault {
    const char *why; /* static: "contains a bidi control character ..." */
    uint32_t cp;     /* the character at fault; 0 when the fault is not one
                        character (length, NUL, UTF-8, empty, blank)     */
    size_t at;       /* its byte offset                                   */
} pd_text_fault;

/* 0 when s[0..n) may be stored as `kind` in a field of cap bytes (with its
 * NUL; cap 0: no ceiling); else -1 with *f saying why (the first fault). */
int pd_text_check(const char *s, size_t n, size_t cap, pd_text_kind kind, pd_text_fault *f);

/* The same for a NUL-terminated s, as an error "FIELD: WHY" (with the
 * character's code point, "U+202E", when the fault is one) with PD_EINPUT.
 * s must end within cap bytes (else "longer than ..."). */
int pd_text_require(const char *field, const char *s, size_t cap, pd_text_kind kind, pd_error *err);

/* The fault's character as "U+202E" into buf (at least 12 bytes), its
 * length returned; 0 (and buf "") when the fault is not one character. */
size_t pd_text_fault_char(const pd_text_fault *f, char buf[12]);

#endif
