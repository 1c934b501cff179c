// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xskmap status: every XDP program of this network namespace (or IFNAME's),
 * who attached it and how, its XSKMAPs slot by slot (looked up for real by
 * bpf/xsk_probe.bpf.c: userspace cannot read an XSKMAP), and for
 * xsk_redirect its rules, hits and counters.
 */
#include <errno.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/bpf.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cls_maps.h"
#include "cmd.h"
#include "explain.h"
#include "json_out.h"
#include "opts.h"
#include "owner.h"
#include "prog.h"
#include "stats.h"
#include "util.h"
#include "xsk_diag.h"
#include "xsk_slots.h"

#define STATUS_MAX_MAPS 8

struct status_args {
	const char *ifname;	/* NULL: every interface */
	bool json;
};

struct st_map {
	__u32 id, max_entries;
	char name[BPF_OBJ_NAME_LEN];
	char err[700];		/* "": slots read */
	struct xskmap_slots slots;
};

struct st_prog {
	__u32 id;
	char name[BPF_OBJ_NAME_LEN];
	const char *mode;	/* native, skb, offload */
	const char *ip_word;	/* `ip link set dev IF <word> off` */
	__u32 link_id;		/* 0: netlink; behind a dispatcher: its freplace link */
	__u32 dispatcher_id;	/* a component of libxdp's dispatcher with this id, 0: none */
	const struct xskmap_fd_owner *link_holder;
	int run_pid;		/* the live xskmap run that owns it, 0: none */
	int dead_run_pid;	/* a dead run's record names it */
	char attach_dir[PATH_MAX];	/* left by `xskmap attach`, its pins here; "" if not */
	char err[300];		/* "": the program's maps were read */
	struct st_map maps[STATUS_MAX_MAPS];
	unsigned int nr_maps, nr_other_maps;
	/* xsk_redirect's own maps, read */
	bool own;
	char own_err[200];
	bool have_bpf;		/* bpf[] read */
	struct xsk_ruleset *rs;
	struct xsk_stat hits[XSK_MAX_RULES + 1];
	struct xsk_stat bpf[XSK_STAT_MAX];
	struct explain_report explain;	/* have_bpf: the run's tracer's map, bound to the program */
};

struct st_iface {
	char name[IF_NAMESIZE];
	int ifindex;
	char err[200];
	struct st_prog progs[3 + 10];	/* a mode each, then dispatcher components */
	unsigned int nr_progs;
};

struct st_ctx {
	struct xskmap_fd_owners owners;
	struct xskmap_diag_sock *socks;
	size_t nr_socks;
	char socks_err[300];
	int failures;		/* maps or programs that could not be reached */
};

static int status_words(void *obj, int n, char **w, char *err, size_t errlen)
{
	struct status_args *a = obj;

	if (n > 1)
		return errf(err, errlen, "one interface at most, got also '%s': usage: xskmap status [--json] [IFNAME]",
			    w[1]);
	if (n)
		a->ifname = w[0];
	return n ? opts_check_ifname(a->ifname, err, errlen) : 0;
}

static const struct opt_def status_defs[] = {
	OPT_JSON(struct status_args, "the result as one JSON object"),
	OPT_END,
};

static const struct opt_cmd status_cmd_opts = {
	.name = "status",
	.head =
"Usage: xskmap status [--json] [IFNAME]\n\n"
"For every interface of this network namespace (or IFNAME): its XDP program\n"
"(id, mode, attached through a BPF link or netlink, the process holding it,\n"
"the xskmap run that owns it), each XSKMAP of the program slot by slot (the\n"
"socket there, its queue, device and process, looked up from XDP by a probe\n"
"program run with BPF_PROG_TEST_RUN: the kernel refuses userspace lookups),\n"
"the AF_XDP sockets bound to it, and for xsk_redirect its rules, hits and\n"
"counters. Needs root (CAP_SYS_ADMIN to open programs and maps by id,\n"
"CAP_BPF and CAP_NET_ADMIN for the probe, CAP_PERFMON for the device and\n"
"inode of each socket). Exit 1 when a program or map could not be read.\n\n",
	.opts_title = "Options:",
	.defs = status_defs,
	.words = status_words,
};

static const char *cap_hint(int err)
{
	return err == EPERM || err == EACCES ?
	       ": opening BPF objects by id needs CAP_SYS_ADMIN (run as root)" : "";
}

