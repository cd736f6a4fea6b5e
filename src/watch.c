/* watch — see watch.h.
 *
 * Two threads: the capturing one (oneshot_watch_run's loop, which hands
 * each complete window on through window_ready and never waits for an
 * analysis) and the worker, which analyzes the windows in turn, updates the
 * metrics, writes the JSON line, evaluates the alarms and trims the ring.
 * They share the queue and each guest's last clock offset, under mu. */
#include "watch.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "analyze.h"
#include "inputs.h"
#include "metrics.h"
#include "pcapsplit.h"
#include "reader.h"
#include "rtt_set.h"

/* A window's figures for one guest, by name, base units (the alarms' WHAT
 * and the JSON line's keys). */
enum { MAX_FIGS = 96 };
struct figs {
	int n;
	struct {
		char key[48];
		double v;
	} f[MAX_FIGS];
};

struct wguest {
	const char *name;
	char tag[16];
	int64_t offset_ns;  /* its clock at the end of the last window analyzed (mu) */
	bool analyzed;      /* this window: figures in figs, else why */
	struct figs figs;
	char why[800];
	uint64_t negative;  /* delays below 0 (within the clock's bound) not in the histograms */
};

/* A complete window waiting for the worker. */
struct witem {
	char dir[1200];
	uint64_t index;
	double t0, t1;
	struct oneshot_point_state ps[2 + 2 * ONESHOT_MAX_GUESTS];
	int nps;
};

struct watch {
	struct watch_opts *o;
	char host[256];
	struct metrics *m;
	struct metrics_server *srv;
	struct alarm_set *alarms;
	int ng;
	struct wguest g[ONESHOT_MAX_GUESTS];
	const char *names[ONESHOT_MAX_GUESTS];
	char rundir[1200];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t mm;      /* the metrics' series: the worker's and the capturing
				  * thread's updates (a capture down or up) */
	struct witem q[WATCH_QUEUE];
	int qn;
	bool quit, started;
	pthread_t th;
	uint64_t kept_first;     /* the oldest window still on disk (worker) */
	long last_drops[2 + 2 * ONESHOT_MAX_GUESTS];
	uint64_t last_restarts[2 + 2 * ONESHOT_MAX_GUESTS];
	uint64_t analyzed;       /* windows analyzed (worker) */
	struct witem cur;        /* the worker's window */
	atomic_uint_fast64_t skipped; /* windows the capturing thread could not queue */
	uint64_t skipped_told;   /* of them, in the metric (worker) */
	/* the window's alarm crossings, acted on once the metrics are unlocked
	 * (freezing copies minutes of captures) */
	struct alarm_event ev[WATCH_MAX_ALARMS * ONESHOT_MAX_GUESTS];
	int nev;
};

void watch_opts_default(struct watch_opts *o)
{
	memset(o, 0, sizeof *o);
	oneshot_opts_default(&o->os);
	o->os.probe_rate = 10;
	o->os.progress = false;
	analysis_opts_default(&o->ao);
	o->interval_s = 10;
	o->keep_s = 600;
	o->on_alarm_limit_s = 300;
}

/* ---- the metrics (CONTRACT.md "Metrics") ---- */

static const struct {
	const char *name;
	enum metric_type t;
	const char *help;
} FAMILIES[] = {
    {"vocalc_latency_seconds", METRIC_HISTOGRAM,
     "Per-packet delay per hop and direction (vo: outermost host point to guest)"},
    {"vocalc_packets_total", METRIC_COUNTER, "Packets matched per hop and direction"},
    {"vocalc_lost_packets_total", METRIC_COUNTER,
     "Packets seen upstream of a hop and not downstream (loss)"},
    {"vocalc_negative_delays_total", METRIC_COUNTER,
     "Delays across the guest below 0 (within the clock's error bound), not in the histogram"},
    {"vocalc_capture_drops_total", METRIC_COUNTER, "Kernel drops reported by a capture"},
    {"vocalc_capture_up", METRIC_GAUGE, "1 while the capture at a point runs"},
    {"vocalc_capture_restarts_total", METRIC_COUNTER, "Times a failed capture was restarted"},
    {"vocalc_capture_down_seconds_total", METRIC_COUNTER, "Seconds a capture was down"},
    {"vocalc_guest_clock_offset_seconds", METRIC_GAUGE,
     "Guest minus host clock at the end of the last window"},
    {"vocalc_guest_clock_error_bound_seconds", METRIC_GAUGE, "The offset's error bound"},
    {"vocalc_guest_clock_skew_ppm", METRIC_GAUGE, "The guest clock's skew"},
    {"vocalc_tcp_rtt_seconds", METRIC_HISTOGRAM, "TCP-timestamp RTT samples per point"},
    {"vocalc_guest_side_round_trip_seconds", METRIC_GAUGE,
     "A guest without its own capture: vnet -> guest -> vnet, the median of the last window, "
     "by method (icmp: the host's pings; tcp: timestamp echoes at vnet)"},
    {"vocalc_ack_compressed_ratio", METRIC_GAUGE,
     "Compressed fraction of ACK inter-arrivals in the last window, per point"},
    {"vocalc_window_seconds", METRIC_GAUGE, "The window length"},
    {"vocalc_windows_total", METRIC_COUNTER, "Windows analyzed"},
    {"vocalc_windows_skipped_total", METRIC_COUNTER,
     "Windows not analyzed: the analysis fell behind (their captures stay in the ring)"},
    {"vocalc_last_window_end_timestamp_seconds", METRIC_GAUGE,
     "Unix time the last analyzed window ended"},
    {"vocalc_window_analysis_seconds", METRIC_GAUGE, "How long the last window's analysis took"},
    {"vocalc_alarms_total", METRIC_COUNTER, "Alarm crossings per rule and guest"},
    {"vocalc_alarm_firing", METRIC_GAUGE, "1 while an alarm's rule holds for a guest"},
};

