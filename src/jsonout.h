/* jsonout — what every JSON printer writes alike: the document's head
 * (schema, tool, version: CONTRACT.md), CONTRACT.md's `dist` object, a
 * figure or null, and the one way a document is written out.  Below the
 * printers, so that they share it without depending on one another. */
#ifndef VOCALC_JSONOUT_H
#define VOCALC_JSONOUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "stats.h"

/* A new document object holding "schema": 1, "tool", "version"; NULL when
 * out of memory. */
json_t *jsonout_document(void);
/* A distribution as CONTRACT.md's `dist` object (figures null when n == 0;
 * the sketch's error bounds when its quantiles came from one). */
json_t *jsonout_dist(const struct dist *d);
/* v, or null when !ok; jsonout_real_or_null: null for nan. */
json_t *jsonout_num_or_null(bool ok, double v);
json_t *jsonout_real_or_null(double x);
/* n, or null when negative (a count not known: a capture's drops). */
json_t *jsonout_count_or_null(int64_t n);
/* Writes root to out (2-space indent, keys in insertion order, 15
 * significant digits) and a newline; 0, or -1 if jansson failed. */
int jsonout_dump(const json_t *root, FILE *out);

#endif
