/* analyze — see analyze.h. */
#include "analyze.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clock_est.h"
#include "feed.h"
#include "hashtab.h"
#include "reader.h"
#include "rttrun.h"

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first stamp of a capture, or INT64_MAX if it has no records. */
static int first_stamp(const char *path, bool allow_truncated, int64_t *t, struct verr *err)
{
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		return -1;
	struct rpacket rp;
	int rc = reader_next(r, &rp, err);
	*t = rc == 1 ? rp.ts_ns : INT64_MAX;
	reader_close(r);
	return rc < 0 ? -1 : 0;
}

static void show_progress(struct feed **fd, int n, bool done)
{
	uint64_t d = 0, t = 0;
	for (int i = 0; i < n; i++) {
		uint64_t di, ti;
		feed_progress(fd[i], &di, &ti);
		d += di;
		t += ti;
	}
	if (done)
		fprintf(stderr, "\r\033[Kanalyze: done\n");
	else
		fprintf(stderr, "\r\033[Kanalyze: %3.0f%% of %.1f MB", t ? 100.0 * d / t : 0,
			t / 1e6);
}

/* Tries the captures nearest the guest first; the first that tells wins.
 * When none tells, but one shows only a guest and its one peer, its first
 * labelling is taken for now and causality decides later
 * (guest_by_causality; the capture whose labellings cover most addresses). */
static int learn_guest(struct analysis *a, struct verr *err)
{
	a->guest_ips = a->o.guest_ips;
	if (a->guest_ips.n > 0)
		return 0;
	static const enum point order[POINT_N] = {POINT_GUEST, POINT_VNET, POINT_BRIDGE, POINT_NIC};
	struct verr first = {0};
	struct guest_ends ends = {0};
	for (int i = 0; i < POINT_N; i++) {
		enum point p = order[i];
		if (!a->o.file[p])
			continue;
		struct verr e = {0};
		struct guest_ends here;
		int rc = guestaddr_learn(a->o.file[p], p, a->o.allow_truncated, &a->guest_ips, &here,
					 &e);
		if (rc == 0) {
			a->guest_ips_learned = true;
			return 0;
		}
		if (rc < 0) { /* a damaged file is an error in its own right */
			*err = e;
			return -1;
		}
		if (first.status == VERR_OK)
			first = e; /* the nearest capture's reason is the one to show */
		if (here.n > 0 && (ends.n == 0 || here.cand[0].n > ends.cand[0].n))
			ends = here;
	}
	if (ends.n > 0) {
		a->guest_by_causality = true;
		a->guest_ips_learned = true;
		a->guest_cand = ends;
		a->guest_cand_i = 0;
		a->guest_ips = ends.cand[0];
		return 0;
	}
	*err = first;
	return -1;
}

/* The next labelling causality may choose; false when all were tried. */
static bool next_labelling(struct analysis *a)
{
	if (a->guest_cand_i + 1 >= a->guest_cand.n)
		return false;
	a->guest_ips = a->guest_cand.cand[++a->guest_cand_i];
	return true;
}

/* Every point its own capture: one file given for two points (or two
 * identical copies) would read 0 at every hop between them. */
static bool same_content(const char *x, const char *y)
{
	struct stat sx, sy;
	if (stat(x, &sx) != 0 || stat(y, &sy) != 0)
		return false;
	if (sx.st_dev == sy.st_dev && sx.st_ino == sy.st_ino)
		return true;
	if (!S_ISREG(sx.st_mode) || !S_ISREG(sy.st_mode) || sx.st_size != sy.st_size)
		return false;
	enum { CHUNK = 1 << 16 };
	FILE *fx = fopen(x, "rb"), *fy = fopen(y, "rb");
	char *bx = malloc(CHUNK), *by = malloc(CHUNK);
	bool same = fx && fy && bx && by;
	while (same) { /* files of one size only; the first difference ends it */
		size_t nx = fread(bx, 1, CHUNK, fx), ny = fread(by, 1, CHUNK, fy);
		if (nx != ny || memcmp(bx, by, nx) != 0)
			same = false;
		if (nx < CHUNK)
			break;
	}
	free(bx);
	free(by);
	if (fx)
		fclose(fx);
	if (fy)
		fclose(fy);
	return same;
}

