/* analyze — see analyze.h. */
#include "analyze.h"

#include <stdlib.h>
#include <string.h>
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

/* Tries the captures nearest the guest first; the first that tells wins. */
static int learn_guest(struct analysis *a, struct verr *err)
{
	a->guest_ips = a->o.guest_ips;
	if (a->guest_ips.n > 0)
		return 0;
	static const enum point order[POINT_N] = {POINT_GUEST, POINT_VNET, POINT_BRIDGE, POINT_NIC};
	struct verr first = {0};
	for (int i = 0; i < POINT_N; i++) {
		enum point p = order[i];
		if (!a->o.file[p])
			continue;
		struct verr e = {0};
		int rc = guestaddr_learn(a->o.file[p], p, a->o.allow_truncated, &a->guest_ips, &e);
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
	}
	*err = first;
	return -1;
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
				verr_set(err, VERR_INPUT, "out of memory while matching");
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
		return verr_set(err, VERR_INPUT, "out of memory");
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
		if (hashtab_insert(&tab, &keys[nk].hn, mp.key_hash) != 0)
			break;
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
		verr_set(err, VERR_INPUT, "out of memory");
		goto out;
	}
	if (stream(a, pts, &shift, m, true, NULL, err) != 0)
		goto out;
	if (cp.failed || clock_est_solve(cp.est, a->o.clock_choice, &a->clock_rep) != 0) {
		verr_set(err, VERR_INPUT, "out of memory while estimating the guest clock");
		goto out;
	}
	a->clock_rep.host_point = host;
	a->clock = a->clock_rep.model;
	a->clock_estimated = true;
	if (a->o.clock_csv && clock_est_write_csv(cp.est, &a->clock_rep, a->o.clock_csv) != 0) {
		verr_set(err, VERR_INPUT, "writing the clock CSV failed");
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

int analysis_clock(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	for (int p = 0; p < POINT_N; p++)
		if (o->file[p])
			a->mask |= (uint8_t)(1u << p);
	if (__builtin_popcount(a->mask) < 2)
		return verr_set(err, VERR_INPUT, "analysis needs captures of at least two points");
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
	return estimate_clock(a, t0, err);
}

/* The matcher's journeys go to the latency accounting and the ACK pairs. */
static void journey(void *ctx, const struct journey_info *j)
{
	struct analysis *a = ctx;
	vo_journey(&a->vo, j);
	if (a->ack)
		ack_journey(a->ack, j);
}

int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	if (analysis_clock(a, o, err) != 0)
		return -1;
	vo_init(&a->vo, a->mask, o->no_vo ? NULL : o->csv);
	struct matcher *m = match_create(a->mask, o->window_ns, journey, a);
	if (m == NULL)
		return verr_set(err, VERR_INPUT, "out of memory");
	/* TCP round trips and ACK streams per point, on the reader threads */
	struct feed_taps taps[POINT_N];
	memset(taps, 0, sizeof taps);
	if (!o->no_ack) {
		struct ack_cfg ac = o->ack;
		ac.window_ns = o->window_ns;
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
		rc = verr_set(err, VERR_INPUT, "out of memory while tracking round trips or ACKs");
	if (rc == 0)
		a->mc = *match_counts(m);
	match_delete(m);
	if (rc == 0 && (a->vo.failed || vo_summarize(&a->vo, 2) != 0))
		rc = verr_set(err, VERR_INPUT, "out of memory while recording delays");
	return rc;
}

void analysis_free(struct analysis *a)
{
	rtt_set_delete(a->rtt);
	a->rtt = NULL;
	ack_set_delete(a->ack);
	a->ack = NULL;
	vo_free(&a->vo);
}
