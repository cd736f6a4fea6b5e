/* Unit tests: threshold alarms (alarm.h) — the parse of every documented
 * form and the message of each malformed one; the crossings (fires once on
 * the way up, an unknown window changes nothing, clears on the way down,
 * fires again with its count); the message's text; the --on-alarm command:
 * its environment exact, a guest's name full of shell syntax never run,
 * fds closed, and a command past its time limit killed (SIGTERM, and SIGKILL
 * when it ignores that). */
#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alarm.h"
#include "tcheck.h"

static void parse_ok(const char *spec, const char *guest, const char *what, int op, double th,
		     int kind)
{
	struct alarm_rule r;
	struct verr err = {0};
	int rc = alarm_parse(spec, &r, &err);
	CHECK_EQ(rc, 0);
	if (rc != 0) {
		fprintf(stderr, "  %s: %s\n", spec, err.msg);
		return;
	}
	CHECK(strcmp(r.guest, guest) == 0);
	CHECK(strcmp(r.what, what) == 0);
	CHECK(strcmp(r.spec, spec) == 0);
	CHECK_EQ(r.op, op);
	CHECK_NEAR(r.threshold, th, th * 1e-12);
	CHECK_EQ(r.kind, kind);
	if (strcmp(r.guest, guest) || strcmp(r.what, what))
		fprintf(stderr, "  %s: guest '%s' what '%s'\n", spec, r.guest, r.what);
}

/* spec refused, its message quoting the spec and containing why. */
static void parse_bad(const char *spec, const char *why)
{
	struct alarm_rule r;
	struct verr err = {0};
	CHECK_EQ(alarm_parse(spec, &r, &err), -1);
	CHECK_EQ(err.status, VERR_INPUT);
	char quoted[400];
	snprintf(quoted, sizeof quoted, "--alarm '%s': ", spec);
	bool ok = strncmp(err.msg, quoted, strlen(quoted)) == 0 && strstr(err.msg, why) != NULL;
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  %s: got \"%s\", wanted \"%s\"\n", spec, err.msg, why);
}