/*
 * The map named name that was loaded from the same object as a program
 * whose BTF is btf_id: a map the program never reads (cls_ruleset) is not
 * among its map ids, but libbpf gives every map of an object the object's
 * BTF. An fd, or -1.
 */
static int map_by_btf(__u32 btf_id, const char *name, __u32 value_size)
{
	__u32 id = 0;

	if (!btf_id)
		return -1;
	while (!bpf_map_get_next_id(id, &id)) {
		struct bpf_map_info mi = {};
		__u32 len = sizeof(mi);
		int fd = bpf_map_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &mi, &len) && mi.btf_id == btf_id &&
		    !strcmp(mi.name, name) && mi.value_size == value_size)
			return fd;
		close(fd);
	}
	return -1;
}

/* xsk_redirect's counters and rules, from the program's own maps. */
static void read_own(struct st_prog *p, __u32 btf_id, const int *fds, const struct bpf_map_info *infos,
		     unsigned int n)
{
	struct cls_fds f;
	int stats_fd = -1, ret, ruleset_fd = -1, explain_fd = -1;
	unsigned int i;

	memset(&f, 0, sizeof(f));
#define X(name) f.name = -1;
	CLS_MAPS(X)
#undef X
	for (i = 0; i < n; i++) {
		if (!strcmp(infos[i].name, "cls_ruleset") &&
		    infos[i].value_size == sizeof(struct xsk_ruleset))
			f.cls_ruleset = fds[i];
		else if (!strcmp(infos[i].name, "rule_hits") &&
			 infos[i].value_size == sizeof(struct xsk_stat))
			f.rule_hits = fds[i];
		else if (!strcmp(infos[i].name, "xsk_stats") &&
			 infos[i].value_size == sizeof(struct xsk_stat))
			stats_fd = fds[i];
		else if (!strcmp(infos[i].name, XSK_EXPLAIN_MAP) &&
			 infos[i].key_size == sizeof(struct xsk_explain_key))
			explain_fd = fds[i];
	}
	if (f.rule_hits < 0 || stats_fd < 0)
		return;	/* another program of that name */
	p->own = true;
	ret = stats_read_bpf(stats_fd, p->bpf);
	if (ret) {
		snprintf(p->own_err, sizeof(p->own_err), "cannot read the counters (xsk_stats): %s",
			 strerror(-ret));
		return;
	}
	p->have_bpf = true;
	if (explain_fd < 0 || explain_read(explain_fd, &p->explain)) {
		memset(&p->explain, 0, sizeof(p->explain));
		p->explain.off_why = explain_fd < 0 ?
			"no tracer bound to the program (an 'xskmap attach', which leaves none, a run with --no-explain, or another loader); the sockets' own XDP_STATISTICS count the refusals without the reason" :
			"the tracer's map cannot be read";
	}
	if (f.cls_ruleset < 0)
		f.cls_ruleset = ruleset_fd = map_by_btf(btf_id, "cls_ruleset", sizeof(struct xsk_ruleset));
	if (f.cls_ruleset < 0) {
		/* Only the loader's object holds it: xdp-loader or ip link let it go at exit. */
		snprintf(p->own_err, sizeof(p->own_err),
			 "rules: unknown (map cls_ruleset, which the program never reads, went with the loader that made it, xdp-loader or ip link)");
		return;
	}
	p->rs = calloc(1, sizeof(*p->rs));
	ret = p->rs ? cls_ruleset_read(&f, p->rs) : -ENOMEM;
	if (!ret)
		ret = cls_hits_read(&f, p->hits);
	if (ret) {
		snprintf(p->own_err, sizeof(p->own_err), "cannot read the rules and their hits: %s",
			 strerror(-ret));
		free(p->rs);
		p->rs = NULL;
	}
	if (ruleset_fd >= 0)
		close(ruleset_fd);
}