static struct metric_series *series(struct watch *w, const char *name, const char *const *kv)
{
	const char *labels[16] = {"host", w->host};
	int n = 2;
	for (int i = 0; kv[i] && n < 14; i++)
		labels[n++] = kv[i];
	labels[n] = NULL;
	struct verr e = {0};
	struct metric_series *s = metrics_series(w->m, name, labels, &e);
	if (s == NULL)
		fprintf(stderr, "vocalc: watch: %s\n", e.msg);
	return s;
}

static void add(struct watch *w, const char *name, const char *const *kv, double v)
{
	struct metric_series *s = series(w, name, kv);
	if (s)
		metric_add(s, v);
}

static void set(struct watch *w, const char *name, const char *const *kv, double v)
{
	struct metric_series *s = series(w, name, kv);
	if (s)
		metric_set(s, v);
}

static void fig(struct figs *f, const char *key, double v)
{
	if (f->n < MAX_FIGS && isfinite(v)) {
		snprintf(f->f[f->n].key, sizeof f->f[f->n].key, "%s", key);
		f->f[f->n++].v = v;
	}
}

/* One hop's (or the VO's) row: its delays into the histogram per protocol,
 * its counts, and the all-protocol figures. */
static void export_hop(struct watch *w, struct wguest *g, const char *hop, struct hop_acc *acc,
		       struct hop_summary *all)
{
	for (int d = 0; d < DIR_N; d++) {
		const char *dir = direction_name((enum direction)d);
		for (int p = 0; p < PROTO_N; p++) {
			if (p == PROTO_ALL)
				continue;
			struct hop_acc *h = &acc[d * PROTO_N + p];
			if (h->c.matched == 0 && h->c.unmatched == 0)
				continue;
			const char *kv[] = {"guest", g->name, "hop", hop, "direction", dir,
					    "protocol", proto_name((enum proto)p), NULL};
			struct metric_series *s = series(w, "vocalc_latency_seconds", kv);
			if (s && h->s.sk == NULL) {
				for (size_t i = 0; i < h->s.n; i++)
					if (h->s.v[i] >= 0)
						metric_observe(s, h->s.v[i] / 1e9);
					else
						g->negative++;
			} else if (s) {
				size_t pos = 0;
				struct sketch_bucket b;
				while (sketch_next(h->s.sk, &pos, &b))
					if (b.rep >= 0)
						metric_observe_n(s, b.rep / 1e9, b.count);
					else
						g->negative += b.count;
			}
			add(w, "vocalc_packets_total", kv, (double)h->c.matched);
			add(w, "vocalc_lost_packets_total", kv, (double)h->c.unmatched);
		}
		const struct hop_summary *a = &all[d * PROTO_N + PROTO_ALL];
		char k[48];
		static const char *const q[] = {"p50", "p90", "p99", "max", "mean"};
		const double v[] = {a->d.p50, a->d.p90, a->d.p99, a->d.max, a->d.mean};
		for (int i = 0; i < 5 && a->d.n > 0; i++) {
			snprintf(k, sizeof k, "%s.%s.%s", hop, dir, q[i]);
			fig(&g->figs, k, v[i] / 1e6);
		}
		snprintf(k, sizeof k, "%s.%s.packets", hop, dir);
		fig(&g->figs, k, (double)a->c.matched);
		uint64_t seen = a->c.matched + a->c.unmatched;
		snprintf(k, sizeof k, "%s.%s.loss", hop, dir);
		if (seen > 0)
			fig(&g->figs, k, (double)a->c.unmatched / (double)seen);
	}
}