static void parse_tests(void)
{
	/* the brief's examples */
	parse_ok("web1:vo.to_guest.p99>2ms", "web1", "vo.to_guest.p99", ALARM_GT, 2e-3, ALARM_TIME);
	parse_ok("*:vo_round_trip.p50>=1.5ms", "*", "vo_round_trip.p50", ALARM_GE, 1.5e-3,
		 ALARM_TIME);
	parse_ok("*:clock.bound>500us", "*", "clock.bound", ALARM_GT, 500e-6, ALARM_TIME);
	parse_ok("db:bridge_vnet.from_guest.loss>0.01", "db", "bridge_vnet.from_guest.loss",
		 ALARM_GT, 0.01, ALARM_RATIO);
	parse_ok("*:ack.guest.compressed>0.2", "*", "ack.guest.compressed", ALARM_GT, 0.2,
		 ALARM_RATIO);
	/* guests with user@, :port, IPv6: split at the last ':'; spaces around OP */
	parse_ok("root@[fe80::1]:2222:rtt.nic.p90 <= 300 us", "root@[fe80::1]:2222", "rtt.nic.p90",
		 ALARM_LE, 300e-6, ALARM_TIME);
	parse_ok("admin@web1.example.org:22:vnet_guest.to_guest.loss < 1.5%",
		 "admin@web1.example.org:22", "vnet_guest.to_guest.loss", ALARM_LT, 0.015,
		 ALARM_RATIO);
	parse_ok("g:nic_bridge.from_guest.mean>250ns", "g", "nic_bridge.from_guest.mean", ALARM_GT,
		 250e-9, ALARM_TIME);
	parse_ok("g:vo.from_guest.max>0.5s", "g", "vo.from_guest.max", ALARM_GT, 0.5, ALARM_TIME);
	parse_ok("g:clock.skew>50ppm", "g", "clock.skew", ALARM_GT, 50, ALARM_PPM);
	parse_ok("g:clock.skew >= 20", "g", "clock.skew", ALARM_GE, 20, ALARM_PPM);
	parse_ok("*:rtt.guest.p50<1e3us", "*", "rtt.guest.p50", ALARM_LT, 1e-3, ALARM_TIME);
	parse_ok("*:ack.vnet.compressed>=20%", "*", "ack.vnet.compressed", ALARM_GE, 0.2,
		 ALARM_RATIO);
	struct alarm_rule r;
	struct verr err = {0};
	CHECK_EQ(alarm_parse("*:clock.offset>1ms", &r, &err), 0);
	CHECK(r.magnitude && r.kind == ALARM_TIME && r.threshold == 1e-3);
	CHECK_EQ(alarm_parse("*:clock.bound>1ms", &r, &err), 0);
	CHECK(!r.magnitude);

	parse_bad("web1:vo.to_guest.p99>2", "missing unit");
	parse_bad("web1:vo.to_guest.p99 > 2.5", "needs ns, us, ms or s");
	parse_bad("web1:vx.to_guest.p99>2ms", "unknown hop or figure 'vx'");
	parse_bad("web1:vo.to_guest.p98>2ms", "unknown stat 'p98'");
	parse_bad("web1:vo.up.p99>2ms", "unknown direction 'up'");
	parse_bad("vo.to_guest.p99>2ms", "no GUEST:");
	parse_bad(":vo.to_guest.p99>2ms", "empty guest");
	parse_bad("web1:>2ms", "no figure after GUEST:");
	parse_bad("web1:vo.to_guest.p99 2ms", "no comparison");
	parse_bad("web1:vo.to_guest.p99=2ms", "unknown comparison '='");
	parse_bad("web1:vo.to_guest.p99==2ms", "unknown comparison '=='");
	parse_bad("web1:vo.to_guest.p99>>2ms", "unknown comparison '>>'");
	parse_bad("web1:vo.to_guest.p99=>2ms", "unknown comparison '=>'");
	parse_bad("web1:vo.to_guest.p99!=2ms", "unknown comparison '!='");
	parse_bad("web1:vo.to_guest.p99>", "no value");
	parse_bad("web1:vo.to_guest.p99>abc", "'abc' is not a number");
	parse_bad("web1:vo.to_guest.p99>nanms", "'nanms' is not a number");
	parse_bad("web1:vo.to_guest.p99>0x10ms", "'0x10ms' is not a number");
	parse_bad("web1:vo.to_guest.p99>2parsecs", "unknown unit 'parsecs'");
	parse_bad("db:bridge_vnet.from_guest.loss>2", "is not 0..1");
	parse_bad("db:bridge_vnet.from_guest.loss>150%", "is not 0..100%");
	parse_bad("db:bridge_vnet.from_guest.loss>1ms",
		  "unknown unit 'ms': bridge_vnet.from_guest.loss is a ratio");
	parse_bad("*:ack.guest.compressed>20ms", "is a ratio");
	parse_bad("*:vo_round_trip.p99>1ms", "vo_round_trip.p50 only");
	parse_bad("*:clock.drift>1ms", "unknown clock figure 'clock.drift'");
	parse_bad("*:clock.offset>-1ms", "compared by its magnitude");
	parse_bad("*:clock.skew>5ms", "unknown unit 'ms': clock.skew is in ppm");
	parse_bad("*:rtt.host.p50>1ms", "unknown point 'host'");
	parse_bad("*:rtt.nic.max>1ms", "unknown stat 'max'");
	parse_bad("*:ack.guest.ratio>0.2", "unknown stat 'ratio'");
	parse_bad("*:vo.to_guest>1ms", "HOP.DIR.STAT");
	parse_bad("*:vo..p99>1ms", "empty part");
	parse_bad("*:vo.to_guest.p99.x>1ms", "HOP.DIR.STAT");
	parse_bad("*:vo.to_guest.p99.x.y.z>1ms", "too many parts");
	parse_bad("*:VO.to_guest.p99>1ms", "unknown hop or figure 'VO'");
	parse_bad("*:vo.to_guest.p99>1e999ms", "is not a number");

	char longspec[400];
	memset(longspec, 'a', sizeof longspec - 1);
	longspec[sizeof longspec - 1] = '\0';
	memset(&err, 0, sizeof err);
	CHECK_EQ(alarm_parse(longspec, &r, &err), -1);
	CHECK(strstr(err.msg, "too long") != NULL);

	/* a rule naming a guest that is not on the command line never fires: refused */
	struct alarm_rule rules[2];
	CHECK_EQ(alarm_parse("*:clock.bound>1ms", &rules[0], &err), 0);
	CHECK_EQ(alarm_parse("web3:clock.bound>1ms", &rules[1], &err), 0);
	const char *const guests[] = {"web1", "web2"};
	CHECK_EQ(alarm_check_guests(rules, 1, guests, 2, &err), 0);
	memset(&err, 0, sizeof err);
	CHECK_EQ(alarm_check_guests(rules, 2, guests, 2, &err), -1);
	CHECK(strstr(err.msg, "no guest 'web3'") && strstr(err.msg, "web1, web2"));
}