static void read_maps(struct st_ctx *c, struct st_prog *p, int prog_fd)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info), nr, i, *ids, btf_id;
	struct bpf_map_info *infos;
	int *fds;

	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		snprintf(p->err, sizeof(p->err), "cannot read program %u: %s", p->id, strerror(errno));
		return;
	}
	nr = info.nr_map_ids;
	btf_id = info.btf_id;
	ids = calloc(nr + 1, sizeof(*ids));
	infos = calloc(nr + 1, sizeof(*infos));
	fds = calloc(nr + 1, sizeof(*fds));
	if (!ids || !infos || !fds)
		goto out;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = nr;
	info.map_ids = (__u64)(unsigned long)ids;
	len = sizeof(info);
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len)) {
		snprintf(p->err, sizeof(p->err), "cannot read the maps of program %u: %s", p->id,
			 strerror(errno));
		goto out;
	}
	nr = info.nr_map_ids < nr ? info.nr_map_ids : nr;
	for (i = 0; i < nr; i++) {
		__u32 ilen = sizeof(infos[i]);

		fds[i] = bpf_map_get_fd_by_id(ids[i]);
		if (fds[i] < 0 || bpf_obj_get_info_by_fd(fds[i], &infos[i], &ilen)) {
			int e = errno;

			snprintf(p->err, sizeof(p->err), "cannot open map %u of program %u: %s%s", ids[i],
				 p->id, strerror(e), cap_hint(e));
			c->failures++;
			continue;
		}
		if (infos[i].type != BPF_MAP_TYPE_XSKMAP) {
			p->nr_other_maps++;
			continue;
		}
		if (p->nr_maps < STATUS_MAX_MAPS) {
			struct st_map *m = &p->maps[p->nr_maps++];

			m->id = infos[i].id;
			m->max_entries = infos[i].max_entries;
			snprintf(m->name, sizeof(m->name), "%s", infos[i].name);
			if (xskmap_slots_probe(fds[i], &m->slots, m->err, sizeof(m->err)))
				c->failures++;
		}
	}
	if (!strcmp(p->name, XSKMAP_PROG_NAME) || !strcmp(p->name, XSKMAP_PROG_NAME_MB))
		read_own(p, btf_id, fds, infos, nr);
	for (i = 0; i < nr; i++)
		if (fds[i] > 0)
			close(fds[i]);
out:
	free(ids);
	free(infos);
	free(fds);
}

static void read_prog(struct st_ctx *c, struct st_iface *ifc, struct st_prog *p,
		      const struct owner_rec *rec, enum owner_state st)
{
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int fd = bpf_prog_get_fd_by_id(p->id);

	snprintf(p->name, sizeof(p->name), "?");
	if (fd < 0) {
		int e = errno;

		snprintf(p->err, sizeof(p->err), "cannot open program %u: %s%s", p->id, strerror(e),
			 cap_hint(e));
		c->failures++;
		return;
	}
	if (!bpf_obj_get_info_by_fd(fd, &info, &len))
		snprintf(p->name, sizeof(p->name), "%s", info.name[0] ? info.name : "(unnamed)");
	if (!p->dispatcher_id)
		p->link_id = prog_link_holding(ifc->ifindex, p->id);
	p->link_holder = xskmap_owner_of_link(&c->owners, p->link_id);
	if (st == OWNER_LIVE && rec->prog_id == p->id)
		p->run_pid = rec->pid;
	else if (st == OWNER_DEAD && rec->prog_id == p->id)
		p->dead_run_pid = rec->pid;
	else if (st == OWNER_ATTACHED && rec->prog_id == p->id)
		snprintf(p->attach_dir, sizeof(p->attach_dir), "%s", rec->pin_dir);
	read_maps(c, p, fd);
	close(fd);
}

/*
 * libxdp's dispatcher runs its component programs through freplace (BPF
 * "tracing" links whose target is the dispatcher): add each as a program of
 * its own, since it is the one with the XSKMAP.
 */
static void add_components(struct st_iface *ifc, __u32 dispatcher_id, const char *mode)
{
	__u32 id = 0;

	while (!bpf_link_get_next_id(id, &id) &&
	       ifc->nr_progs < sizeof(ifc->progs) / sizeof(ifc->progs[0])) {
		struct bpf_link_info li = {};
		__u32 len = sizeof(li);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &li, &len) && li.type == BPF_LINK_TYPE_TRACING &&
		    li.tracing.target_obj_id == dispatcher_id && li.prog_id)
			ifc->progs[ifc->nr_progs++] = (struct st_prog){
				.id = li.prog_id, .mode = mode, .ip_word = "xdp", .link_id = li.id,
				.dispatcher_id = dispatcher_id };
		close(fd);
	}
}

