#!/usr/bin/env python3
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# Writes the seed corpus of fuzz_parse (tests/fuzz/corpus/parse): byte 0
# (rule count, default action), 12 bytes per rule (see rule_text() in
# fuzz_parse.c), then a frame. Run from tests/fuzz/ to regenerate.
import os
import struct


def eth(tags, ethertype, body):
    b = bytes([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2])
    for tpid, vid in tags:
        b += struct.pack("!HH", tpid, vid)
    return b + struct.pack("!H", ethertype) + body


def ip4(proto, l4, tot=None, ihl=5, frag=0):
    tot = 4 * ihl + len(l4) if tot is None else tot
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, tot, 1, frag, 64, proto, 0,
                    bytes([198, 18, 0, 2]), bytes([198, 18, 0, 1]))
    return h + bytes(4 * ihl - 20) + l4


def ip6(nh, payload, plen=None):
    plen = len(payload) if plen is None else plen
    src = bytes.fromhex("20010db8000000000000000000000002")
    dst = bytes.fromhex("20010db8000000000000000000000001")
    return struct.pack("!IHBB", 0x60000000, plen, nh, 64) + src + dst + payload


def udp(sp, dp, data=b"", ulen=None):
    return struct.pack("!HHHH", sp, dp, 8 + len(data) if ulen is None else ulen, 0) + data


def tcp(sp, dp, doff=5, data=b""):
    return struct.pack("!HHIIHHHH", sp, dp, 1, 0, doff << 12 | 2, 65535, 0, 0) + bytes(4 * doff - 20) + data


def rule(words, proto=0, act=0, plen=0, v=bytes(8)):
    return bytes([words, proto, act, plen]) + v


P = b"payload!"
frames = {
    "udp4": eth([], 0x0800, ip4(17, udp(1, 53, P))),
    "udp4_padded": eth([], 0x0800, ip4(17, udp(1, 53))) + bytes(18),
    "udp4_totlen_long": eth([], 0x0800, ip4(17, udp(1, 53, P), tot=60)),
    "udp4_udplen_long": eth([], 0x0800, ip4(17, udp(1, 53, P, ulen=40))),
    "vlan_udp6": eth([(0x8100, 100)], 0x86DD, ip6(17, udp(1, 5000, P))),
    "qinq_tcp4": eth([(0x88A8, 10), (0x8100, 20)], 0x0800, ip4(6, tcp(40000, 80, 6, P))),
    "tcp6_doff_4": eth([], 0x86DD, ip6(6, tcp(1, 2, 5, P)[:12] + b"\x40\x02" + tcp(1, 2, 5, P)[14:])),
    "icmp4": eth([], 0x0800, ip4(1, bytes([8, 0, 0, 0, 0, 1, 0, 1]))),
    "icmp6": eth([], 0x86DD, ip6(58, bytes([128, 0, 0, 0, 0, 1, 0, 1]))),
    "ip6_hbh_frag_udp": eth([], 0x86DD, ip6(0, bytes([44, 0, 1, 4, 0, 0, 0, 0]) + bytes([17, 0, 0, 1, 0, 0, 0, 1]) + udp(7, 8, P))),
    "ip6_jumbo_claim": eth([], 0x86DD, ip6(0, bytes([17, 0, 0xC2, 4, 0, 1, 0, 0]) + udp(7, 8), plen=0)),
    "frag4_nonfirst": eth([], 0x0800, ip4(17, P, frag=0x2010)),
    # First fragments: the UDP length is the whole datagram's (3008 bytes).
    "frag4_first_udp": eth([], 0x0800, ip4(17, udp(1, 53, P, ulen=3008), frag=0x2000)),
    "vlan_frag6_first_udp": eth([(0x8100, 7)], 0x86DD, ip6(44, bytes([17, 0, 0, 1, 0, 0, 0, 2]) + udp(1, 53, P, ulen=3008))),
    "arp": eth([], 0x0806, bytes(28)),
}
rulesets = [
    b"\x20",
    bytes([0x01]) + rule(0x04, 0, 0),
    bytes([0x23]) + rule(0x44, 0, 3, 0, bytes([0, 0, 0, 0, 0, 0, 53, 0])) + rule(0x0C, 1, 2, 24, bytes([198, 18, 0, 2, 198, 18, 0, 1]))
    + rule(0x85, 3, 1 | 5 << 2),
    bytes([0x02]) + rule(0x52, 6, 2, 32, bytes([0, 100, 0, 1, 0, 0x13, 0x88, 0])) + rule(0x00, 0, 3),
]
os.makedirs("corpus/parse", exist_ok=True)
for i, rs in enumerate(rulesets):
    for name, f in frames.items():
        with open(f"corpus/parse/{name}_rs{i}", "wb") as out:
            out.write(rs + f)