/* bview_visit's callback: a point's RTTs (us) into its histogram. */
static void rtt_one(void *ctx, double lo, double hi, double rep, uint64_t count)
{
	(void)lo, (void)hi;
	metric_observe_n(ctx, rep / 1e6, count);
}

/* Per point, every RTT into the histogram, and the window's quantiles as
 * the analysis defines them (rtt_set_toward over every flow: GSL's, or the
 * sketch's within its bound). */
static void export_rtt(struct watch *w, struct wguest *g, struct analysis *a)
{
	for (int p = 0; p < POINT_N && a->rtt; p++) {
		if (!a->o.file[p])
			continue;
		const char *kv[] = {"guest", g->name, "point", point_name((enum point)p), NULL};
		struct metric_series *s = series(w, "vocalc_tcp_rtt_seconds", kv);
		if (s)
			rtt_set_visit(a->rtt, (enum point)p, rtt_one, s);
		struct dist d;
		uint64_t delayed;
		if (rtt_set_toward(a->rtt, (enum point)p, NULL, &d, &delayed) != 1 || d.n == 0)
			continue;
		static const char *const q[] = {"p50", "p90", "p99"};
		const double v[] = {d.p50, d.p90, d.p99};
		for (int i = 0; i < 3; i++) {
			char k[48];
			snprintf(k, sizeof k, "rtt.%s.%s", point_name((enum point)p), q[i]);
			fig(&g->figs, k, v[i] / 1e6);
		}
	}
}

/* Per point, the compressed share of the ACK inter-arrivals of every flow
 * (weighted by their inter-arrivals); NaN (the series left out) if none. */
static void export_ack(struct watch *w, struct wguest *g, struct analysis *a)
{
	if (a->ack == NULL)
		return;
	struct ack_report rep;
	if (ack_set_summarize(a->ack, &a->guest_ips, rtt_set_flow_p50_of, a->rtt, &rep) != 0)
		return;
	for (int p = 0; p < POINT_N; p++) {
		if (!a->o.file[p])
			continue;
		double num = 0, den = 0;
		for (size_t f = 0; f < rep.nflows; f++)
			for (size_t i = 0; i < rep.flows[f].npt; i++) {
				const struct ack_point_rep *pr = &rep.flows[f].pt[i];
				if ((int)pr->point == p && isfinite(pr->compressed)) {
					num += pr->compressed * (double)pr->interarrivals;
					den += (double)pr->interarrivals;
				}
			}
		const char *kv[] = {"guest", g->name, "point", point_name((enum point)p), NULL};
		set(w, "vocalc_ack_compressed_ratio", kv, den > 0 ? num / den : NAN);
		char k[48];
		snprintf(k, sizeof k, "ack.%s.compressed", point_name((enum point)p));
		if (den > 0)
			fig(&g->figs, k, num / den);
	}
	ack_report_free(&rep);
}

static void export_clock(struct watch *w, struct wguest *g, struct analysis *a, double t1)
{
	const char *kv[] = {"guest", g->name, NULL};
	double off = NAN, bound = NAN, skew = NAN;
	const struct clock_model *m = &a->clock;
	if (a->o.file[POINT_GUEST] && m->method != CLOCK_NONE && m->nseg > 0) {
		const struct clock_segment *s = &m->seg[m->nseg - 1];
		off = clock_segment_offset(s, (int64_t)(t1 * 1e9)) / 1e9;
		bound = m->error_bound_ns > 0 ? m->error_bound_ns / 1e9 : NAN;
		skew = s->skew * 1e6;
		pthread_mutex_lock(&w->mu);
		g->offset_ns = (int64_t)llround(off * 1e9);
		pthread_mutex_unlock(&w->mu);
	}
	set(w, "vocalc_guest_clock_offset_seconds", kv, off);
	set(w, "vocalc_guest_clock_error_bound_seconds", kv, bound);
	set(w, "vocalc_guest_clock_skew_ppm", kv, skew);
	fig(&g->figs, "clock.offset", off);
	fig(&g->figs, "clock.bound", bound);
	fig(&g->figs, "clock.skew", skew);
}

