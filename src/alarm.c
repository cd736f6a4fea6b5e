/* alarm — see alarm.h. */
#include "alarm.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* ---- parsing ---- */

static const char *const HOPS[] = {"vo", "nic_bridge", "bridge_vnet", "vnet_guest"};
static const char *const DIRS[] = {"to_guest", "from_guest"};
static const char *const TIME_STATS[] = {"p50", "p90", "p99", "max", "mean"};
static const char *const POINTS[] = {"nic", "bridge", "vnet", "guest"};
static const char *const RTT_STATS[] = {"p50", "p90", "p99"};
#define NELEM(a) ((int)(sizeof(a) / sizeof((a)[0])))

static bool one_of(const char *w, const char *const *set, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(w, set[i]) == 0)
			return true;
	return false;
}

static int bad(struct verr *err, const char *spec, const char *why)
{
	return verr_set(err, VERR_INPUT, "--alarm '%s': %s", spec, why);
}

/* The figure's kind and comparison from its canonical name what (dot-split
 * in p[0..n)); -1 with err naming the unknown part. */
static int parse_what(const char *spec, char *const *p, int n, struct alarm_rule *r,
		      struct verr *err)
{
	char why[1024];
	r->magnitude = false;
	if (one_of(p[0], HOPS, NELEM(HOPS))) {
		if (n != 3) {
			snprintf(why, sizeof why,
				 "a hop's figure is HOP.DIR.STAT (e.g. %s.to_guest.p99), not '%s'",
				 p[0], r->what);
			return bad(err, spec, why);
		}
		if (!one_of(p[1], DIRS, NELEM(DIRS))) {
			snprintf(why, sizeof why,
				 "unknown direction '%s' in '%s' (to_guest or from_guest)", p[1],
				 r->what);
			return bad(err, spec, why);
		}
		if (strcmp(p[2], "loss") == 0) {
			r->kind = ALARM_RATIO;
			return 0;
		}
		if (!one_of(p[2], TIME_STATS, NELEM(TIME_STATS))) {
			snprintf(why, sizeof why,
				 "unknown stat '%s' in '%s' (p50, p90, p99, max, mean or loss)",
				 p[2], r->what);
			return bad(err, spec, why);
		}
		r->kind = ALARM_TIME;
		return 0;
	}
	if (strcmp(p[0], "vo_round_trip") == 0) {
		if (n != 2 || strcmp(p[1], "p50") != 0) {
			snprintf(why, sizeof why,
				 "unknown stat in '%s': the round trip has vo_round_trip.p50 only",
				 r->what);
			return bad(err, spec, why);
		}
		r->kind = ALARM_TIME;
		return 0;
	}
	if (strcmp(p[0], "clock") == 0) {
		if (n == 2 && strcmp(p[1], "offset") == 0) {
			r->kind = ALARM_TIME;
			r->magnitude = true;
		} else if (n == 2 && strcmp(p[1], "bound") == 0) {
			r->kind = ALARM_TIME;
		} else if (n == 2 && strcmp(p[1], "skew") == 0) {
			r->kind = ALARM_PPM;
			r->magnitude = true;
		} else {
			snprintf(
			    why, sizeof why,
			    "unknown clock figure '%s' (clock.offset, clock.bound or clock.skew)",
			    r->what);
			return bad(err, spec, why);
		}
		return 0;
	}
	if (strcmp(p[0], "rtt") == 0 || strcmp(p[0], "ack") == 0) {
		bool rtt = p[0][0] == 'r';
		const char *form = rtt ? "rtt.POINT.p50|p90|p99" : "ack.POINT.compressed";
		if (n != 3) {
			snprintf(why, sizeof why, "'%s' is not %s", r->what, form);
			return bad(err, spec, why);
		}
		if (!one_of(p[1], POINTS, NELEM(POINTS))) {
			snprintf(why, sizeof why,
				 "unknown point '%s' in '%s' (nic, bridge, vnet or guest)", p[1],
				 r->what);
			return bad(err, spec, why);
		}
		if (rtt ? !one_of(p[2], RTT_STATS, NELEM(RTT_STATS))
			: strcmp(p[2], "compressed") != 0) {
			snprintf(why, sizeof why, "unknown stat '%s' in '%s' (%s)", p[2], r->what,
				 rtt ? "p50, p90 or p99" : "compressed only");
			return bad(err, spec, why);
		}
		r->kind = rtt ? ALARM_TIME : ALARM_RATIO;
		return 0;
	}
	snprintf(why, sizeof why,
		 "unknown hop or figure '%s' (a hop vo, nic_bridge, bridge_vnet, vnet_guest; "
		 "or vo_round_trip, clock, rtt, ack)",
		 p[0]);
	return bad(err, spec, why);
}

