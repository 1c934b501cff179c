// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Steering rules: the rule language, rule sets, the reference classifier
 * and the compiler to the program's bit-vector tables. The semantics are
 * those of bpf/rules.h; ref_classify() states them as plainly as possible
 * and cls_eval() is what the XDP program computes, so the two can be
 * tested against each other.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/types.h>
#include <bpf/bpf_endian.h>

#include "ruleset.h"
#include "util.h"
#include "parse.h"

#define RULE_MAX_WORDS	64
#define ETH_HDR_LEN	14

static const char *const action_names[] = {
	[XSK_ACT_QUEUE] = "queue",
	[XSK_ACT_INDEX] = "index",
	[XSK_ACT_PASS] = "pass",
	[XSK_ACT_DROP] = "drop",
};

/* Everything rule_parse() needs to point at the offending word. */
struct rule_ctx {
	const char *what;	/* "rule" or "default action", for messages */
	const char *text;
	char *words[RULE_MAX_WORDS];
	int nr_words;
	char *err;
	size_t errlen;
	int field_word[7];	/* word that set each XSK_F_* bit, by bit number */
	int family_word;	/* word that fixed the address family, or -1 */
	__u8 family;
	bool sport_is_code, dport_is_type;
};

static int rule_fail(struct rule_ctx *c, int w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (w >= 0)
		snprintf(c->err, c->errlen, "%s '%s': '%s' (word %d) %s", c->what, c->text,
			 c->words[w], w + 1, msg);
	else
		snprintf(c->err, c->errlen, "%s '%s': %s", c->what, c->text, msg);
	return -1;
}

/* Not quoted in the message: it would be all the reader sees. */
static int rule_too_long(struct rule_ctx *c)
{
	size_t len = strlen(c->text);

	if (len <= RULE_TEXT_MAX)
		return 0;
	snprintf(c->err, c->errlen, "%s of %zu characters: longer than the %d allowed", c->what,
		 len, RULE_TEXT_MAX);
	return -1;
}

/*
 * Split TEXT into words at blanks, and around "->" wherever it is, so that
 * "udp->drop" reads like "udp -> drop". BUF holds the words.
 */
static int rule_split(struct rule_ctx *c, char *buf)
{
	const char *s = c->text;
	char *o = buf;
	bool in_word = false;

	c->nr_words = 0;
	while (*s) {
		bool arrow = s[0] == '-' && s[1] == '>';

		if (arrow || *s == ' ' || *s == '\t' || *s == '\n') {
			if (in_word)
				*o++ = '\0';
			in_word = false;
			if (!arrow) {
				s++;
				continue;
			}
			if (c->nr_words == RULE_MAX_WORDS)
				return rule_fail(c, -1, "more than %d words", RULE_MAX_WORDS);
			c->words[c->nr_words++] = o;
			memcpy(o, "->", 3);
			o += 3;
			s += 2;
			continue;
		}
		if (!in_word) {
			if (c->nr_words == RULE_MAX_WORDS)
				return rule_fail(c, -1, "more than %d words", RULE_MAX_WORDS);
			c->words[c->nr_words++] = o;
			in_word = true;
		}
		*o++ = *s++;
	}
	if (in_word)
		*o = '\0';
	return 0;
}

static bool is_arrow(const char *w)
{
	return !strcmp(w, "->");
}

static int field_bit(__u32 f)
{
	return __builtin_ctz(f);
}

/* Mark field F as given by word W; a second time is an error. */
static int rule_set_field(struct rule_ctx *c, struct xsk_rule *r, __u32 f, int w, const char *what)
{
	int prev = c->field_word[field_bit(f)];

	if (r->fields & f)
		return rule_fail(c, w, "repeats the %s already given by '%s' (word %d)", what,
				 c->words[prev], prev + 1);
	r->fields |= f;
	c->field_word[field_bit(f)] = w;
	return 0;
}

/* Word W fixes the address family to FAM: it must agree with earlier words. */
static int rule_set_family(struct rule_ctx *c, __u8 fam, int w)
{
	if (c->family && c->family != fam)
		return rule_fail(c, w, "is IPv%u, but '%s' (word %d) is IPv%u", fam,
				 c->words[c->family_word], c->family_word + 1, c->family);
	if (!c->family) {
		c->family = fam;
		c->family_word = w;
	}
	return 0;
}

/* The value after keyword W, or a "missing value" error naming W. */
static int rule_value(struct rule_ctx *c, int w, const char *what)
{
	if (w + 1 >= c->nr_words || is_arrow(c->words[w + 1]))
		return rule_fail(c, w, "needs a value: %s", what);
	return w + 1;
}

static int rule_number(struct rule_ctx *c, int w, __u64 max, const char *what, __u64 *out)
{
	if (parse_u64(c->words[w], 0, max, out))
		return rule_fail(c, w, "is not %s", what);
	return 0;
}