/* Everything guest g's analysis of the window gives. */
static void export_guest(struct watch *w, struct wguest *g, struct analysis *a, double t1)
{
	struct vo *v = &a->vo;
	for (int i = 0; i + 1 < v->npts; i++) {
		char hop[32];
		snprintf(hop, sizeof hop, "%s_%s", point_name(v->pt[i]), point_name(v->pt[i + 1]));
		export_hop(w, g, hop, &v->hop[i][0][0], &v->sum_hop[i][0][0]);
	}
	if (v->has_vo)
		export_hop(w, g, "vo", &v->e2e[0][0], &v->sum_e2e[0][0]);
	double rt;
	if (vo_round_trip(v, &rt))
		fig(&g->figs, "vo_round_trip.p50", rt / 1e6);
	export_clock(w, g, a, t1);
	if (a->gside.on) { /* the guest side as a round trip, host clock only */
		const struct dist *d[2] = {&a->gside.icmp, &a->gside.tcp};
		static const char *const m[2] = {"icmp", "tcp"};
		for (int i = 0; i < 2; i++) {
			bool ok = d[i]->n >= GUEST_SIDE_MIN;
			const char *kv[] = {"guest", g->name, "method", m[i], NULL};
			set(w, "vocalc_guest_side_round_trip_seconds", kv, ok ? d[i]->p50 / 1e6 : NAN);
			char k[48];
			snprintf(k, sizeof k, "guest_side.%s.p50", m[i]);
			if (ok)
				fig(&g->figs, k, d[i]->p50 / 1e6);
		}
	}
	export_rtt(w, g, a);
	export_ack(w, g, a);
}

/* ---- a window ---- */

/* The points of o that caught something this window; the others dropped
 * (a capture that was down, or a shared point no guest traffic crossed). */
static int usable_points(struct analysis_opts *o)
{
	int n = 0;
	for (int p = 0; p < POINT_N; p++) {
		struct verr e = {0};
		if (o->file[p] && reader_has_records(o->file[p], true, &e) != 1)
			o->file[p] = NULL;
		n += o->file[p] != NULL;
	}
	return n;
}

static void analyze_guest(struct watch *w, struct wguest *g, const struct analysis_opts *base,
			  const struct inputs_guest *ig, double t1)
{
	struct analysis_opts o;
	inputs_guest_opts(base, ig, &o);
	if (usable_points(&o) < 2) {
		snprintf(g->why, sizeof g->why, "fewer than two points caught its packets");
		return;
	}
	struct analysis *a = calloc(1, sizeof *a);
	struct verr e = {0};
	if (a == NULL) {
		snprintf(g->why, sizeof g->why, "out of memory");
		return;
	}
	uint64_t neg = g->negative;
	if (analysis_run(a, &o, &e) == 0) {
		pthread_mutex_lock(&w->mm);
		export_guest(w, g, a, t1);
		g->analyzed = true;
		const char *kv[] = {"guest", g->name, NULL};
		add(w, "vocalc_negative_delays_total", kv, (double)(g->negative - neg));
		pthread_mutex_unlock(&w->mm);
	} else {
		snprintf(g->why, sizeof g->why, "%s", e.msg);
	}
	analysis_free(a);
	free(a);
}

static void export_points(struct watch *w, const struct witem *it)
{
	for (int i = 0; i < it->nps; i++) {
		const struct oneshot_point_state *p = &it->ps[i];
		const char *gname = p->guest >= 0 && p->guest < w->ng ? w->g[p->guest].name : "";
		const char *kv[] = {"guest", gname, "point", point_name(p->p), NULL};
		/* vocalc_capture_up is on_point_up's alone: set as it happens (this
		 * window's state is seconds old by now) */
		if (p->drops >= 0) {
			long before = w->last_drops[i] > 0 ? w->last_drops[i] : 0;
			add(w, "vocalc_capture_drops_total", kv,
			    p->drops > before ? (double)(p->drops - before) : 0);
			w->last_drops[i] = p->drops;
		}
		add(w, "vocalc_capture_restarts_total", kv,
		    (double)(p->restarts - w->last_restarts[i]));
		add(w, "vocalc_capture_down_seconds_total", kv, p->down_s);
		w->last_restarts[i] = p->restarts;
	}
}

/* The window's JSON line (--json): its span, every point's state, every
 * guest's figures (base units) or why it has none. */