static void read_iface(struct st_ctx *c, struct st_iface *ifc)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct owner_rec rec;
	enum owner_state st = OWNER_NONE;
	struct owner o;
	char err[512];
	int ret;

	ret = bpf_xdp_query(ifc->ifindex, 0, &q);
	if (ret) {
		snprintf(ifc->err, sizeof(ifc->err), "cannot query its XDP programs: %s%s",
			 strerror(-ret), ret == -EPERM ? " (needs CAP_NET_ADMIN)" : "");
		c->failures++;
		return;
	}
	if (!q.drv_prog_id && !q.skb_prog_id && !q.hw_prog_id)
		return;
	if (owner_lookup(&o, ifc->ifindex, false, &st, &rec, err, sizeof(err)))
		st = OWNER_NONE;
	if (q.drv_prog_id)
		ifc->progs[ifc->nr_progs++] = (struct st_prog){ .id = q.drv_prog_id, .mode = "native",
								.ip_word = "xdpdrv" };
	if (q.skb_prog_id)
		ifc->progs[ifc->nr_progs++] = (struct st_prog){ .id = q.skb_prog_id, .mode = "skb",
								.ip_word = "xdpgeneric" };
	if (q.hw_prog_id)
		ifc->progs[ifc->nr_progs++] = (struct st_prog){ .id = q.hw_prog_id, .mode = "offload",
								.ip_word = "xdpoffload" };
	for (unsigned int i = 0; i < ifc->nr_progs; i++) {
		read_prog(c, ifc, &ifc->progs[i], &rec, st);
		if (!ifc->progs[i].dispatcher_id && !strcmp(ifc->progs[i].name, "xdp_dispatcher"))
			add_components(ifc, ifc->progs[i].id, ifc->progs[i].mode);
	}
}

/* ------------------------------------------------------------------ text */

static void slot_text(FILE *f, const struct st_ctx *c, const struct st_iface *ifc,
		      const struct xskmap_slots *s, __u32 k)
{
	const struct xsk_probe_slot *e = &s->slot[k];
	const struct xskmap_fd_owner *w;
	char dev[IF_NAMESIZE];

	fprintf(f, "    slot %-4u socket bound to queue %u", k, e->queue_id);
	if (e->flags & XSK_PROBE_IFINDEX) {
		if ((int)e->ifindex == ifc->ifindex)
			fprintf(f, " of %s", ifc->name);
		else
			fprintf(f, " of %s (ifindex %u: not %s, so the kernel drops what is redirected to it from here)",
				if_indextoname(e->ifindex, dev) ? dev : "another namespace's device",
				e->ifindex, ifc->name);
		fprintf(f, ", %s", e->flags & XSK_PROBE_ZC ? "zero-copy" : "copy mode");
	}
	if (e->flags & XSK_PROBE_INODE) {
		fprintf(f, ", inode %llu", (unsigned long long)e->inode);
		w = xskmap_owner_of_socket(&c->owners, e->inode);
		if (w)
			fprintf(f, " (pid %d %s)", w->pid, w->comm);
	}
	fputc('\n', f);
}

static void map_text(FILE *f, const struct st_ctx *c, const struct st_iface *ifc, const struct st_map *m)
{
	const struct xskmap_slots *s = &m->slots;
	__u32 k, used = 0, run;

	fprintf(f, "  XSKMAP %s (id %u, %u slot%s)", m->name[0] ? m->name : "(unnamed)", m->id,
		m->max_entries, m->max_entries == 1 ? "" : "s");
	if (m->err[0]) {
		fprintf(f, ": cannot be reached: %s\n", m->err);
		return;
	}
	for (k = 0; k < s->nr; k++)
		used += !!(s->slot[k].flags & XSK_PROBE_SOCKET);
	fprintf(f, ": %u socket%s\n", used, used == 1 ? "" : "s");
	if (!s->ext && s->ext_why[0])
		fprintf(f, "    (queues only: %s)\n", s->ext_why);
	for (k = 0; k < s->nr; k = run) {
		if (s->slot[k].flags & XSK_PROBE_SOCKET) {
			slot_text(f, c, ifc, s, k);
			run = k + 1;
			continue;
		}
		for (run = k; run < s->nr && !(s->slot[run].flags & XSK_PROBE_SOCKET); run++)
			;
		if (run - k == 1)
			fprintf(f, "    slot %-4u empty\n", k);
		else
			fprintf(f, "    slots %u-%u empty\n", k, run - 1);
	}
}