/* The threshold of VALUE text v (spaces trimmed) for a figure of r->kind,
 * in base units. */
static int parse_value(const char *spec, const char *v, struct alarm_rule *r, struct verr *err)
{
	char why[1024];
	if (*v == '\0')
		return bad(err, spec, "no value after the comparison");
	char *end;
	errno = 0;
	double x = strtod(v, &end);
	/* strtod also reads "nan", "inf" and hex: a threshold is a plain decimal */
	bool plain = end != v && errno != ERANGE && isfinite(x);
	for (const char *c = v; plain && c < end; c++)
		plain = isdigit((unsigned char)*c) || strchr(".eE+-", *c) != NULL;
	if (!plain) {
		snprintf(why, sizeof why, "'%s' is not a number", v);
		return bad(err, spec, why);
	}
	while (*end == ' ' || *end == '\t')
		end++;
	const char *unit = end;
	switch (r->kind) {
	case ALARM_TIME: {
		double scale;
		if (*unit == '\0') {
			snprintf(
			    why, sizeof why,
			    "missing unit: %s is a time, '%s' needs ns, us, ms or s (e.g. %sms)",
			    r->what, v, v);
			return bad(err, spec, why);
		}
		if (strcmp(unit, "ns") == 0)
			scale = 1e-9;
		else if (strcmp(unit, "us") == 0 || strcmp(unit, "\xc2\xb5s") == 0)
			scale = 1e-6;
		else if (strcmp(unit, "ms") == 0)
			scale = 1e-3;
		else if (strcmp(unit, "s") == 0)
			scale = 1;
		else {
			snprintf(why, sizeof why,
				 "unknown unit '%s': %s is a time (ns, us, ms or s)", unit,
				 r->what);
			return bad(err, spec, why);
		}
		x *= scale;
		break;
	}
	case ALARM_RATIO:
		if (strcmp(unit, "%") == 0) {
			if (x < 0 || x > 100) {
				snprintf(why, sizeof why, "%s is a ratio: '%s' is not 0..100%%",
					 r->what, v);
				return bad(err, spec, why);
			}
			x /= 100;
		} else if (*unit == '\0') {
			if (x < 0 || x > 1) {
				snprintf(
				    why, sizeof why,
				    "%s is a ratio: '%s' is not 0..1 (write N%% for a percentage)",
				    r->what, v);
				return bad(err, spec, why);
			}
		} else {
			snprintf(why, sizeof why, "unknown unit '%s': %s is a ratio (0..1, or N%%)",
				 unit, r->what);
			return bad(err, spec, why);
		}
		break;
	case ALARM_PPM:
		if (*unit != '\0' && strcmp(unit, "ppm") != 0) {
			snprintf(why, sizeof why,
				 "unknown unit '%s': %s is in ppm (a number, or Nppm)", unit,
				 r->what);
			return bad(err, spec, why);
		}
		break;
	}
	if (r->magnitude && x < 0) {
		snprintf(why, sizeof why,
			 "%s is compared by its magnitude (either sign): '%s' is negative", r->what,
			 v);
		return bad(err, spec, why);
	}
	r->threshold = x;
	return 0;
}

/* s[0..n) with the spaces at both ends left out, into out (cap octets);
 * false when it does not fit. */
static bool trimmed(const char *s, size_t n, char *out, size_t cap)
{
	while (n > 0 && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= cap)
		return false;
	memcpy(out, s, n);
	out[n] = '\0';
	return true;
}