/* P or LO-HI, each 0..MAX, LO <= HI. */
static int rule_range(struct rule_ctx *c, int w, __u64 max, const char *what, __u16 *lo,
		      __u16 *hi)
{
	char buf[32], *dash;
	__u64 a, b;

	if (strlen(c->words[w]) >= sizeof(buf))
		return rule_fail(c, w, "is not %s 0-%llu or a range LO-HI", what,
				 (unsigned long long)max);
	strcpy(buf, c->words[w]);
	dash = strchr(buf, '-');
	if (!dash) {
		if (parse_u64(buf, 0, max, &a))
			return rule_fail(c, w, "is not %s 0-%llu", what, (unsigned long long)max);
		*lo = *hi = a;
		return 0;
	}
	*dash = '\0';
	if (parse_u64(buf, 0, max, &a) || parse_u64(dash + 1, 0, max, &b))
		return rule_fail(c, w, "is not a range LO-HI within 0-%llu",
				 (unsigned long long)max);
	if (a > b)
		return rule_fail(c, w, "is a reversed range: %llu is above %llu",
				 (unsigned long long)a, (unsigned long long)b);
	*lo = a;
	*hi = b;
	return 0;
}

/* Does ADDR lie in PFX/LEN? Both in network order. */
static bool prefix_contains(const __u8 *pfx, unsigned int len, const __u8 *addr)
{
	unsigned int full = len / 8, rest = len % 8;
	__u8 mask;

	if (memcmp(pfx, addr, full))
		return false;
	if (!rest)
		return true;
	mask = 0xFF << (8 - rest);
	return (pfx[full] & mask) == (addr[full] & mask);
}

static void prefix_mask(__u8 *addr, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
			continue;
		}
		addr[i] &= (__u8)(0xFF << (8 - len));
		len = 0;
	}
}

/* a.b.c.d[/len] or IPv6[/len] at word W into ADDR/LEN/FAM. */
static int rule_prefix(struct rule_ctx *c, int w, __u8 *addr, __u8 *len, __u8 *fam)
{
	char buf[INET6_ADDRSTRLEN + 8], shown[INET6_ADDRSTRLEN];
	__u8 masked[16] = { 0 };
	char *slash;
	__u64 l;
	int af;

	if (strlen(c->words[w]) >= sizeof(buf))
		return rule_fail(c, w, "is not an IPv4 or IPv6 prefix");
	strcpy(buf, c->words[w]);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	memset(addr, 0, 16);
	if (inet_pton(af, buf, addr) != 1)
		return rule_fail(c, w, "is not an IPv4 or IPv6 prefix (a.b.c.d[/len] or x:x::x[/len])");
	*fam = af == AF_INET ? 4 : 6;
	l = *fam == 4 ? 32 : 128;
	if (slash && parse_u64(slash + 1, 0, l, &l))
		return rule_fail(c, w, "has a bad prefix length: IPv%u takes /0 to /%u", *fam,
				 *fam == 4 ? 32 : 128);
	*len = l;
	memcpy(masked, addr, 16);
	prefix_mask(masked, l);
	if (memcmp(masked, addr, 16)) {
		inet_ntop(af, masked, shown, sizeof(shown));
		return rule_fail(c, w, "has host bits set: did you mean %s/%u?", shown, *len);
	}
	return 0;
}

