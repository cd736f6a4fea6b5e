/* ack — see ack.h. */
#include "ack.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>

#include "hashtab.h"
#include "stats.h"

void ack_cfg_default(struct ack_cfg *c)
{
	memset(c, 0, sizeof *c);
	c->bin_us = 10;
	c->max_us = 2000;
	c->packet_bytes = 1500;
	c->tolerance = 0.1;
	c->burst_ms = 60;
	c->window_ns = 1000LL * 1000000;
}

int ack_parse_rate(const char *s, double *bps)
{
	char *end;
	double v = strtod(s, &end);
	double mul = 1;
	switch (tolower((unsigned char)*end)) {
	case 'k': mul = 1e3; end++; break;
	case 'm': mul = 1e6; end++; break;
	case 'g': mul = 1e9; end++; break;
	default: break;
	}
	if (end == s || *end != '\0' || !(v > 0) || !isfinite(v))
		return -1;
	*bps = v * mul;
	return 0;
}

/* ---- burstiness ---- */

/* burst_rtt: the interval ladder, in 100 us bins: 1..16, then 8 an octave
 * (18, 20, ..., 32, 36, 40, ..., 64, ...) up to 2^24 bins (1678 s). */
enum { FINE_NS = 100000, LADDER_N = 16 + 8 * 20 };

static int64_t ladder_k(size_t j)
{
	if (j < 16)
		return (int64_t)j + 1;
	size_t o = (j - 16) / 8, m = (j - 16) % 8;
	return (int64_t)(16 + 2 * (m + 1)) << o;
}

/* The candidate whose interval is nearest k bins (by ratio). */
static size_t ladder_nearest(double k)
{
	size_t j = 0;
	while (j + 1 < LADDER_N && (double)ladder_k(j) < k)
		j++;
	if (j > 0 && (double)ladder_k(j) / k > k / (double)ladder_k(j - 1))
		j--;
	return j;
}

/* One candidate interval: its next boundary (bin), the octets closed
 * before its last boundary, and the sums over its complete intervals. */
struct lcand {
	int64_t next;
	uint64_t b_last, n;
	double sum, sumsq;
};

/* Octets acknowledged per 100 us bin, folded into every candidate's sums
 * as its boundaries pass: nothing is kept per bin.  A candidate exists once
 * the series reached its first boundary (a short flow holds few). */
struct ladder {
	struct lcand *c;
	uint32_t nc, capc;
	int64_t t0, bin;		/* the series' start (ns) and the current bin */
	uint64_t b_closed, b_bin, b_epoch; /* octets before the bin, in it, before t0 */
};

static int ladder_add(struct ladder *l, int64_t t, uint32_t bytes)
{
	int64_t b = (t - l->t0) / FINE_NS; /* t >= t0: a restart follows any step back */
	if (b > l->bin) {
		l->b_closed += l->b_bin;
		l->b_bin = 0;
		l->bin = b;
		while (l->nc < LADDER_N && ladder_k(l->nc) <= b) {
			if (l->nc == l->capc) {
				uint32_t cap = l->capc ? l->capc * 2 : 16;
				struct lcand *v = realloc(l->c, cap * sizeof *v);
				if (v == NULL)
					return -1;
				l->c = v;
				l->capc = cap;
			}
			l->c[l->nc] = (struct lcand){.next = ladder_k(l->nc), .b_last = l->b_epoch};
			l->nc++;
		}
		for (uint32_t j = 0; j < l->nc; j++) {
			struct lcand *c = &l->c[j];
			if (c->next > b)
				continue;
			/* the first interval closed holds the octets since its
			 * last boundary; any further ones (a pause) hold none */
			int64_t k = ladder_k(j), m = (b - c->next) / k + 1;
			double x = (double)(l->b_closed - c->b_last);
			c->sum += x;
			c->sumsq += x * x;
			c->n += (uint64_t)m;
			c->next += m * k;
			c->b_last = l->b_closed;
		}
	}
	l->b_bin += bytes;
	return 0;
}

/* A new series from t on: the partial intervals are dropped. */
static void ladder_restart(struct ladder *l, int64_t t)
{
	l->b_closed += l->b_bin;
	l->b_bin = 0;
	l->b_epoch = l->b_closed;
	l->t0 = t;
	l->bin = 0;
	for (uint32_t j = 0; j < l->nc; j++) {
		l->c[j].next = ladder_k(j);
		l->c[j].b_last = l->b_epoch;
	}
}

/* One ACK direction at one point. */
struct aflow {
	struct hnode hn;
	struct match_flow_key key;
	uint32_t last_ack;
	uint32_t epoch; /* the tracker's epoch this flow's series belongs to */
	int64_t last_t;
	uint64_t acks, bytes, restarts;
	struct bvec ia; /* inter-arrivals, us (stats.h: exact, then a sketch of ns) */
	/* burstiness, fixed interval from t0: complete intervals so far */
	int64_t t0, cur;
	uint64_t cur_bytes, nint;
	double sum, sumsq;
	struct ladder lad; /* burst_rtt */
};

