// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
// The live metrics of `run` and `gen` end to end: -i SEC --json (one JSON
// object a line on stdout, the summary last) and --prometheus FILE (the
// Prometheus text format, replaced whole by rename). The JSON is read by
// the tests' strict reader; the Prometheus text by a strict parser of the
// exposition format written here (every line a HELP, TYPE or sample; one
// TYPE per family, before its samples, which come together; label values
// with only the three escapes the format has; no series twice).
#include <gtest/gtest.h>
#include <dirent.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>
#include <atomic>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "frames.h"
#include "json_reader.h"
#include "netns.h"
#include "packet.h"

#ifndef XSKMAP_BIN
#error "XSKMAP_BIN must name the loader binary (set in tests/CMakeLists.txt)"
#endif

using namespace xt;
using std::chrono::milliseconds;

namespace {

const milliseconds READY_TIMEOUT(10000), EXIT_TIMEOUT(30000);
constexpr uint16_t PORT = 41301;

bool has(const std::string &s, const std::string &needle)
{
	return s.find(needle) != std::string::npos;
}

/* ---- a strict reader of the Prometheus text exposition format (0.0.4) ---- */

struct PromText {
	std::map<std::string, std::string> types;	/* family -> counter/gauge/... */
	/* series "name{a="x",b="y"}" (labels sorted, values unescaped) -> value */
	std::map<std::string, double> series;