static void prog_text(FILE *f, const struct st_ctx *c, const struct st_iface *ifc, const struct st_prog *p)
{
	fprintf(f, "%s (ifindex %d): XDP program %s (id %u, %s mode), ", ifc->name, ifc->ifindex,
		p->name, p->id, p->mode);
	if (p->dispatcher_id) {
		fprintf(f, "run by libxdp's dispatcher (id %u) through freplace link %u", p->dispatcher_id,
			p->link_id);
		if (p->link_holder)
			fprintf(f, " held by pid %d (%s)", p->link_holder->pid, p->link_holder->comm);
	} else if (p->link_id) {
		fprintf(f, "attached through BPF link %u", p->link_id);
		if (p->link_holder)
			fprintf(f, " held by pid %d (%s)", p->link_holder->pid, p->link_holder->comm);
	} else {
		fprintf(f, "attached through netlink (removed by 'ip link set dev %s %s off')",
			ifc->name, p->ip_word);
	}
	if (p->run_pid)
		fprintf(f, "; owned by the xskmap run of pid %d", p->run_pid);
	else if (p->attach_dir[0])
		fprintf(f, "; left by 'xskmap attach', link and maps pinned under %s ('xskmap detach %s' removes it)",
			p->attach_dir, ifc->name);
	else if (p->dead_run_pid)
		fprintf(f, "; the record of a dead xskmap run (pid %d) names it", p->dead_run_pid);
	else
		fprintf(f, "; no xskmap run owns it");
	fputc('\n', f);
	if (p->err[0])
		fprintf(f, "  %s\n", p->err);
	for (unsigned int i = 0; i < p->nr_maps; i++)
		map_text(f, c, ifc, &p->maps[i]);
	if (!p->nr_maps && !p->err[0])
		fprintf(f, "  no XSKMAP (%u other map%s)\n", p->nr_other_maps,
			p->nr_other_maps == 1 ? "" : "s");
	if (p->have_bpf) {
		fputs("  counters:", f);
		report_bpf_text(f, p->bpf);
		fputc('\n', f);
		fputs("  refused by the kernel after XDP_REDIRECT:\n", f);
		explain_text(f, &p->explain, "    ");
	}
	if (p->own && p->own_err[0])
		fprintf(f, "  %s\n", p->own_err);
	if (p->rs) {
		fputs("  rules:\n", f);
		{
			char *buf = NULL;
			size_t len = 0;
			FILE *m = open_memstream(&buf, &len);

			if (m) {
				report_rules(m, p->rs, p->hits, false);
				fclose(m);
				for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
					fprintf(f, "    %s\n", line);
				free(buf);
			}
		}
	}
}

/* Sockets bound to ifc that the probe found in none of its maps. */
static bool sock_in_maps(const struct st_iface *ifc, __u64 inode)
{
	for (unsigned int i = 0; i < ifc->nr_progs; i++)
		for (unsigned int m = 0; m < ifc->progs[i].nr_maps; m++) {
			const struct xskmap_slots *s = &ifc->progs[i].maps[m].slots;

			for (__u32 k = 0; k < s->nr; k++)
				if ((s->slot[k].flags & XSK_PROBE_INODE) && s->slot[k].inode == inode)
					return true;
		}
	return false;
}

static void socks_text(FILE *f, const struct st_ctx *c, const struct st_iface *ifc)
{
	unsigned int n = 0;

	for (size_t i = 0; i < c->nr_socks; i++)
		n += (int)c->socks[i].ifindex == ifc->ifindex;
	if (!n)
		return;
	fprintf(f, "  AF_XDP sockets bound to %s (ss --xdp): %u\n", ifc->name, n);
	for (size_t i = 0; i < c->nr_socks; i++) {
		const struct xskmap_diag_sock *s = &c->socks[i];
		const struct xskmap_fd_owner *w;

		if ((int)s->ifindex != ifc->ifindex)
			continue;
		w = xskmap_owner_of_socket(&c->owners, s->inode);
		fprintf(f, "    inode %llu queue %u, %s, rx ring %u, tx ring %u, uid %u",
			(unsigned long long)s->inode, s->queue_id, s->zero_copy ? "zero-copy" : "copy mode",
			s->rx_entries, s->tx_entries, s->uid);
		if (w)
			fprintf(f, ", pid %d (%s)", w->pid, w->comm);
		if (ifc->nr_progs && !sock_in_maps(ifc, s->inode))
			fprintf(f, "; in no XSKMAP of the program here");
		fputc('\n', f);
	}
}