struct ack_tracker {
	const struct ack_cfg *cfg;
	enum point p;
	struct hashtab flows;
	struct aflow *last[2]; /* the last two packets' flows */
	int64_t last_now;   /* the latest stamp (INT64_MIN before the first) */
	uint32_t epoch;	    /* + 1 each time the capture's time went backwards */
	uint64_t steps_back, restarts; /* all steps back; those beyond ACK_STEP_NS */
	int64_t largest_back_ns;
	int failed;
};

/* Octets acknowledged at t (t >= the series' start), into the series. */
static int acked(const struct ack_cfg *c, struct aflow *f, int64_t t, uint32_t bytes)
{
	f->bytes += bytes;
	if (c->burst_rtt && ladder_add(&f->lad, t, bytes) != 0)
		return -1;
	int64_t len = (int64_t)(c->burst_ms * 1e6);
	int64_t idx = (t - f->t0) / len;
	if (idx > f->cur) {
		double b = (double)f->cur_bytes;
		f->sum += b;
		f->sumsq += b * b;
		f->nint += (uint64_t)(idx - f->cur); /* the empty ones between add 0 */
		f->cur = idx;
		f->cur_bytes = 0;
	}
	f->cur_bytes += bytes;
	return 0;
}

/* The series start again at t (after the capture's time went backwards). */
static void series_restart(struct aflow *f, int64_t t)
{
	f->t0 = t;
	f->cur = 0;
	f->cur_bytes = 0;
	ladder_restart(&f->lad, t);
	f->restarts++;
}

/* ---- pairs across points ---- */

enum { NPAIRS = POINT_N * (POINT_N - 1) / 2 };

/* A sketch of ratios counts in 2^-30 units (1e-9 of a ratio, to 8.6e9): a
 * power of two, so ACK_RATIO_COMPRESSED (0.5) is a bucket edge and the
 * compressed fraction of pairs is exact from the sketch too. */
#define ACK_RATIO_SCALE 0x1p30

/* The pair of the i-th and j-th points along the ACKs' way (i < j). */
static int pair_index(int i, int j) { return i * (2 * POINT_N - i - 1) / 2 + (j - i - 1); }

/* The point at position i along the ACKs' way, and back. */
static int along(int i, bool toward) { return toward ? i : POINT_N - 1 - i; }

/* One ACK direction between two points. */
struct pstream {
	int64_t lu, ld;
	uint32_t last_ack;
	bool have;
	uint64_t out_of_order;
	struct bvec ratio; /* spacing ratios (stats.h: exact, then a sketch of 2^-30 units) */
};

/* An ACK flow's pair streams, one per two points along its way. */
struct pgroup {
	struct hnode hn;
	struct match_flow_key flow;
	bool toward; /* toward the guest: nic first */
	struct pstream s[NPAIRS];
};

/* An ACK seen at two points or more, waiting to be ordered by its stamp at
 * the first of them along its way. */
struct pent {
	struct pgroup *g;
	int64_t key;
	int64_t t[POINT_N];
	uint32_t ack;
	uint8_t mask;
	bool pure;
};

enum { SEEN_SLOTS = 1024 };

struct ack_set {
	struct ack_cfg cfg;
	/* per flow (by hash slot) the last ACK number handed on: segments that
	 * neither advance it nor are pure ACKs need not wait in the heap */
	struct {
		uint64_t hash;
		uint32_t ack;
	} seen[SEEN_SLOTS];
	uint8_t points;
	struct ack_tracker tr[POINT_N];
	struct hashtab pairs; /* struct pgroup */
	struct pent *heap;    /* min-heap by key */
	size_t nheap, capheap;
	int64_t max_key;
	double rate[POINT_N]; /* ack_set_rate */
	int failed;
};

struct ack_set *ack_set_create(const struct ack_cfg *cfg, uint8_t points)
{
	struct ack_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->points = points;
	s->max_key = INT64_MIN;
	for (int p = 0; p < POINT_N; p++)
		s->rate[p] = 1;
	if (hashtab_init(&s->pairs, 1 << 6) != 0) {
		free(s);
		return NULL;
	}
	for (int p = 0; p < POINT_N; p++) {
		s->tr[p].cfg = &s->cfg;
		s->tr[p].p = (enum point)p;
		s->tr[p].last_now = INT64_MIN;
		if ((points & (1u << p)) && hashtab_init(&s->tr[p].flows, 1 << 6) != 0) {
			ack_set_delete(s);
			return NULL;
		}
	}
	return s;
}

static void free_aflows(struct hashtab *t)
{
	for (size_t i = 0; t->b && i <= t->mask; i++)
		for (struct hnode *x = t->b[i]; x; x = x->next) {
			struct aflow *f = (struct aflow *)x;
			bvec_free(&f->ia);
			free(f->lad.c);
		}
	hashtab_free_nodes(t);
}

void ack_set_delete(struct ack_set *s)
{
	if (s == NULL)
		return;
	for (int p = 0; p < POINT_N; p++)
		free_aflows(&s->tr[p].flows);
	for (size_t i = 0; s->pairs.b && i <= s->pairs.mask; i++)
		for (struct hnode *x = s->pairs.b[i]; x; x = x->next)
			for (int k = 0; k < NPAIRS; k++)
				bvec_free(&((struct pgroup *)x)->s[k].ratio);
	hashtab_free_nodes(&s->pairs);
	free(s->heap);
	free(s);
}

