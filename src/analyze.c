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
#include "csv_print.h"
#include "feed.h"
#include "hashtab.h"
#include "reader.h"
#include "rtt_set.h"
#include "scan.h"

static double mono_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The first stamp of a capture, or INT64_MAX if it has no records; guest
 * not NULL: of the first packet from or to those addresses. */
static int first_stamp(const char *path, bool allow_truncated, const struct addrset *guest,
		       int64_t *t, struct verr *err)
{
	struct scan sc;
	if (scan_open(&sc, path, allow_truncated, err) != 0)
		return -1;
	struct pkt pk;
	enum dis_result dr;
	int rc;
	while ((rc = scan_record(&sc, &pk, &dr, err)) == 1 && guest &&
	       (dr != DIS_OK || feed_direction(guest, &pk) == DIR_NONE))
		;
	*t = rc == 1 ? pk.ts_ns : INT64_MAX;
	scan_close(&sc);
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

/* The one-pass analysis aligns the guest's stamps for the matcher by a
 * coarse offset, and then by a fine correction `now` (ns, subtracted) that
 * follows the pairs as they come (skew, drift); the log says from which
 * guest record on each value held, so that what follows the matcher gets
 * the coarse frame back (continuous: no jump where the value changed). */
struct guest_align {
	int64_t now;
	uint64_t head_rec; /* the guest record the matcher's merge holds now (aligned by now) */
	size_t n, cap;
	uint64_t *rec; /* value val[i] from guest record rec[i] on */
	int64_t *val;
};

/* The fine correction applied to guest record rec. */
static int64_t guest_align_at(const struct guest_align *g, uint64_t rec)
{
	if (g == NULL || g->n == 0 || rec < g->rec[0])
		return 0;
	size_t lo = 0, hi = g->n; /* the last entry with rec[i] <= rec */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (g->rec[mid] <= rec)
			lo = mid;
		else
			hi = mid;
	}
	return g->val[lo];
}

/* A new value, from the record after the one held now; -1 on no memory. */
static int guest_align_set(struct guest_align *g, int64_t v)
{
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 64;
		uint64_t *r = realloc(g->rec, cap * sizeof *r);
		if (r == NULL)
			return -1;
		g->rec = r;
		int64_t *x = realloc(g->val, cap * sizeof *x);
		if (x == NULL)
			return -1;
		g->val = x;
		g->cap = cap;
	}
	g->rec[g->n] = g->head_rec + 1;
	g->val[g->n++] = v;
	g->now = v;
	return 0;
}

static void guest_align_free(struct guest_align *g)
{
	free(g->rec);
	free(g->val);
	memset(g, 0, sizeof *g);
}

/* The next item of feed f (point p) as its capture's head, *t its stamp as
 * the merge orders it (guest stamps by the fine alignment, if any); at the
 * end, *head NULL, *t INT64_MAX and the matcher told the point has ended.
 * 0, or -1 on a damaged capture (err set). */
static int next_head(struct feed *f, enum point p, struct matcher *m, struct guest_align *align,
		     const struct feed_item **head, int64_t *t, struct verr *err)
{
	int r = feed_peek(f, head, err);
	if (r < 0)
		return -1;
	if (r == 0) {
		*head = NULL;
		*t = INT64_MAX;
		match_point_end(m, p);
		return 0;
	}
	bool aligned = align && p == POINT_GUEST;
	*t = (*head)->t_host - (aligned ? align->now : 0);
	if (aligned)
		align->head_rec = (*head)->rec;
	return 0;
}

/* Streams the captures of `points` in host time order (guest stamps by
 * `clock`) into matcher m.  count: keep the per-point statistics (the main
 * pass).  Returns 0, or -1 with err set. */
static int stream(struct analysis *a, uint8_t points, const struct clock_model *clock,
		  struct matcher *m, bool count, const struct feed_taps *taps,
		  struct guest_align *align, struct verr *err)
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
	for (int i = 0; i < n; i++)
		if (next_head(fd[i], fp[i], m, align, &head[i], &head_t[i], err) != 0)
			goto out;
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
		/* an unusable record has no direction; the capture scan counts
		 * those by reason (feed_finish below) */
		if (it->dir == DIR_NONE) {
			if (count && it->dr == DIS_OK)
				ps->not_guest++;
		} else {
			if (count)
				ps->used++;
			if (match_push(m, fp[best], &it->prep, (enum direction)it->dir, head_t[best],
				       it->rec) != 0) {
				verr_set(err, VERR_NOMEM, "out of memory while matching");
				goto out;
			}
		}
		feed_pop(fd[best]);
		if (next_head(fd[best], fp[best], m, align, &head[best], &head_t[best], err) != 0)
			goto out;
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
		uint64_t records =
		    feed_finish(fd[i], &tap_failed, count ? a->pt[fp[i]].skipped : NULL);
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
	struct match_prep mp;
	int64_t t;
	uint8_t dir;
};