/* ---- evaluation ---- */

/* A window's figures: one value per guest for every figure; known false: none. */
struct window {
	double v[2];
	bool known[2];
};
static const char *const GUESTS[] = {"web1", "web2"};

static bool window_value(void *ctx, const char *guest, const char *what, double *v)
{
	(void)what;
	struct window *w = ctx;
	int j = strcmp(guest, GUESTS[0]) == 0 ? 0 : 1;
	*v = w->v[j];
	return w->known[j];
}

struct fired {
	int n;
	char guest[8][64];
	double value[8], t[8];
	int count[8];
	char line[8][256];
};

static void on_fire(void *ctx2, const struct alarm_event *ev)
{
	struct fired *f = ctx2;
	if (f->n >= 8)
		return;
	snprintf(f->guest[f->n], sizeof f->guest[0], "%s", ev->guest);
	f->value[f->n] = ev->value;
	f->t[f->n] = ev->t;
	f->count[f->n] = ev->count;
	alarm_format(ev, f->line[f->n], sizeof f->line[0]);
	f->n++;
}

/* One window at t with web1's and web2's values (NAN: unknown). */
static int window(struct alarm_set *s, double t, double v1, double v2, struct fired *f)
{
	struct window w = {{v1, v2}, {!isnan(v1), !isnan(v2)}};
	return alarm_eval(s, t, window_value, &w, on_fire, f);
}

static void eval_tests(void)
{
	struct alarm_rule r[3];
	struct verr err = {0};
	CHECK_EQ(alarm_parse("web1:vo.to_guest.p99>2ms", &r[0], &err), 0);
	struct alarm_set *s = alarm_set_new(r, 1, GUESTS, 2);
	CHECK(s != NULL);
	struct fired f = {0};
	double t0 = 1764694445;
	int cnt;
	double since;
	CHECK_EQ(window(s, t0, 1e-3, 9, &f), 0);      /* below; web2 not named */
	CHECK_EQ(window(s, t0 + 10, 3e-3, 9, &f), 1); /* above: fires */
	CHECK_EQ(f.n, 1);
	CHECK(strcmp(f.guest[0], "web1") == 0 && f.count[0] == 1 && f.value[0] == 3e-3);
	CHECK(strcmp(f.line[0], "vocalc: alarm: web1: vo.to_guest.p99 = 3 ms (threshold > 2 ms) "
				"at 2025-12-02T16:54:15Z") == 0);
	fprintf(stderr, "  %s\n", f.line[0]);
	CHECK_EQ(window(s, t0 + 20, 4e-3, 9, &f), 0); /* stays above: no new event */
	CHECK_EQ(window(s, t0 + 30, NAN, 9, &f), 0);  /* unknown: no change */
	CHECK(alarm_state_get(s, 0, 0, &since, &cnt) && since == t0 + 10 && cnt == 1);
	CHECK_EQ(window(s, t0 + 40, 1e-3, 9, &f), 0); /* below: clears */
	CHECK(!alarm_state_get(s, 0, 0, NULL, &cnt) && cnt == 1);
	CHECK_EQ(window(s, t0 + 50, NAN, 9, &f), 0); /* unknown: still clear */
	CHECK(!alarm_state_get(s, 0, 0, NULL, NULL));
	CHECK_EQ(window(s, t0 + 60, 5e-3, 9, &f), 1); /* above again: count 2 */
	CHECK(f.n == 2 && f.count[1] == 2 && f.t[1] == t0 + 60);
	CHECK(!alarm_state_get(s, 0, 1, NULL, NULL)); /* web2: never evaluated */
	CHECK(!alarm_state_get(s, 1, 0, NULL, NULL)); /* out of range */
	alarm_set_free(s);

	/* '*' over two guests: only the guest above fires; each has its own state */
	CHECK_EQ(alarm_parse("*:vo_round_trip.p50>=1.5ms", &r[0], &err), 0);
	s = alarm_set_new(r, 1, GUESTS, 2);
	memset(&f, 0, sizeof f);
	CHECK_EQ(window(s, t0, 2e-3, 1e-3, &f), 1);
	CHECK(f.n == 1 && strcmp(f.guest[0], "web1") == 0);
	CHECK_EQ(window(s, t0 + 1, 2e-3, 1.5e-3, &f), 1); /* >= at the threshold */
	CHECK(f.n == 2 && strcmp(f.guest[1], "web2") == 0 && f.count[1] == 1);
	CHECK(alarm_state_get(s, 0, 0, NULL, NULL) && alarm_state_get(s, 0, 1, NULL, NULL));
	alarm_set_free(s);

	/* by magnitude: an offset of -700 us is past 500 us; a NaN is unknown;
	 * '<' fires below; the loss printed in % */
	CHECK_EQ(alarm_parse("*:clock.offset>500us", &r[0], &err), 0);
	CHECK_EQ(alarm_parse("*:rtt.guest.p50<10us", &r[1], &err), 0);
	CHECK_EQ(alarm_parse("web2:bridge_vnet.from_guest.loss>1%", &r[2], &err), 0);
	s = alarm_set_new(r, 1, GUESTS, 1);
	memset(&f, 0, sizeof f);
	CHECK_EQ(window(s, t0, 400e-6, 0, &f), 0);
	CHECK_EQ(window(s, t0, NAN, 0, &f), 0);
	CHECK_EQ(window(s, t0, -700e-6, 0, &f), 1);
	CHECK(f.n == 1 && f.value[0] == -700e-6);
	CHECK(strcmp(f.line[0],
		     "vocalc: alarm: web1: |clock.offset| = -700 us (threshold > 500 us) "
		     "at 2025-12-02T16:54:05Z") == 0);
	alarm_set_free(s);
	s = alarm_set_new(&r[1], 2, GUESTS, 2);
	memset(&f, 0, sizeof f);
	CHECK_EQ(window(s, t0, 20e-6, 0.015, &f), 1); /* web1's rtt above; web2's loss fires */
	CHECK(f.n == 1 && strcmp(f.guest[0], "web2") == 0);
	CHECK(strstr(f.line[0], "bridge_vnet.from_guest.loss = 1.5% (threshold > 1%)") != NULL);
	/* both guests' rtt below 10 us: two; web2's loss back under 1%: cleared */
	CHECK_EQ(window(s, t0, 5e-6, 5e-6, &f), 2);
	CHECK(!alarm_state_get(s, 1, 1, NULL, NULL) && alarm_state_get(s, 0, 1, NULL, NULL));
	alarm_set_free(s);
	alarm_set_free(NULL);
	/* no rules or no guests: nothing to do */
	s = alarm_set_new(NULL, 0, NULL, 0);
	CHECK(s != NULL && window(s, t0, 1, 1, &f) == 0);
	alarm_set_free(s);
}