static void iface_text(FILE *f, const struct st_ctx *c, const struct st_iface *ifc)
{
	if (ifc->err[0]) {
		fprintf(f, "%s (ifindex %d): %s\n", ifc->name, ifc->ifindex, ifc->err);
		return;
	}
	if (!ifc->nr_progs)
		fprintf(f, "%s (ifindex %d): no XDP program\n", ifc->name, ifc->ifindex);
	for (unsigned int i = 0; i < ifc->nr_progs; i++)
		prog_text(f, c, ifc, &ifc->progs[i]);
	socks_text(f, c, ifc);
}

/* ------------------------------------------------------------------ JSON */

static json_object *owner_json(const struct xskmap_fd_owner *w)
{
	json_object *o;

	if (!w)
		return NULL;
	o = json_object_new_object();
	jput_u64(o, "pid", w->pid);
	jput_str(o, "comm", w->comm);
	return o;
}

static json_object *map_json(const struct st_ctx *c, const struct st_map *m)
{
	json_object *o = json_object_new_object(), *slots;
	const struct xskmap_slots *s = &m->slots;
	char dev[IF_NAMESIZE];
	__u32 k, used = 0;

	jput_u64(o, "id", m->id);
	jput_str(o, "name", m->name);
	jput_u64(o, "max_entries", m->max_entries);
	jput_str(o, "error", m->err[0] ? m->err : NULL);
	if (m->err[0])
		return o;
	jput(o, "socket_details", json_object_new_boolean(s->ext));
	if (!s->ext)
		jput_str(o, "socket_details_missing", s->ext_why);
	slots = json_object_new_array();
	for (k = 0; k < s->nr; k++) {
		const struct xsk_probe_slot *e = &s->slot[k];
		json_object *j = json_object_new_object();
		bool has = e->flags & XSK_PROBE_SOCKET;

		used += has;
		jput_u64(j, "slot", k);
		jput(j, "socket", json_object_new_boolean(has));
		if (has) {
			jput_u64(j, "queue", e->queue_id);
			if (e->flags & XSK_PROBE_IFINDEX) {
				jput_u64(j, "ifindex", e->ifindex);
				jput_str(j, "interface", if_indextoname(e->ifindex, dev) ? dev : NULL);
				jput(j, "zero_copy", json_object_new_boolean(e->flags & XSK_PROBE_ZC));
			}
			if (e->flags & XSK_PROBE_INODE) {
				jput_u64(j, "inode", e->inode);
				jput(j, "process", owner_json(xskmap_owner_of_socket(&c->owners, e->inode)));
			}
		}
		json_object_array_add(slots, j);
	}
	jput_u64(o, "sockets", used);
	jput(o, "slots", slots);
	return o;
}

static json_object *prog_json(const struct st_ctx *c, const struct st_prog *p)
{
	json_object *o = json_object_new_object(), *maps = json_object_new_array(), *run = NULL;

	jput_u64(o, "id", p->id);
	jput_str(o, "name", p->name);
	jput_str(o, "mode", p->mode);
	jput_str(o, "attached_through", p->dispatcher_id ? "dispatcher" : p->link_id ? "link" : "netlink");
	jput(o, "dispatcher_id", p->dispatcher_id ? json_object_new_uint64(p->dispatcher_id) : NULL);
	jput(o, "link_id", p->link_id ? json_object_new_uint64(p->link_id) : NULL);
	jput(o, "link_holder", owner_json(p->link_holder));
	if (p->run_pid) {
		run = json_object_new_object();
		jput_u64(run, "pid", p->run_pid);
	}
	jput(o, "xskmap_run", run);
	jput_str(o, "xskmap_attach_pin_dir", p->attach_dir[0] ? p->attach_dir : NULL);
	jput_str(o, "error", p->err[0] ? p->err : NULL);
	for (unsigned int i = 0; i < p->nr_maps; i++)
		json_object_array_add(maps, map_json(c, &p->maps[i]));
	jput(o, "xskmaps", maps);
	if (p->own && p->own_err[0])
		jput_str(o, p->have_bpf ? "rules_error" : "counters_error", p->own_err);
	if (p->have_bpf) {
		jput(o, "bpf", report_bpf_json(p->bpf));
		jput(o, "redirect_failures", explain_json(&p->explain));
	}
	if (p->rs)
		report_rules_json(o, p->rs, p->hits);
	return o;
}