struct ack_tracker *ack_set_tracker(struct ack_set *s, enum point p)
{
	return (s->points & (1u << p)) ? &s->tr[p] : NULL;
}

/* One ACK to the sink (cfg->on_ack set): a point's inter-arrival (from
 * < 0) or a pair's spacing ratio. */
static void emit(const struct ack_cfg *c, const struct match_flow_key *k, enum point p, int64_t t,
		 double ia_us, int from, double ratio, bool host_clock)
{
	struct ack_event e = {.flow = k,
			      .point = p,
			      .t_ns = t,
			      .interarrival_us = ia_us,
			      .ratio_from = from,
			      .ratio = ratio,
			      .host_clock = host_clock};
	c->on_ack(c->on_ack_ctx, &e);
}

int ack_push(struct ack_tracker *t, const struct pkt *pk, int64_t now)
{
	if (pk->pclass != PROTO_TCP)
		return 0;
	if (now < t->last_now) { /* the capture's time went backwards */
		t->steps_back++;
		if (t->last_now - now > t->largest_back_ns)
			t->largest_back_ns = t->last_now - now;
		if (t->last_now - now > ACK_STEP_NS) {
			t->epoch++; /* a clock step: every flow's series restarts */
			t->restarts++;
		}
	}
	t->last_now = now;
	if (!pk->has_l4 || !(pk->tcp_flags & TCP_ACK) || (pk->tcp_flags & (TCP_SYN | TCP_RST)))
		return 0;
	struct match_flow_key k;
	match_flow_key_of(pk, false, &k);
	/* the last two flows: data one way and ACKs the other alternate */
	struct aflow *f = NULL;
	for (int i = 0; i < 2 && f == NULL; i++)
		if (t->last[i] && memcmp(&t->last[i]->key, &k, sizeof k) == 0)
			f = t->last[i];
	if (f == NULL) {
		uint64_t h0 = hash_bytes(&k, sizeof k);
		f = (struct aflow *)hashtab_find(&t->flows, h0, &k, offsetof(struct aflow, key),
						 sizeof k);
	}
	if (f == NULL) {
		uint64_t h = hash_bytes(&k, sizeof k);
		if ((f = calloc(1, sizeof *f)) == NULL || hashtab_insert(&t->flows, &f->hn, h) != 0) {
			free(f);
			t->failed = 1;
			return -1;
		}
		f->key = k;
		bvec_init(&f->ia, true, 1e3, SKETCH_BITS_FLOW);
		f->last_ack = pk->ack;
		f->epoch = t->epoch;
		f->last_t = f->t0 = f->lad.t0 = now;
		f->acks = 1;
		t->last[1] = t->last[0];
		t->last[0] = f;
		return 0;
	}
	if (t->last[0] != f) {
		t->last[1] = t->last[0];
		t->last[0] = f;
	}
	int32_t adv = (int32_t)(pk->ack - f->last_ack);
	bool pure = pk->payload == 0 && !(pk->tcp_flags & TCP_FIN);
	if (!(adv > 0 || (t->cfg->all_acks && pure)))
		return 0;
	uint32_t got = adv > 0 ? (uint32_t)adv : 0;
	if (f->epoch != t->epoch || now < f->last_t) {
		/* the clock stepped back since this flow's last ACK, or its own
		 * ACKs are stamped out of order: no inter-arrival across it,
		 * the series start again here */
		f->epoch = t->epoch;
		series_restart(f, now);
	} else {
		double ia = (double)(now - f->last_t) / 1e3;
		if (bvec_push(&f->ia, ia) != 0) {
			t->failed = 1;
			return -1;
		}
		/* host time when the trackers are fed it (several points, a
		 * clock model); a guest capture read alone has only its own */
		if (t->cfg->on_ack)
			emit(t->cfg, &k, t->p, now, ia, -1, 0,
			     t->p != POINT_GUEST || t->cfg->host_time);
	}
	if (acked(t->cfg, f, now, got) != 0) {
		t->failed = 1;
		return -1;
	}
	f->acks++;
	f->last_t = now;
	if (adv > 0)
		f->last_ack = pk->ack;
	return 0;
}

static bool pent_less(const struct pent *a, const struct pent *b) { return a->key < b->key; }

static int heap_push(struct ack_set *s, const struct pent *e)
{
	if (s->nheap == s->capheap) {
		size_t cap = s->capheap ? s->capheap * 2 : 1024;
		struct pent *v = realloc(s->heap, cap * sizeof *v);
		if (v == NULL)
			return -1;
		s->heap = v;
		s->capheap = cap;
	}
	size_t i = s->nheap++;
	while (i > 0 && pent_less(e, &s->heap[(i - 1) / 2])) {
		s->heap[i] = s->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	s->heap[i] = *e;
	return 0;
}

static void heap_pop(struct ack_set *s, struct pent *out)
{
	*out = s->heap[0];
	struct pent last = s->heap[--s->nheap];
	size_t i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= s->nheap)
			break;
		if (c + 1 < s->nheap && pent_less(&s->heap[c + 1], &s->heap[c]))
			c++;
		if (!pent_less(&s->heap[c], &last))
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->nheap)
		s->heap[i] = last;
}