static int check_distinct_files(const struct analysis *a, struct verr *err)
{
	for (int p = 0; p < POINT_N; p++)
		for (int q = p + 1; q < POINT_N; q++)
			if (a->o.file[p] && a->o.file[q] && same_content(a->o.file[p], a->o.file[q]))
				return verr_set(err, VERR_INPUT,
						"%s and %s are the same capture (%s, %s): give each "
						"point the file captured there",
						point_name((enum point)p), point_name((enum point)q),
						a->o.file[p], a->o.file[q]);
	return 0;
}

/* Streams the captures of `points` in host time order (guest stamps by
 * `clock`) into matcher m.  count: keep the per-point statistics (the main
 * pass).  Returns 0, or -1 with err set. */
static int stream(struct analysis *a, uint8_t points, const struct clock_model *clock,
		  struct matcher *m, bool count, const struct feed_taps *taps, struct verr *err)
{
	const struct analysis_opts *o = &a->o;
	struct feed *fd[POINT_N] = {NULL};
	enum point fp[POINT_N];
	int n = 0, rc = -1;
	for (int p = 0; p < POINT_N; p++) {
		if (!(points & (1u << p)))
			continue;
		struct reader *r = reader_open(o->file[p], o->allow_truncated, err);
		if (r == NULL)
			goto out;
		if (count) {
			memset(&a->pt[p], 0, sizeof a->pt[p]); /* a later pass counts anew */
			a->pt[p].first_ns = INT64_MAX;
			a->pt[p].last_ns = INT64_MIN;
			a->pt[p].linktype = reader_linktype(r);
		}
		fp[n] = (enum point)p;
		if ((fd[n] = feed_start(r, (enum point)p, clock, &a->guest_ips, taps ? &taps[p] : NULL,
					err)) == NULL)
			goto out;
		n++;
	}
	feed_thread_tune();
	bool progress = count && o->progress && points == a->mask;
	double started = mono_now(), last_shown = 0;
	uint64_t iter = 0;
	/* Each capture's current head, refreshed only when it is consumed. */
	const struct feed_item *head[POINT_N];
	int64_t head_t[POINT_N]; /* their stamps, here: the items live in other threads' cache */
	for (int i = 0; i < n; i++) {
		int r = feed_peek(fd[i], &head[i], err);
		if (r < 0)
			goto out;
		head_t[i] = r == 1 ? head[i]->t_host : INT64_MAX;
		if (r == 0)
			head[i] = NULL;
	}
	for (;;) {
		/* the earliest head in host time; an ended capture's stamp is INT64_MAX */
		int best = 0;
		for (int i = 1; i < n; i++)
			if (head_t[i] < head_t[best])
				best = i;
		if (head[best] == NULL)
			break;
		const struct feed_item *it = head[best];
		struct point_stats *ps = &a->pt[fp[best]];
		if (count) {
			if (it->t_host < ps->first_ns)
				ps->first_ns = it->t_host;
			if (it->t_host > ps->last_ns)
				ps->last_ns = it->t_host;
		}
		if (it->dr != DIS_OK) {
			if (count)
				ps->skipped[it->dr]++;
		} else if (it->dir == DIR_NONE) {
			if (count)
				ps->not_guest++;
		} else {
			if (count)
				ps->used++;
			if (match_push(m, fp[best], &it->prep, (enum direction)it->dir, it->t_host,
				       it->rec) != 0) {
				verr_set(err, VERR_NOMEM, "out of memory while matching");
				goto out;
			}
		}
		feed_pop(fd[best]);
		int r = feed_peek(fd[best], &head[best], err);
		if (r < 0)
			goto out;
		if (r == 0) {
			head[best] = NULL;
			head_t[best] = INT64_MAX;
		} else {
			head_t[best] = head[best]->t_host;
		}
		if (progress && (++iter & 0xffff) == 0) {
			double now = mono_now();
			if (now - started >= 1.0 && now - last_shown >= 0.25) {
				show_progress(fd, n, false);
				last_shown = now;
			}
		}
	}
	match_finish(m);
	if (progress && last_shown > 0)
		show_progress(fd, n, true);
	rc = 0;
out:
	for (int i = 0; i < n; i++) {
		bool tap_failed = false;
		uint64_t records = feed_finish(fd[i], &tap_failed);
		if (tap_failed)
			a->tap_failed = true;
		if (count)
			a->pt[fp[i]].records = records;
	}
	return rc;
}

