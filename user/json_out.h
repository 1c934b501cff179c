/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* JSON output through json-c: build the tree with these, print it once. */
#ifndef XSKMAP_JSON_OUT_H
#define XSKMAP_JSON_OUT_H

#include <stdio.h>
#include <linux/types.h>
#include <json-c/json.h>

/* Add key: v (NULL is null), an unsigned integer, a string (NULL: null). */
void jput(json_object *o, const char *key, json_object *v);
void jput_u64(json_object *o, const char *key, __u64 v);
void jput_str(json_object *o, const char *key, const char *s);

/* o as one line on f, flushed; then o is freed. */
void json_out_print(FILE *f, json_object *o);

#endif