int alarm_parse(const char *spec, struct alarm_rule *r, struct verr *err)
{
	memset(r, 0, sizeof *r);
	if (strlen(spec) >= sizeof r->spec)
		return verr_set(err, VERR_INPUT,
				"--alarm '%.60s...': too long (at most %zu octets)", spec,
				sizeof r->spec - 1);
	snprintf(r->spec, sizeof r->spec, "%s", spec);
	/* WHAT and VALUE never contain ':': GUEST is all before the last one
	 * (a guest's name may have its own, and any other character) */
	const char *colon = strrchr(spec, ':');
	if (colon == NULL)
		return bad(err, spec,
			   "no GUEST: before the figure (GUEST:WHAT, or *:WHAT for every guest)");
	if (!trimmed(spec, (size_t)(colon - spec), r->guest, sizeof r->guest))
		return bad(err, spec, "the guest's name is too long");
	if (r->guest[0] == '\0')
		return bad(err, spec,
			   "empty guest before ':' (a guest's name, or * for every guest)");
	const char *op = strpbrk(colon + 1, "<>=!");
	if (op == NULL)
		return bad(err, spec,
			   "no comparison: write GUEST:WHAT OP VALUE with OP >, >=, < or <=");
	const char *after = op + 1;
	if (*op == '>' || *op == '<') {
		r->op = *op == '>' ? ALARM_GT : ALARM_LT;
		if (*after == '=') {
			r->op = *op == '>' ? ALARM_GE : ALARM_LE;
			after++;
		}
	}
	if (*op == '=' || *op == '!' || (*after && strchr("<>=!", *after) != NULL)) {
		char why[1024];
		size_t k = strspn(op, "<>=!");
		snprintf(why, sizeof why, "unknown comparison '%.*s' (>, >=, < or <=)", (int)k, op);
		return bad(err, spec, why);
	}
	if (!trimmed(colon + 1, (size_t)(op - colon - 1), r->what, sizeof r->what))
		return bad(err, spec, "the figure's name is too long");
	if (r->what[0] == '\0')
		return bad(err, spec, "no figure after GUEST: (e.g. vo.to_guest.p99)");
	/* the figure's parts, split at the dots (an empty part is no name) */
	char parts[sizeof r->what], *p[4];
	snprintf(parts, sizeof parts, "%s", r->what);
	int n = 0;
	for (char *s = parts;; s++) {
		char *dot = strchr(s, '.');
		if (n == NELEM(p)) {
			char why[1024];
			snprintf(why, sizeof why, "'%s' has too many parts", r->what);
			return bad(err, spec, why);
		}
		p[n++] = s;
		if (dot == NULL)
			break;
		*dot = '\0';
		s = dot;
	}
	for (int i = 0; i < n; i++)
		if (p[i][0] == '\0') {
			char why[1024];
			snprintf(why, sizeof why,
				 "'%s' has an empty part (two dots, or one at an end)", r->what);
			return bad(err, spec, why);
		}
	if (parse_what(spec, p, n, r, err) != 0)
		return -1;
	char value[sizeof r->spec];
	trimmed(after, strlen(after), value, sizeof value);
	return parse_value(spec, value, r, err);
}

const char *alarm_op_str(int op)
{
	switch (op) {
	case ALARM_GT:
		return ">";
	case ALARM_GE:
		return ">=";
	case ALARM_LT:
		return "<";
	case ALARM_LE:
		return "<=";
	}
	return "?";
}

int alarm_check_guests(const struct alarm_rule *rules, int nrules, const char *const *guests,
		       int nguests, struct verr *err)
{
	for (int i = 0; i < nrules; i++) {
		if (strcmp(rules[i].guest, "*") == 0)
			continue;
		bool found = false;
		for (int j = 0; j < nguests && !found; j++)
			found = strcmp(rules[i].guest, guests[j]) == 0;
		if (found)
			continue;
		char names[512] = "";
		size_t len = 0;
		for (int j = 0; j < nguests && len < sizeof names; j++)
			len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
						j ? ", " : "", guests[j]);
		return verr_set(err, VERR_INPUT,
				"--alarm '%s': no guest '%s' on the command line (the guests: %s; "
				"or * for every guest)",
				rules[i].spec, rules[i].guest, nguests ? names : "none");
	}
	return 0;
}

/* ---- evaluation ---- */

