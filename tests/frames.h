// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The frames the end-to-end tests send and what they compare them with:
// UDP frames that carry a marker and a sequence number over pseudo-random
// filler, the mixed-size lists, what forwarding makes of them, the
// selection by port, and a comparison that shows the first difference.
#pragma once

#include <gtest/gtest.h>
#include <algorithm>
#include <cstring>
#include <initializer_list>
#include <iterator>
#include <string>
#include <vector>

#include "json_reader.h"
#include "packet.h"

namespace xt {

inline uint32_t xorshift(uint32_t &s)
{
	s ^= s << 13;
	s ^= s >> 17;
	s ^= s << 5;
	return s;
}

/*
 * UDP over IPv4 from src to dst: the words (a marker such as "XTF1", a
 * tag, the sequence number) big-endian, then filler from rng up to len
 * bytes of frame (or the words alone where len is smaller).
 */
inline Bytes seq_frame(const uint8_t *dst, const uint8_t *src, std::initializer_list<uint32_t> words,
		       size_t len, uint16_t sport, uint16_t dport, uint32_t &rng)
{
	Bytes payload;
	Packet p;

	for (uint32_t w : words)
		put32(payload, w);
	while (14 + 20 + 8 + payload.size() < len)
		payload.push_back(xorshift(rng) & 0xff);
	memcpy(p.dst_mac, dst, 6);
	memcpy(p.src_mac, src, 6);
	return p.ipv4(IP_UDP).udp(sport, dport, payload).build();
}

/* The i-th size of a mixed list: 60 and 1514 first (both ends), then any between. */
inline size_t mixed_len(size_t i, uint32_t &rng)
{
	return i == 0 ? 60 : i == 1 ? 1514 : 60 + xorshift(rng) % (1514 - 60 + 1);
}

/* n frames of mixed sizes, marker + sequence number, dports taken in turn. */
inline std::vector<Bytes> frames_mixed(const uint8_t *dst, const uint8_t *src, uint32_t marker, size_t n,
				       uint32_t seed, const std::vector<uint16_t> &dports)
{
	std::vector<Bytes> v;
	uint32_t rng = seed;

	for (size_t i = 0; i < n; i++) {
		size_t len = mixed_len(i, rng);

		v.push_back(seq_frame(dst, src, { marker, (uint32_t)i }, len, 30000,
				      dports[i % dports.size()], rng));
	}
	return v;
}

/* What fwd sends back: the same bytes, Ethernet destination and source swapped. */
inline Bytes swapped(const Bytes &f)
{
	Bytes r = f;

	std::swap_ranges(r.begin(), r.begin() + 6, r.begin() + 6);
	return r;
}

inline std::vector<Bytes> swapped(const std::vector<Bytes> &v)
{
	std::vector<Bytes> r;

	for (auto &f : v)
		r.push_back(swapped(f));
	return r;
}

/* The untagged IPv4 UDP frames to port, in order. */
inline std::vector<Bytes> only_port(const std::vector<Bytes> &v, uint16_t port)
{
	std::vector<Bytes> r;

	for (auto &f : v)
		if (f.size() >= 38 && f[12] == 0x08 && f[13] == 0 && f[23] == IP_UDP &&
		    (f[36] << 8 | f[37]) == port)
			r.push_back(f);
	return r;
}

/* Of want, how many did not arrive, and how many arrived that were not sent. */
inline std::string set_diff(std::vector<Bytes> want, std::vector<Bytes> got)
{
	std::vector<Bytes> missing, extra;

	std::sort(want.begin(), want.end());
	std::sort(got.begin(), got.end());
	std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
	std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
	if (missing.empty() && extra.empty())
		return "the same frames, in another order";
	return std::to_string(missing.size()) + " missing, " + std::to_string(extra.size()) +
	       " arrived that were not sent";
}

/*
 * Equal lists, or a failure naming the first frame that differs, the
 * first byte where, both frames in hex (up to 2 KiB each) and what is
 * missing or extra over the whole lists.
 */
inline ::testing::AssertionResult same_frames(const std::vector<Bytes> &want, const std::vector<Bytes> &got)
{
	for (size_t i = 0; i < std::min(want.size(), got.size()); i++) {
		if (want[i] == got[i])
			continue;
		size_t at = 0;

		while (at < std::min(want[i].size(), got[i].size()) && want[i][at] == got[i][at])
			at++;
		auto fail = ::testing::AssertionFailure();
		fail << "frame " << i << " differs: " << want[i].size() << " bytes expected, "
		     << got[i].size() << " arrived, first difference at byte " << at << "; "
		     << set_diff(want, got);
		if (want[i].size() <= 2048 && got[i].size() <= 2048)
			fail << "\nexpected:\n" << hexdump(want[i]) << "\narrived:\n" << hexdump(got[i]);
		return fail;
	}
	if (want.size() != got.size())
		return ::testing::AssertionFailure() << want.size() << " frames expected, " << got.size()
						     << " arrived; " << set_diff(want, got);
	return ::testing::AssertionSuccess();
}

/* The same frames, whatever the order (between queues, say). */
inline ::testing::AssertionResult same_set(std::vector<Bytes> want, std::vector<Bytes> got)
{
	std::sort(want.begin(), want.end());
	std::sort(got.begin(), got.end());
	return same_frames(want, got);
}

/* A command's --json output, parsed strictly (one JSON text, nothing after it). */
inline json::Value json_of(const std::string &out)
{
	json::Value v;
	std::string err;

	EXPECT_TRUE(json::parse_strict(out, v, err)) << err << "\n" << out;
	return v;
}

} // namespace xt