/* One ACK of a pair stream, in order along the way (up, down: points). */
static void pair_step(struct ack_set *s, struct pgroup *g, struct pstream *ps, const struct pent *e,
		      int up, int down)
{
	int64_t tu = e->t[up], td = e->t[down];
	if (!ps->have) {
		ps->have = true;
		ps->last_ack = e->ack;
		ps->lu = tu;
		ps->ld = td;
		return;
	}
	int32_t adv = (int32_t)(e->ack - ps->last_ack);
	if (!(adv > 0 || (s->cfg.all_acks && e->pure)))
		return;
	int64_t du = tu - ps->lu, dd = td - ps->ld;
	if (du <= 0 || dd < 0) {
		/* reordered between the points, or a clock step the model did
		 * not see: no ratio, the stream goes on from this ACK */
		ps->out_of_order++;
	} else {
		double r = (double)dd / (double)du;
		if (bvec_push(&ps->ratio, r) != 0)
			s->failed = 1;
		if (s->cfg.on_ack) /* pairs: stamps corrected to host time */
			emit(&s->cfg, &g->flow, (enum point)down, td, (double)dd / 1e3, up, r, true);
	}
	if (adv > 0)
		ps->last_ack = e->ack;
	ps->lu = tu;
	ps->ld = td;
}

static void pair_ack(struct ack_set *s, const struct pent *e)
{
	struct pgroup *g = e->g;
	int pos[POINT_N], n = 0; /* positions along the way of the points that saw it */
	for (int i = 0; i < POINT_N; i++)
		if (e->mask & (1u << along(i, g->toward)))
			pos[n++] = i;
	for (int a = 0; a < n; a++)
		for (int b = a + 1; b < n; b++)
			pair_step(s, g, &g->s[pair_index(pos[a], pos[b])], e,
				  along(pos[a], g->toward), along(pos[b], g->toward));
}

static void flush(struct ack_set *s, int64_t before)
{
	struct pent e;
	while (s->nheap && s->heap[0].key < before) {
		heap_pop(s, &e);
		pair_ack(s, &e);
	}
}

void ack_journey(struct ack_set *s, const struct journey_info *j)
{
	uint32_t seq, ack;
	bool syn;
	if (j->pclass != PROTO_TCP || !match_key_tcp(j->key, &seq, &ack, &syn) || syn)
		return;
	uint8_t mask = j->mask & s->points;
	if ((mask & (mask - 1)) == 0)
		return; /* one point: no pair */
	uint64_t fh = hash_bytes(&j->key->flow, sizeof j->key->flow);
	size_t slot = fh % SEEN_SLOTS;
	if (j->payload > 0 && s->seen[slot].hash == fh && s->seen[slot].ack == ack)
		return; /* data with the same cumulative ACK: not in the ACK stream */
	s->seen[slot].hash = fh;
	s->seen[slot].ack = ack;
	struct pgroup *g = (struct pgroup *)hashtab_find(
	    &s->pairs, fh, &j->key->flow, offsetof(struct pgroup, flow), sizeof j->key->flow);
	if (g == NULL) {
		if ((g = calloc(1, sizeof *g)) == NULL || hashtab_insert(&s->pairs, &g->hn, fh) != 0) {
			free(g);
			s->failed = 1;
			return;
		}
		g->flow = j->key->flow;
		g->toward = j->dir == DIR_TO_GUEST;
		for (int k = 0; k < NPAIRS; k++)
			bvec_init(&g->s[k].ratio, true, ACK_RATIO_SCALE, SKETCH_BITS_FLOW);
	}
	struct pent e;
	memset(&e, 0, sizeof e);
	e.g = g;
	e.mask = mask;
	e.ack = ack;
	e.pure = j->payload == 0;
	e.key = INT64_MAX;
	for (int i = POINT_N - 1; i >= 0; i--) {
		int p = along(i, g->toward);
		if (mask & (1u << p)) {
			e.t[p] = j->t[p];
			e.key = j->t[p];
		}
	}
	if (heap_push(s, &e) != 0) {
		s->failed = 1;
		return;
	}
	if (e.key > s->max_key)
		s->max_key = e.key;
	if (s->max_key > INT64_MIN + 2 * s->cfg.window_ns)
		flush(s, s->max_key - 2 * s->cfg.window_ns);
}

void ack_set_rate(struct ack_set *s, enum point p, double rate) { s->rate[p] = rate; }

int ack_set_finish(struct ack_set *s)
{
	flush(s, INT64_MAX);
	for (int p = 0; p < POINT_N; p++)
		if (s->tr[p].failed)
			s->failed = 1;
	return s->failed ? -1 : 0;
}

/* ---- summary ---- */

/* The histogram's edges, us: bins of bin_us, or [0, 1 us) then 10 a
 * decade; the last bin ends at max_us.  *nbins of them, nbins + 1 edges. */