struct alarm_state {
	bool firing;
	double since; /* the t of the last crossing; 0 never */
	int count;
};

struct alarm_set {
	struct alarm_rule *rules;
	int nrules;
	char **guests;
	int nguests;
	struct alarm_state *st; /* [rule * nguests + guest] */
};

struct alarm_set *alarm_set_new(const struct alarm_rule *rules, int nrules,
				const char *const *guests, int nguests)
{
	struct alarm_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	size_t nst = (size_t)(nrules > 0 ? nrules : 0) * (size_t)(nguests > 0 ? nguests : 0);
	s->rules = calloc(nrules > 0 ? (size_t)nrules : 1, sizeof *s->rules);
	s->guests = calloc(nguests > 0 ? (size_t)nguests : 1, sizeof *s->guests);
	s->st = calloc(nst ? nst : 1, sizeof *s->st);
	if (s->rules == NULL || s->guests == NULL || s->st == NULL) {
		alarm_set_free(s);
		return NULL;
	}
	for (int i = 0; i < nrules; i++)
		s->rules[s->nrules++] = rules[i];
	for (int j = 0; j < nguests; j++) {
		if ((s->guests[j] = strdup(guests[j])) == NULL) {
			alarm_set_free(s);
			return NULL;
		}
		s->nguests++;
	}
	return s;
}

void alarm_set_free(struct alarm_set *s)
{
	if (s == NULL)
		return;
	for (int j = 0; j < s->nguests; j++)
		free(s->guests[j]);
	free(s->guests);
	free(s->rules);
	free(s->st);
	free(s);
}

static bool above(const struct alarm_rule *r, double v)
{
	double x = r->magnitude ? fabs(v) : v;
	switch (r->op) {
	case ALARM_GT:
		return x > r->threshold;
	case ALARM_GE:
		return x >= r->threshold;
	case ALARM_LT:
		return x < r->threshold;
	case ALARM_LE:
		return x <= r->threshold;
	}
	return false;
}

int alarm_eval(struct alarm_set *s, double t, alarm_value_fn value, void *ctx,
	       void (*fire)(void *ctx2, const struct alarm_event *ev), void *ctx2)
{
	int fired = 0;
	for (int i = 0; i < s->nrules; i++) {
		const struct alarm_rule *r = &s->rules[i];
		bool any = strcmp(r->guest, "*") == 0;
		for (int j = 0; j < s->nguests; j++) {
			if (!any && strcmp(r->guest, s->guests[j]) != 0)
				continue;
			double v;
			if (!value(ctx, s->guests[j], r->what, &v) || isnan(v))
				continue; /* no such figure this window: no change */
			struct alarm_state *st = &s->st[(size_t)i * (size_t)s->nguests + (size_t)j];
			bool on = above(r, v);
			struct alarm_event ev = {r, s->guests[j], v, t, st->count};
			if (on && !st->firing) {
				st->firing = true;
				st->since = t;
				ev.count = ++st->count;
				fired++;
				if (fire)
					fire(ctx2, &ev);
			} else if (!on && st->firing) {
				st->firing = false;
				char line[1024];
				alarm_format(&ev, line, sizeof line);
				/* "vocalc: alarm: ..." as "vocalc: alarm cleared: ..." */
				fprintf(stderr, "vocalc: alarm cleared:%s\n",
					line + strlen("vocalc: alarm:"));
			}
		}
	}
	return fired;
}

bool alarm_state_get(const struct alarm_set *s, int rule, int guest, double *since, int *count)
{
	if (rule < 0 || rule >= s->nrules || guest < 0 || guest >= s->nguests)
		return false;
	const struct alarm_state *st = &s->st[(size_t)rule * (size_t)s->nguests + (size_t)guest];
	if (since)
		*since = st->since;
	if (count)
		*count = st->count;
	return st->firing;
}

/* ---- the message ---- */

