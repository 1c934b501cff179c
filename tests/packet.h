// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// Test frame builder: layers appended outermost first, lengths and
// checksums filled in by build(). Header-only, shared by every test layer.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace xt {

using Bytes = std::vector<uint8_t>;

constexpr uint16_t ETH_IP = 0x0800, ETH_ARP = 0x0806, ETH_IPV6 = 0x86DD;
constexpr uint16_t ETH_8021Q = 0x8100, ETH_8021AD = 0x88A8;
constexpr uint8_t IP_ICMP = 1, IP_TCP = 6, IP_UDP = 17, IP_ICMPV6 = 58;

inline void put16(Bytes &b, uint16_t v) { b.push_back(v >> 8); b.push_back(v & 0xff); }
inline void put32(Bytes &b, uint32_t v) { put16(b, v >> 16); put16(b, v & 0xffff); }

inline uint16_t csum(const uint8_t *p, size_t n, uint32_t sum = 0)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

// 198.18.0.0/15 and 2001:db8::/32 only: the test ranges.
constexpr uint32_t IP4_A = 0xC6120001, IP4_B = 0xC6120002; // 198.18.0.1/.2

class Packet {
public:
	uint8_t dst_mac[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	uint8_t src_mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	Packet &vlan(uint16_t tpid, uint16_t vid) { vlans_.push_back({ tpid, vid }); return *this; }

	// IPv4 header; options_len bytes of NOP options (multiple of 4);
	// ihl_override != 0 writes that IHL instead of the real one.
	Packet &ipv4(uint8_t proto, uint32_t src = IP4_B, uint32_t dst = IP4_A,
		     size_t options_len = 0, uint16_t frag_off = 0, uint8_t ihl_override = 0)
	{
		l3_ = ETH_IP; proto_ = proto; src4_ = src; dst4_ = dst;
		optlen_ = options_len; frag_ = frag_off; ihl_ = ihl_override;
		return *this;
	}
	Packet &ipv6(uint8_t nexthdr)
	{
		l3_ = ETH_IPV6; proto_ = nexthdr;
		return *this;
	}
	// Any other ethertype with a raw body (ARP, or unknown protocols).
	Packet &ether(uint16_t type, Bytes body) { l3_ = type; raw_ = std::move(body); return *this; }

	Packet &udp(uint16_t sport, uint16_t dport, Bytes payload = {})
	{
		l4_.clear(); put16(l4_, sport); put16(l4_, dport);
		put16(l4_, 8 + payload.size()); put16(l4_, 0);
		l4_.insert(l4_.end(), payload.begin(), payload.end());
		return *this;
	}
	Packet &tcp(uint16_t sport, uint16_t dport, Bytes payload = {})
	{
		l4_.clear(); put16(l4_, sport); put16(l4_, dport);
		put32(l4_, 1); put32(l4_, 0); put16(l4_, 0x5002); // doff 5, SYN
		put16(l4_, 65535); put16(l4_, 0); put16(l4_, 0);
		l4_.insert(l4_.end(), payload.begin(), payload.end());
		return *this;
	}
	Packet &icmp_echo(uint8_t type = 8)
	{
		l4_ = { type, 0, 0, 0, 0, 1, 0, 1 };
		return *this;
	}
	Packet &payload(Bytes p) { l4_ = std::move(p); return *this; }

	Bytes build() const
	{
		Bytes b(dst_mac, dst_mac + 6);
		b.insert(b.end(), src_mac, src_mac + 6);
		for (auto &v : vlans_) { put16(b, v.first); put16(b, v.second); }
		put16(b, l3_);
		if (l3_ == ETH_IP) {
			size_t ip_off = b.size(), hl = 20 + optlen_;
			b.push_back(0x40 | (ihl_ ? ihl_ : hl / 4)); b.push_back(0);
			put16(b, hl + l4_.size()); put16(b, 0x1234); put16(b, frag_);
			b.push_back(64); b.push_back(proto_); put16(b, 0);
			put32(b, src4_); put32(b, dst4_);
			b.insert(b.end(), optlen_, 1); // NOP
			uint16_t c = csum(&b[ip_off], hl);
			b[ip_off + 10] = c >> 8; b[ip_off + 11] = c & 0xff;
		} else if (l3_ == ETH_IPV6) {
			put32(b, 0x60000000); put16(b, l4_.size()); b.push_back(proto_); b.push_back(64);
			static const uint8_t s[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
			static const uint8_t d[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
			b.insert(b.end(), s, s + 16); b.insert(b.end(), d, d + 16);
		} else {
			b.insert(b.end(), raw_.begin(), raw_.end());
			return b;
		}
		b.insert(b.end(), l4_.begin(), l4_.end());
		return b;
	}

private:
	std::vector<std::pair<uint16_t, uint16_t>> vlans_;
	uint16_t l3_ = ETH_IP;
	uint8_t proto_ = IP_UDP;
	uint32_t src4_ = IP4_B, dst4_ = IP4_A;
	size_t optlen_ = 0;
	uint16_t frag_ = 0;
	uint8_t ihl_ = 0;
	Bytes raw_, l4_;
};

inline uint16_t get16(const Bytes &b, size_t off) { return b.at(off) << 8 | b.at(off + 1); }
inline void set16(Bytes &b, size_t off, uint16_t v) { b.at(off) = v >> 8; b.at(off + 1) = v & 0xff; }

// Where the length fields of a frame are, found the way the builder lays
// frames out (up to two tags, IPv4 with its IHL, IPv6 with extension
// headers 0/43/60/51/44): what the length mutations below edit. Lenient:
// whatever does not fit leaves the later fields at 0.
struct Layout {
	size_t ip_off = 0;	/* 0: no IP header found */
	int ver = 0;
	size_t l4_off = 0;	/* 0: no L4 header start found */
	uint8_t l4 = 0;
};

inline Layout layout_of(const Bytes &b)
{
	Layout l;
	size_t off = 14;
	uint16_t t;

	if (b.size() < 14)
		return l;
	t = get16(b, 12);
	for (int i = 0; i < 2 && (t == ETH_8021Q || t == ETH_8021AD) && b.size() >= off + 4; i++) {
		t = get16(b, off + 2);
		off += 4;
	}
	if (t == ETH_IP && b.size() >= off + 20) {
		l.ip_off = off;
		l.ver = 4;
		l.l4 = b[off + 9];
		l.l4_off = off + (b[off] & 0xf) * 4;
	} else if (t == ETH_IPV6 && b.size() >= off + 40) {
		uint8_t nh = b[off + 6];

		l.ip_off = off;
		l.ver = 6;
		off += 40;
		for (int i = 0; i < 8 && (nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60); i++) {
			if (b.size() < off + 8)
				return l;
			size_t len = nh == 44 ? 8 : nh == 51 ? (b[off + 1] + 2) * 4 : (b[off + 1] + 1) * 8;
			nh = b[off];
			off += len;
		}
		l.l4 = nh;
		l.l4_off = off;
	}
	if (l.l4_off + 20 > b.size())
		l.l4_off = 0;
	return l;
}

// One edit of the length fields the parser checks: the IP total (IPv4)
// or payload (IPv6) length, the UDP length, the TCP data offset, set to a
// value near the consistent one, below or above it, or anything; or the
// datagram shortened consistently and the frame padded, as short frames
// are on Ethernet; or the fragment field (IPv4, or an IPv6 fragment header
// right after the fixed one) made a first, middle, last or whole one, so
// the UDP length check of a first fragment (header only) is exercised.
// pick(n) gives 0..n-1.
template <typename Pick>
inline void mutate_lengths(Bytes &b, Pick pick)
{
	Layout l = layout_of(b);
	size_t ip_len_off = l.ver == 4 ? l.ip_off + 2 : l.ip_off + 4;
	size_t ip_base = l.ver == 4 ? l.ip_off : l.ip_off + 40;	/* what the length counts from */
	auto near = [&](size_t v) -> uint16_t {
		switch (pick(6)) {
		case 0: return v - 1 - pick(8);
		case 1: return v + 1 + pick(8);
		case 2: return 0;
		case 3: return pick(65536);
		default: return v;
		}
	};

	if (!l.ip_off) {
		for (size_t n = 1 + pick(40); n; n--)
			b.push_back(pick(256));
		return;
	}
	switch (pick(6)) {
	case 0:
		set16(b, ip_len_off, near(b.size() - ip_base));
		break;
	case 1:
		if (l.l4_off && l.l4 == IP_UDP)
			set16(b, l.l4_off + 4, near(b.size() - l.l4_off));
		break;
	case 2:
		if (l.l4_off && l.l4 == IP_TCP)
			b[l.l4_off + 12] = (b[l.l4_off + 12] & 0x0f) | pick(16) << 4;
		break;
	case 3:
		/* A shorter datagram, still consistent: IP and UDP lengths agree. */
		if (l.l4_off && l.l4 == IP_UDP && b.size() > l.l4_off + 8) {
			size_t end = l.l4_off + 8 + pick(b.size() - l.l4_off - 8);

			set16(b, l.l4_off + 4, end - l.l4_off);
			set16(b, ip_len_off, end - ip_base);
			for (size_t i = end; i < b.size(); i++)
				b[i] = pick(2) ? 0 : pick(256);
		}
		break;
	case 4: {
		/* MF and offset 0 (first), MF and an offset, offset only (last), none. */
		static const uint16_t v4[] = { 0x2000, 0x2000 | 185, 0x0001, 0x4000, 0 };
		static const uint16_t v6[] = { 1, 185 << 3 | 1, 185 << 3, 0 };

		if (l.ver == 4)
			set16(b, l.ip_off + 6, v4[pick(5)]);
		else if (b[l.ip_off + 6] == 44 && b.size() >= l.ip_off + 48)
			set16(b, l.ip_off + 42, v6[pick(4)]);
		break;
	}
	default:
		/* Link padding after the datagram: never part of it. */
		for (size_t n = 1 + pick(40); n; n--)
			b.push_back(pick(2) ? 0 : pick(256));
		break;
	}
}

// An ARP request for 198.18.0.1 from 198.18.0.2.
inline Bytes arp_request()
{
	Bytes body;
	put16(body, 1); put16(body, ETH_IP); body.push_back(6); body.push_back(4); put16(body, 1);
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x02 };
	body.insert(body.end(), mac, mac + 6); put32(body, IP4_B);
	body.insert(body.end(), 6, 0); put32(body, IP4_A);
	Packet p;
	for (auto &m : p.dst_mac) m = 0xff;
	return p.ether(ETH_ARP, body).build();
}

inline std::string hexdump(const Bytes &b)
{
	std::string s;
	char buf[4];
	for (size_t i = 0; i < b.size(); i++) {
		snprintf(buf, sizeof(buf), "%02x", b[i]);
		s += buf;
		s += (i % 16 == 15) ? '\n' : ' ';
	}
	return s;
}

} // namespace xt