/* ---- the guest clock ------------------------------------------------------ */

/* The host point whose pairs with the guest give the clock: the nearest. */
static enum point clock_host_point(uint8_t mask)
{
	if (mask & (1u << POINT_VNET))
		return POINT_VNET;
	if (mask & (1u << POINT_BRIDGE))
		return POINT_BRIDGE;
	return POINT_NIC;
}

struct seen_key {
	struct hnode hn;
	struct match_key key;
	int64_t t;
	uint8_t dir;
};

/* A first, coarse guest - host offset, good to a delay, so that the windowed
 * matcher can pair the captures however far apart their clocks are: the
 * first guest packets' identities are looked up in the host capture from
 * its start, without regard to time. */
static int coarse_offset(struct analysis *a, enum point host, int64_t *coarse, struct verr *err)
{
	enum { GUEST_KEYS = 50000, WANT = 200, HOST_MAX = 5000000 };
	struct hashtab tab;
	struct seen_key *keys = calloc(GUEST_KEYS, sizeof *keys);
	int rc = -1;
	if (keys == NULL || hashtab_init(&tab, 1 << 16) != 0) {
		free(keys);
		return verr_set(err, VERR_NOMEM, "out of memory");
	}
	size_t nk = 0;
	int64_t min_to = INT64_MAX, min_from = INT64_MAX;
	size_t n_to = 0, n_from = 0;
	struct reader *r = reader_open(a->o.file[POINT_GUEST], a->o.allow_truncated, err);
	if (r == NULL)
		goto out;
	struct rpacket rp;
	int got;
	while (nk < GUEST_KEYS && (got = reader_next(r, &rp, err)) == 1) {
		struct pkt pk;
		if (dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk) != DIS_OK)
			continue;
		enum direction d = feed_direction(&a->guest_ips, &pk);
		if (d == DIR_NONE)
			continue;
		struct match_prep mp;
		match_prepare(&pk, &mp, NULL);
		keys[nk] = (struct seen_key){.key = mp.key, .t = rp.ts_ns, .dir = (uint8_t)d};
		if (hashtab_insert(&tab, &keys[nk].hn, mp.key_hash) != 0) {
			verr_set(err, VERR_NOMEM, "out of memory");
			break;
		}
		nk++;
	}
	reader_close(r);
	if (err->status)
		goto out;
	r = reader_open(a->o.file[host], a->o.allow_truncated, err);
	if (r == NULL)
		goto out;
	for (size_t i = 0; i < HOST_MAX && (n_to < WANT || n_from < WANT) &&
			   (got = reader_next(r, &rp, err)) == 1;
	     i++) {
		struct pkt pk;
		if (dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk) != DIS_OK)
			continue;
		if (feed_direction(&a->guest_ips, &pk) == DIR_NONE)
			continue;
		struct match_prep mp;
		match_prepare(&pk, &mp, NULL);
		for (struct hnode *x = hashtab_chain(&tab, mp.key_hash); x; x = x->next) {
			struct seen_key *s = (struct seen_key *)x;
			if (x->hash != mp.key_hash || memcmp(&s->key, &mp.key, sizeof s->key) != 0)
				continue;
			if (s->dir == DIR_TO_GUEST) {
				n_to++;
				if (s->t - rp.ts_ns < min_to)
					min_to = s->t - rp.ts_ns; /* delay + offset */
			} else {
				n_from++;
				if (rp.ts_ns - s->t < min_from)
					min_from = rp.ts_ns - s->t; /* delay - offset */
			}
			break;
		}
	}
	reader_close(r);
	if (err->status)
		goto out;
	if (n_to && n_from)
		*coarse = (min_to - min_from) / 2;
	else if (n_to)
		*coarse = min_to;
	else if (n_from)
		*coarse = -min_from;
	else
		*coarse = 0;
	rc = 0;