/* ---- the --on-alarm command ---- */

/* Reaps with limit_s until no command is left, for at most max_s; the time it took. */
static double reap_all(double limit_s, double max_s)
{
	struct timespec a, b, nap = {0, 20000000};
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (;;) {
		alarm_reap(limit_s);
		clock_gettime(CLOCK_MONOTONIC, &b);
		double el = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) * 1e-9;
		if (alarm_running() == 0 || el > max_s)
			return el;
		nanosleep(&nap, NULL);
	}
}

/* The value of NAME in env(1)'s output text (one line per variable), or NULL;
 * *n the times it occurs. */
static const char *env_get(const char *text, const char *name, char *out, size_t cap, int *n)
{
	const char *found = NULL;
	*n = 0;
	size_t len = strlen(name);
	for (const char *l = text; *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : l + strlen(l)) {
		if (strncmp(l, name, len) == 0 && l[len] == '=') {
			const char *v = l + len + 1, *e = strchr(v, '\n');
			size_t k = e ? (size_t)(e - v) : strlen(v);
			snprintf(out, cap, "%.*s", (int)k, v);
			found = out;
			(*n)++;
		}
	}
	return found;
}

static void check_env(const char *text, const char *name, const char *want)
{
	char v[512];
	int n;
	bool ok = env_get(text, name, v, sizeof v, &n) != NULL && n == 1 && strcmp(v, want) == 0;
	CHECK(ok);
	if (!ok)
		fprintf(stderr, "  %s: got '%s' (%d times), wanted '%s'\n", name, n ? v : "", n,
			want);
}