/* v in a unit a reader takes in at a glance. */
static void human(char *buf, size_t cap, int kind, double v)
{
	double a = fabs(v);
	switch (kind) {
	case ALARM_TIME:
		if (a == 0)
			snprintf(buf, cap, "0 us");
		else if (a < 1e-6)
			snprintf(buf, cap, "%.0f ns", v * 1e9);
		else if (a < 1e-3)
			snprintf(buf, cap, "%.4g us", v * 1e6);
		else if (a < 1)
			snprintf(buf, cap, "%.4g ms", v * 1e3);
		else
			snprintf(buf, cap, "%.4g s", v);
		break;
	case ALARM_RATIO:
		snprintf(buf, cap, "%.4g%%", v * 100);
		break;
	default:
		snprintf(buf, cap, "%.4g ppm", v);
		break;
	}
}

/* t (unix s) as "YYYY-MM-DDTHH:MM:SSZ". */
static void iso8601(char *buf, size_t cap, double t)
{
	time_t s = (time_t)floor(t);
	struct tm tm;
	if (!isfinite(t) || gmtime_r(&s, &tm) == NULL ||
	    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "%.3f", t);
}

void alarm_format(const struct alarm_event *ev, char *buf, size_t cap)
{
	const struct alarm_rule *r = ev->rule;
	char v[48], th[48], when[48];
	human(v, sizeof v, r->kind, ev->value);
	human(th, sizeof th, r->kind, r->threshold);
	iso8601(when, sizeof when, ev->t);
	snprintf(buf, cap, "vocalc: alarm: %s: %s%s%s = %s (threshold %s %s) at %s", ev->guest,
		 r->magnitude ? "|" : "", r->what, r->magnitude ? "|" : "", v, alarm_op_str(r->op),
		 th, when);
}

/* ---- the --on-alarm command ---- */

/* The commands not reaped yet: the process's children, not a set's, so
 * kept here (alarm_reap has no handle); a mutex for a caller with threads. */
static struct alarm_child {
	pid_t pid;	/* 0 free, -1 taken while forking */
	double start;	/* CLOCK_MONOTONIC s */
	double term_at; /* when SIGTERM was sent; 0 not yet */
} children[ALARM_MAX_CHILDREN];
static pthread_mutex_t children_lock = PTHREAD_MUTEX_INITIALIZER;

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Our variables replace any inherited ones of the same names. */
static bool ours(const char *e)
{
	return strncmp(e, "VOCALC_ALARM=", 13) == 0 || strncmp(e, "VOCALC_ALARM_", 13) == 0;
}

pid_t alarm_run_cmd(const char *cmd, const struct alarm_event *ev, const char *frozen_dir,
		    struct verr *err)
{
	int slot = -1;
	pthread_mutex_lock(&children_lock);
	for (int i = 0; i < ALARM_MAX_CHILDREN && slot < 0; i++)
		if (children[i].pid == 0) {
			slot = i;
			children[i].pid = -1;
		}
	pthread_mutex_unlock(&children_lock);
	if (slot < 0)
		return verr_set(err, VERR_REMOTE,
				"--on-alarm: %d commands still running, '%s' not run for %s",
				ALARM_MAX_CHILDREN, cmd, ev->rule->spec);