/* A first, coarse guest - host offset, good to a delay, so that the windowed
 * matcher can pair the captures however far apart their clocks are: the
 * first guest packets' identities are looked up in the host capture from
 * its start, without regard to time.  Per direction the low decile of the
 * stamps' differences, not their minimum: an identity seen twice (a
 * retransmission, a duplicate) pairs one copy with the other now and then,
 * off by a retransmission timeout. */
static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return x < y ? -1 : x > y;
}

static int64_t low_decile(int64_t *v, size_t n)
{
	qsort(v, n, sizeof *v, cmp_i64);
	return v[n / 10];
}

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
	int64_t d_to[WANT], d_from[WANT]; /* delay + offset, delay - offset */
	size_t n_to = 0, n_from = 0;
	struct scan sc;
	if (scan_open(&sc, a->o.file[POINT_GUEST], a->o.allow_truncated, err) != 0)
		goto out;
	struct pkt pk;
	while (nk < GUEST_KEYS && scan_next(&sc, &pk, err) == 1) {
		enum direction d = feed_direction(&a->guest_ips, &pk);
		if (d == DIR_NONE)
			continue;
		struct match_prep mp;
		match_prepare(&pk, &mp, NULL);
		keys[nk] = (struct seen_key){.mp = mp, .t = pk.ts_ns, .dir = (uint8_t)d};
		if (hashtab_insert(&tab, &keys[nk].hn, mp.key_hash) != 0) {
			verr_set(err, VERR_NOMEM, "out of memory");
			break;
		}
		nk++;
	}
	scan_close(&sc);
	if (err->status)
		goto out;
	if (scan_open(&sc, a->o.file[host], a->o.allow_truncated, err) != 0)
		goto out;
	enum dis_result dr;
	while (sc.records < HOST_MAX && (n_to < WANT || n_from < WANT) &&
	       scan_record(&sc, &pk, &dr, err) == 1) {
		if (dr != DIS_OK)
			continue;
		if (feed_direction(&a->guest_ips, &pk) == DIR_NONE)
			continue;
		struct match_prep mp;
		match_prepare(&pk, &mp, NULL);
		for (struct hnode *x = hashtab_chain(&tab, mp.key_hash); x; x = x->next) {
			struct seen_key *s = (struct seen_key *)x;
			if (x->hash != mp.key_hash || memcmp(&s->mp.key, &mp.key, sizeof mp.key) != 0 ||
			    !match_prep_alike(&s->mp, &mp))
				continue;
			if (s->dir == DIR_TO_GUEST && n_to < WANT)
				d_to[n_to++] = s->t - pk.ts_ns;
			else if (s->dir == DIR_FROM_GUEST && n_from < WANT)
				d_from[n_from++] = pk.ts_ns - s->t;
			break;
		}
	}
	scan_close(&sc);
	if (err->status)
		goto out;
	if (n_to && n_from)
		*coarse = (low_decile(d_to, n_to) - low_decile(d_from, n_from)) / 2;
	else if (n_to)
		*coarse = low_decile(d_to, n_to);
	else if (n_from)
		*coarse = -low_decile(d_from, n_from);
	else
		*coarse = 0;
	rc = 0;
out:
	hashtab_free(&tab);
	free(keys);
	return rc;
}

/* The one pass watches, per guest record, whether it was seen as the
 * guest's traffic and whether it was paired with the host point: a long run
 * seen unpaired is what a clock step beyond the window does (or a capture
 * drop).  The matcher emits a record's journey within its window, so a
 * sliding span of RUN_WORDS * 64 records is enough; records that fall out
 * of it are final and go into the run. */
enum { RUN_WORDS = 1 << 16 };

