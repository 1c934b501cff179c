/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Manual pages from the --help tables (man.c). */
#ifndef XSKMAP_MAN_H
#define XSKMAP_MAN_H

#include <stdbool.h>
#include <stdio.h>

#include "opts.h"

/* XSKMAP_HELP_FORMAT=man is set: --help prints man(7) source. */
bool man_wanted(void);
/* The page xskmap-NAME(8) of cmd; builtin: the options every table gets. */
void man_cmd(const struct opt_cmd *cmd, const struct opt_def *builtin, FILE *f);
/* The page xskmap(8): the command table. */
void man_main(FILE *f);

#endif
