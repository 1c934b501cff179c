// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// A command line handed to one of xskmap's option parsers, as main() would.
#pragma once

#include <cstddef>
#include <deque>
#include <string>
#include <vector>

namespace xt {

/*
 * Runs parse(argc, argv, o, err, len) on {cmd, args...} (argv NULL-ended):
 * its return, the message in *err. The strings are kept for the life of the
 * test binary, since the options keep pointers into argv (the interface).
 */
template <class Opts>
int parse_cmd(int (*parse)(int, char **, Opts *, char *, size_t), const char *cmd,
	      std::vector<std::string> args, Opts *o, std::string *err)
{
	static std::deque<std::vector<std::string>> kept;
	std::vector<char *> argv;
	char buf[512] = "";

	args.insert(args.begin(), cmd);
	kept.push_back(std::move(args));
	for (auto &a : kept.back())
		argv.push_back(&a[0]);
	argv.push_back(nullptr);
	int r = parse((int)argv.size() - 1, argv.data(), o, buf, sizeof(buf));
	*err = buf;
	return r;
}

} // namespace xt