	/* The value of name with exactly these labels; NAN: not there. */
	double get(const std::string &name, std::map<std::string, std::string> labels = {}) const
	{
		auto it = series.find(key(name, labels));
		return it == series.end() ? NAN : it->second;
	}
	/* The sum over every series of name whose labels include these. */
	double sum(const std::string &name, const std::map<std::string, std::string> &labels = {}) const
	{
		double s = 0;

		for (auto &kv : all_labels)
			if (kv.first.first == name) {
				bool match = true;

				for (auto &l : labels) {
					auto f = kv.second.find(l.first);
					match = match && f != kv.second.end() && f->second == l.second;
				}
				if (match)
					s += series.at(kv.first.second);
			}
		return s;
	}
	static std::string key(const std::string &name, const std::map<std::string, std::string> &l)
	{
		std::string k = name + "{";

		for (auto &kv : l)
			k += kv.first + "=\"" + kv.second + "\",";
		return k + "}";
	}
	std::vector<std::pair<std::pair<std::string, std::string>, std::map<std::string, std::string>>>
		all_labels;	/* (name, series key) -> labels */
};

bool metric_name_ok(const std::string &n)
{
	if (n.empty() || !(isalpha((unsigned char)n[0]) || n[0] == '_' || n[0] == ':'))
		return false;
	for (char c : n)
		if (!(isalnum((unsigned char)c) || c == '_' || c == ':'))
			return false;
	return true;
}

bool label_name_ok(const std::string &n)
{
	if (n.empty() || !(isalpha((unsigned char)n[0]) || n[0] == '_'))
		return false;
	for (char c : n)
		if (!(isalnum((unsigned char)c) || c == '_'))
			return false;
	return n.compare(0, 2, "__") != 0;
}

/* The family a sample belongs to: counters are declared without... no: with _total here. */
bool parse_prom(const std::string &text, PromText &out, std::string &err)
{
	std::set<std::string> helped, done_families;
	std::string current;	/* the family whose samples come now */
	size_t b = 0, lineno = 0;

	if (text.empty() || text.back() != '\n') {
		err = "empty, or the last line has no newline (a partial file?)";
		return false;
	}
	while (b < text.size()) {
		size_t e = text.find('\n', b);
		std::string line = text.substr(b, e - b);
		std::string fail_at = "line " + std::to_string(++lineno) + " '" + line + "': ";

		b = e + 1;
		if (line.empty()) {
			err = fail_at + "empty line";
			return false;
		}
		if (line[0] == '#') {
			std::istringstream is(line);
			std::string hash, kind, name, rest;

			is >> hash >> kind >> name;
			std::getline(is, rest);
			if (hash != "#" || (kind != "HELP" && kind != "TYPE") || !metric_name_ok(name)) {
				err = fail_at + "a comment that is neither HELP nor TYPE";
				return false;
			}
			if (done_families.count(name) || (current != name && out.types.count(name))) {
				err = fail_at + "family " + name + " declared again or after its samples";
				return false;
			}
			if (kind == "HELP") {
				if (helped.count(name) || rest.size() < 2) {
					err = fail_at + "HELP twice or empty";
					return false;
				}
				for (size_t i = 1; i < rest.size(); i++)
					if (rest[i] == '\\' && (i + 1 >= rest.size() ||
								(rest[i + 1] != '\\' && rest[i + 1] != 'n'))) {
						err = fail_at + "bad escape in HELP";
						return false;
					} else if (rest[i] == '\\') {
						i++;
					}
				helped.insert(name);
			} else {
				std::string type = rest.size() > 1 ? rest.substr(1) : "";

				if (out.types.count(name) ||
				    (type != "counter" && type != "gauge" && type != "untyped")) {
					err = fail_at + "TYPE twice or unknown";
					return false;
				}
				if (type == "counter" &&
				    (name.size() < 6 || name.compare(name.size() - 6, 6, "_total"))) {
					err = fail_at + "a counter without the _total suffix";
					return false;
				}
				out.types[name] = type;
			}
			if (current != name && !current.empty())
				done_families.insert(current);
			current = name;
			continue;
		}
		/* name{labels} value */
		size_t p = 0;
		while (p < line.size() && line[p] != '{' && line[p] != ' ')
			p++;
		std::string name = line.substr(0, p);
		std::map<std::string, std::string> labels;

		if (!metric_name_ok(name)) {
			err = fail_at + "bad metric name";
			return false;
		}
		if (name != current) {
			err = fail_at + "a sample outside its family's group (TYPE " + name + " missing, or not contiguous)";
			return false;
		}
		if (p < line.size() && line[p] == '{') {
			p++;
			while (p < line.size() && line[p] != '}') {
				size_t eq = line.find('=', p);
				if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') {
					err = fail_at + "a label without =\"";
					return false;
				}
				std::string ln = line.substr(p, eq - p), v;
				if (!label_name_ok(ln) || labels.count(ln)) {
					err = fail_at + "bad or repeated label name '" + ln + "'";
					return false;
				}
				p = eq + 2;
				for (; p < line.size() && line[p] != '"'; p++) {
					if (line[p] == '\\') {
						char n = p + 1 < line.size() ? line[p + 1] : 0;
						if (n == '\\' || n == '"')
							v += n;
						else if (n == 'n')
							v += '\n';
						else {
							err = fail_at + "bad escape in a label value";
							return false;
						}
						p++;
					} else {
						v += line[p];
					}
				}
				if (p >= line.size()) {
					err = fail_at + "unterminated label value";
					return false;
				}
				p++;	/* the closing quote */
				labels[ln] = v;
				if (p < line.size() && line[p] == ',')
					p++;
				else if (p >= line.size() || line[p] != '}') {
					err = fail_at + "labels not separated by ','";
					return false;
				}
			}
			if (p >= line.size()) {
				err = fail_at + "no closing '}'";
				return false;
			}
			p++;
		}
		if (p >= line.size() || line[p] != ' ') {
			err = fail_at + "no space before the value";
			return false;
		}
		std::string val = line.substr(p + 1);
		char *end = nullptr;
		double d = strtod(val.c_str(), &end);
		if (val.empty() || *end) {
			err = fail_at + "the value is not a number (or a timestamp follows)";
			return false;
		}
		std::string k = PromText::key(name, labels);
		if (out.series.count(k)) {
			err = fail_at + "the same series twice";
			return false;
		}
		if (out.types[name] == "counter" && d < 0) {
			err = fail_at + "a negative counter";
			return false;
		}
		out.series[k] = d;
		out.all_labels.push_back({ { name, k }, labels });
	}
	return true;
}

std::string slurp(const std::string &path, bool *ok = nullptr)
{
	std::ifstream f(path, std::ios::binary);
	std::stringstream ss;

	if (ok)
		*ok = (bool)f;
	ss << f.rdbuf();
	return ss.str();
}