static double *hist_edges(const struct ack_cfg *c, size_t *nbins)
{
	size_t nb;
	if (c->log_bins)
		nb = 1 + (size_t)ceil(10 * log10(c->max_us) - 1e-9); /* [0,1), then 10 a decade */
	else
		nb = (size_t)ceil(c->max_us / c->bin_us - 1e-9);
	if (nb < 1)
		nb = 1;
	double *edge = malloc((nb + 1) * sizeof *edge);
	if (edge == NULL)
		return NULL;
	edge[0] = 0;
	for (size_t i = 1; i <= nb; i++) {
		double e = c->log_bins ? pow(10, (double)(i - 1) / 10) : (double)i * c->bin_us;
		edge[i] = e > c->max_us || i == nb ? c->max_us : e;
	}
	*nbins = nb;
	return edge;
}

/* The bin of x: GSL's, whose [range[i], range[i + 1]) holds x; n for the
 * overflow (and 0 below the first edge, which inter-arrivals never are). */
static size_t hist_bin(const gsl_histogram *h, double x)
{
	size_t i;
	if (gsl_histogram_find(h, x, &i) == GSL_SUCCESS)
		return i;
	return x < h->range[0] ? 0 : h->n;
}

/* The counts of one view into a GSL histogram, with what GSL has no place
 * for: the values beyond the last edge, and those a sketch's bucket leaves
 * on either side of an edge. */
struct hist_fill {
	gsl_histogram *h;
	uint64_t over, uncertain;
};

static void hist_add(void *ctx, double lo, double hi, double rep, uint64_t count)
{
	struct hist_fill *f = ctx;
	if (gsl_histogram_accumulate(f->h, rep, (double)count) != GSL_SUCCESS)
		f->over += count; /* at or beyond the last edge (inter-arrivals are >= 0) */
	if (lo != hi && hist_bin(f->h, lo) != hist_bin(f->h, hi))
		f->uncertain += count; /* a sketch bucket across an edge */
}

/* The histogram of w's values on h's edges, as its non-empty bins.  h is
 * scratch (reset here), shared by every flow and point. */
static int hist_take(gsl_histogram *h, const struct bview *w, struct ack_hist *o)
{
	struct hist_fill f = {.h = h};
	gsl_histogram_reset(h);
	bview_visit(w, hist_add, &f);
	size_t n = 0;
	for (size_t i = 0; i < h->n; i++)
		n += gsl_histogram_get(h, i) != 0;
	o->over = f.over;
	o->uncertain = f.uncertain;
	o->nbins = 0;
	if (n == 0)
		return 0;
	if ((o->bins = malloc(n * sizeof *o->bins)) == NULL)
		return -1;
	for (size_t i = 0; i < h->n; i++) {
		double x = gsl_histogram_get(h, i); /* a count: exact in a double below 2^53 */
		if (x != 0)
			o->bins[o->nbins++] =
			    (struct ack_bin){.bin = (uint32_t)i, .count = (uint64_t)x};
	}
	return 0;
}

/* One point's (or pair's) values opened for the report, with the figures
 * taken from them: the distribution, the 10th percentile and the
 * interquartile range (order statistics at floor(q (n - 1))), and their
 * bounds when they came from a sketch. */
struct view {
	struct bview w;
	struct dist d;
	double p10, iqr, p10_err, iqr_err;
};

static int view_open(struct view *v, const struct bvec *b, double rate)
{
	const struct bvec *sets[1] = {b};
	if (bview_open(&v->w, sets, 1) != 0)
		return -1;
	bview_rescale(&v->w, rate);
	static const double qs[3] = {ACK_REF_QUANTILE, 0.25, 0.75};
	double at[3], err[3];
	bview_dist(&v->w, &v->d, qs, 3, at, err);
	v->p10 = at[0];
	v->p10_err = err[0];
	v->iqr = at[2] - at[1];
	v->iqr_err = err[1] + err[2];
	return 0;
}

struct aligned_ctx {
	double ref, tol;
	uint64_t in, uncertain, n;
};

static bool is_aligned(double x, double ref, double tol, double *m)
{
	*m = round(x / ref);
	return *m >= 1 && fabs(x - *m * ref) <= tol * ref;
}

static void aligned_add(void *ctx, double lo, double hi, double rep, uint64_t count)
{
	struct aligned_ctx *a = ctx;
	double m, ml, mh;
	a->n += count;
	if (is_aligned(rep, a->ref, a->tol, &m))
		a->in += count;
	if (lo == hi)
		return;
	/* a sketch bucket: uncertain unless its ends agree, within one
	 * multiple, and (both outside) no window lies between them */
	bool l = is_aligned(lo, a->ref, a->tol, &ml), h = is_aligned(hi, a->ref, a->tol, &mh);
	if (l != h || ml != mh || (!l && lo < ml * a->ref && hi > ml * a->ref))
		a->uncertain += count;
}

/* Share of the values within tolerance of a whole multiple of ref; *bound
 * the share of them a sketch's buckets leave uncertain. */
static double aligned(const struct bview *w, double ref, double tol, double *bound)
{
	struct aligned_ctx a = {.ref = ref, .tol = tol};
	bview_visit(w, aligned_add, &a);
	*bound = a.n ? (double)a.uncertain / (double)a.n : 0;
	return a.n ? (double)a.in / (double)a.n : 0;
}

/* The ACK flow at a point, or NULL. */
static struct aflow *aflow_at(struct ack_set *s, int p, const struct match_flow_key *k)
{
	if (!(s->points & (1u << p)))
		return NULL;
	return (struct aflow *)hashtab_find(&s->tr[p].flows, hash_bytes(k, sizeof *k), k,
					    offsetof(struct aflow, key), sizeof *k);
}

