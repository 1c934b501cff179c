// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * libFuzzer target for the rule language: any text that rule_parse()
 * accepts must format (rule_format) to a text that parses back to the same
 * rule and formats to the same text again; formatting into any shorter
 * buffer must truncate, terminate and never write past it. The same for
 * default actions (action_parse, action_format). A refused text must leave
 * a terminated message. A failed check aborts: libFuzzer reports a crash.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/types.h>

#include "ruleset.h"

static void fuzz_fail(const char *what, const char *text, const char *out)
{
	fprintf(stderr, "fuzz_rules: %s\n  input:     '%s'\n  formatted: '%s'\n", what, text, out);
	abort();
}

/* rule_format() into buffers of every size up to the full text's. */
static void check_short_buffers(const struct xsk_rule *r, const char *full, const char *text)
{
	size_t len = strlen(full), n;

	for (n = 0; n <= len + 1; n++) {
		/* Exactly n bytes on the heap: ASan sees a write past them. */
		char *b = malloc(n ? n : 1);

		if (!b)
			abort();
		memset(b, 'X', n ? n : 1);
		rule_format(r, b, n);
		if (n && (strnlen(b, n) == n || strncmp(b, full, strlen(b))))
			fuzz_fail("rule_format() into a short buffer did not truncate cleanly", text, full);
		free(b);
	}
}

static void check_rule(const char *text)
{
	char err[512], out[RULE_FORMAT_MAX], again[RULE_FORMAT_MAX];
	struct xsk_rule r, r2;

	memset(err, 'X', sizeof(err));
	if (rule_parse(text, &r, err, sizeof(err))) {
		if (strnlen(err, sizeof(err)) == sizeof(err) || !err[0])
			fuzz_fail("rule_parse() refused the text without a terminated message", text, "");
		return;
	}
	rule_format(&r, out, sizeof(out));
	if (strlen(out) >= sizeof(out) - 1)
		fuzz_fail("rule_format() filled RULE_FORMAT_MAX: the text may be cut", text, out);
	if (rule_parse(out, &r2, err, sizeof(err)))
		fuzz_fail(err, text, out);
	if (memcmp(&r, &r2, sizeof(r)))
		fuzz_fail("the formatted rule parses to another rule", text, out);
	rule_format(&r2, again, sizeof(again));
	if (strcmp(out, again))
		fuzz_fail("formatting is not stable", text, again);
	check_short_buffers(&r, out, text);
}

static void check_action(const char *text)
{
	char err[512], out[64];
	__u32 action, index, action2, index2;

	if (action_parse(text, &action, &index, err, sizeof(err)))
		return;
	action_format(action, index, out, sizeof(out));
	if (action_parse(out, &action2, &index2, err, sizeof(err)))
		fuzz_fail(err, text, out);
	if (action != action2 || index != index2)
		fuzz_fail("the formatted action parses to another action", text, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A terminated copy of exactly the input: reads past it are reported. */
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check_rule(text);
	check_action(text);
	free(text);
	return 0;
}