/* One match word (and its value) at W; returns the next word or -1. */
static int rule_match_word(struct rule_ctx *c, struct xsk_rule *r, int w)
{
	const char *word = c->words[w];
	__u64 v;
	int vw;

	if (!strcmp(word, "ip4") || !strcmp(word, "ipv4") || !strcmp(word, "ip") ||
	    !strcmp(word, "ip6") || !strcmp(word, "ipv6")) {
		__u8 ver = strchr(word, '6') ? 6 : 4;

		if (rule_set_field(c, r, XSK_F_IPVER, w, "IP version") ||
		    rule_set_family(c, ver, w))
			return -1;
		r->ip_version = ver;
		return w + 1;
	}
	if (!strcmp(word, "udp") || !strcmp(word, "tcp") || !strcmp(word, "icmp") ||
	    !strcmp(word, "icmp6")) {
		if (rule_set_field(c, r, XSK_F_PROTO, w, "protocol"))
			return -1;
		r->l4_proto = !strcmp(word, "udp") ? XK_IPPROTO_UDP :
			      !strcmp(word, "tcp") ? XK_IPPROTO_TCP :
			      !strcmp(word, "icmp") ? XK_IPPROTO_ICMP : XK_IPPROTO_ICMPV6;
		return w + 1;
	}
	if (!strcmp(word, "proto")) {
		if ((vw = rule_value(c, w, "a protocol number 0-255")) < 0 ||
		    rule_number(c, vw, 255, "a protocol number 0-255", &v) ||
		    rule_set_field(c, r, XSK_F_PROTO, w, "protocol"))
			return -1;
		r->l4_proto = v;
		return vw + 1;
	}
	if (!strcmp(word, "vlan")) {
		if ((vw = rule_value(c, w, "a VLAN id 0-4095")) < 0 ||
		    rule_number(c, vw, 4095, "a VLAN id 0-4095", &v) ||
		    rule_set_field(c, r, XSK_F_VLAN, w, "VLAN id"))
			return -1;
		r->vlan_id = v;
		return vw + 1;
	}
	if (!strcmp(word, "src") || !strcmp(word, "dst")) {
		bool src = word[0] == 's';
		__u8 fam = 0;

		if ((vw = rule_value(c, w, "an address or prefix")) < 0 ||
		    rule_prefix(c, vw, src ? r->src : r->dst, src ? &r->src_len : &r->dst_len,
				&fam) ||
		    rule_set_field(c, r, src ? XSK_F_SRC : XSK_F_DST, w,
				   src ? "source prefix" : "destination prefix") ||
		    rule_set_family(c, fam, vw))
			return -1;
		r->family = fam;
		return vw + 1;
	}
	if (!strcmp(word, "sport") || !strcmp(word, "dport") || !strcmp(word, "type") ||
	    !strcmp(word, "code")) {
		bool icmp = word[0] == 't' || word[0] == 'c';
		bool dport = word[0] == 'd' || word[0] == 't';
		const char *what = !icmp ? "a port" : dport ? "an ICMP type" : "an ICMP code";

		if ((vw = rule_value(c, w, icmp ? "0-255 or a range LO-HI" :
					  "a port 0-65535 or a range LO-HI")) < 0 ||
		    rule_range(c, vw, icmp ? 255 : 65535, what,
			       dport ? &r->dport_lo : &r->sport_lo,
			       dport ? &r->dport_hi : &r->sport_hi) ||
		    rule_set_field(c, r, dport ? XSK_F_DPORT : XSK_F_SPORT, w,
				   dport ? "destination port (or ICMP type)" :
				   "source port (or ICMP code)"))
			return -1;
		if (dport)
			c->dport_is_type = icmp;
		else
			c->sport_is_code = icmp;
		return vw + 1;
	}
	if (!strcmp(word, "queue") || !strcmp(word, "pass") || !strcmp(word, "drop") ||
	    !strcmp(word, "index"))
		return rule_fail(c, w, "is an action: put '->' before it");
	return rule_fail(c, w, "is not a match word (ip4, ip6, vlan, udp, tcp, icmp, icmp6, "
			 "proto, src, dst, sport, dport, type, code) nor '->'");
}

/* Ports, type and code must suit the protocol, whichever word came first. */
static int rule_check_l4(struct rule_ctx *c, const struct xsk_rule *r)
{
	bool has_proto = r->fields & XSK_F_PROTO;
	bool icmp = has_proto && (r->l4_proto == XK_IPPROTO_ICMP ||
				  r->l4_proto == XK_IPPROTO_ICMPV6);
	bool ports = has_proto && (r->l4_proto == XK_IPPROTO_UDP ||
				   r->l4_proto == XK_IPPROTO_TCP);
	static const __u32 f[2] = { XSK_F_SPORT, XSK_F_DPORT };
	int i;

	for (i = 0; i < 2; i++) {
		int w = c->field_word[field_bit(f[i])];
		bool is_icmp = i ? c->dport_is_type : c->sport_is_code;

		if (!(r->fields & f[i]))
			continue;
		if (is_icmp && !icmp)
			return rule_fail(c, w, "needs icmp or icmp6 in the rule");
		if (!is_icmp && icmp)
			return rule_fail(c, w, "does not apply to %s: use type and code",
					 r->l4_proto == XK_IPPROTO_ICMP ? "icmp" : "icmp6");
		/* Without a protocol, ports match any frame that has them. */
		if (!is_icmp && has_proto && !ports)
			return rule_fail(c, w, "needs udp or tcp: protocol %u has no ports",
					 r->l4_proto);
	}
	return 0;
}

/* ACTION words from W on, which must be the last ones. */
static int rule_action(struct rule_ctx *c, struct xsk_rule *r, int w)
{
	const char *word;
	__u64 v;
	int i;

	if (w >= c->nr_words && w > 0)
		return rule_fail(c, w - 1, "is not followed by an action: queue, index N, pass or drop");
	if (w >= c->nr_words)
		return rule_fail(c, -1, "is empty: expected queue, index N, pass or drop");
	word = c->words[w];
	for (i = 0; i < 4; i++)
		if (!strcmp(word, action_names[i]))
			break;
	if (i == 4)
		return rule_fail(c, w, "is not an action: queue, index N, pass or drop");
	r->action = i;
	if (i == XSK_ACT_INDEX) {
		int vw = rule_value(c, w, "an xsks_map slot");

		if (vw < 0 || rule_number(c, vw, UINT32_MAX, "an xsks_map slot number", &v))
			return -1;
		r->index = v;
		w = vw;
	}
	if (w + 1 < c->nr_words)
		return rule_fail(c, w + 1, "follows the action: the action ends the rule");
	return 0;
}

