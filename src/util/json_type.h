/*
 * json_type.h - what kind of JSON value a jansson json_t is, in words for an
 * error message ("expected a string, got a whole number"). For the modules
 * that read JSON with jansson (core/policy.c, http/request.c): header only,
 * so util itself needs no jansson to link. The words are static strings.
 */
#ifndef PD_JSON_TYPE_H
#define PD_JSON_TYPE_H

#include <jansson.h>

/* "an object", "an array", "a string", "a whole number", "a decimal
 * number", "a boolean" or "null". */
static inline const char *pd_json_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "a whole number";
    case JSON_REAL: return "a decimal number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "a value";
}

#endif