/* Point order along the ACKs' way: toward the guest, nic first. */
static bool toward_guest(const struct match_flow_key *k, const struct addrset *guest)
{
	return guest && addrset_has(guest, k->family, k->dst);
}

struct flowrep {
	struct match_flow_key key;
	uint64_t acks; /* most at any point */
};

static int cmp_flowrep_key(const void *a, const void *b)
{
	const struct flowrep *x = a, *y = b;
	return memcmp(&x->key, &y->key, sizeof x->key);
}

static int cmp_flowrep(const void *a, const void *b)
{
	const struct flowrep *x = a, *y = b;
	return x->acks < y->acks   ? 1
	       : x->acks > y->acks ? -1
				   : memcmp(&x->key, &y->key, sizeof x->key);
}

/* Burstiness at a point: the coefficient of variation (NAN when there is
 * none), the intervals it used and, for the ladder, the interval's length. */
static double burstiness(const struct ack_set *s, const struct aflow *f, bool ladder,
			 double *interval_ms, uint64_t *nint)
{
	double n, sum, sumsq;
	if (ladder) {
		size_t j = ladder_nearest(*interval_ms * 1e6 / FINE_NS);
		*interval_ms = (double)ladder_k(j) * FINE_NS / 1e6;
		const struct lcand *c = j < f->lad.nc ? &f->lad.c[j] : NULL;
		n = c ? (double)c->n : 0;
		sum = c ? c->sum : 0;
		sumsq = c ? c->sumsq : 0;
	} else {
		n = (double)f->nint;
		sum = f->sum;
		sumsq = f->sumsq;
	}
	(void)s;
	*nint = (uint64_t)n;
	if (n < 2 || !(sum > 0))
		return NAN;
	double mean = sum / n, var = sumsq / n - mean * mean;
	return sqrt(var > 0 ? var : 0) / mean;
}

int ack_set_visit(struct ack_set *s, enum point p, bview_fn fn, void *ctx, uint64_t *flows)
{
	*flows = 0;
	if (!(s->points & (1u << p)))
		return 0;
	const struct hashtab *t = &s->tr[p].flows;
	const struct bvec **sets = malloc((t->count ? t->count : 1) * sizeof *sets);
	if (sets == NULL)
		return -1;
	size_t k = 0;
	for (size_t i = 0; i <= t->mask; i++)
		for (struct hnode *x = t->b[i]; x; x = x->next) {
			const struct aflow *f = (const struct aflow *)x;
			if (bvec_count(&f->ia) > 0)
				sets[k++] = &f->ia;
		}
	struct bview w;
	int rc = 0;
	if (k > 0 && (rc = bview_open(&w, sets, k)) == 0) {
		if (s->rate[p] != 1)
			bview_rescale(&w, s->rate[p]);
		bview_visit(&w, fn, ctx);
		bview_close(&w);
	}
	free(sets);
	*flows = k;
	return rc;
}

/* The ACK flows at any point (each point's, sorted by key and merged),
 * busiest first: *nf of them in *out (owned by the caller). */
static int collect_flows(const struct ack_set *s, struct flowrep **out, size_t *nf)
{
	size_t n = 0;
	for (int p = 0; p < POINT_N; p++)
		n += (s->points & (1u << p)) ? s->tr[p].flows.count : 0;
	struct flowrep *fr = calloc(n ? n : 1, sizeof *fr);
	if (fr == NULL)
		return -1;
	n = 0;
	for (int p = 0; p < POINT_N; p++) {
		if (!(s->points & (1u << p)))
			continue;
		const struct hashtab *t = &s->tr[p].flows;
		for (size_t i = 0; i <= t->mask; i++)
			for (struct hnode *x = t->b[i]; x; x = x->next) {
				const struct aflow *f = (const struct aflow *)x;
				if (bvec_count(&f->ia) > 0)
					fr[n++] = (struct flowrep){.key = f->key, .acks = f->acks};
			}
	}
	if (n > 1)
		qsort(fr, n, sizeof *fr, cmp_flowrep_key);
	size_t u = 0;
	for (size_t j = 0; j < n; j++) {
		if (u > 0 && memcmp(&fr[u - 1].key, &fr[j].key, sizeof fr[j].key) == 0) {
			if (fr[j].acks > fr[u - 1].acks)
				fr[u - 1].acks = fr[j].acks;
		} else {
			fr[u++] = fr[j];
		}
	}
	if (u > 1)
		qsort(fr, u, sizeof *fr, cmp_flowrep);
	*out = fr;
	*nf = u;
	return 0;
}

/* The flow's threshold and its reference (ack.h): the serialization time
 * with a link rate, else the 10th percentile at the first point (up). */
static void reference_of(const struct ack_cfg *c, const struct view *up, struct ack_flow_rep *fo)
{
	if (c->link_rate_bps > 0) {
		fo->ref_us = c->packet_bytes * 8 / c->link_rate_bps * 1e6;
		fo->thr_us = fo->ref_us * (1 - c->tolerance);
		fo->ref_err_us = 0;
	} else {
		fo->ref_us = up->p10;
		fo->thr_us = up->p10 * ACK_B2B_FRACTION;
		fo->ref_err_us = up->p10_err; /* a reference from a sketch is off by its bound */
	}
}