/*
 * No "->" in the words. Typed unquoted, "-> queue" is the redirection "-" +
 * "> queue" to the shell: the rule arrives ending in a lone "-", or with no
 * arrow at all ("udp ->queue"), and a file named after the action was made.
 */
static int rule_no_action(struct rule_ctx *c)
{
	bool dash = c->nr_words && !strcmp(c->words[c->nr_words - 1], "-");

	return rule_fail(c, -1, "%s: quote the whole rule ('udp dport 53 -> queue'), or the shell takes '>' for a redirection (and makes a file named after the action)",
			 dash ? "ends in '-' instead of '-> ACTION'" :
				"no '-> ACTION' at the end (queue, index N, pass or drop)");
}

int rule_parse(const char *text, struct xsk_rule *r, char *err, size_t errlen)
{
	char buf[2 * RULE_TEXT_MAX + 2];
	struct rule_ctx c = {
		.what = "rule", .text = text, .err = err, .errlen = errlen, .family_word = -1,
	};
	int w = 0;

	memset(r, 0, sizeof(*r));
	if (rule_too_long(&c))
		return -1;
	if (rule_split(&c, buf))
		return -1;
	/* A lone '-' last: the shell ate "> ACTION"; say so before the words. */
	if (c.nr_words && !strcmp(c.words[c.nr_words - 1], "-"))
		return rule_no_action(&c);
	while (w < c.nr_words && !is_arrow(c.words[w])) {
		w = rule_match_word(&c, r, w);
		if (w < 0)
			return -1;
	}
	if (w == c.nr_words)
		return rule_no_action(&c);
	if (rule_check_l4(&c, r))
		return -1;
	return rule_action(&c, r, w + 1);
}

int action_parse(const char *text, __u32 *action, __u32 *index, char *err, size_t errlen)
{
	char buf[2 * RULE_TEXT_MAX + 2];
	struct rule_ctx c = {
		.what = "default action", .text = text, .err = err, .errlen = errlen,
	};
	struct xsk_rule r = { 0 };

	/* The action part of a rule, with the same words and messages. */
	if (rule_too_long(&c) || rule_split(&c, buf) || rule_action(&c, &r, 0))
		return -1;
	*action = r.action;
	*index = r.index;
	return 0;
}

/* Append to BUF at *OFF, never past LEN. */
static void fmt_add(char *buf, size_t len, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, len - *off, fmt, ap);
	va_end(ap);
	if (n > 0)
		*off += n;
}

static void fmt_range(char *buf, size_t len, size_t *off, const char *name, __u16 lo, __u16 hi)
{
	if (lo == hi)
		fmt_add(buf, len, off, "%s %u ", name, lo);
	else
		fmt_add(buf, len, off, "%s %u-%u ", name, lo, hi);
}

static void fmt_prefix(char *buf, size_t len, size_t *off, const char *name, __u8 fam,
		       const __u8 *addr, __u8 plen)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(fam == 4 ? AF_INET : AF_INET6, addr, a, sizeof(a));
	if (plen == (fam == 4 ? 32 : 128))
		fmt_add(buf, len, off, "%s %s ", name, a);
	else
		fmt_add(buf, len, off, "%s %s/%u ", name, a, plen);
}

void action_format(__u32 action, __u32 index, char *buf, size_t len)
{
	if (action == XSK_ACT_INDEX)
		snprintf(buf, len, "index %u", index);
	else if (action < 4)
		snprintf(buf, len, "%s", action_names[action]);
	else
		snprintf(buf, len, "action-%u", action);
}

void rule_format(const struct xsk_rule *r, char *buf, size_t len)
{
	bool icmp = (r->fields & XSK_F_PROTO) && (r->l4_proto == XK_IPPROTO_ICMP ||
						  r->l4_proto == XK_IPPROTO_ICMPV6);
	char act[32];
	size_t off = 0;

	if (!len)
		return;
	buf[0] = '\0';
	if (r->fields & XSK_F_IPVER)
		fmt_add(buf, len, &off, "ip%u ", r->ip_version);
	if (r->fields & XSK_F_VLAN)
		fmt_add(buf, len, &off, "vlan %u ", r->vlan_id);
	if (r->fields & XSK_F_PROTO) {
		switch (r->l4_proto) {
		case XK_IPPROTO_UDP:
			fmt_add(buf, len, &off, "udp ");
			break;
		case XK_IPPROTO_TCP:
			fmt_add(buf, len, &off, "tcp ");
			break;
		case XK_IPPROTO_ICMP:
			fmt_add(buf, len, &off, "icmp ");
			break;
		case XK_IPPROTO_ICMPV6:
			fmt_add(buf, len, &off, "icmp6 ");
			break;
		default:
			fmt_add(buf, len, &off, "proto %u ", r->l4_proto);
		}
	}
	if (r->fields & XSK_F_SRC)
		fmt_prefix(buf, len, &off, "src", r->family, r->src, r->src_len);
	if (r->fields & XSK_F_DST)
		fmt_prefix(buf, len, &off, "dst", r->family, r->dst, r->dst_len);
	if (r->fields & XSK_F_SPORT)
		fmt_range(buf, len, &off, icmp ? "code" : "sport", r->sport_lo, r->sport_hi);
	if (r->fields & XSK_F_DPORT)
		fmt_range(buf, len, &off, icmp ? "type" : "dport", r->dport_lo, r->dport_hi);
	action_format(r->action, r->index, act, sizeof(act));
	fmt_add(buf, len, &off, "-> %s", act);
}