static void json_line(struct watch *w, const struct witem *it)
{
	json_t *pts = json_array(), *gs = json_array();
	for (int i = 0; i < it->nps; i++) {
		const struct oneshot_point_state *p = &it->ps[i];
		json_array_append_new(
		    pts, json_pack("{s:s, s:o, s:b, s:b, s:f, s:I, s:o}", "point", point_name(p->p),
				   "guest", p->guest >= 0 ? json_string(w->g[p->guest].name) : json_null(),
				   "up", p->up, "complete", p->complete, "down_s", p->down_s,
				   "restarts", (json_int_t)p->restarts,
				   "drops", p->drops >= 0 ? json_integer(p->drops) : json_null()));
	}
	for (int i = 0; i < w->ng; i++) {
		const struct wguest *g = &w->g[i];
		json_t *f = json_object();
		for (int k = 0; k < g->figs.n; k++)
			json_object_set_new(f, g->figs.f[k].key, json_real(g->figs.f[k].v));
		json_array_append_new(gs, json_pack("{s:s, s:o, s:o}", "name", g->name, "figures",
						    g->analyzed ? f : json_null(), "reason",
						    g->analyzed ? json_null() : json_string(g->why)));
		if (!g->analyzed)
			json_decref(f);
	}
	json_t *line = json_pack("{s:s, s:I, s:f, s:f, s:s, s:o, s:o}", "tool", "vocalc watch",
				 "window", (json_int_t)it->index, "t_start", it->t0, "t_end", it->t1,
				 "dir", it->dir, "points", pts, "guests", gs);
	char *s = line ? json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(12)) : NULL;
	if (s) {
		fputs(s, stdout);
		fputc('\n', stdout);
		fflush(stdout);
	}
	free(s);
	json_decref(line);
}

static bool value_of(void *ctx, const char *guest, const char *what, double *v)
{
	struct watch *w = ctx;
	for (int i = 0; i < w->ng; i++) {
		if (strcmp(w->g[i].name, guest) != 0 || !w->g[i].analyzed)
			continue;
		for (int k = 0; k < w->g[i].figs.n; k++)
			if (strcmp(w->g[i].figs.f[k].key, what) == 0) {
				*v = w->g[i].figs.f[k].v;
				return true;
			}
	}
	return false;
}