out:
	hashtab_free(&tab);
	free(keys);
	return rc;
}

struct clock_pass {
	struct clock_est *est;
	enum point host;
	int64_t coarse;
	int failed;
};

static void clock_journey(void *ctx, const struct journey_info *j)
{
	struct clock_pass *cp = ctx;
	uint8_t both = (uint8_t)((1u << cp->host) | (1u << POINT_GUEST));
	if ((j->mask & both) != both)
		return;
	int64_t th = j->t[cp->host], tg = j->t[POINT_GUEST];
	if (clock_est_add(cp->est, (enum direction)j->dir, th, tg, j->tag[POINT_GUEST]) != 0)
		cp->failed = 1;
	uint8_t type;
	uint16_t id, seq;
	if (match_key_echo(j->key, &type, &id, &seq) &&
	    clock_est_add_echo(cp->est, (enum direction)j->dir, type, id, seq, th, tg) != 0)
		cp->failed = 1;
	uint32_t tseq, tack;
	bool syn;
	if (match_key_tcp(j->key, &tseq, &tack, &syn) &&
	    clock_est_add_tcp(cp->est, (enum direction)j->dir, &j->key->flow, tseq, tack, j->payload,
			      !syn, th, tg) != 0)
		cp->failed = 1;
}

/* Estimates the guest clock from the host point nearest the guest: a coarse
 * offset to align the captures, a pass over the two captures collecting
 * matched pairs, then clock_est's fits. */