void ruleset_init(struct xsk_ruleset *rs, __u32 default_action, __u32 default_index)
{
	memset(rs, 0, sizeof(*rs));
	rs->default_action = default_action;
	rs->default_index = default_index;
}

int ruleset_find(const struct xsk_ruleset *rs, __u32 id)
{
	__u32 i;

	for (i = 0; i < rs->nr_rules; i++)
		if (rs->rules[i].id == id)
			return i;
	return -1;
}

int ruleset_add(struct xsk_ruleset *rs, const struct xsk_rule *r, int pos, __u32 *id,
		char *err, size_t errlen)
{
	__u32 new_id;

	if (rs->nr_rules >= XSK_MAX_RULES) {
		snprintf(err, errlen, "the rule set is full (%d rules): delete one first",
			 XSK_MAX_RULES);
		return -ENOSPC;
	}
	if (pos < -1 || pos > (int)rs->nr_rules) {
		snprintf(err, errlen, "position %d is outside the rule set: 0-%u, or -1 to append",
			 pos, rs->nr_rules);
		return -EINVAL;
	}
	if (pos == -1)
		pos = rs->nr_rules;
	/* Lowest free id: ids stay small and a deleted one is reused. */
	for (new_id = 0; ruleset_find(rs, new_id) >= 0; new_id++)
		;
	memmove(&rs->rules[pos + 1], &rs->rules[pos],
		(rs->nr_rules - pos) * sizeof(rs->rules[0]));
	rs->rules[pos] = *r;
	rs->rules[pos].id = new_id;
	rs->nr_rules++;
	*id = new_id;
	return 0;
}

int ruleset_del(struct xsk_ruleset *rs, __u32 id)
{
	int rank = ruleset_find(rs, id);

	if (rank < 0)
		return -ENOENT;
	memmove(&rs->rules[rank], &rs->rules[rank + 1],
		(rs->nr_rules - rank - 1) * sizeof(rs->rules[0]));
	rs->nr_rules--;
	/* Unused slots stay zero, so equal sets are equal map values. */
	memset(&rs->rules[rs->nr_rules], 0, sizeof(rs->rules[0]));
	return 0;
}

/* IPv4 or IPv6: only those have addresses and an L4 protocol. */
static bool pkt_is_ip(const struct xk_pkt *p)
{
	return p->ip_version == 4 || p->ip_version == 6;
}

/* Rule R against frame P, field by field, as bpf/rules.h words it. */
static bool ref_match(const struct xsk_rule *r, const struct xk_pkt *p)
{
	if ((r->fields & XSK_F_IPVER) && p->ip_version != r->ip_version)
		return false;
	if ((r->fields & XSK_F_VLAN) && (!p->nr_vlans || p->vlan_id[0] != r->vlan_id))
		return false;
	/* A non-first fragment has no L4 protocol, nor has a non-IP frame. */
	if ((r->fields & XSK_F_PROTO) &&
	    (!pkt_is_ip(p) || p->nonfirst_frag || p->l4_proto != r->l4_proto))
		return false;
	if ((r->fields & XSK_F_SRC) &&
	    (p->ip_version != r->family || !prefix_contains(r->src, r->src_len, p->saddr)))
		return false;
	if ((r->fields & XSK_F_DST) &&
	    (p->ip_version != r->family || !prefix_contains(r->dst, r->dst_len, p->daddr)))
		return false;
	if ((r->fields & XSK_F_SPORT) &&
	    (!p->has_l4 || p->sport < r->sport_lo || p->sport > r->sport_hi))
		return false;
	if ((r->fields & XSK_F_DPORT) &&
	    (!p->has_l4 || p->dport < r->dport_lo || p->dport > r->dport_hi))
		return false;
	return true;
}

int ref_classify(const struct xsk_ruleset *rs, const struct xk_pkt *p, __u32 *action,
		 __u32 *index)
{
	__u32 i;

	for (i = 0; i < rs->nr_rules && i < XSK_MAX_RULES; i++) {
		if (ref_match(&rs->rules[i], p)) {
			*action = rs->rules[i].action;
			*index = rs->rules[i].index;
			return i;
		}
	}
	*action = rs->default_action;
	*index = rs->default_index;
	return -1;
}

static __u16 ref_be16(const __u8 *b, size_t off)
{
	return (__u16)(b[off] << 8 | b[off + 1]);
}

static bool ref_is_ext(__u8 nh)
{
	return nh == XK_IPPROTO_HOPOPTS || nh == XK_IPPROTO_ROUTING || nh == XK_IPPROTO_FRAGMENT ||
	       nh == XK_IPPROTO_AH || nh == XK_IPPROTO_DSTOPTS;
}