/* The processes of group pgid not dead (zombies left out), from /proc. */
static int live_in_group(pid_t pgid)
{
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		char path[300], buf[512];
		snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
		FILE *fp = fopen(path, "r");
		if (fp == NULL)
			continue;
		size_t k = fread(buf, 1, sizeof buf - 1, fp);
		fclose(fp);
		buf[k] = '\0';
		/* "pid (comm) state ppid pgrp ...": comm may hold spaces, hence the last ')' */
		char *c = strrchr(buf, ')'), state;
		int ppid, pgrp;
		if (c && sscanf(c + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z' && state != 'X')
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

static void cmd_tests(void)
{
	char dir[] = "/tmp/test_alarm.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	/* a guest's name that would run commands were it put into the shell's text */
	char guest[256];
	snprintf(guest, sizeof guest, "a;touch %s/PWNED$(id)`touch %s/PWNED2`'\"$HOME|&>x", dir,
		 dir);
	char spec[320];
	snprintf(spec, sizeof spec, "%s:vo.to_guest.p99 > 2ms", guest);
	struct alarm_rule r;
	struct verr err = {0};
	CHECK_EQ(alarm_parse(spec, &r, &err), 0);
	CHECK(strcmp(r.guest, guest) == 0);
	struct alarm_event ev = {&r, r.guest, 0.0031234567891, 1764694445.5, 1};
	/* an inherited variable of ours is replaced, not doubled */
	setenv("VOCALC_ALARM_GUEST", "stale", 1);
	setenv("TEST_ALARM_KEPT", "yes", 1);
	/* an fd left open without CLOEXEC is not the command's */
	int fds[2];
	CHECK_EQ(pipe(fds), 0);
	char cmd[1024];
	snprintf(cmd, sizeof cmd,
		 "env > %s/env.txt; for fd in %d %d; do if { true >&$fd; } 2>/dev/null; then "
		 "echo $fd; fi; done > %s/fds.txt",
		 dir, fds[0], fds[1], dir);
	pid_t pid = alarm_run_cmd(cmd, &ev, "/var/lib/vocalc/frozen dir;x", &err);
	CHECK(pid > 0);
	CHECK(reap_all(30, 20) < 20);
	CHECK_EQ(alarm_running(), 0);
	char path[512], text[65536];
	snprintf(path, sizeof path, "%s/env.txt", dir);
	FILE *fp = fopen(path, "r");
	CHECK(fp != NULL);
	size_t n = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
	text[n] = '\0';
	if (fp)
		fclose(fp);
	check_env(text, "VOCALC_ALARM", spec);
	check_env(text, "VOCALC_ALARM_GUEST", guest);
	check_env(text, "VOCALC_ALARM_WHAT", "vo.to_guest.p99");
	check_env(text, "VOCALC_ALARM_VALUE", "0.00312345679");
	check_env(text, "VOCALC_ALARM_THRESHOLD", "0.002");
	check_env(text, "VOCALC_ALARM_OP", ">");
	check_env(text, "VOCALC_ALARM_TIME", "1764694445.500");
	check_env(text, "VOCALC_ALARM_DIR", "/var/lib/vocalc/frozen dir;x");
	check_env(text, "TEST_ALARM_KEPT", "yes");
	snprintf(path, sizeof path, "%s/fds.txt", dir);
	fp = fopen(path, "r");
	CHECK(fp != NULL);
	n = fp ? fread(text, 1, sizeof text - 1, fp) : 0;
	CHECK_EQ(n, 0); /* neither end of the pipe open in the command */
	if (fp)
		fclose(fp);
	close(fds[0]);
	close(fds[1]);
	/* nothing of the guest's name got executed */
	char pat[512];
	snprintf(pat, sizeof pat, "%s/PWNED*", dir);
	glob_t g;
	CHECK_EQ(glob(pat, 0, NULL, &g), GLOB_NOMATCH);
	globfree(&g);
	CHECK(access("x", F_OK) != 0 || errno == ENOENT);

	/* a command that sleeps 100 s is killed at its limit (SIGTERM) */
	pid = alarm_run_cmd("sleep 100", &ev, "", &err);
	CHECK(pid > 0);
	CHECK(alarm_running() == 1);
	double el = reap_all(0.3, 20);
	CHECK(el < 20 && alarm_running() == 0);
	CHECK(kill(pid, 0) != 0 && errno == ESRCH);
	/* one that ignores SIGTERM (and its sleep with it): SIGKILL, the grace later */
	pid = alarm_run_cmd("trap '' TERM; sleep 100; echo survived", &ev, "", &err);
	CHECK(pid > 0);
	el = reap_all(0.3, 30);
	CHECK(el > ALARM_KILL_GRACE_S && el < 30 && alarm_running() == 0);
	CHECK(kill(pid, 0) != 0 && errno == ESRCH);
	/* the process group went with it: no sleep 100 left in it (a zombie
	 * waiting for init to reap it is dead) */
	CHECK_EQ(live_in_group(pid), 0);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	CHECK_EQ(system(cmd), 0);
}

int main(void)
{
	parse_tests();
	eval_tests();
	cmd_tests();
	return tcheck_done("test_alarm");
}