struct unpaired_runs {
	uint64_t *seen, *paired; /* RUN_WORDS each, a ring by word */
	uint64_t base;		 /* first record held (a multiple of 64) */
	uint64_t run, best;	 /* the run so far, the longest */
	uint64_t late;		 /* records emitted after they fell out of the span */
};

static int runs_init(struct unpaired_runs *u)
{
	memset(u, 0, sizeof *u);
	u->seen = calloc(RUN_WORDS, sizeof *u->seen);
	u->paired = calloc(RUN_WORDS, sizeof *u->paired);
	return u->seen && u->paired ? 0 : -1;
}

static void runs_free(struct unpaired_runs *u)
{
	free(u->seen);
	free(u->paired);
	memset(u, 0, sizeof *u);
}

/* The word at u->base out of the span, into the run. */
static void runs_retire(struct unpaired_runs *u)
{
	size_t w = (size_t)(u->base / 64) % RUN_WORDS;
	uint64_t s = u->seen[w], p = u->paired[w];
	for (; s != 0; s &= s - 1) { /* records that are neither do not break it */
		int b = __builtin_ctzll(s);
		u->run = p >> b & 1 ? 0 : u->run + 1;
		if (u->run > u->best)
			u->best = u->run;
	}
	u->seen[w] = u->paired[w] = 0;
	u->base += 64;
}

static void runs_mark(struct unpaired_runs *u, uint64_t rec, bool paired)
{
	if (u->seen == NULL)
		return;
	if (rec < u->base) {
		u->late++;
		return;
	}
	uint64_t span = (uint64_t)RUN_WORDS * 64;
	if (rec - u->base >= 2 * span) { /* all held words out, a jump over empty ones */
		for (int i = 0; i < RUN_WORDS; i++)
			runs_retire(u);
		u->base = rec - rec % 64 + 64 - span;
	}
	while (rec - u->base >= span)
		runs_retire(u);
	size_t w = (size_t)(rec / 64) % RUN_WORDS;
	u->seen[w] |= 1ULL << (rec % 64);
	if (paired)
		u->paired[w] |= 1ULL << (rec % 64);
}

/* The longest run, once every journey is in. */
static uint64_t runs_longest(struct unpaired_runs *u)
{
	for (int i = 0; i < RUN_WORDS && u->seen; i++)
		runs_retire(u);
	return u->best;
}

struct clock_pass {
	struct clock_est *est;
	enum point host;
	int64_t coarse;
	int failed;
	/* the one pass (track): unpaired runs, and the fine alignment of the
	 * guest's stamps for the matcher (vo.h), from the minima of the last
	 * batch of pairs each way */
	bool track;
	struct unpaired_runs runs;
	struct guest_align align;
	/* the delays across the guest corrected on the way, by interim
	 * solves of the pairs so far: each line and the guest stamps it
	 * corrected, to be held against the final (lost: an interim solve
	 * gave no single line, so the one pass will not do) */
	int64_t now;
	struct interim {
		struct clock_segment seg;
		int64_t lo, hi;
	} *iv;
	size_t niv, capiv;
	bool lost;
	int64_t bmin_to, bmin_from;
	unsigned bn_to, bn_from;
};

enum { ALIGN_BATCH = 1024, ALIGN_MIN_NS = 1000 };

/* A pair (in the coarse frame) into the alignment's batch. */
static void align_pair(struct clock_pass *cp, enum direction d, int64_t th, int64_t tg)
{
	tg -= cp->align.now; /* the matcher's frame */
	if (d == DIR_TO_GUEST) {
		if (cp->bn_to++ == 0 || tg - th < cp->bmin_to)
			cp->bmin_to = tg - th;
	} else {
		if (cp->bn_from++ == 0 || th - tg < cp->bmin_from)
			cp->bmin_from = th - tg;
	}
	if (cp->bn_to < ALIGN_BATCH || cp->bn_from < ALIGN_BATCH)
		return;
	/* guest - host in the matcher's frame, as the envelopes give it */
	int64_t theta = (cp->bmin_to - cp->bmin_from) / 2;
	cp->bn_to = cp->bn_from = 0;
	if ((theta > ALIGN_MIN_NS || theta < -ALIGN_MIN_NS) &&
	    guest_align_set(&cp->align, cp->align.now + theta) != 0)
		cp->failed = 1;
}