std::vector<std::string> dir_entries(const std::string &dir)
{
	std::vector<std::string> v;
	DIR *d = opendir(dir.c_str());
	struct dirent *de;

	while (d && (de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			v.push_back(de->d_name);
	if (d)
		closedir(d);
	return v;
}

/* stdout of -i --json: every line one JSON object. */
std::vector<json::Value> json_lines(const std::string &out)
{
	std::vector<json::Value> v;
	size_t b = 0, e;

	while ((e = out.find('\n', b)) != std::string::npos) {
		json::Value j;
		std::string err, line = out.substr(b, e - b);

		b = e + 1;
		EXPECT_TRUE(json::parse_strict(line, j, err)) << err << ": " << line;
		EXPECT_EQ(j.type, json::Value::OBJ) << line;
		v.push_back(j);
	}
	EXPECT_EQ(b, out.size()) << "stdout does not end with a complete line";
	return v;
}

/* A fresh directory of this test's own for the --prometheus file. */
std::string prom_dir()
{
	std::string d = scratch_file("prom");

	EXPECT_EQ(mkdir(d.c_str(), 0755), 0) << d;
	return d;
}

class E2EMetrics : public LoaderTest {
protected:
	Topology *t = nullptr;

	void SetUp() override
	{
		LoaderTest::SetUp();
		t = &topology();
		ASSERT_TRUE(t->ok()) << t->error();
	}

	/* `xskmap run ARGS... IFNAME` (default IF_A) inside A, not waited for. */
	Proc &loader(std::vector<std::string> args, const std::string &ifname = "")
	{
		return start(t->ns_a, "run", args, ifname.empty() ? t->if_a : ifname);
	}

	::testing::AssertionResult ready(Proc &p, const std::string &ifname = "")
	{
		if (ifname.empty())
			return LoaderTest::ready(p);
		if (p.wait_stderr("receiving on " + ifname, READY_TIMEOUT))
			return ::testing::AssertionSuccess();
		return ::testing::AssertionFailure() << p.cmdline() << " did not get ready:\n" << p.err();
	}

	/* n UDP frames B -> A to PORT, paced over about a second. */
	SendResult send(size_t n)
	{
		std::vector<Bytes> frames;
		uint32_t rng = 0x584d5431;

		for (size_t i = 0; i < n; i++)
			frames.push_back(seq_frame(t->mac_a, t->mac_b, { 0x584d5431, (uint32_t)i }, 60,
						   30000, PORT, rng));
		SendSpec s = to_a(frames);
		s.burst = 8;
		s.pause_us = 5000;	/* about a second: several intervals see frames */
		return send_frames(s);
	}
};

/*
 * -i --json: one object a line, "interval" lines then the "summary" (the
 * summary's usual members); times increase; each line's total is the sum
 * of the deltas so far, and the summary is the last line's total.
 */
TEST_F(E2EMetrics, RunJsonLinesAddUpToTheSummary)
{
	constexpr size_t N = 1500;
	Proc &ld = loader({ "--match", "udp", "-i", "0.2", "-c", std::to_string(N), "-d", "20", "--json" });
	ASSERT_TRUE(ready(ld));
	SendResult s = send(N);
	ASSERT_EQ(s.sent, N) << s.err;
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();

	std::vector<json::Value> lines = json_lines(ld.out());
	/* An interval or more while frames came, the last one up to the stop, the summary. */
	ASSERT_GE(lines.size(), 3u) << ld.out();
	const json::Value &sum = lines.back();
	EXPECT_EQ(sum["type"].str, "summary");
	EXPECT_EQ(sum["rx_packets"].u64(), N) << ld.out();
	EXPECT_EQ(sum["interface"].str, t->if_a);
	/* The live view went to stdout instead of stderr. */
	EXPECT_FALSE(has(ld.err(), "L2 Mbit/s")) << ld.err();

	uint64_t rx = 0, redirected = 0, hits = 0, wake = 0;
	double last_time = 0, last_secs = -1;
	bool moving = false;
	for (size_t i = 0; i + 1 < lines.size(); i++) {
		const json::Value &l = lines[i];

		ASSERT_EQ(l["type"].str, "interval") << i;
		EXPECT_GE(l["time"].num, last_time) << i;
		EXPECT_GT(l["seconds"].num, last_secs) << i;
		EXPECT_NEAR(l["time"].num, (double)time(nullptr), 120);
		EXPECT_GE(l["interval"].num, 0);
		last_time = l["time"].num;
		last_secs = l["seconds"].num;
		rx += l["delta"]["rx_packets"].u64();
		redirected += l["delta"]["bpf"]["redirected"]["packets"].u64();
		hits += l["delta"]["rules"][0]["packets"].u64();
		wake += l["delta"]["wakeups"]["total"].u64();
		EXPECT_EQ(l["total"]["rx_packets"].u64(), rx) << i;
		EXPECT_EQ(l["total"]["queues"][0]["rx_packets"].u64(), rx) << i;
		EXPECT_EQ(l["delta"]["queues"][0]["rx_packets"].u64(), l["delta"]["rx_packets"].u64());
		EXPECT_EQ(l["total"]["bpf"]["redirected"]["packets"].u64(), redirected) << i;
		EXPECT_EQ(l["total"]["rules"][0]["packets"].u64(), hits) << i;
		EXPECT_EQ(l["total"]["wakeups"]["total"].u64(), wake) << i;
		EXPECT_TRUE(l["rates"].has("rx_pps")) << i;
		EXPECT_EQ(l["rates"]["queues"][0]["queue"].u64(), 0u) << i;
		if (l["delta"]["rx_packets"].u64() > 0 && l["rates"]["rx_pps"].num > 0)
			moving = true;
	}
	EXPECT_TRUE(moving) << ld.out();
	EXPECT_EQ(rx, sum["rx_packets"].u64());
	EXPECT_EQ(redirected, sum["bpf"]["redirected"]["packets"].u64());
	EXPECT_EQ(hits, sum["rules"][0]["packets"].u64());
	EXPECT_EQ(lines[lines.size() - 2]["total"]["rx_bytes"].u64(), sum["rx_bytes"].u64());
	EXPECT_EQ(lines[lines.size() - 2]["total"]["queues"][0]["xdp_statistics"]["rx_dropped"].u64(),
		  sum["queues"][0]["xdp_statistics"]["rx_dropped"].u64());
}

/* Without -i, --json is the one summary object as before, with no "type". */
TEST_F(E2EMetrics, RunJsonWithoutIntervalIsOneObject)
{
	Proc &ld = loader({ "-d", "0.5", "--json" });
	ASSERT_TRUE(ready(ld));
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	json::Value v;
	std::string err;
	ASSERT_TRUE(json::parse_strict(ld.out(), v, err)) << err << ld.out();
	EXPECT_FALSE(v.has("type"));
	EXPECT_TRUE(v.has("rx_packets"));
}

/*
 * --prometheus: read over and over while the run receives, the file always
 * parses whole (it is replaced by rename), its counters never go back, and
 * at the stop it holds the summary's figures with xskmap_running 0. Only
 * FILE is left in its directory, mode 0644.
 */
TEST_F(E2EMetrics, RunPrometheusFileAlwaysWholeAndEndsWithTheSummary)
{
	constexpr size_t N = 1500;
	std::string dir = prom_dir(), file = dir + "/xskmap.prom";
	Proc &ld = loader({ "--match", "udp", "-i", "0.1", "-c", std::to_string(N), "-d", "20", "--json",
			    "--prometheus", file });
	ASSERT_TRUE(ready(ld));

	std::atomic<bool> stop{ false };
	size_t reads = 0, parsed = 0;
	double last_rx = 0, last_hits = 0;
	std::string bad;
	std::thread reader([&] {
		while (!stop.load()) {
			bool ok;
			std::string text = slurp(file, &ok);
			PromText p;
			std::string err;

			if (ok) {
				reads++;
				if (!parse_prom(text, p, err)) {
					bad = err + "\n" + text;
					return;
				}
				parsed++;
				double rx = p.get("xskmap_rx_packets_total", { { "interface", t->if_a }, { "queue", "0" } });
				double hits = p.sum("xskmap_rule_packets_total", { { "id", "0" } });

				if (!(rx >= last_rx) || !(hits >= last_hits)) {
					bad = "a counter went back: " + std::to_string(rx) + " after " +
					      std::to_string(last_rx) + "\n" + text;
					return;
				}
				last_rx = rx;
				last_hits = hits;
			}
			std::this_thread::sleep_for(milliseconds(2));
		}
	});
	SendResult s = send(N);
	int rc = ld.wait_exit(EXIT_TIMEOUT);
	stop = true;
	reader.join();
	ASSERT_EQ(s.sent, N) << s.err;
	ASSERT_EQ(rc, 0) << ld.err();
	EXPECT_EQ(bad, "");
	EXPECT_GT(parsed, 20u);
	EXPECT_EQ(parsed, reads);

	std::vector<json::Value> lines = json_lines(ld.out());
	ASSERT_FALSE(lines.empty());
	const json::Value &sum = lines.back();
	ASSERT_EQ(sum["type"].str, "summary");
	PromText p;
	std::string err, text = slurp(file);
	ASSERT_TRUE(parse_prom(text, p, err)) << err << "\n" << text;
	std::map<std::string, std::string> q0 = { { "interface", t->if_a }, { "queue", "0" } };
	EXPECT_EQ(p.get("xskmap_running", { { "command", "run" }, { "interface", t->if_a } }), 0) << text;
	EXPECT_EQ(p.types["xskmap_running"], "gauge");
	EXPECT_EQ(p.types["xskmap_rx_packets_total"], "counter");
	EXPECT_EQ(p.get("xskmap_rx_packets_total", q0), (double)N) << text;
	EXPECT_EQ(p.get("xskmap_rx_packets_total", q0), (double)sum["rx_packets"].u64());
	EXPECT_EQ(p.get("xskmap_rx_bytes_total", q0), (double)sum["rx_bytes"].u64());
	EXPECT_EQ(p.get("xskmap_xdp_rx_dropped_total", q0),
		  (double)sum["queues"][0]["xdp_statistics"]["rx_dropped"].u64());
	EXPECT_EQ(p.sum("xskmap_wakeups_total", q0), (double)sum["wakeups"]["total"].u64());
	EXPECT_EQ(p.get("xskmap_wakeups_total", { { "interface", t->if_a }, { "queue", "0" }, { "syscall", "poll" } }),
		  (double)sum["wakeups"]["poll"].u64());
	for (const char *reason : { "redirected", "not_matched", "no_socket", "malformed", "rule_pass", "rule_drop" })
		EXPECT_EQ(p.get("xskmap_program_packets_total", { { "interface", t->if_a }, { "reason", reason } }),
			  (double)sum["bpf"][reason]["packets"].u64()) << reason << "\n" << text;
	EXPECT_EQ(p.get("xskmap_rule_packets_total",
			{ { "interface", t->if_a }, { "id", "0" }, { "rule", sum["rules"][0]["rule"].str } }),
		  (double)sum["rules"][0]["packets"].u64()) << text;
	EXPECT_EQ(p.get("xskmap_rule_packets_total",
			{ { "interface", t->if_a }, { "id", "default" }, { "rule", "default -> pass" } }),
		  (double)sum["default"]["packets"].u64()) << text;
	EXPECT_GT(p.get("xskmap_start_time_seconds", { { "command", "run" }, { "interface", t->if_a } }), 1e9);

	struct stat st;
	ASSERT_EQ(stat(file.c_str(), &st), 0);
	EXPECT_EQ(st.st_mode & 07777, 0644u);
	EXPECT_EQ(dir_entries(dir), std::vector<std::string>{ "xskmap.prom" });
}

/* While it runs the file says xskmap_running 1, also without -i (every second). */
TEST_F(E2EMetrics, RunPrometheusWithoutIntervalIsWrittenEverySecond)
{
	std::string dir = prom_dir(), file = dir + "/run.prom";
	Proc &ld = loader({ "-d", "2.5", "--prometheus", file });
	ASSERT_TRUE(ready(ld));
	std::this_thread::sleep_for(milliseconds(300));
	PromText p;
	std::string err, text = slurp(file);
	ASSERT_TRUE(parse_prom(text, p, err)) << err << "\n" << text;
	EXPECT_EQ(p.get("xskmap_running", { { "command", "run" }, { "interface", t->if_a } }), 1) << text;
	struct stat st1, st2;
	ASSERT_EQ(stat(file.c_str(), &st1), 0);
	std::this_thread::sleep_for(milliseconds(1200));
	ASSERT_EQ(stat(file.c_str(), &st2), 0);
	/* Replaced: a new inode each time. */
	EXPECT_NE(st1.st_ino, st2.st_ino);
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	PromText f;
	text = slurp(file);
	ASSERT_TRUE(parse_prom(text, f, err)) << err << "\n" << text;
	EXPECT_EQ(f.get("xskmap_running", { { "command", "run" }, { "interface", t->if_a } }), 0) << text;
	EXPECT_EQ(dir_entries(dir), std::vector<std::string>{ "run.prom" });
}

/*
 * Label values are escaped: an interface whose name has a double quote and
 * a backslash (Linux allows both) reads back as it is.
 */
TEST_F(E2EMetrics, PrometheusLabelValuesAreEscaped)
{
	const std::string odd = "xm\"t\\" + std::to_string(getpid() % 1000);
	/* Down first: Linux 6.1 renames no device that is up (EBUSY). */
	Result r = ip({ "-n", t->ns_a, "link", "set", "dev", t->if_a, "down" });
	ASSERT_EQ(r.rc, 0) << r.err;
	r = ip({ "-n", t->ns_a, "link", "set", "dev", t->if_a, "name", odd });
	ASSERT_EQ(r.rc, 0) << r.err;
	r = ip({ "-n", t->ns_a, "link", "set", "dev", odd, "up" });
	ASSERT_EQ(r.rc, 0) << r.err;
	std::string dir = prom_dir(), file = dir + "/odd.prom";
	Proc &ld = loader({ "-d", "0.5", "--prometheus", file }, odd);
	ASSERT_TRUE(ready(ld, odd));
	ASSERT_EQ(ld.wait_exit(EXIT_TIMEOUT), 0) << ld.err();
	PromText p;
	std::string err, text = slurp(file);
	ASSERT_TRUE(parse_prom(text, p, err)) << err << "\n" << text;
	EXPECT_TRUE(has(text, "interface=\"xm\\\"t\\\\")) << text;
	EXPECT_EQ(p.get("xskmap_rx_packets_total", { { "interface", odd }, { "queue", "0" } }), 0) << text;
	EXPECT_EQ(p.get("xskmap_running", { { "command", "run" }, { "interface", odd } }), 0) << text;
}

/* A FILE that cannot be written is refused at start: exit 2, one line, nothing made or attached. */
TEST_F(E2EMetrics, BadPrometheusFileIsRefusedAtStart)
{
	std::string dir = prom_dir();
	std::string ro = dir + "/ro";
	ASSERT_EQ(mkdir(ro.c_str(), 0755), 0);
	ASSERT_EQ(mkdir((dir + "/adir").c_str(), 0755), 0);
	/* A read-only file system: root passes every mode check but this one. */
	ASSERT_EQ(mount("xmt", ro.c_str(), "tmpfs", MS_RDONLY, nullptr), 0) << strerror(errno);
	struct Case {
		std::string file, says;
	} cases[] = {
		{ dir + "/nosuchdir/x.prom", "does not exist" },
		{ ro + "/x.prom", "is not writable" },
		{ dir + "/adir", "is not a regular file" },
		{ dir + "/adir/", "names a directory" },
		{ "", "give a file name" },
	};
	for (auto &c : cases) {
		for (const char *cmd : { "run", "gen" }) {
			Result r = run(ns_cmd(t->ns_a, XSKMAP_BIN, cmd, { "-d", "1", "--prometheus", c.file },
					      t->if_a), EXIT_TIMEOUT);
			EXPECT_EQ(r.rc, 2) << cmd << " " << c.file << ": " << r.err;
			EXPECT_TRUE(has(r.err, c.says)) << cmd << " " << c.file << ": " << r.err;
			EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
			EXPECT_FALSE(t->xdp_on_a());
		}
	}
	EXPECT_EQ(dir_entries(dir + "/adir").size(), 0u);
	EXPECT_EQ(dir_entries(ro).size(), 0u);
	std::vector<std::string> left = dir_entries(dir);
	std::sort(left.begin(), left.end());
	EXPECT_EQ(left, (std::vector<std::string>{ "adir", "ro" }));
	umount2(ro.c_str(), MNT_DETACH);
}

/*
 * gen -i --json --prometheus: the lines add up to the summary, and the
 * summary, the final file and what the peer captured agree on the frames.
 */
class E2EMetricsGen : public E2EMetrics {
protected:
	void gen_case(const std::vector<std::string> &extra, bool xsk)
	{
		constexpr unsigned N = 3000;
		std::string dir = prom_dir(), file = dir + "/gen.prom";
		WireCapture cap(t->ns_b, t->if_b);
		ASSERT_TRUE(cap.ok()) << cap.error();
		std::vector<std::string> a = { "-c", std::to_string(N), "--rate", "3000", "-i", "0.2",
					       "--json", "--prometheus", file };

		a.insert(a.end(), extra.begin(), extra.end());
		Result r = run(ns_cmd(t->ns_a, XSKMAP_BIN, "gen", a, t->if_a), EXIT_TIMEOUT);
		ASSERT_EQ(r.rc, 0) << r.err;
		size_t wire = 0;
		for (auto &f : cap.settle())
			if (f.size() >= 42 && f[12] == 0x08 && f[13] == 0 && f[23] == IP_UDP)
				wire++;
		std::vector<json::Value> lines = json_lines(r.out);
		ASSERT_GE(lines.size(), 4u) << r.out;
		const json::Value &sum = lines.back();
		ASSERT_EQ(sum["type"].str, "summary") << r.out;
		EXPECT_EQ(sum["frames"].u64(), N);
		EXPECT_EQ(wire, (size_t)N);
		uint64_t frames = 0, wakeups = 0;
		double last = -1;
		for (size_t i = 0; i + 1 < lines.size(); i++) {
			const json::Value &l = lines[i];

			ASSERT_EQ(l["type"].str, "interval");
			EXPECT_GT(l["seconds"].num, last);
			last = l["seconds"].num;
			frames += l["delta"]["frames"].u64();
			wakeups += l["delta"]["wakeups"].u64();
			EXPECT_EQ(l["total"]["frames"].u64(), frames) << i;
			EXPECT_EQ(l["total"]["queues"][0]["frames"].u64(), frames) << i;
			EXPECT_EQ(l["total"]["wakeups"].u64(), wakeups) << i;
			EXPECT_EQ(l["delta"]["bytes"].u64(), l["delta"]["frames"].u64() * sum["size"].u64());
		}
		EXPECT_EQ(frames, sum["frames"].u64());
		EXPECT_EQ(wakeups, sum["wakeups"].u64());

		PromText p;
		std::string err, text = slurp(file);
		ASSERT_TRUE(parse_prom(text, p, err)) << err << "\n" << text;
		std::map<std::string, std::string> l0 = { { "interface", t->if_a },
							  { xsk ? "queue" : "thread", "0" } };
		EXPECT_EQ(p.get("xskmap_gen_packets_total", l0), (double)N) << text;
		EXPECT_EQ(p.get("xskmap_gen_bytes_total", l0), (double)N * sum["size"].u64()) << text;
		EXPECT_EQ(p.get("xskmap_running", { { "command", "gen" }, { "engine", xsk ? "xsk" : "xdp" },
						    { "interface", t->if_a } }), 0) << text;
		if (xsk) {
			EXPECT_EQ(p.sum("xskmap_gen_wakeups_total", l0), (double)sum["wakeups"].u64()) << text;
			EXPECT_EQ(p.get("xskmap_gen_in_flight_packets", l0), 0) << text;
		} else {
			EXPECT_EQ(p.get("xskmap_gen_prog_runs_total", l0), (double)sum["wakeups"].u64()) << text;
		}
		EXPECT_EQ(dir_entries(dir), std::vector<std::string>{ "gen.prom" });
	}
};

TEST_F(E2EMetricsGen, XskEngineLinesFileAndWireAgree)
{
	gen_case({}, true);
}

TEST_F(E2EMetricsGen, XdpEngineLinesFileAndWireAgree)
{
	/* B's end takes XDP_TX'd frames (ndo_xdp_xmit) only with an XDP program on it. */
	Result r = ip({ "-n", t->ns_b, "link", "set", "dev", t->if_b, "xdpdrv", "obj", XTE_PASS_OBJ,
			"sec", "xdp" });
	ASSERT_EQ(r.rc, 0) << r.err;
	gen_case({ "--engine", "xdp" }, false);
}

} // namespace