/* rm -r of a window's directory (its files, then itself). */
static void remove_window(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[1600];
	while (d && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
		unlink(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static uint64_t keep_windows(const struct watch *w)
{
	double n = ceil(w->o->keep_s / w->o->interval_s);
	return n < 1 ? 1 : (uint64_t)n;
}

/* The ring's window k directory into buf. */
static void ring_dir(const struct watch *w, uint64_t k, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/ring/%08llu", w->rundir, (unsigned long long)k);
}

/* Sets every "octets" of the manifest's points (top level and per guest)
 * to the size of the file beside it in dir. */
static void manifest_octets(json_t *pts, const char *dir)
{
	size_t i;
	json_t *p;
	json_array_foreach(pts, i, p) {
		const char *f = json_string_value(json_object_get(p, "file"));
		char path[1500];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, f ? f : "");
		if (f && stat(path, &st) == 0)
			json_object_set_new(p, "octets", json_integer((json_int_t)st.st_size));
	}
}

/* The last --keep of captures, up to window k, joined into one run
 * directory under RUN_DIR/alarms/ with window k's manifest (its start the
 * first window's); its path into out.  0 or -1 (said on stderr). */
static int freeze(struct watch *w, const struct wguest *g, int count, uint64_t k, char *out,
		  size_t cap)
{
	char alarms[1210], last[1300], mf[1400];
	snprintf(alarms, sizeof alarms, "%s/alarms", w->rundir);
	if (mkdir(alarms, 0755) != 0 && errno != EEXIST)
		goto fail;
	time_t now = time(NULL);
	struct tm tm;
	char stamp[32];
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	snprintf(out, cap, "%s/%s-%s-%d", alarms, stamp, g->tag, count);
	if (mkdir(out, 0755) != 0)
		goto fail;
	ring_dir(w, k, last, sizeof last);
	snprintf(mf, sizeof mf, "%s/manifest.json", last);
	json_error_t je;
	json_t *man = json_load_file(mf, 0, &je);
	if (man == NULL)
		goto fail;
	uint64_t first = k + 1 >= keep_windows(w) ? k + 1 - keep_windows(w) : 0;
	if (first < w->kept_first)
		first = w->kept_first;
	DIR *d = opendir(last);
	struct dirent *e;
	while (d && (e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 5, ".pcap") != 0)
			continue;
		char dst[1500];
		snprintf(dst, sizeof dst, "%s/%s", out, e->d_name);
		FILE *f = fopen(dst, "wbx");
		unsigned char h[24];
		bool have = false;
		for (uint64_t j = first; f && j <= k; j++) {
			char src[1500], wd[1300];
			struct verr ve = {0};
			ring_dir(w, j, wd, sizeof wd);
			snprintf(src, sizeof src, "%s/%s", wd, e->d_name);
			if (access(src, F_OK) == 0 && pcap_append_file(f, src, h, &have, &ve) != 0)
				fprintf(stderr, "vocalc: watch: freezing: %s\n", ve.msg);
		}
		if (f == NULL || fclose(f) != 0)
			fprintf(stderr, "vocalc: watch: freezing %s: %s\n", dst, strerror(errno));
	}
	if (d)
		closedir(d);
	char wd[1300], fm[1400];
	ring_dir(w, first, wd, sizeof wd);
	snprintf(fm, sizeof fm, "%s/manifest.json", wd);
	json_t *fst = json_load_file(fm, 0, &je);
	if (fst && json_object_get(fst, "start"))
		json_object_set(man, "start", json_object_get(fst, "start"));
	json_decref(fst);
	manifest_octets(json_object_get(man, "points"), out);
	size_t i;
	json_t *gv;
	json_array_foreach(json_object_get(man, "guests"), i, gv)
		manifest_octets(json_object_get(gv, "points"), out);
	snprintf(mf, sizeof mf, "%s/manifest.json", out);
	int rc = json_dump_file(man, mf, JSON_INDENT(2));
	json_decref(man);
	if (rc != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "vocalc: watch: the captures of the alarm could not be kept in %s: %s\n",
		out, strerror(errno));
	return -1;
}

/* alarm_eval's callback (the metrics locked): counted, kept for act(). */
static void on_fire(void *ctx, const struct alarm_event *ev)
{
	struct watch *w = ctx;
	const char *kv[] = {"guest", ev->guest, "alarm", ev->rule->spec, NULL};
	add(w, "vocalc_alarms_total", kv, 1);
	if (w->nev < (int)(sizeof w->ev / sizeof w->ev[0]))
		w->ev[w->nev++] = *ev;
}

/* The frozen runs: the newest WATCH_MAX_FROZEN kept (a flapping alarm
 * must not fill the disk), the oldest removed and said so. */
static void trim_frozen(const struct watch *w)
{
	char alarms[1210];
	snprintf(alarms, sizeof alarms, "%s/alarms", w->rundir);
	struct dirent **list = NULL;
	int n = scandir(alarms, &list, NULL, alphasort); /* TIME-... sorts by time */
	int kept = 0;
	for (int i = n - 1; i >= 0; i--) {
		if (list[i]->d_name[0] != '.' && ++kept > WATCH_MAX_FROZEN) {
			char d[1500];
			snprintf(d, sizeof d, "%s/%s", alarms, list[i]->d_name);
			remove_window(d);
			fprintf(stderr, "vocalc: watch: %s removed: more than %d alarms' captures kept\n",
				d, WATCH_MAX_FROZEN);
		}
		free(list[i]);
	}
	free(list);
}

/* A crossing acted on: the captures frozen, the line, the command. */
static void act(struct watch *w, const struct alarm_event *ev)
{
	char line[1024], dir[1300] = "";
	const struct wguest *g = NULL;
	for (int i = 0; i < w->ng; i++)
		if (strcmp(w->g[i].name, ev->guest) == 0)
			g = &w->g[i];
	if (g && freeze(w, g, ev->count, w->cur.index, dir, sizeof dir) != 0)
		dir[0] = '\0';
	trim_frozen(w);
	alarm_format(ev, line, sizeof line);
	fprintf(stderr, "%s%s%s\n", line, dir[0] ? "; captures kept in " : "", dir);
	if (w->o->syslog)
		syslog(LOG_WARNING, "%s%s%s", line, dir[0] ? "; captures kept in " : "", dir);
	if (w->o->on_alarm) {
		struct verr e = {0};
		if (alarm_run_cmd(w->o->on_alarm, ev, dir, &e) < 0)
			fprintf(stderr, "vocalc: watch: --on-alarm: %s\n", e.msg);
	}
}

/* The alarms' state as gauges (1 while a rule holds for a guest). */
static void export_firing(struct watch *w)
{
	for (int r = 0; r < w->o->nalarm; r++)
		for (int i = 0; i < w->ng; i++) {
			double since;
			int count;
			const struct alarm_rule *ar = &w->o->alarm[r];
			if (strcmp(ar->guest, "*") != 0 && strcmp(ar->guest, w->g[i].name) != 0)
				continue;
			bool on = alarm_state_get(w->alarms, r, i, &since, &count);
			const char *kv[] = {"guest", w->g[i].name, "alarm", ar->spec, NULL};
			set(w, "vocalc_alarm_firing", kv, on ? 1 : 0);
		}
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One window, start to end. */
static void do_window(struct watch *w, struct witem *it)
{
	double t_start = mono_s();
	struct analysis_opts base = w->o->ao;
	struct inputs_guests *gs = calloc(1, sizeof *gs);
	struct strpool sp = {.n = 0};
	struct verr e = {0};
	char *words[1] = {it->dir};
	for (int i = 0; i < w->ng; i++) {
		w->g[i].analyzed = false;
		w->g[i].figs.n = 0;
		snprintf(w->g[i].why, sizeof w->g[i].why, "not in the window's manifest");
	}
	if (gs == NULL || inputs_add(&base, 0, 1, words, NULL, "watch", gs, &sp, &e) != 0) {
		fprintf(stderr, "vocalc: watch: window %s: %s\n", it->dir, gs ? e.msg : "out of memory");
	} else {
		base.allow_truncated = true;
		base.progress = false;
		for (int k = 0; k < gs->n; k++)
			for (int i = 0; i < w->ng; i++)
				if (strcmp(gs->g[k].name, w->g[i].name) == 0)
					analyze_guest(w, &w->g[i], &base, &gs->g[k], it->t1);
	}
	strpool_free(&sp);
	free(gs);
	pthread_mutex_lock(&w->mm);
	export_points(w, it);
	const char *none[] = {NULL};
	uint64_t sk = atomic_load(&w->skipped);
	add(w, "vocalc_windows_skipped_total", none, (double)(sk - w->skipped_told));
	w->skipped_told = sk;
	add(w, "vocalc_windows_total", none, 1);
	set(w, "vocalc_window_seconds", none, it->t1 - it->t0);
	set(w, "vocalc_last_window_end_timestamp_seconds", none, it->t1);
	w->nev = 0;
	if (w->alarms)
		alarm_eval(w->alarms, it->t1, value_of, w, on_fire, w);
	export_firing(w);
	set(w, "vocalc_window_analysis_seconds", none, mono_s() - t_start);
	if (metrics_publish(w->m, &e) != 0)
		fprintf(stderr, "vocalc: watch: %s\n", e.msg);
	else if (w->o->textfile_dir && metrics_write_textfile(w->m, w->o->textfile_dir, &e) != 0)
		fprintf(stderr, "vocalc: watch: %s\n", e.msg);
	pthread_mutex_unlock(&w->mm);
	for (int i = 0; i < w->nev; i++)
		act(w, &w->ev[i]);
	if (w->o->json)
		json_line(w, it);
	/* the ring: the last --keep windows, the older ones gone */
	for (; w->kept_first + keep_windows(w) <= it->index; w->kept_first++) {
		char d[1300];
		ring_dir(w, w->kept_first, d, sizeof d);
		remove_window(d);
	}
	if (w->o->windows > 0 && ++w->analyzed >= (uint64_t)w->o->windows)
		kill(getpid(), SIGTERM); /* the tests' end: the same stop as a user's */
}

static void *worker(void *arg)
{
	struct watch *w = arg;
	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->qn == 0 && !w->quit)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->qn == 0)
			break;
		w->cur = w->q[0];
		memmove(w->q, w->q + 1, (size_t)(w->qn - 1) * sizeof w->q[0]);
		w->qn--;
		pthread_mutex_unlock(&w->mu);
		do_window(w, &w->cur);
		pthread_mutex_lock(&w->mu);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* ---- the hooks of the capturing thread ---- */

static void on_guests(void *ctx, const char *const *names, int n)
{
	struct watch *w = ctx;
	w->ng = n;
	for (int i = 0; i < n; i++) {
		w->g[i].name = w->names[i] = names[i];
		snprintf(w->g[i].tag, sizeof w->g[i].tag, "g%d", i + 1);
	}
	struct verr e = {0};
	if (alarm_check_guests(w->o->alarm, w->o->nalarm, names, n, &e) != 0)
		fprintf(stderr, "vocalc: watch: %s\n", e.msg);
	w->alarms = w->o->nalarm ? alarm_set_new(w->o->alarm, w->o->nalarm, names, n) : NULL;
	if (pthread_create(&w->th, NULL, worker, w) == 0)
		w->started = true;
}

static void on_window(void *ctx, const char *dir, uint64_t index, double t0, double t1,
		      const struct oneshot_point_state *ps, int n)
{
	struct watch *w = ctx;
	pthread_mutex_lock(&w->mu);
	if (w->qn == WATCH_QUEUE) {
		pthread_mutex_unlock(&w->mu);
		fprintf(stderr, "vocalc: watch: window %llu skipped: the analysis is behind\n",
			(unsigned long long)index);
		atomic_fetch_add(&w->skipped, 1); /* the worker counts it in the metric */
		return;
	}
	struct witem *it = &w->q[w->qn++];
	snprintf(it->dir, sizeof it->dir, "%s", dir);
	it->index = index, it->t0 = t0, it->t1 = t1;
	it->nps = n < (int)(sizeof it->ps / sizeof it->ps[0]) ? n : (int)(sizeof it->ps / sizeof it->ps[0]);
	memcpy(it->ps, ps, (size_t)it->nps * sizeof *ps);
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

static int64_t on_offset(void *ctx, int g)
{
	struct watch *w = ctx;
	pthread_mutex_lock(&w->mu);
	int64_t off = g >= 0 && g < w->ng ? w->g[g].offset_ns : 0;
	pthread_mutex_unlock(&w->mu);
	return off;
}

static void on_point_up(void *ctx, enum point p, int guest, bool up)
{
	struct watch *w = ctx;
	const char *gname = guest >= 0 && guest < w->ng ? w->g[guest].name : "";
	const char *kv[] = {"guest", gname, "point", point_name(p), NULL};
	struct verr e = {0};
	pthread_mutex_lock(&w->mm);
	set(w, "vocalc_capture_up", kv, up ? 1 : 0);
	if (metrics_publish(w->m, &e) == 0 && w->o->textfile_dir)
		metrics_write_textfile(w->m, w->o->textfile_dir, &e);
	pthread_mutex_unlock(&w->mm);
}

static int open_log(const struct watch_opts *o)
{
	if (o->log_path == NULL)
		return 0;
	if (freopen(o->log_path, "a", stderr) == NULL)
		return -1;
	setvbuf(stderr, NULL, _IOLBF, 0);
	return 0;
}

static void on_hangup(void *ctx)
{
	struct watch *w = ctx;
	if (open_log(w->o) != 0)
		syslog(LOG_ERR, "vocalc watch: cannot reopen %s: %s", w->o->log_path, strerror(errno));
	fprintf(stderr, "vocalc: watch: SIGHUP: the log reopened\n");
}

static void on_tick(void *ctx)
{
	struct watch *w = ctx;
	alarm_reap(w->o->on_alarm_limit_s);
}

int watch_run(struct watch_opts *o, struct verr *err)
{
	if (open_log(o) != 0)
		return verr_set(err, VERR_INPUT, "--log %s: %s", o->log_path, strerror(errno));
	struct watch *w = calloc(1, sizeof *w);
	if (w == NULL || (w->m = metrics_new()) == NULL) {
		free(w);
		return verr_set(err, VERR_NOMEM, "out of memory");
	}
	w->o = o;
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->mm, NULL);
	pthread_cond_init(&w->cv, NULL);
	const char *h = o->host_label ? o->host_label : o->os.host;
	if (!o->host_label && (strcmp(h, "-") == 0 || strcmp(h, "localhost") == 0) &&
	    gethostname(w->host, sizeof w->host - 1) == 0)
		;
	else
		snprintf(w->host, sizeof w->host, "%s", h);
	for (size_t i = 0; i < sizeof w->last_drops / sizeof w->last_drops[0]; i++)
		w->last_drops[i] = -1;
	int rc = -1;
	for (size_t i = 0; i < sizeof FAMILIES / sizeof FAMILIES[0]; i++)
		if (metrics_declare(w->m, FAMILIES[i].name, FAMILIES[i].t, FAMILIES[i].help, err) != 0)
			goto out;
	if (metrics_publish(w->m, err) != 0)
		goto out;
	/* the outputs checked before anything runs */
	if (o->textfile_dir && metrics_write_textfile(w->m, o->textfile_dir, err) != 0)
		goto out;
	if (o->listen && (w->srv = metrics_serve(w->m, o->listen, err)) == NULL)
		goto out;
	if (w->srv)
		fprintf(stderr, "vocalc: watch: serving http://%s/metrics\n",
			metrics_server_address(w->srv));
	if (o->syslog)
		openlog("vocalc", LOG_PID, LOG_DAEMON);
	struct oneshot_watch hooks = {.interval_s = o->interval_s,
				      .restart_max_s = 60,
				      .ctx = w,
				      .guests = on_guests,
				      .window = on_window,
				      .guest_offset_ns = on_offset,
				      .point_up = on_point_up,
				      .hangup = on_hangup,
				      .tick = on_tick};
	o->os.json = false;
	rc = oneshot_watch_run(&o->os, &hooks, w->rundir, sizeof w->rundir, err);
	pthread_mutex_lock(&w->mu);
	w->quit = true; /* the windows queued are still analyzed */
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started)
		pthread_join(w->th, NULL);
	alarm_reap(0);
out:
	metrics_server_stop(w->srv);
	alarm_set_free(w->alarms);
	metrics_free(w->m);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->mm);
	free(w);
	return rc;
}