static json_object *iface_json(const struct st_ctx *c, const struct st_iface *ifc)
{
	json_object *o = json_object_new_object(), *progs = json_object_new_array();
	json_object *socks = json_object_new_array();

	jput_str(o, "interface", ifc->name);
	jput_u64(o, "ifindex", ifc->ifindex);
	jput_str(o, "error", ifc->err[0] ? ifc->err : NULL);
	for (unsigned int i = 0; i < ifc->nr_progs; i++)
		json_object_array_add(progs, prog_json(c, &ifc->progs[i]));
	jput(o, "xdp", progs);
	for (size_t i = 0; i < c->nr_socks; i++) {
		const struct xskmap_diag_sock *s = &c->socks[i];
		json_object *j;

		if ((int)s->ifindex != ifc->ifindex)
			continue;
		j = json_object_new_object();
		jput_u64(j, "inode", s->inode);
		jput_u64(j, "queue", s->queue_id);
		jput(j, "zero_copy", json_object_new_boolean(s->zero_copy));
		jput_u64(j, "rx_ring", s->rx_entries);
		jput_u64(j, "tx_ring", s->tx_entries);
		jput_u64(j, "uid", s->uid);
		jput(j, "process", owner_json(xskmap_owner_of_socket(&c->owners, s->inode)));
		jput(j, "in_xskmap", ifc->nr_progs ? json_object_new_boolean(sock_in_maps(ifc, s->inode)) : NULL);
		json_object_array_add(socks, j);
	}
	jput(o, "sockets", socks);
	return o;
}

static void iface_free(struct st_iface *ifc)
{
	for (unsigned int i = 0; i < ifc->nr_progs; i++) {
		free(ifc->progs[i].rs);
		for (unsigned int m = 0; m < ifc->progs[i].nr_maps; m++)
			xskmap_slots_free(&ifc->progs[i].maps[m].slots);
	}
}

int cmd_status(int argc, char **argv)
{
	struct status_args a = {};
	struct if_nameindex *names = NULL, one[2] = {};
	struct st_ctx c = {};
	json_object *root = NULL, *arr = NULL;
	char err[512];
	int ret, n = 0;

	ret = opts_exit_code(opts_parse(&status_cmd_opts, argc, argv, &a, err, sizeof(err)), err);
	if (ret >= 0)
		return ret;
	libbpf_set_print(NULL);
	if (a.ifname) {
		one[0].if_index = if_nametoindex(a.ifname);
		one[0].if_name = (char *)a.ifname;
		if (!one[0].if_index) {
			fprintf(stderr, "xskmap: error: interface '%s' does not exist: check the name with 'ip link show'\n",
				a.ifname);
			return EXIT_USAGE;
		}
	} else {
		names = if_nameindex();
		if (!names) {
			fprintf(stderr, "xskmap: error: cannot list the interfaces: %s\n", strerror(errno));
			return EXIT_FAIL;
		}
	}
	xskmap_fd_owners_scan(&c.owners);
	if (xskmap_diag_socks(&c.socks, &c.nr_socks, c.socks_err, sizeof(c.socks_err)))
		c.nr_socks = 0;
	if (a.json) {
		root = json_object_new_object();
		arr = json_object_new_array();
	}
	for (struct if_nameindex *p = a.ifname ? one : names; p->if_index; p++, n++) {
		struct st_iface ifc = { .ifindex = (int)p->if_index };

		snprintf(ifc.name, sizeof(ifc.name), "%s", p->if_name);
		read_iface(&c, &ifc);
		if (a.json)
			json_object_array_add(arr, iface_json(&c, &ifc));
		else
			iface_text(stdout, &c, &ifc);
		iface_free(&ifc);
	}
	if (a.json) {
		jput(root, "interfaces", arr);
		jput_str(root, "sockets_error", c.socks_err[0] ? c.socks_err : NULL);
		json_out_print(stdout, root);
	} else if (c.socks_err[0]) {
		printf("(AF_XDP sockets in no XSKMAP are not listed: %s)\n", c.socks_err);
	}
	if (names)
		if_freenameindex(names);
	free(c.socks);
	xskmap_fd_owners_free(&c.owners);
	if (c.failures) {
		fflush(stdout);
		fprintf(stderr, "xskmap: error: %d program%s or map%s could not be read (see why above)%s\n",
			c.failures, c.failures == 1 ? "" : "s", c.failures == 1 ? "" : "s",
			geteuid() ? ": run as root" : "");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
