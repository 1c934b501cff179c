// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Text the tests read: what a function writes to a FILE, what a file holds.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

namespace xt {

/* What fn writes to a FILE, as a string. */
inline std::string written_by(const std::function<void(FILE *)> &fn)
{
	char *buf = nullptr;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return "";
	fn(f);
	fclose(f);
	std::string s(buf, len);
	free(buf);
	return s;
}

/* The whole of path; "" when it cannot be read. */
inline std::string read_file(const std::string &path)
{
	std::string s;
	char buf[4096];
	FILE *f = fopen(path.c_str(), "r");
	size_t n;

	if (!f)
		return s;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		s.append(buf, n);
	fclose(f);
	return s;
}

} // namespace xt