/* A journey, its guest stamp in the coarse frame (the one pass). */
static void clock_journey(void *ctx, const struct journey_info *j)
{
	struct clock_pass *cp = ctx;
	uint8_t both = (uint8_t)((1u << cp->host) | (1u << POINT_GUEST));
	if (cp->track && (j->mask & (1u << POINT_GUEST)))
		runs_mark(&cp->runs, j->tag[POINT_GUEST], (j->mask & both) == both);
	if ((j->mask & both) != both)
		return;
	int64_t th = j->t[cp->host], tg = j->t[POINT_GUEST];
	if (cp->track)
		align_pair(cp, (enum direction)j->dir, th, tg);
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

/* A pair's reading less the model's offset at its time, by the segment of
 * its guest record: what the envelopes are made of, whatever the skew. */
static double residual_of(const struct clock_model *m, const struct clock_pair_row *r)
{
	const struct clock_segment *s = &m->seg[0];
	for (int k = 1; k < m->nseg && r->guest_record >= m->seg[k].first_record; k++)
		s = &m->seg[k];
	return r->reading_ns - clock_segment_offset(s, r->t_host_ns);
}

/* The pairs to plot (analysis.h, plot_pairs): all of them when few, else
 * per interval and direction the lowest and the highest residual from the
 * model (a->clock). */
static int keep_plot_pairs(struct analysis *a, const struct clock_est *e)
{
	size_t n = clock_est_npairs(e);
	free(a->plot_pairs);
	a->plot_pairs = NULL;
	a->nplot_pairs = 0;
	if (n == 0)
		return 0;
	size_t cap = n < ANALYSIS_PLOT_PAIRS ? n : ANALYSIS_PLOT_PAIRS;
	if ((a->plot_pairs = malloc(cap * sizeof *a->plot_pairs)) == NULL)
		return -1;
	struct clock_pair_row r;
	if (n <= ANALYSIS_PLOT_PAIRS) {
		for (size_t i = 0; i < n; i++)
			clock_est_pair(e, i, &a->plot_pairs[i]);
		a->nplot_pairs = n;
		return 0;
	}
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	for (size_t i = 0; i < n; i++) {
		clock_est_pair(e, i, &r);
		lo = r.t_host_ns < lo ? r.t_host_ns : lo;
		hi = r.t_host_ns > hi ? r.t_host_ns : hi;
	}
	enum { NB = ANALYSIS_PLOT_PAIRS / 4 };
	/* per interval and direction: the rows of the lowest and highest reading */
	struct clock_pair_row *slot = a->plot_pairs; /* [NB][DIR_N][2] = cap rows */
	bool *used = calloc((size_t)NB * DIR_N * 2, sizeof *used);
	if (used == NULL)
		return -1;
	double width = (double)(hi - lo) / NB + 1;
	for (size_t i = 0; i < n; i++) {
		clock_est_pair(e, i, &r);
		size_t b = (size_t)((double)(r.t_host_ns - lo) / width);
		b = b < NB ? b : NB - 1;
		for (int k = 0; k < 2; k++) {
			size_t at = (b * DIR_N + (size_t)r.dir) * 2 + (size_t)k;
			double res = residual_of(&a->clock, &r);
			if (!used[at] || (k == 0 ? res < residual_of(&a->clock, &slot[at])
						 : res > residual_of(&a->clock, &slot[at]))) {
				slot[at] = r;
				used[at] = true;
			}
		}
	}
	size_t m = 0;
	for (size_t at = 0; at < (size_t)NB * DIR_N * 2; at++)
		if (used[at] && !(at % 2 == 1 && used[at - 1] &&
				  slot[at].t_host_ns == slot[at - 1].t_host_ns &&
				  slot[at].reading_ns == slot[at - 1].reading_ns))
			slot[m++] = slot[at];
	free(used);
	a->nplot_pairs = m;
	return 0;
}

/* The estimator's result as the analysis's clock. */
static int clock_solved(struct analysis *a, struct clock_pass *cp, struct verr *err)
{
	if (cp->failed || clock_est_solve(cp->est, a->o.clock_choice, &a->clock_rep) != 0)
		return verr_set(err, VERR_NOMEM, "out of memory while estimating the guest clock");
	a->clock_rep.host_point = cp->host;
	a->clock = a->clock_rep.model;
	a->clock_estimated = true;
	if (a->o.keep_clock_pairs && keep_plot_pairs(a, cp->est) != 0)
		return verr_set(err, VERR_NOMEM, "out of memory while keeping the clock's pairs");
	if (a->o.clock_csv && csv_print_clock_pairs(a->o.clock_csv, cp->est, &a->clock_rep.model) != 0)
		return verr_set(err, VERR_INPUT, "writing %s failed: %s",
				a->o.clock_csv_name ? a->o.clock_csv_name : "the clock CSV",
				strerror(errno ? errno : EIO));
	return 0;
}

/* A coarse offset to align the captures, and the estimator its pairs will
 * go to (cp), made ready; *shift: the guest stamps corrected by it alone. */
static int clock_begin(struct analysis *a, int64_t t0, struct clock_pass *cp,
		       struct clock_model *shift, struct verr *err)
{
	memset(cp, 0, sizeof *cp);
	cp->host = clock_host_point(a->mask);
	if (coarse_offset(a, cp->host, &cp->coarse, err) != 0)
		return -1;
	clock_model_manual(shift, t0, (double)cp->coarse, 0);
	if ((cp->est = clock_est_create(t0, cp->coarse)) == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	return 0;
}

/* The guest capture's first and last stamps, read in the coarse frame, in
 * host time by the clock solved. */
static void guest_span_to_host(struct analysis *a, int64_t coarse)
{
	struct point_stats *g = &a->pt[POINT_GUEST];
	if (g->first_ns <= g->last_ns && a->clock.method != CLOCK_NONE) {
		g->first_ns = clock_guest_to_host(&a->clock, g->first_ns + coarse, 0);
		g->last_ns = clock_guest_to_host(&a->clock, g->last_ns + coarse, UINT64_MAX);
	}
}

/* Estimates the guest clock on its own (vocalc drift, and the analysis's
 * second pass after a clock step): a coarse offset to align the captures, a
 * pass over the host point nearest the guest and the guest collecting
 * matched pairs, then clock_est's fits. */
static int estimate_clock(struct analysis *a, int64_t t0, struct verr *err)
{
	struct clock_pass cp;
	struct clock_model shift;
	if (clock_begin(a, t0, &cp, &shift, err) != 0) {
		clock_est_delete(cp.est);
		return -1;
	}
	uint8_t pts = (uint8_t)((1u << cp.host) | (1u << POINT_GUEST));
	/* a wide window: the coarse offset is only good to a delay, and skew
	 * adds up over the capture */
	struct matcher *m = match_create(pts, CLOCK_WINDOW_NS, clock_journey, &cp);
	int rc = -1;
	if (m == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	if (stream(a, pts, &shift, m, true, NULL, NULL, err) != 0 || clock_solved(a, &cp, err) != 0)
		goto out;
	guest_span_to_host(a, cp.coarse);
	rc = 0;
out:
	match_delete(m);
	clock_est_delete(cp.est);
	return rc;
}

/* The first host stamp: t0 of every clock model (guest_only: of the
 * guest's packets, the host captures being shared by guests). */
static int host_t0(struct analysis *a, int64_t *t0, struct verr *err)
{
	*t0 = INT64_MAX;
	for (int p = 0; p < POINT_N; p++) {
		if (!a->o.file[p] || p == POINT_GUEST)
			continue;
		int64_t t;
		if (first_stamp(a->o.file[p], a->o.allow_truncated,
				a->o.guest_only ? &a->guest_ips : NULL, &t, err) != 0)
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
			"cannot be negative (check which file was captured where; if it is "
			"right, the guest clock jumped in a way vocalc cannot model: "
			"vocalc drift -v --csv FILE shows its readings)",
			point_name(x), a->o.file[x], point_name(y), a->o.file[y], what, rt_ns / 1e3);
}

/* What every analysis does first: the inputs checked, the guest's
 * addresses, t0; the clock manual, or none (host points only).  *estimate:
 * the guest clock is to be estimated. */
static int analysis_setup(struct analysis *a, const struct analysis_opts *o, bool *estimate,
			  struct verr *err)
{
	memset(a, 0, sizeof *a);
	a->o = *o;
	*estimate = false;
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
	a->t0_ns = t0;
	a->clock.seg[0].t0_ns = t0;
	a->clock.seg[0].start_ns = t0;
	if (o->manual_clock)
		clock_model_manual(&a->clock, t0, o->offset_us * 1e3, o->skew_ppm);
	else
		*estimate = (a->mask & (1u << POINT_GUEST)) != 0;
	return 0;
}

/* After an estimate: refuses a negative one (the captures the other way
 * round), and says whether the labelling is settled. */
static int clock_check(struct analysis *a, struct verr *err)
{
	double worst;
	if (clock_negative(a, &worst)) {
		if (a->guest_by_causality)
			return verr_set(err, VERR_INPUT,
					"%s: no labelling of its two ends as guest and peer gives a "
					"round trip that is not negative; give --guest-ip (and check "
					"which file was captured where)",
					a->o.file[POINT_GUEST]);
		return swapped(a, a->clock_rep.host_point, POINT_GUEST, worst,
			       "minimum round trip", err);
	}
	/* envelopes whose round trips are positive settle the labelling */
	a->guest_by_causality_decided =
	    a->guest_by_causality &&
	    (a->clock.method == CLOCK_HULL || a->clock.method == CLOCK_REGRESSION);
	return 0;
}

int analysis_clock(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	bool estimate;
	if (analysis_setup(a, o, &estimate, err) != 0)
		return -1;
	if (!estimate)
		return 0;
	int64_t t0 = a->clock.seg[0].t0_ns;
	if (estimate_clock(a, t0, err) != 0)
		return -1;
	double worst;
	while (clock_negative(a, &worst) && a->guest_by_causality && next_labelling(a))
		/* another labelling's round trips may be positive */
		if (estimate_clock(a, t0, err) != 0)
			return -1;
	return clock_check(a, err);
}

/* The matcher's journeys go to the latency accounting, the ACK pairs and,
 * in the one-pass analysis, the clock's pairs. */
/* Delays across the guest corrected by an interim clock must be within
 * this (or half the final clock's error bound, if less) of what the final
 * one makes of them, else the one pass will not do. */
enum { INTERIM_TOL_NS = 500 };

/* Delays across the guest below minus this are impossible by the clock
 * (its bound, with a us to spare; 0 for a clock given or none). */
static int64_t impossible_ns(const struct clock_model *c)
{
	bool est = c->method == CLOCK_HULL || c->method == CLOCK_PROBE ||
		   c->method == CLOCK_REGRESSION;
	return est ? (int64_t)c->error_bound_ns + 1000 : 0;
}

/* The delays across the guest held (vo_defer_full) corrected by the clock
 * solved on the pairs so far. */
static void interim_apply(struct analysis *a, struct clock_pass *cp)
{
	static struct clock_report r; /* big; one analysis at a time */
	if (clock_est_solve_interim(cp->est, a->o.clock_choice, cp->now, &r) != 0) {
		cp->failed = 1;
		return;
	}
	if (r.model.nseg != 1 || r.model.method == CLOCK_NONE) {
		cp->lost = true; /* a step, or too few pairs yet: two passes */
		vo_defer_drop(&a->vo);
		return;
	}
	if (cp->niv == cp->capiv) {
		size_t cap = cp->capiv ? cp->capiv * 2 : 16;
		struct interim *x = realloc(cp->iv, cap * sizeof *x);
		if (x == NULL) {
			cp->failed = 1;
			return;
		}
		cp->iv = x;
		cp->capiv = cap;
	}
	cp->iv[cp->niv++] = (struct interim){r.model.seg[0], a->vo.defer_lo, a->vo.defer_hi};
	if (vo_apply_clock(&a->vo, &r.model, cp->coarse, impossible_ns(&r.model)) != 0)
		a->vo.failed = 1;
}

/* The most any interim line is off the final one over the stamps it
 * corrected (lines: the ends of the span). */
static double interim_diff(const struct clock_pass *cp, const struct clock_model *m)
{
	double worst = 0;
	for (size_t i = 0; i < cp->niv; i++) {
		const struct interim *x = &cp->iv[i];
		double d1 = fabs(clock_segment_offset(&x->seg, x->lo) -
				 clock_segment_offset(&m->seg[0], x->lo));
		double d2 = fabs(clock_segment_offset(&x->seg, x->hi) -
				 clock_segment_offset(&m->seg[0], x->hi));
		worst = fmax(worst, fmax(d1, d2));
	}
	return worst;
}

static void journey(void *ctx, const struct journey_info *j)
{
	struct analysis *a = ctx;
	struct journey_info c;
	if (a->pass_clock && a->pass_clock->track && (j->mask & (1u << POINT_GUEST))) {
		/* the one pass: the matcher's guest stamps moved by the fine
		 * alignment as it went; everything after it gets the coarse frame,
		 * continuous, corrected once the clock is solved */
		c = *j;
		c.t[POINT_GUEST] += guest_align_at(&a->pass_clock->align, j->tag[POINT_GUEST]);
		j = &c;
	}
	vo_journey(&a->vo, j);
	if (a->grt)
		guestrt_journey(a->grt, j);
	if (a->o.csv && !a->o.no_vo && __builtin_popcount(j->mask) >= 2)
		csv_print_journey(a->o.csv, &a->vo, j);
	if (a->ack)
		ack_journey(a->ack, j);
	if (a->pass_clock) {
		struct clock_pass *cp = a->pass_clock;
		clock_journey(cp, j);
		if (j->mask & (1u << cp->host) && j->t[cp->host] > cp->now)
			cp->now = j->t[cp->host];
		if (vo_defer_full(&a->vo))
			interim_apply(a, cp);
	}
}

/* The main pass: every capture through the matcher, the latency accounting,
 * the RTT and ACK trackers; guest stamps by the model `clock` (the final
 * one, or in the one pass a coarse shift, with the delays across the guest
 * deferred and the clock's pairs collected: a->pass_clock). */
static int run_main(struct analysis *a, const struct clock_model *clock, struct verr *err)
{
	const struct analysis_opts *o = &a->o;
	vo_init(&a->vo, a->mask);
	vo_series_start(&a->vo, a->t0_ns);
	if (o->csv && !o->no_vo)
		csv_print_journey_header(o->csv, &a->vo);
	if (a->pass_clock)
		vo_defer(&a->vo);
	a->vo.impossible_ns = impossible_ns(clock);
	/* the guest side as a round trip, where there is no guest capture */
	memset(&a->gside, 0, sizeof a->gside);
	a->gside.on = (a->mask & (1u << POINT_VNET)) && !(a->mask & (1u << POINT_GUEST));
	if (a->gside.on && (a->grt = guestrt_create()) == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	struct matcher *m = match_create(a->mask, o->window_ns, journey, a);
	if (m == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	/* TCP round trips and ACK streams per point, on the reader threads */
	struct feed_taps taps[POINT_N];
	memset(taps, 0, sizeof taps);
	for (int p = 0; p < POINT_N; p++)
		taps[p].guest_only = o->guest_only;
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
		rtt_run_opts_default(&ro);
		for (int p = 0; p < POINT_N; p++) {
			ro.file[p] = o->file[p];
			ro.drops[p] = o->drops[p];
		}
		ro.allow_truncated = o->allow_truncated;
		a->rtt = rtt_set_create(&ro);
		for (int p = 0; p < POINT_N && a->rtt; p++)
			if (o->file[p] && (taps[p].rtt = rtt_set_tracker(a->rtt, (enum point)p)) == NULL)
				a->tap_failed = true;
		if (a->rtt == NULL)
			a->tap_failed = true;
	}
	int rc = stream(a, a->mask, clock, m, true, taps,
			a->pass_clock ? &a->pass_clock->align : NULL, err);
	for (int p = 0; p < POINT_N; p++)
		if (a->rtt && o->file[p])
			rtt_set_finish(a->rtt, (enum point)p, taps[p].rtt,
				       o->guest_only ? a->pt[p].used : a->pt[p].records);
	if (a->ack && ack_set_finish(a->ack) != 0)
		a->tap_failed = true;
	/* every journey is out (stream ended the matcher): the pings too */
	if (a->grt && (guestrt_finish(a->grt, &a->gside.icmp_counts, &a->gside.icmp) != 0 ||
		       guestrt_failed(a->grt)))
		a->tap_failed = true;
	if (rc == 0 && a->tap_failed)
		rc = verr_set(err, VERR_NOMEM, "out of memory while tracking round trips or ACKs");
	if (rc == 0)
		a->mc = *match_counts(m);
	match_delete(m);
	if (rc == 0 && a->vo.failed)
		rc = verr_set(err, VERR_NOMEM, "out of memory while recording delays");
	return rc;
}

static int summarize(struct analysis *a, struct verr *err)
{
	if (vo_summarize(&a->vo, 2) != 0)
		return verr_set(err, VERR_NOMEM, "out of memory while recording delays");
	return 0;
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

/* So many guest records in a row seen and not paired with the host point
 * mean that the one pass lost the guest (a clock step beyond the matching
 * window, a capture drop): the captures are read again, the clock first. */
enum { UNPAIRED_RUN = 32 };

/* The one pass with the guest clock estimated on the way (analysis_run).
 * Where it cannot give the figures two passes give (*redo set): a clock
 * that stepped (the matcher aligned the guest by a coarse offset only, and
 * the trackers at the guest saw the step) or an estimate that does not hold
 * (a big step the window did not span looks like that, and so do captures
 * the other way round): the caller estimates the clock on its own and
 * passes over the captures again. */
static int one_pass(struct analysis *a, bool *redo, struct verr *err)
{
	int64_t t0 = a->clock.seg[0].t0_ns;
	struct clock_pass cp = {0};
	struct clock_model shift;
	int rc = -1;
	*redo = false;
	if (clock_begin(a, t0, &cp, &shift, err) != 0)
		goto out;
	cp.track = true;
	if (runs_init(&cp.runs) != 0) {
		rc = verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	a->pass_clock = &cp;
	rc = run_main(a, &shift, err);
	a->pass_clock = NULL;
	if (rc != 0 || (rc = clock_solved(a, &cp, err)) != 0)
		goto out;
	double worst;
	if (cp.lost || a->clock.nseg > 1 || clock_negative(a, &worst) ||
	    runs_longest(&cp.runs) >= UNPAIRED_RUN ||
	    (a->interim_diff_ns = interim_diff(&cp, &a->clock)) >
		fmin(INTERIM_TOL_NS, a->clock.error_bound_ns / 2)) {
		*redo = true;
		goto out;
	}
	a->passes = 1;
	a->interim_solves = cp.niv;
	a->vo.impossible_ns = impossible_ns(&a->clock);
	if (vo_apply_clock(&a->vo, &a->clock, cp.coarse, a->vo.impossible_ns) != 0) {
		rc = verr_set(err, VERR_NOMEM, "out of memory while recording delays");
		goto out;
	}
	vo_defer_end(&a->vo);
	/* the trackers at the guest timed its packets by its own clock: their
	 * durations run at its rate */
	double rate = 1 / (1 + a->clock.seg[0].skew);
	if (a->rtt)
		rtt_set_rate(a->rtt, POINT_GUEST, rate);
	if (a->ack)
		ack_set_rate(a->ack, POINT_GUEST, rate);
	guest_span_to_host(a, cp.coarse);
	rc = clock_check(a, err);
out:
	clock_est_delete(cp.est);
	runs_free(&cp.runs);
	free(cp.iv);
	guest_align_free(&cp.align);
	return rc;
}

int analysis_run(struct analysis *a, const struct analysis_opts *o, struct verr *err)
{
	bool estimate;
	if (analysis_setup(a, o, &estimate, err) != 0)
		return -1;
	int rc = 0;
	/* per-packet and per-ACK CSV rows carry final stamps */
	bool redo = estimate && (o->csv != NULL || o->ack.on_ack != NULL);
	if (estimate && !redo)
		rc = one_pass(a, &redo, err);
	if (rc == 0 && redo) {
		analysis_free(a);
		/* the clock on its own first, then the pass with it */
		if (analysis_clock(a, o, err) != 0)
			return -1;
		rc = run_main(a, &a->clock, err);
		a->passes = 2;
	} else if (rc == 0 && !estimate) {
		rc = run_main(a, &a->clock, err);
		a->passes = 1;
	}
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
		rc = run_main(a, &a->clock, err);
	}
	if (rc == 0 && a->guest_by_causality && !a->guest_by_causality_decided)
		a->guest_by_causality_decided = !labelling_wrong(a, &known) && known;
	if (rc == 0)
		rc = summarize(a, err);
	if (rc == 0 && a->gside.on && a->rtt) {
		a->gside.tcp_known = true;
		if (rtt_set_toward(a->rtt, POINT_VNET, &a->guest_ips, &a->gside.tcp,
				   &a->gside.tcp_delayed) < 0)
			rc = verr_set(err, VERR_NOMEM, "out of memory");
	}
	if (rc == 0 && negative_round_trip(a, &x, &y, &rt))
		rc = swapped(a, x, y, rt, "median round trip (to + from)", err);
	if (rc == 0)
		rc = check_overlap(a, err);
	return rc;
}