/*
 * The reference parser: what bpf/parse.h documents, written again as plain
 * offsets into a buffer of LEN bytes, without its cursor or its code, so
 * that the two can be tested against each other. END is the end of the IP
 * datagram (its length field), which every header above IP must fit.
 */
int ref_parse_frame(const void *data, size_t len, struct xk_pkt *p)
{
	const __u8 *b = data;
	size_t off = ETH_HDR_LEN, end, hl;
	bool more_frags = false;	/* a fragment with more to follow */
	__u16 proto;
	__u8 nh;
	int i;

	memset(p, 0, sizeof(*p));
	if (len < ETH_HDR_LEN)
		return XK_MALFORMED;
	proto = ref_be16(b, 12);
	for (i = 0; i < XK_MAX_VLAN && (proto == XK_ETH_P_8021Q || proto == XK_ETH_P_8021AD); i++) {
		if (len < off + 4)
			return XK_MALFORMED;
		p->vlan_id[i] = ref_be16(b, off) & 0x0FFF;
		p->nr_vlans++;
		proto = ref_be16(b, off + 2);
		off += 4;
	}
	p->l3_proto = proto;
	if (proto == XK_ETH_P_IP) {
		if (len < off + 20 || b[off] >> 4 != 4)
			return XK_MALFORMED;
		hl = (b[off] & 0x0F) * 4;
		/* Total length: at least the header, at most what arrived. */
		end = off + ref_be16(b, off + 2);
		if (hl < 20 || end < off + hl || end > len)
			return XK_MALFORMED;
		p->ip_version = 4;
		memcpy(p->saddr, b + off + 12, 4);
		memcpy(p->daddr, b + off + 16, 4);
		nh = p->l4_proto = b[off + 9];
		p->nonfirst_frag = (ref_be16(b, off + 6) & XK_IP_OFFSET) != 0;
		more_frags = (ref_be16(b, off + 6) & XK_IP_MF) != 0;
		off += hl;
	} else if (proto == XK_ETH_P_IPV6) {
		if (len < off + 40 || b[off] >> 4 != 6)
			return XK_MALFORMED;
		/* Payload length 0 is an empty payload (see bpf/parse.h). */
		end = off + 40 + ref_be16(b, off + 4);
		if (end > len)
			return XK_MALFORMED;
		p->ip_version = 6;
		memcpy(p->saddr, b + off + 8, 16);
		memcpy(p->daddr, b + off + 24, 16);
		nh = b[off + 6];
		off += 40;
		for (i = 0; i < XK_MAX_EXTHDR && ref_is_ext(nh) && !p->nonfirst_frag; i++) {
			if (end < off + 8)
				return XK_MALFORMED;
			if (nh == XK_IPPROTO_FRAGMENT) {
				p->nonfirst_frag = (ref_be16(b, off + 2) & 0xFFF8) != 0;
				more_frags = more_frags || (ref_be16(b, off + 2) & 1);
				hl = 8;
			} else if (nh == XK_IPPROTO_AH) {
				hl = (b[off + 1] + 2) * 4;
			} else {
				hl = (b[off + 1] + 1) * 8;
			}
			if (end < off + hl)
				return XK_MALFORMED;
			nh = b[off];
			off += hl;
		}
		/* A ninth header is refused; after a non-first fragment none is read. */
		if (ref_is_ext(nh) && !p->nonfirst_frag)
			return XK_MALFORMED;
		p->l4_proto = nh;
	} else {
		return 0;
	}
	if (p->nonfirst_frag)
		return 0;
	if (nh == XK_IPPROTO_UDP) {
		size_t ulen;

		if (end < off + 8)
			return XK_MALFORMED;
		/*
		 * 8 <= length <= the IP payload; 0 is "all of it" in IPv6. A
		 * first fragment's length is the reassembled datagram's, which
		 * the kernel checks only after reassembly: just the lower bound.
		 */
		ulen = ref_be16(b, off + 4);
		if (ulen == 0 && p->ip_version == 6)
			ulen = end - off;
		if (ulen < 8 || (!more_frags && end < off + ulen))
			return XK_MALFORMED;
	} else if (nh == XK_IPPROTO_TCP) {
		/* Data offset: at least 5 words, all inside the datagram. */
		if (end < off + 20 || b[off + 12] >> 4 < 5 || end < off + (b[off + 12] >> 4) * 4)
			return XK_MALFORMED;
	} else if ((nh == XK_IPPROTO_ICMP && p->ip_version == 4) ||
		   (nh == XK_IPPROTO_ICMPV6 && p->ip_version == 6)) {
		if (end < off + 4)
			return XK_MALFORMED;
		p->has_l4 = 1;
		p->sport = b[off + 1];	/* code */
		p->dport = b[off];	/* type */
		return 0;
	} else {
		return 0;
	}
	p->has_l4 = 1;
	p->sport = ref_be16(b, off);
	p->dport = ref_be16(b, off + 2);
	return 0;
}

