/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
// An independent reading of a generated frame: the test's own parser and
// RFC 1071 checksum, sharing nothing with user/pktbuild.c.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace gencheck {

struct Frame {
	bool ok = false;
	std::string why;	/* what was wrong, when !ok */
	bool vlan = false, v6 = false;
	uint16_t vlan_id = 0, sport = 0, dport = 0;
	uint32_t seq = 0, sec = 0, usec = 0;
	size_t len = 0;
};

inline uint32_t sum16(const uint8_t *p, size_t n, uint32_t s = 0)
{
	for (size_t i = 0; i < n; i += 2)
		s += (uint32_t)p[i] << 8 | (i + 1 < n ? p[i + 1] : 0);
	return s;
}

inline uint16_t fold(uint32_t s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

inline uint16_t be16(const uint8_t *p) { return p[0] << 8 | p[1]; }
inline uint32_t be32(const uint8_t *p) { return (uint32_t)be16(p) << 16 | be16(p + 2); }

/* Parses f and checks every checksum and length; ok says whether all held. */
inline Frame parse(const std::vector<uint8_t> &f)
{
	Frame r;
	size_t off = 12, l4;
	const uint8_t *p = f.data();

	r.len = f.size();
	if (f.size() < 60) {
		r.why = "shorter than 60 bytes";
		return r;
	}
	if (be16(p + off) == 0x8100) {
		r.vlan = true;
		r.vlan_id = be16(p + off + 2) & 0xfff;
		off += 4;
	}
	uint16_t type = be16(p + off);
	off += 2;
	if (type == 0x0800) {
		if (p[off] != 0x45 || p[off + 9] != 17) {
			r.why = "not IPv4/UDP without options";
			return r;
		}
		if (fold(sum16(p + off, 20)) != 0xffff) {
			r.why = "bad IPv4 header checksum";
			return r;
		}
		if (be16(p + off + 2) != f.size() - off) {
			r.why = "IPv4 total length is not the frame's";
			return r;
		}
		l4 = off + 20;
	} else if (type == 0x86dd) {
		r.v6 = true;
		if (p[off + 6] != 17) {
			r.why = "not IPv6/UDP";
			return r;
		}
		if (be16(p + off + 4) != f.size() - off - 40) {
			r.why = "IPv6 payload length is not the frame's";
			return r;
		}
		l4 = off + 40;
	} else {
		r.why = "not IPv4 or IPv6";
		return r;
	}
	size_t ulen = f.size() - l4;
	if (be16(p + l4 + 4) != ulen) {
		r.why = "UDP length is not the frame's";
		return r;
	}
	/* Pseudo header: addresses, protocol, UDP length; then the datagram. */
	uint32_t s = r.v6 ? sum16(p + off + 8, 32) : sum16(p + off + 12, 8);
	s += 17 + ulen;
	s = sum16(p + l4, ulen, s);
	if (be16(p + l4 + 6) == 0) {
		r.why = "UDP checksum absent";
		return r;
	}
	if (fold(s) != 0xffff) {
		r.why = "bad UDP checksum";
		return r;
	}
	if (ulen < 24 || be32(p + l4 + 8) != 0xbe9be955) {
		r.why = "no pktgen magic";
		return r;
	}
	r.sport = be16(p + l4);
	r.dport = be16(p + l4 + 2);
	r.seq = be32(p + l4 + 12);
	r.sec = be32(p + l4 + 16);
	r.usec = be32(p + l4 + 20);
	if (r.usec >= 1000000) {
		r.why = "tv_usec past a second";
		return r;
	}
	for (size_t i = l4 + 24; i < f.size(); i++)
		if (p[i]) {
			r.why = "payload after the pktgen header is not zero";
			return r;
		}
	r.ok = true;
	return r;
}

} // namespace gencheck
