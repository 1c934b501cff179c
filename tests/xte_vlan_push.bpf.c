// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * For the --metadata e2e test: on the peer's egress (tc clsact, direct
 * action) every frame gets VLAN 5 the way a VLAN device on an offloading
 * NIC gives it, in the skb (bpf_skb_vlan_push() sets the hwaccel tag, the
 * frame's bytes stay untagged). The host kernel has no 8021q module to
 * make a VLAN device with.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TC_ACT_OK 0
#define XTE_ETH_P_8021Q 0x8100

SEC("tc")
int xte_vlan_push(struct __sk_buff *skb)
{
	bpf_skb_vlan_push(skb, bpf_htons(XTE_ETH_P_8021Q), 5);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