/* A field table: WILD everywhere (the "none" value too), then the rules. */
static void cls_fill(__u64 *table, __u32 size, __u64 wild)
{
	__u32 v;

	for (v = 0; v < size; v++)
		table[v] = wild;
}

static void cls_lpm_build(const struct xsk_ruleset *rs, __u8 fam, bool dst, __u64 wild,
			  struct cls_lpm_list *l)
{
	__u32 field = dst ? XSK_F_DST : XSK_F_SRC;
	__u32 i, j;

	/* The /0 entry: what an address no rule prefix covers gets. */
	memset(l, 0, sizeof(*l));
	l->count = 1;
	l->e[0].bits = wild;
	for (i = 0; i < rs->nr_rules; i++) {
		const struct xsk_rule *r = &rs->rules[i];
		const __u8 *addr = dst ? r->dst : r->src;
		__u8 len = dst ? r->dst_len : r->src_len;

		if (!(r->fields & field) || r->family != fam)
			continue;
		for (j = 0; j < l->count; j++)
			if (l->e[j].len == len && !memcmp(l->e[j].addr, addr, 16))
				break;
		if (j == l->count) {
			memcpy(l->e[j].addr, addr, 16);
			l->e[j].len = len;
			l->e[j].bits = wild;
			l->count++;
		}
	}
	/*
	 * The longest entry containing an address stands for every rule
	 * prefix containing it: rule prefixes that contain the address are
	 * nested, so they all contain the longest of them.
	 */
	for (j = 0; j < l->count; j++) {
		for (i = 0; i < rs->nr_rules; i++) {
			const struct xsk_rule *r = &rs->rules[i];
			const __u8 *addr = dst ? r->dst : r->src;
			__u8 len = dst ? r->dst_len : r->src_len;

			if (!(r->fields & field) || r->family != fam)
				continue;
			if (len <= l->e[j].len && prefix_contains(addr, len, l->e[j].addr))
				l->e[j].bits |= 1ULL << i;
		}
	}
}

void cls_compile(const struct xsk_ruleset *rs, struct cls_tables *t)
{
	__u64 wild_ipver = 0, wild_proto = 0, wild_vlan = 0, wild_sport = 0, wild_dport = 0;
	__u64 wild_src = 0, wild_dst = 0, all = 0;
	__u32 nr = rs->nr_rules < XSK_MAX_RULES ? rs->nr_rules : XSK_MAX_RULES;
	__u32 used = 0, i, v;

	for (i = 0; i < nr; i++) {
		__u32 f = rs->rules[i].fields;
		__u64 bit = 1ULL << i;

		all |= bit;
		used |= f;
		wild_ipver |= f & XSK_F_IPVER ? 0 : bit;
		wild_proto |= f & XSK_F_PROTO ? 0 : bit;
		wild_vlan |= f & XSK_F_VLAN ? 0 : bit;
		wild_sport |= f & XSK_F_SPORT ? 0 : bit;
		wild_dport |= f & XSK_F_DPORT ? 0 : bit;
		wild_src |= f & XSK_F_SRC ? 0 : bit;
		wild_dst |= f & XSK_F_DST ? 0 : bit;
	}
	cls_fill(t->ipver, XSK_T_IPVER, wild_ipver);
	cls_fill(t->proto, XSK_T_PROTO, wild_proto);
	cls_fill(t->vlan, XSK_T_VLAN, wild_vlan);
	cls_fill(t->sport, XSK_T_PORT, wild_sport);
	cls_fill(t->dport, XSK_T_PORT, wild_dport);
	memset(t->act, 0, sizeof(t->act));
	for (i = 0; i < nr; i++) {
		const struct xsk_rule *r = &rs->rules[i];
		__u64 bit = 1ULL << i;

		if (r->fields & XSK_F_IPVER)
			t->ipver[r->ip_version == 4 ? 1 : 2] |= bit;
		if (r->fields & XSK_F_PROTO)
			t->proto[r->l4_proto] |= bit;
		if (r->fields & XSK_F_VLAN)
			t->vlan[r->vlan_id & 0xFFF] |= bit;
		if (r->fields & XSK_F_SPORT)
			for (v = r->sport_lo; v <= r->sport_hi; v++)
				t->sport[v] |= bit;
		if (r->fields & XSK_F_DPORT)
			for (v = r->dport_lo; v <= r->dport_hi; v++)
				t->dport[v] |= bit;
		t->act[i].id = r->id;
		t->act[i].action = r->action;
		t->act[i].index = r->index;
	}
	cls_lpm_build(rs, 4, false, wild_src, &t->src4);
	cls_lpm_build(rs, 4, true, wild_dst, &t->dst4);
	cls_lpm_build(rs, 6, false, wild_src, &t->src6);
	cls_lpm_build(rs, 6, true, wild_dst, &t->dst6);
	memset(&t->hdr, 0, sizeof(t->hdr));
	t->hdr.nr_rules = nr;
	t->hdr.default_action = rs->default_action;
	t->hdr.default_index = rs->default_index;
	t->hdr.used_fields = used;
	t->hdr.all_rules = all;
	t->hdr.wild_src = wild_src;
	t->hdr.wild_dst = wild_dst;
}