	/* the environment, built here: after fork, a threaded process's child
	 * may only make async-signal-safe calls (no malloc, no setenv) */
	enum { NOURS = 8 };
	size_t n = 0;
	while (environ && environ[n])
		n++;
	char **envp = calloc(n + NOURS + 1, sizeof *envp);
	char *own[NOURS] = {0};
	int rc = envp ? 0 : -1;
	const struct alarm_rule *r = ev->rule;
	if (rc == 0 && (asprintf(&own[0], "VOCALC_ALARM=%s", r->spec) < 0 ||
			asprintf(&own[1], "VOCALC_ALARM_GUEST=%s", ev->guest) < 0 ||
			asprintf(&own[2], "VOCALC_ALARM_WHAT=%s", r->what) < 0 ||
			asprintf(&own[3], "VOCALC_ALARM_VALUE=%.9g", ev->value) < 0 ||
			asprintf(&own[4], "VOCALC_ALARM_THRESHOLD=%.9g", r->threshold) < 0 ||
			asprintf(&own[5], "VOCALC_ALARM_OP=%s", alarm_op_str(r->op)) < 0 ||
			asprintf(&own[6], "VOCALC_ALARM_TIME=%.3f", ev->t) < 0 ||
			asprintf(&own[7], "VOCALC_ALARM_DIR=%s", frozen_dir ? frozen_dir : "") < 0))
		rc = -1;
	pid_t pid = -1;
	if (rc == 0) {
		size_t k = 0;
		for (size_t i = 0; i < n; i++)
			if (!ours(environ[i]))
				envp[k++] = environ[i];
		for (int i = 0; i < NOURS; i++)
			envp[k++] = own[i];
		envp[k] = NULL;
		long maxfd = sysconf(_SC_OPEN_MAX);
		if (maxfd < 0 || maxfd > 65536)
			maxfd = 65536;
		char *const argv[] = {"sh", "-c", (char *)cmd, NULL};
		static const char failed[] = "vocalc: --on-alarm: cannot run /bin/sh\n";
		pid = fork();
		if (pid == 0) {
			/* its own process group: alarm_reap kills the command's
			 * children with it; the signals as a fresh shell expects */
			setpgid(0, 0);
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
			struct sigaction dfl;
			memset(&dfl, 0, sizeof dfl);
			dfl.sa_handler = SIG_DFL;
			for (int sig = 1; sig < NSIG; sig++)
				sigaction(sig, &dfl, NULL);
			int nul = open("/dev/null", O_RDONLY);
			if (nul >= 0 && nul != 0) {
				dup2(nul, 0);
				close(nul);
			}
			if (close_range(3, ~0U, 0) != 0)
				for (long fd = 3; fd < maxfd; fd++)
					close((int)fd);
			execve("/bin/sh", argv, envp);
			if (write(2, failed, sizeof failed - 1) < 0) {
				/* nothing more to say */
			}
			_exit(127);
		}
		if (pid < 0)
			verr_set(err, VERR_REMOTE, "--on-alarm: fork: %s", strerror(errno));
		else
			setpgid(pid, pid); /* either side may come first */
	} else {
		verr_set(err, VERR_NOMEM, "--on-alarm: out of memory");
	}
	for (int i = 0; i < NOURS; i++)
		free(own[i]);
	free(envp);
	pthread_mutex_lock(&children_lock);
	if (pid > 0) {
		children[slot].pid = pid;
		children[slot].start = mono_s();
		children[slot].term_at = 0;
	} else {
		children[slot].pid = 0;
	}
	pthread_mutex_unlock(&children_lock);
	return pid > 0 ? pid : -1;
}

void alarm_reap(double limit_s)
{
	pthread_mutex_lock(&children_lock);
	double now = mono_s();
	for (int i = 0; i < ALARM_MAX_CHILDREN; i++) {
		struct alarm_child *c = &children[i];
		if (c->pid <= 0)
			continue;
		int st;
		pid_t w = waitpid(c->pid, &st, WNOHANG);
		if (w == c->pid) {
			if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
				fprintf(stderr, "vocalc: --on-alarm command (pid %d) exited %d\n",
					(int)c->pid, WEXITSTATUS(st));
			else if (WIFSIGNALED(st))
				fprintf(
				    stderr,
				    "vocalc: --on-alarm command (pid %d) killed by signal %d%s\n",
				    (int)c->pid, WTERMSIG(st),
				    c->term_at > 0 ? " after its time limit" : "");
			c->pid = 0;
			continue;
		}
		if (w < 0 && errno == ECHILD) { /* reaped by someone else */
			c->pid = 0;
			continue;
		}
		if (c->term_at == 0 && now - c->start > limit_s) {
			fprintf(stderr,
				"vocalc: --on-alarm command (pid %d) still running after %.3g s: "
				"SIGTERM\n",
				(int)c->pid, limit_s);
			kill(-c->pid, SIGTERM);
			c->term_at = now;
		} else if (c->term_at > 0 && now - c->term_at > ALARM_KILL_GRACE_S) {
			kill(-c->pid, SIGKILL);
		}
	}
	pthread_mutex_unlock(&children_lock);
}

int alarm_running(void)
{
	int n = 0;
	pthread_mutex_lock(&children_lock);
	for (int i = 0; i < ALARM_MAX_CHILDREN; i++)
		n += children[i].pid != 0;
	pthread_mutex_unlock(&children_lock);
	return n;
}