/* Burstiness at a point: the interval (fixed, or the ladder's nearest the
 * flow's median RTT there) and the coefficient of variation over it. */
static void burst_of(const struct ack_set *s, const struct aflow *f, enum point p,
		     const struct match_flow_key *key, ack_rtt_fn rtt, void *rtt_ctx,
		     struct ack_point_rep *o)
{
	o->interval_ms = s->cfg.burst_ms;
	o->rtt_ms = NAN;
	o->interval_source = ACK_INTERVAL_FIXED;
	bool ladder = false;
	if (s->cfg.burst_rtt) {
		struct match_flow_key dk; /* the data the ACKs answer */
		match_flow_key_reverse(key, &dk);
		double us;
		if (rtt && rtt(rtt_ctx, p, &dk, &us) == 0) {
			o->interval_ms = o->rtt_ms = us / 1e3;
			o->interval_source = ACK_INTERVAL_RTT;
			ladder = true;
		} else {
			o->interval_source = ACK_INTERVAL_NO_RTT;
		}
	}
	o->cv = burstiness(s, f, ladder, &o->interval_ms, &o->intervals);
}

/* One flow at point p, from its inter-arrivals opened in v. */
static int point_rep(const struct ack_set *s, const struct aflow *f, enum point p,
		     const struct view *v, const struct ack_flow_rep *fo, ack_rtt_fn rtt,
		     void *rtt_ctx, gsl_histogram *h, struct ack_point_rep *o)
{
	o->point = p;
	o->acks = f->acks;
	o->interarrivals = bvec_count(&f->ia);
	o->ia = v->d;
	o->p10_us = v->p10;
	o->iqr_us = v->iqr;
	o->p10_err_us = v->p10_err;
	o->iqr_err_us = v->iqr_err;
	o->sketched = v->w.sketched;
	o->bytes_acked = f->bytes;
	o->restarts = f->restarts;
	if (hist_take(h, &v->w, &o->hist) != 0)
		return -1;
	burst_of(s, f, p, &fo->key, rtt, rtt_ctx, o);
	/* the threshold from a sketch is off by its reference's share */
	double thr_err = fo->ref_err_us * ACK_B2B_FRACTION;
	bool thr_ok = fo->thr_us > 0;
	o->compressed_bound = 0;
	o->compressed =
	    thr_ok ? bview_frac_below(&v->w, fo->thr_us, thr_err, &o->compressed_bound) : NAN;
	o->compressed_approx = thr_ok && (o->sketched || thr_err > 0);
	return 0;
}

/* One flow between the points k (upstream) and m, from the stream's
 * ratios and the points' inter-arrivals (vw, open where the flow has them). */
static int pair_rep(const struct ack_set *s, const struct pstream *ps, int k, int m,
		    const struct view *vw, const bool *open, const struct ack_flow_rep *fo,
		    struct ack_pair_rep *o)
{
	const struct ack_cfg *c = &s->cfg;
	struct view rv;
	if (view_open(&rv, &ps->ratio, s->rate[m] / s->rate[k]) != 0)
		return -1;
	o->from = (enum point)k;
	o->to = (enum point)m;
	o->pairs = bvec_count(&ps->ratio);
	o->out_of_order = ps->out_of_order;
	o->ratio = rv.d;
	o->ratio_p10 = rv.p10;
	o->compressed = bview_frac_below(&rv.w, ACK_RATIO_COMPRESSED, 0, &o->compressed_bound);
	o->sketched = rv.w.sketched;
	bview_close(&rv.w);
	o->aligned_from = o->aligned_to = NAN;
	o->aligned_from_bound = o->aligned_to_bound = 0;
	if (c->link_rate_bps > 0 && open[k] && open[m]) {
		o->aligned_from =
		    aligned(&vw[k].w, fo->ref_us, c->tolerance, &o->aligned_from_bound);
		o->aligned_to = aligned(&vw[m].w, fo->ref_us, c->tolerance, &o->aligned_to_bound);
	}
	o->from_sketched = open[k] && vw[k].w.sketched;
	o->to_sketched = open[m] && vw[m].w.sketched;
	o->iqr_from_us = open[k] ? vw[k].iqr : 0;
	o->iqr_to_us = open[m] ? vw[m].iqr : 0;
	o->iqr_from_err_us = o->from_sketched ? vw[k].iqr_err : 0;
	o->iqr_to_err_us = o->to_sketched ? vw[m].iqr_err : 0;
	return 0;
}

