// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include "json_out.h"

void jput(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

void jput_u64(json_object *o, const char *key, __u64 v)
{
	jput(o, key, json_object_new_uint64(v));
}

void jput_str(json_object *o, const char *key, const char *s)
{
	jput(o, key, s ? json_object_new_string(s) : NULL);
}

void json_out_print(FILE *f, json_object *o)
{
	/* Plain: one line; '/' unescaped: paths read as they are. */
	fputs(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					     JSON_C_TO_STRING_NOSLASHESCAPE), f);
	fputc('\n', f);
	fflush(f);
	json_object_put(o);
}