static int estimate_clock(struct analysis *a, int64_t t0, struct verr *err)
{
	enum point host = clock_host_point(a->mask);
	int64_t coarse = 0;
	if (coarse_offset(a, host, &coarse, err) != 0)
		return -1;
	struct clock_model shift;
	clock_model_manual(&shift, t0, (double)coarse, 0);
	struct clock_pass cp = {.est = clock_est_create(t0, coarse), .host = host, .coarse = coarse};
	uint8_t pts = (uint8_t)((1u << host) | (1u << POINT_GUEST));
	/* a wide window: the coarse offset is only good to a delay, and skew
	 * adds up over the capture */
	struct matcher *m = match_create(pts, CLOCK_WINDOW_NS, clock_journey, &cp);
	int rc = -1;
	if (cp.est == NULL || m == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	if (stream(a, pts, &shift, m, true, NULL, err) != 0)
		goto out;
	if (cp.failed || clock_est_solve(cp.est, a->o.clock_choice, &a->clock_rep) != 0) {
		verr_set(err, VERR_NOMEM, "out of memory while estimating the guest clock");
		goto out;
	}
	a->clock_rep.host_point = host;
	a->clock = a->clock_rep.model;
	a->clock_estimated = true;
	if (a->o.clock_csv && clock_est_write_csv(cp.est, &a->clock_rep, a->o.clock_csv) != 0) {
		verr_set(err, VERR_INPUT, "writing %s failed: %s",
			 a->o.clock_csv_name ? a->o.clock_csv_name : "the clock CSV",
			 strerror(errno ? errno : EIO));
		goto out;
	}
	rc = 0;
out:
	match_delete(m);
	clock_est_delete(cp.est);
	return rc;
}

/* The first host stamp: t0 of every clock model. */
static int host_t0(struct analysis *a, int64_t *t0, struct verr *err)
{
	*t0 = INT64_MAX;
	for (int p = 0; p < POINT_N; p++) {
		if (!a->o.file[p] || p == POINT_GUEST)
			continue;
		int64_t t;
		if (first_stamp(a->o.file[p], a->o.allow_truncated, &t, err) != 0)
			return -1;
		if (t < *t0)
			*t0 = t;
	}
	if (*t0 == INT64_MAX)
		*t0 = 0;
	return 0;
}

/* A round trip is never negative.  True when every segment of the
 * estimated clock has envelopes whose sum (its minimum round trip) is below
 * zero beyond what the fit's tilt explains: the captures of its two points
 * are the other way round (or the two ends are).  *worst: the most negative. */
enum { CAUSAL_TOL_NS = 5000 };

static bool clock_negative(const struct analysis *a, double *worst)
{
	const struct clock_report *cr = &a->clock_rep;
	*worst = INFINITY;
	if (!a->clock_estimated || cr->nseg == 0 ||
	    (a->clock.method != CLOCK_HULL && a->clock.method != CLOCK_REGRESSION))
		return false;
	int neg = 0;
	for (int k = 0; k < cr->nseg; k++) {
		*worst = fmin(*worst, cr->seg[k].min_rtt_ns);
		neg += cr->seg[k].min_rtt_ns < -CAUSAL_TOL_NS;
	}
	return neg == cr->nseg;
}

/* Refuses captures whose round trip between points x and y is negative
 * (rt_ns, what): they look swapped. */
static int swapped(const struct analysis *a, enum point x, enum point y, double rt_ns,
		   const char *what, struct verr *err)
{
	return verr_set(err, VERR_INPUT,
			"%s=%s and %s=%s look swapped: their %s is %.1f us, and a round trip "
			"cannot be negative (check which file was captured where)",
			point_name(x), a->o.file[x], point_name(y), a->o.file[y], what, rt_ns / 1e3);
}

int analysis_clock(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	for (int p = 0; p < POINT_N; p++)
		if (o->file[p])
			a->mask |= (uint8_t)(1u << p);
	if (__builtin_popcount(a->mask) < 2)
		return verr_set(err, VERR_INPUT, "analysis needs captures of at least two points");
	if (check_distinct_files(a, err) != 0)
		return -1;
	if (learn_guest(a, err) != 0)
		return -1;
	clock_model_none(&a->clock);
	int64_t t0;
	if (host_t0(a, &t0, err) != 0)
		return -1;
	a->clock.seg[0].t0_ns = t0;
	a->clock.seg[0].start_ns = t0;
	if (o->manual_clock) {
		clock_model_manual(&a->clock, t0, o->offset_us * 1e3, o->skew_ppm);
		return 0;
	}
	if (!(a->mask & (1u << POINT_GUEST)))
		return 0; /* host points only: one clock */
	if (estimate_clock(a, t0, err) != 0)
		return -1;
	double worst;
	bool negative = clock_negative(a, &worst);
	while (negative && a->guest_by_causality && next_labelling(a)) {
		/* another labelling's round trips may be positive */
		if (estimate_clock(a, t0, err) != 0)
			return -1;
		negative = clock_negative(a, &worst);
	}
	if (negative && a->guest_by_causality)
		return verr_set(err, VERR_INPUT,
				"%s: no labelling of its two ends as guest and peer gives a "
				"round trip that is not negative; give --guest-ip (and check "
				"which file was captured where)",
				a->o.file[POINT_GUEST]);
	if (negative)
		return swapped(a, a->clock_rep.host_point, POINT_GUEST, worst, "minimum round trip",
			       err);
	/* envelopes whose round trips are positive settle the labelling */
	a->guest_by_causality_decided =
	    a->guest_by_causality &&
	    (a->clock.method == CLOCK_HULL || a->clock.method == CLOCK_REGRESSION);
	return 0;
}

/* The matcher's journeys go to the latency accounting and the ACK pairs. */
static void journey(void *ctx, const struct journey_info *j)
{
	struct analysis *a = ctx;
	vo_journey(&a->vo, j);
	if (a->ack)
		ack_journey(a->ack, j);
}

/* The main pass: every capture through the matcher, the latency accounting,
 * the RTT and ACK trackers. */
static int run_main(struct analysis *a, struct verr *err)
{
	const struct analysis_opts *o = &a->o;
	vo_init(&a->vo, a->mask, o->no_vo ? NULL : o->csv);
	a->vo.impossible_ns = a->clock.method == CLOCK_HULL || a->clock.method == CLOCK_PROBE ||
				      a->clock.method == CLOCK_REGRESSION
				  ? (int64_t)a->clock.error_bound_ns + 1000
				  : 0;
	struct matcher *m = match_create(a->mask, o->window_ns, journey, a);
	if (m == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	/* TCP round trips and ACK streams per point, on the reader threads */
	struct feed_taps taps[POINT_N];
	memset(taps, 0, sizeof taps);
	if (!o->no_ack) {
		struct ack_cfg ac = o->ack;
		ac.window_ns = o->window_ns;
		ac.host_time = true; /* feed.c hands the trackers host time */
		if ((a->ack = ack_set_create(&ac, a->mask)) == NULL)
			a->tap_failed = true;
		for (int p = 0; p < POINT_N && a->ack; p++)
			if (o->file[p] && (taps[p].ack = ack_set_tracker(a->ack, (enum point)p)) == NULL)
				a->tap_failed = true;
	}
	if (!o->no_rtt) {
		struct rtt_run_opts ro;
		memset(&ro, 0, sizeof ro);
		for (int p = 0; p < POINT_N; p++) {
			ro.file[p] = o->file[p];
			ro.drops[p] = o->drops[p];
		}
		rtt_cfg_default(&ro.cfg);
		ro.guest_ips = a->guest_ips;
		ro.allow_truncated = o->allow_truncated;
		a->rtt = rtt_set_create(&ro);
		for (int p = 0; p < POINT_N && a->rtt; p++)
			if (o->file[p] && (taps[p].rtt = rtt_set_tracker(a->rtt, (enum point)p)) == NULL)
				a->tap_failed = true;
		if (a->rtt == NULL)
			a->tap_failed = true;
	}
	int rc = stream(a, a->mask, &a->clock, m, true, taps, err);
	for (int p = 0; p < POINT_N; p++)
		if (a->rtt && o->file[p])
			rtt_set_finish(a->rtt, (enum point)p, taps[p].rtt, a->pt[p].records);
	if (a->ack && ack_set_finish(a->ack) != 0)
		a->tap_failed = true;
	if (rc == 0 && a->tap_failed)
		rc = verr_set(err, VERR_NOMEM, "out of memory while tracking round trips or ACKs");
	if (rc == 0)
		a->mc = *match_counts(m);
	match_delete(m);
	if (rc == 0 && (a->vo.failed || vo_summarize(&a->vo, 2) != 0))
		rc = verr_set(err, VERR_NOMEM, "out of memory while recording delays");
	return rc;
}

/* The most negative round trip (to + from medians: on one clock, or across
 * the guest's, whose offset cancels in the sum) of any hop or end to end
 * whose medians are both negative, if one is below -ROUND_TRIP_TOL_NS: the
 * mark of captures given to the wrong points.  A bridge device stamped late
 * reads a few us negative one way, which this tolerates; a clock given that
 * misses a step makes one direction negative only, which the report says. */
enum { ROUND_TRIP_TOL_NS = 20000, ROUND_TRIP_MIN_N = 5 };

static bool negative_round_trip(const struct analysis *a, enum point *x, enum point *y,
				double *rt_ns)
{
	const struct vo *v = &a->vo;
	*rt_ns = -ROUND_TRIP_TOL_NS;
	bool found = false;
	for (int i = 0; i <= v->npts - 1; i++) {
		bool e2e = i == v->npts - 1;
		if (e2e && !v->has_vo)
			break;
		const struct dist *to = e2e ? &v->sum_e2e[DIR_TO_GUEST][PROTO_ALL].d
					    : &v->sum_hop[i][DIR_TO_GUEST][PROTO_ALL].d;
		const struct dist *from = e2e ? &v->sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d
					      : &v->sum_hop[i][DIR_FROM_GUEST][PROTO_ALL].d;
		if (to->n < ROUND_TRIP_MIN_N || from->n < ROUND_TRIP_MIN_N)
			continue;
		double rt = (to->p50 + from->p50) * 1e3;
		if (rt < *rt_ns && to->p50 < 0 && from->p50 < 0) {
			*rt_ns = rt;
			*x = e2e ? v->pt[0] : v->pt[i];
			*y = e2e ? POINT_GUEST : v->pt[i + 1];
			found = true;
		}
	}
	return found;
}

/* Two adjacent points that share no packet at all, though each direction
 * has packets that should have crossed from one to the other (unmatched:
 * seen upstream, its flow seen downstream too), are not two views of one
 * path: captures of different times or hosts, or a --guest-offset-us off by
 * more than the window.  (Traffic that starts or ends between the points,
 * like the host's own pings to the guest, is not counted against them.) */
enum { OVERLAP_MIN = 10 };

static int check_overlap(const struct analysis *a, struct verr *err)
{
	const struct vo *v = &a->vo;
	for (int i = 0; i + 1 < v->npts; i++) {
		uint64_t matched = 0, other = 0, lost[DIR_N];
		for (int d = 0; d < DIR_N; d++) {
			const struct hop_counts *c = &v->sum_hop[i][d][PROTO_ALL].c;
			matched += c->matched;
			lost[d] = c->unmatched;
			other += c->unmatched;
		}
		if (matched == 0 && lost[DIR_TO_GUEST] >= OVERLAP_MIN && lost[DIR_FROM_GUEST] >= OVERLAP_MIN)
			return verr_set(err, VERR_INPUT,
					"%s=%s and %s=%s have no packet in common (%llu seen at one "
					"only): captures of different times or paths, or a guest "
					"clock offset (--guest-offset-us) off by more than the "
					"matching window",
					point_name(v->pt[i]), a->o.file[v->pt[i]],
					point_name(v->pt[i + 1]), a->o.file[v->pt[i + 1]],
					(unsigned long long)other);
	}
	return 0;
}

/* Causality per address family: with a family's guest address and its peer's
 * the wrong way round, nearly every packet arrives before it left.  True
 * if some family (of 10 packets or more) has most delays negative; *known:
 * some family had that many. */
static bool labelling_wrong(const struct analysis *a, bool *known)
{
	*known = false;
	for (int f = 0; f < 2; f++) {
		if (a->vo.span_n[f] < 10)
			continue;
		*known = true;
		if (a->vo.span_neg[f] * 2 > a->vo.span_n[f])
			return true;
	}
	return false;
}

int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	if (analysis_clock(a, o, err) != 0)
		return -1;
	int rc = run_main(a, err);
	enum point x = POINT_NIC, y = POINT_GUEST;
	double rt;
	bool known;
	while (rc == 0 && a->guest_by_causality && !a->guest_by_causality_decided &&
	       labelling_wrong(a, &known) && next_labelling(a)) {
		/* another labelling: its delays may be the positive ones */
		analysis_free(a);
		if ((a->mask & (1u << POINT_GUEST)) && !o->manual_clock &&
		    estimate_clock(a, a->clock.seg[0].t0_ns, err) != 0)
			return -1;
		rc = run_main(a, err);
	}
	if (rc == 0 && a->guest_by_causality && !a->guest_by_causality_decided)
		a->guest_by_causality_decided = !labelling_wrong(a, &known) && known;
	if (rc == 0 && negative_round_trip(a, &x, &y, &rt))
		rc = swapped(a, x, y, rt, "median round trip (to + from)", err);
	if (rc == 0)
		rc = check_overlap(a, err);
	return rc;
}

void analysis_clock_span(const struct analysis *a, struct clock_span *cs)
{
	memset(cs, 0, sizeof *cs);
	const struct point_stats *g = &a->pt[POINT_GUEST];
	if (!a->o.file[POINT_GUEST] || a->clock.method == CLOCK_NONE || g->first_ns > g->last_ns)
		return;
	cs->known = true;
	cs->t[0] = g->first_ns;
	cs->t[2] = g->last_ns;
	cs->t[1] = g->first_ns + (g->last_ns - g->first_ns) / 2;
	for (int i = 0; i < 3; i++) {
		/* the segment in force then: the last to start before */
		const struct clock_segment *s = &a->clock.seg[0];
		for (int k = 1; k < a->clock.nseg; k++)
			if (a->clock.seg[k].start_ns <= cs->t[i])
				s = &a->clock.seg[k];
		cs->offset_ns[i] = clock_segment_offset(s, cs->t[i]);
	}
}

void analysis_free(struct analysis *a)
{
	rtt_set_delete(a->rtt);
	a->rtt = NULL;
	ack_set_delete(a->ack);
	a->ack = NULL;
	vo_free(&a->vo);
}