/* The flow's pairs: every two points along its ACKs' way with ratios. */
static int pair_reps(const struct ack_set *s, const struct view *vw, const bool *open,
		     struct ack_flow_rep *fo)
{
	const struct pgroup *g = (const struct pgroup *)hashtab_find(
	    &s->pairs, hash_bytes(&fo->key, sizeof fo->key), &fo->key,
	    offsetof(struct pgroup, flow), sizeof fo->key);
	if (g == NULL)
		return 0;
	size_t n = 0;
	for (int k = 0; k < NPAIRS; k++)
		n += bvec_count(&g->s[k].ratio) > 0;
	if (n == 0)
		return 0;
	if ((fo->pair = calloc(n, sizeof *fo->pair)) == NULL)
		return -1;
	for (int pi = 0; pi < POINT_N; pi++)
		for (int pj = pi + 1; pj < POINT_N; pj++) {
			const struct pstream *ps = &g->s[pair_index(pi, pj)];
			if (bvec_count(&ps->ratio) == 0)
				continue;
			if (pair_rep(s, ps, along(pi, g->toward), along(pj, g->toward), vw, open,
				     fo, &fo->pair[fo->npair]) != 0)
				return -1;
			fo->npair++;
		}
	return 0;
}

/* One ACK flow over every point (views opened and closed here). */
static int flow_rep(struct ack_set *s, const struct flowrep *fr, const struct addrset *guest,
		    ack_rtt_fn rtt, void *rtt_ctx, gsl_histogram *h, struct ack_flow_rep *fo)
{
	struct view vw[POINT_N]; /* the flow's inter-arrivals per point */
	bool open[POINT_N] = {0};
	struct aflow *fa[POINT_N] = {0};
	int order[POINT_N], np = 0, rc = -1;
	bool toward = toward_guest(&fr->key, guest) || !guest;
	fo->key = fr->key;
	fo->acks = fr->acks;
	fo->dir = !guest ? ACK_DIR_UNKNOWN : toward ? ACK_DIR_TO_GUEST : ACK_DIR_FROM_GUEST;
	/* each point's distribution, in order along the ACKs' way */
	for (int k = 0; k < POINT_N; k++) {
		int p = along(k, toward);
		struct aflow *f = aflow_at(s, p, &fr->key);
		if (f == NULL || bvec_count(&f->ia) == 0)
			continue;
		if (view_open(&vw[p], &f->ia, s->rate[p]) != 0)
			goto out;
		open[p] = true;
		fa[p] = f;
		order[np++] = p;
	}
	assert(np > 0); /* collect_flows took flows with inter-arrivals only */
	fo->ref_point = (enum point)order[0];
	reference_of(&s->cfg, &vw[order[0]], fo);
	if ((fo->pt = calloc((size_t)np, sizeof *fo->pt)) == NULL)
		goto out;
	for (int k = 0; k < np; k++, fo->npt++)
		if (point_rep(s, fa[order[k]], (enum point)order[k], &vw[order[k]], fo, rtt,
			      rtt_ctx, h, &fo->pt[k]) != 0)
			goto out;
	rc = pair_reps(s, vw, open, fo);
out:
	for (int p = 0; p < POINT_N; p++)
		if (open[p])
			bview_close(&vw[p].w);
	return rc;
}

int ack_set_summarize(struct ack_set *s, const struct addrset *guest, ack_rtt_fn rtt, void *rtt_ctx,
		      struct ack_report *r)
{
	const struct ack_cfg *c = &s->cfg;
	memset(r, 0, sizeof *r);
	r->all_acks = c->all_acks;
	r->burst_rtt = c->burst_rtt;
	r->link_rate_bps = c->link_rate_bps;
	r->packet_bytes = c->packet_bytes;
	r->tolerance = c->tolerance;
	r->exact_cap = stats_flow_cap();
	r->sketch_rel = ldexp(1.0, -SKETCH_BITS_FLOW);
	for (int p = 0; p < POINT_N; p++) {
		const struct ack_tracker *t = &s->tr[p];
		if (!(s->points & (1u << p)))
			continue;
		r->points[r->npoints++] =
		    (struct ack_point_stats){.point = (enum point)p,
					     .flows = t->flows.count,
					     .steps_back = t->steps_back,
					     .largest_back_ns = t->largest_back_ns,
					     .restarts = t->restarts};
	}
	struct flowrep *fr = NULL;
	size_t nf = 0;
	gsl_histogram *h = NULL; /* scratch: each flow and point's counts in turn */
	if ((r->edges_us = hist_edges(c, &r->nbins)) == NULL ||
	    (h = gsl_histogram_alloc(r->nbins)) == NULL ||
	    gsl_histogram_set_ranges(h, r->edges_us, r->nbins + 1) != GSL_SUCCESS ||
	    collect_flows(s, &fr, &nf) != 0 ||
	    (r->flows = calloc(nf ? nf : 1, sizeof *r->flows)) == NULL)
		goto fail;
	r->nflows = nf; /* zeroed: ack_report_free frees what is filled */
	for (size_t j = 0; j < nf; j++)
		if (flow_rep(s, &fr[j], guest, rtt, rtt_ctx, h, &r->flows[j]) != 0)
			goto fail;
	free(fr);
	gsl_histogram_free(h);
	return 0;
fail:
	free(fr);
	if (h)
		gsl_histogram_free(h);
	ack_report_free(r);
	return -1;
}

void ack_report_free(struct ack_report *r)
{
	for (size_t j = 0; r->flows && j < r->nflows; j++) {
		struct ack_flow_rep *f = &r->flows[j];
		for (size_t k = 0; k < f->npt; k++)
			free(f->pt[k].hist.bins);
		free(f->pt);
		free(f->pair);
	}
	free(r->flows);
	free(r->edges_us);
	memset(r, 0, sizeof *r);
}