/* Longest prefix match over a list, as the LPM trie answers. */
static __u64 cls_lpm_lookup(const struct cls_lpm_list *l, const __u8 *addr)
{
	int best = -1;
	__u32 j;

	for (j = 0; j < l->count; j++)
		if (prefix_contains(l->e[j].addr, l->e[j].len, addr) &&
		    (best < 0 || l->e[j].len > l->e[best].len))
			best = j;
	/* The /0 entry is always there; no entry at all means no table. */
	return best < 0 ? 0 : l->e[best].bits;
}

/*
 * The program's classification, step by step; bpf/xsk_redirect.bpf.c
 * must compute the same, in the same terms:
 *   1. bits = hdr.all_rules;
 *   2. for each field in hdr.used_fields (others are skipped, saving a
 *      lookup), bits &= table[value], where value is
 *        IPVER  1 for IPv4, 2 for IPv6, 0 otherwise;
 *        VLAN   vlan_id[0] when nr_vlans > 0 and it is <= 4095, else
 *               XSK_VLAN_NONE;
 *        PROTO  l4_proto for an IPv4/IPv6 frame that is not a non-first
 *               fragment, else XSK_PROTO_NONE;
 *        SRC/DST  the LPM table of the frame's family (longest match;
 *               the /0 entry always exists), hdr.wild_src/wild_dst for a
 *               frame that is neither IPv4 nor IPv6;
 *        SPORT/DPORT  the port when has_l4, else XSK_PORT_NONE;
 *   3. no bit left: the default action; else the lowest set bit is the
 *      rank of the winner, and act[rank] says what to do.
 */
int cls_eval(const struct cls_tables *t, const struct xk_pkt *p, __u32 *action, __u32 *index)
{
	__u32 used = t->hdr.used_fields;
	__u64 bits = t->hdr.all_rules;
	int rank;

	if (used & XSK_F_IPVER)
		bits &= t->ipver[p->ip_version == 4 ? 1 : p->ip_version == 6 ? 2 : 0];
	if (used & XSK_F_VLAN)
		bits &= t->vlan[p->nr_vlans && p->vlan_id[0] <= 4095 ? p->vlan_id[0] :
				XSK_VLAN_NONE];
	if (used & XSK_F_PROTO)
		bits &= t->proto[pkt_is_ip(p) && !p->nonfirst_frag ? p->l4_proto :
				 XSK_PROTO_NONE];
	if (used & XSK_F_SRC)
		bits &= p->ip_version == 4 ? cls_lpm_lookup(&t->src4, p->saddr) :
			p->ip_version == 6 ? cls_lpm_lookup(&t->src6, p->saddr) :
			t->hdr.wild_src;
	if (used & XSK_F_DST)
		bits &= p->ip_version == 4 ? cls_lpm_lookup(&t->dst4, p->daddr) :
			p->ip_version == 6 ? cls_lpm_lookup(&t->dst6, p->daddr) :
			t->hdr.wild_dst;
	if (used & XSK_F_SPORT)
		bits &= t->sport[p->has_l4 ? p->sport : XSK_PORT_NONE];
	if (used & XSK_F_DPORT)
		bits &= t->dport[p->has_l4 ? p->dport : XSK_PORT_NONE];
	if (!bits) {
		*action = t->hdr.default_action;
		*index = t->hdr.default_index;
		return -1;
	}
	rank = __builtin_ctzll(bits);
	*action = t->act[rank].action;
	*index = t->act[rank].index;
	return rank;
}

int action_check_slot(__u32 action, __u32 index, __u32 slots, const char *what,
		      const char *why, char *err, size_t errlen)
{
	if (action != XSK_ACT_INDEX || index < slots)
		return 0;
	if (!slots)
		snprintf(err, errlen, "%s: index %u: xsks_map has no slot%s", what, index, why);
	else
		snprintf(err, errlen, "%s: index %u is out of range: xsks_map has %u slot%s (0-%u)%s; use an index 0-%u",
			 what, index, slots, slots == 1 ? "" : "s", slots - 1, why, slots - 1);
	return -1;
}

int ruleset_check_slots(const struct xsk_ruleset *rs, __u32 slots, const char *why,
			char *err, size_t errlen)
{
	char text[RULE_FORMAT_MAX], what[RULE_FORMAT_MAX + 16];
	__u32 i;

	for (i = 0; i < rs->nr_rules; i++) {
		rule_format(&rs->rules[i], text, sizeof(text));
		snprintf(what, sizeof(what), "rule '%s'", text);
		if (action_check_slot(rs->rules[i].action, rs->rules[i].index, slots, what, why,
				      err, errlen))
			return -1;
	}
	return action_check_slot(rs->default_action, rs->default_index, slots, "default action",
				 why, err, errlen);
}
