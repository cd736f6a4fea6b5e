/* ack — see ack.h. */
#include "ack.h"

#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "reader.h"
#include "report.h"
#include "rttrun.h"
#include "stats.h"
#include "version.h"

static const char *const BAR = "############################################################";

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

/* Every row's stamp is host time (guest stamps corrected) when the trackers
 * are fed it (cfg host_time: several points, a clock model); a guest
 * capture read alone has only its own clock: t_clock says which. */
void ack_csv_header(FILE *csv)
{
	fputs("flow,point,t,interarrival_us,ratio_from,ratio,t_clock\n", csv);
}

/* One row, written by one call: reader threads and the matcher share the
 * file, and stdio locks it per call. */
static void csv_row(const struct ack_cfg *c, const struct match_flow_key *k, enum point p,
		    int64_t t, double ia_us, int from, double ratio)
{
	char fl[160], tail[64];
	if (from >= 0)
		snprintf(tail, sizeof tail, "%s,%.6f,host", point_name((enum point)from), ratio);
	else
		snprintf(tail, sizeof tail, ",,%s", p == POINT_GUEST && !c->host_time ? "guest" : "host");
	fprintf(c->csv, "%s,%s,%lld.%09lld,%.3f,%s\n", match_flow_name(k, fl, sizeof fl),
		point_name(p), (long long)(t / 1000000000), (long long)(t % 1000000000), ia_us, tail);
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
		if (t->cfg->csv)
			csv_row(t->cfg, &k, t->p, now, ia, -1, 0);
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
		if (s->cfg.csv)
			csv_row(&s->cfg, &g->flow, (enum point)down, td, (double)dd / 1e3, up, r);
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

/* ---- report ---- */

struct hist {
	size_t nb;
	double *edge;    /* nb + 1 */
	uint64_t *count; /* nb */
	uint64_t over;
	uint64_t uncertain; /* from a sketch: values whose bucket spans an edge */
	bool sketched;      /* the counts came from a sketch */
};

static void hist_free(struct hist *h)
{
	free(h->edge);
	free(h->count);
	h->edge = NULL;
	h->count = NULL;
}

static int hist_init(const struct ack_cfg *c, struct hist *h)
{
	memset(h, 0, sizeof *h);
	size_t nb;
	if (c->log_bins)
		nb = 1 + (size_t)ceil(10 * log10(c->max_us) - 1e-9); /* [0,1), then 10 a decade */
	else
		nb = (size_t)ceil(c->max_us / c->bin_us - 1e-9);
	if (nb < 1)
		nb = 1;
	h->edge = malloc((nb + 1) * sizeof *h->edge);
	h->count = calloc(nb, sizeof *h->count);
	if (h->edge == NULL || h->count == NULL) {
		hist_free(h);
		return -1;
	}
	h->nb = nb;
	h->edge[0] = 0;
	for (size_t i = 1; i <= nb; i++) {
		double e = c->log_bins ? pow(10, (double)(i - 1) / 10) : (double)i * c->bin_us;
		h->edge[i] = e > c->max_us || i == nb ? c->max_us : e;
	}
	return 0;
}

/* The bin of value x: the first whose upper edge is above it, nb for the
 * overflow (as a scan of sorted values would place it). */
static size_t hist_bin(const struct hist *h, double x)
{
	size_t lo = 0, hi = h->nb;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (x < h->edge[mid + 1])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static void hist_add(void *ctx, double lo, double hi, double rep, uint64_t count)
{
	struct hist *h = ctx;
	size_t b = hist_bin(h, rep);
	if (b < h->nb)
		h->count[b] += count;
	else
		h->over += count;
	if (lo != hi && hist_bin(h, lo) != hist_bin(h, hi))
		h->uncertain += count; /* a sketch bucket across an edge */
}

/* Counts the values of w into h. */
static void hist_fill(struct hist *h, const struct bview *w)
{
	memset(h->count, 0, h->nb * sizeof *h->count);
	h->over = h->uncertain = 0;
	h->sketched = w->sketched;
	bview_visit(w, hist_add, h);
}

/* The end of the text row starting at bin a: one bin for the first row,
 * then the first edge at or beyond the next value of 1, 1.5, 2, 3, 5, 7 x
 * 10^k (1 % slack, so that log edges like 1.995 count as 2): rows are fine
 * near zero, where compression lives, about 6 a decade beyond, and adjacent
 * rows share their edge, so no range goes missing. */
static size_t row_end(const struct hist *h, size_t a)
{
	if (a == 0)
		return 1;
	static const double NICE[] = {1, 1.5, 2, 3, 5, 7};
	double e = h->edge[a], v = 0;
	for (double dec = pow(10, floor(log10(e)) - 1); v == 0; dec *= 10)
		for (size_t i = 0; i < sizeof NICE / sizeof NICE[0]; i++)
			if (NICE[i] * dec > e * 1.01) {
				v = NICE[i] * dec;
				break;
			}
	size_t b = a + 1;
	while (b < h->nb && h->edge[b] < v * 0.99)
		b++;
	while (b < h->nb && fabs(h->edge[b + 1] - v) < fabs(h->edge[b] - v))
		b++; /* linear bins: 1000, not 990 */
	return b;
}

/* A row edge, us: 3 significant digits below 100 (log edges 1.58, 2, 3.16),
 * whole us above. */
static const char *edge_label(char b[16], double v)
{
	snprintf(b, 16, v >= 100 ? "%.0f" : "%.3g", v);
	return b;
}

/* Two points' histograms side by side, as bars of one scale (the overflow
 * row too): a person sees compression at a glance. */
static void draw(FILE *out, const struct hist *a, const struct hist *b, int pa, int pb)
{
	size_t last = 0; /* the last bin with anything in it */
	uint64_t na = a->over, nb = b->over;
	for (size_t i = 0; i < a->nb; i++) {
		na += a->count[i];
		nb += b->count[i];
		if (a->count[i] || b->count[i])
			last = i;
	}
	if (na == 0 || nb == 0)
		return;
	if (a->over || b->over)
		last = a->nb - 1; /* the rows reach the overflow's edge */
	double top = fmax((double)a->over / (double)na, (double)b->over / (double)nb);
	for (size_t r = 0; r <= last; r = row_end(a, r)) {
		uint64_t ca = 0, cb = 0;
		for (size_t i = r; i < row_end(a, r); i++) {
			ca += a->count[i];
			cb += b->count[i];
		}
		top = fmax(top, fmax((double)ca / (double)na, (double)cb / (double)nb));
	}
	char la[40], lb[40]; /* a side from a sketch: its shares near an edge may be the next row's */
	snprintf(la, sizeof la, "%s%s", point_name((enum point)pa), a->sketched ? " (~)" : "");
	snprintf(lb, sizeof lb, "%s%s", point_name((enum point)pb), b->sketched ? " (~)" : "");
	fprintf(out, "    %-17s  %-34s  %-34s\n", "inter-arrival us", la, lb);
	for (size_t r = 0;; r = row_end(a, r)) {
		uint64_t ca = 0, cb = 0;
		char range[48];
		if (r <= last) {
			size_t e = row_end(a, r);
			for (size_t i = r; i < e; i++) {
				ca += a->count[i];
				cb += b->count[i];
			}
			char lo[16], hi[16];
			snprintf(range, sizeof range, "%7s - %-7s", edge_label(lo, a->edge[r]),
				 edge_label(hi, a->edge[e]));
		} else {
			ca = a->over;
			cb = b->over;
			if (ca == 0 && cb == 0)
				break;
			char lo[16];
			snprintf(range, sizeof range, "%7s and more", edge_label(lo, a->edge[a->nb]));
		}
		double fa = (double)ca / (double)na, fb = (double)cb / (double)nb;
		int wa = (int)lround(fa / top * 26), wb = (int)lround(fb / top * 26);
		fprintf(out, "    %-17s %5.1f%% %-26.*s  %5.1f%% %-26.*s\n", range, 100 * fa, wa, BAR,
			100 * fb, wb, BAR);
		if (r > last)
			break;
	}
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
	return x->acks < y->acks ? 1 : x->acks > y->acks ? -1 : memcmp(&x->key, &y->key, sizeof x->key);
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

/* The reference of one flow: threshold, reference, its source and why. */
struct aref {
	double ref_us, thr_us;
	char src[48], why[200];
};

static void reference_of(const struct ack_cfg *c, int up, bool one_point, double up_p10,
			 struct aref *a)
{
	if (c->link_rate_bps > 0) {
		a->ref_us = c->packet_bytes * 8 / c->link_rate_bps * 1e6;
		a->thr_us = a->ref_us * (1 - c->tolerance);
		snprintf(a->src, sizeof a->src, "link rate");
		snprintf(a->why, sizeof a->why,
			 "--link-rate %g bit/s: below one %g-octet packet's serialization time, "
			 "less the --tolerance margin of %g",
			 c->link_rate_bps, c->packet_bytes, c->tolerance);
		return;
	}
	a->ref_us = up_p10;
	a->thr_us = up_p10 * ACK_B2B_FRACTION;
	snprintf(a->src, sizeof a->src, "p10 at %s", point_name((enum point)up));
	if (one_point)
		snprintf(a->why, sizeof a->why,
			 "no --link-rate, one point: back to back, below 1/4 of its own 10th "
			 "percentile (compression of more than 10 %% of the ACKs hides in it: give an "
			 "upstream point or --link-rate)");
	else
		snprintf(a->why, sizeof a->why,
			 "no --link-rate: back to back, below 1/4 of the 10th percentile of the "
			 "inter-arrivals at %s, the first point along the ACKs' way",
			 point_name((enum point)up));
}

/* Text: "12.3%", or "-" where the figure does not exist. */
static const char *pct(char *b, size_t n, double x)
{
	if (isnan(x))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f%%", 100 * x);
	return b;
}

/* pct, "~"-prefixed when the share came from a sketch. */
static const char *approx_pct(char *b, size_t n, double x, bool approx)
{
	if (isnan(x) || !approx)
		return pct(b, n, x);
	snprintf(b, n, "~%.1f%%", 100 * x);
	return b;
}

/* A figure as text, "~"-prefixed when it came from a sketch. */
static const char *fig(char *b, size_t n, const char *fmt, double x, bool approx)
{
	char v[32];
	snprintf(v, sizeof v, fmt, x);
	snprintf(b, n, "%s%s", approx ? "~" : "", v);
	return b;
}

static json_t *real_or_null(double x) { return isnan(x) ? json_null() : json_real(x); }

int ack_set_write(struct ack_set *s, FILE *out, json_t *root, const struct addrset *guest,
		  struct rtt_set *rtt, struct verr *err)
{
	const struct ack_cfg *c = &s->cfg;
	struct hist hp[POINT_N];
	memset(hp, 0, sizeof hp);
	struct view vw[POINT_N]; /* the current flow's inter-arrivals per point */
	bool vopen[POINT_N] = {0};
	bool approx = false; /* a "~" figure shown: the note under the tables */
	int rc = -1;
	json_t *ja = NULL, *jc = NULL, *jp = NULL;
	int npoints = 0;
	for (int p = 0; p < POINT_N; p++)
		npoints += (s->points >> p) & 1;
	/* the ACK flows at any point (each point's, sorted by key and merged),
	 * busiest first */
	size_t nf = 0;
	for (int p = 0; p < POINT_N; p++)
		nf += (s->points & (1u << p)) ? s->tr[p].flows.count : 0;
	struct flowrep *fr = calloc(nf ? nf : 1, sizeof *fr);
	if (fr == NULL)
		goto nomem;
	nf = 0;
	for (int p = 0; p < POINT_N; p++) {
		if (!(s->points & (1u << p)))
			continue;
		struct hashtab *t = &s->tr[p].flows;
		for (size_t i = 0; i <= t->mask; i++)
			for (struct hnode *x = t->b[i]; x; x = x->next) {
				struct aflow *f = (struct aflow *)x;
				if (bvec_count(&f->ia) > 0)
					fr[nf++] = (struct flowrep){.key = f->key, .acks = f->acks};
			}
	}
	if (nf > 1)
		qsort(fr, nf, sizeof *fr, cmp_flowrep_key);
	size_t u = 0;
	for (size_t j = 0; j < nf; j++) {
		if (u > 0 && memcmp(&fr[u - 1].key, &fr[j].key, sizeof fr[j].key) == 0) {
			if (fr[j].acks > fr[u - 1].acks)
				fr[u - 1].acks = fr[j].acks;
		} else {
			fr[u++] = fr[j];
		}
	}
	nf = u;
	if (nf > 1)
		qsort(fr, nf, sizeof *fr, cmp_flowrep);
	for (int p = 0; p < POINT_N; p++)
		if ((s->points & (1u << p)) && hist_init(c, &hp[p]) != 0)
			goto nomem;
	if (root) {
		ja = json_array();
		jc = json_array();
		jp = json_array();
		for (int p = 0; p < POINT_N; p++) {
			const struct ack_tracker *t = &s->tr[p];
			if (!(s->points & (1u << p)))
				continue;
			json_array_append_new(
			    jp, json_pack("{s:s, s:I, s:I, s:f, s:I}", "point",
					  point_name((enum point)p), "flows",
					  (json_int_t)t->flows.count, "time_steps_back",
					  (json_int_t)t->steps_back, "largest_step_back_us",
					  (double)t->largest_back_ns / 1e3, "series_restarts",
					  (json_int_t)t->restarts));
		}
	} else {
		fprintf(out, "\nACK inter-arrival (ACKs advancing the cumulative ACK%s)\n",
			c->all_acks ? ", and every pure ACK" : "");
		for (int p = 0; p < POINT_N; p++) {
			const struct ack_tracker *t = &s->tr[p];
			if (!(s->points & (1u << p)) || !t->steps_back)
				continue;
			fprintf(out, "  %s: %llu TCP packet%s stamped before the packet before (largest "
				     "%.1f us back)",
				point_name((enum point)p), (unsigned long long)t->steps_back,
				t->steps_back == 1 ? "" : "s", (double)t->largest_back_ns / 1e3);
			if (t->restarts)
				fprintf(out, ": the clock stepped back %llu time%s by more than %.0f us, "
					     "every flow's series restarted there\n",
					(unsigned long long)t->restarts, t->restarts == 1 ? "" : "s",
					ACK_STEP_NS / 1e3);
			else
				fprintf(out, ": reordered in capture (less than %.0f us), a flow restarts "
					     "only where its own ACKs go back\n",
					ACK_STEP_NS / 1e3);
		}
		if (nf == 0)
			fprintf(out, "  no TCP flow with two ACKs or more\n");
	}
	size_t shown = 0;
	for (size_t j = 0; j < nf; j++) {
		struct flowrep *r = &fr[j];
		char name[160], b1[16], b2[16];
		match_flow_name(&r->key, name, sizeof name);
		bool toward = toward_guest(&r->key, guest) || !guest;
		bool text = !root && shown < 4 && r->acks >= 10;
		/* each point's distribution, in order along the ACKs' way */
		int order[POINT_N], np = 0;
		struct dist ds[POINT_N];
		double p10[POINT_N] = {0}, iqr[POINT_N] = {0};
		struct aflow *fa[POINT_N] = {0};
		for (int k = 0; k < POINT_N; k++) {
			int p = along(k, toward);
			struct aflow *f = aflow_at(s, p, &r->key);
			if (f == NULL || bvec_count(&f->ia) == 0)
				continue;
			if (view_open(&vw[p], &f->ia, s->rate[p]) != 0)
				goto nomem;
			vopen[p] = true;
			ds[p] = vw[p].d;
			p10[p] = vw[p].p10;
			iqr[p] = vw[p].iqr;
			hist_fill(&hp[p], &vw[p].w);
			fa[p] = f;
			order[np++] = p;
		}
		struct aref ar;
		reference_of(c, order[0], npoints == 1, p10[order[0]], &ar);
		bool thr_ok = ar.thr_us > 0;
		/* a reference from a sketch is off by up to its bound, and the
		 * threshold by its share */
		double ref_err = c->link_rate_bps > 0 ? 0 : vw[order[0]].p10_err;
		double thr_err = ref_err * ACK_B2B_FRACTION;
		if (text) {
			shown++;
			fprintf(out, "\n  %s%s\n", name,
				!guest ? "" : toward ? "  (ACKs toward the guest)" : "  (ACKs from the guest)");
			if (c->link_rate_bps > 0)
				fprintf(out,
					"    compressed: below %.1f us, the serialization time at the "
					"link rate (%.1f us) less %g %%\n",
					ar.thr_us, ar.ref_us, 100 * c->tolerance);
			else
				fprintf(out,
					"    compressed: below %.1f us, 1/4 of the 10th percentile at %s "
					"(%.1f us; no --link-rate%s)\n",
					ar.thr_us, point_name((enum point)order[0]), ar.ref_us,
					npoints == 1 ? "; one point, its own: compression of more than "
						       "10 % of the ACKs hides in it, give an upstream "
						       "point or --link-rate"
						     : "");
			if (!thr_ok)
				fprintf(out, "    (the reference is 0: more than 10 %% of the ACKs at %s "
					     "share a stamp; no compressed fraction)\n",
					point_name((enum point)order[0]));
			fprintf(out, "    %-7s %8s %10s %10s %10s %11s %11s\n", "point", "acks",
				"p10 us", "p50 us", "p90 us", "compressed", "burstiness");
		}
		for (int k = 0; k < np; k++) {
			int p = order[k];
			struct aflow *f = fa[p];
			double interval = c->burst_ms, rtt_ms = NAN;
			const char *isrc = "fixed";
			bool ladder = false;
			if (c->burst_rtt) {
				struct match_flow_key dk; /* the data the ACKs answer */
				match_flow_key_reverse(&r->key, &dk);
				double us;
				if (rtt && rtt_set_flow_p50(rtt, (enum point)p, &dk, &us) == 0) {
					interval = rtt_ms = us / 1e3;
					isrc = "rtt";
					ladder = true;
				} else {
					isrc = "fixed (no RTT samples)";
				}
			}
			uint64_t nint;
			double cv = burstiness(s, f, ladder, &interval, &nint);
			double cfb = 0;
			double cf = thr_ok ? bview_frac_below(&vw[p].w, ar.thr_us, thr_err, &cfb) : NAN;
			bool sk = vw[p].w.sketched, cf_sk = thr_ok && (sk || thr_err > 0);
			if (text) {
				char b[32] = "-", q1[40], q2[40], q3[40];
				if (!isnan(cv))
					snprintf(b, sizeof b, "%.3f", cv);
				fprintf(out, "    %-7s %8llu %10s %10s %10s %11s %11s\n",
					point_name((enum point)p), (unsigned long long)f->acks,
					fig(q1, sizeof q1, "%.1f", p10[p], sk),
					fig(q2, sizeof q2, "%.1f", ds[p].p50, sk),
					fig(q3, sizeof q3, "%.1f", ds[p].p90, sk),
					approx_pct(b1, sizeof b1, cf, cf_sk), b);
				approx |= sk || cf_sk;
			}
			if (root) {
				json_t *edges = json_array(), *counts = json_array(), *cdf = json_array();
				uint64_t cum = 0;
				for (size_t i = 0; i <= hp[p].nb; i++)
					json_array_append_new(edges, json_real(hp[p].edge[i]));
				for (size_t i = 0; i < hp[p].nb; i++) {
					cum += hp[p].count[i];
					json_array_append_new(counts,
							      json_integer((json_int_t)hp[p].count[i]));
					json_array_append_new(
					    cdf, json_real((double)cum / (double)bvec_count(&f->ia)));
				}
				json_t *o = json_pack(
				    "{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:s, s:s, s:o}", "flow", name,
				    "point", point_name((enum point)p), "direction",
				    !guest ? "unknown" : toward ? "to_guest" : "from_guest", "acks",
				    (json_int_t)f->acks, "interarrival_us", report_dist_json(&ds[p]),
				    "threshold_us", ar.thr_us, "reference_us", ar.ref_us,
				    "reference_source", ar.src, "reference_reason", ar.why,
				    "compressed_fraction", real_or_null(cf));
				if (!thr_ok)
					json_object_set_new(
					    o, "compressed_reason",
					    json_string("the reference is 0: more than 10 % of the ACKs "
							"upstream share a stamp"));
				if (ref_err > 0)
					json_object_set_new(o, "reference_error_us", json_real(ref_err));
				if (cf_sk)
					json_object_set_new(o, "compressed_fraction_bound",
							    json_real(cfb));
				json_t *jh = json_pack("{s:o, s:o, s:I, s:o}", "edges_us", edges,
						       "counts", counts, "over",
						       (json_int_t)hp[p].over, "cdf", cdf);
				if (sk) { /* counts from a sketch: some near an edge may be in the next bin */
					json_object_set_new(jh, "sketch_rel_error",
							    json_real(vw[p].d.sketch_rel));
					json_object_set_new(jh, "uncertain",
							    json_integer((json_int_t)hp[p].uncertain));
				}
				json_object_set_new(o, "hist", jh);
				json_t *jb = json_pack(
				    "{s:o, s:f, s:s, s:I, s:I}", "cv", real_or_null(cv), "interval_ms",
				    interval, "interval_source", isrc, "intervals", (json_int_t)nint,
				    "bytes_acked", (json_int_t)f->bytes);
				if (isnan(cv))
					json_object_set_new(jb, "cv_reason",
							    json_string("fewer than 2 complete intervals "
									"with octets acknowledged"));
				if (c->burst_rtt)
					json_object_set_new(jb, "rtt_ms", real_or_null(rtt_ms));
				json_object_set_new(o, "burstiness", jb);
				json_object_set_new(o, "restarts", json_integer((json_int_t)f->restarts));
				json_array_append_new(ja, o);
			}
		}
		/* pairs of this flow: every two points, along the ACKs' way */
		struct pgroup *g = (struct pgroup *)hashtab_find(
		    &s->pairs, hash_bytes(&r->key, sizeof r->key), &r->key,
		    offsetof(struct pgroup, flow), sizeof r->key);
		bool head = false;
		for (int pi = 0; g && pi < POINT_N; pi++) {
			for (int pj = pi + 1; pj < POINT_N; pj++) {
				struct pstream *ps = &g->s[pair_index(pi, pj)];
				uint64_t npairs = bvec_count(&ps->ratio);
				if (npairs == 0)
					continue;
				int k = along(pi, g->toward), m = along(pj, g->toward);
				struct view rv;
				if (view_open(&rv, &ps->ratio, s->rate[m] / s->rate[k]) != 0)
					goto nomem;
				struct dist rd = rv.d;
				double rp10 = rv.p10, cfb;
				double cf = bview_frac_below(&rv.w, ACK_RATIO_COMPRESSED, 0, &cfb);
				bool r_sk = rv.w.sketched;
				bview_close(&rv.w);
				double au = NAN, ad = NAN, aub = 0, adb = 0;
				if (c->link_rate_bps > 0 && vopen[k] && vopen[m]) {
					au = aligned(&vw[k].w, ar.ref_us, c->tolerance, &aub);
					ad = aligned(&vw[m].w, ar.ref_us, c->tolerance, &adb);
				}
				bool sk_k = vopen[k] && vw[k].w.sketched, sk_m = vopen[m] && vw[m].w.sketched;
				bool a_sk = sk_k || sk_m;
				if (text) {
					if (!head)
						fprintf(out,
							"    between points (ACKs seen at both; compressed: "
							"spacing ratio below %.1f)\n"
							"      %-16s %7s %7s %7s %7s %11s %15s %21s\n",
							ACK_RATIO_COMPRESSED, "from -> to", "pairs",
							"p10", "p50", "p90", "compressed",
							"aligned", "IQR us");
					head = true;
					char pr[40], al[40] = "-", iq[96], q1[40], q2[40];
					snprintf(pr, sizeof pr, "%s -> %s", point_name((enum point)k),
						 point_name((enum point)m));
					if (!isnan(au))
						snprintf(al, sizeof al, "%s -> %s",
							 approx_pct(b1, sizeof b1, au, a_sk),
							 approx_pct(b2, sizeof b2, ad, a_sk));
					snprintf(iq, sizeof iq, "%s -> %s",
						 fig(q1, sizeof q1, "%.1f", iqr[k], sk_k),
						 fig(q2, sizeof q2, "%.1f", iqr[m], sk_m));
					char r1[40], r2[40], r3[40];
					fprintf(out, "      %-16s %7llu %7s %7s %7s %11s %15s %21s\n",
						pr, (unsigned long long)npairs,
						fig(r1, sizeof r1, "%.3f", rp10, r_sk),
						fig(r2, sizeof r2, "%.3f", rd.p50, r_sk),
						fig(r3, sizeof r3, "%.3f", rd.p90, r_sk),
						approx_pct(b1, sizeof b1, cf, r_sk), al, iq);
					approx |= r_sk || a_sk;
					if (ps->out_of_order)
						fprintf(out, "      %-16s (%llu out of order: reordered, or "
							     "time stepped)\n", "",
							(unsigned long long)ps->out_of_order);
				}
				if (root) {
					json_t *o = json_pack(
					    "{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:I}", "flow", name,
					    "from", point_name((enum point)k), "to",
					    point_name((enum point)m), "pairs",
					    (json_int_t)npairs, "ratio", report_dist_json(&rd),
					    "ratio_threshold", ACK_RATIO_COMPRESSED,
					    "compressed_fraction", cf, "out_of_order",
					    (json_int_t)ps->out_of_order);
					json_t *sm = json_pack(
					    "{s:o, s:o, s:f, s:f}", "aligned_from", real_or_null(au),
					    "aligned_to", real_or_null(ad), "iqr_from_us", iqr[k],
					    "iqr_to_us", iqr[m]);
					if (isnan(au))
						json_object_set_new(
						    sm, "aligned_reason",
						    json_string(c->link_rate_bps > 0
								    ? "no inter-arrivals at a point"
								    : "needs --link-rate (the bottleneck's "
								      "clock)"));
					if (a_sk) {
						if (!isnan(au)) {
							json_object_set_new(sm, "aligned_from_bound",
									    json_real(aub));
							json_object_set_new(sm, "aligned_to_bound",
									    json_real(adb));
						}
						json_object_set_new(sm, "iqr_from_error_us",
								    json_real(sk_k ? vw[k].iqr_err : 0));
						json_object_set_new(sm, "iqr_to_error_us",
								    json_real(sk_m ? vw[m].iqr_err : 0));
					}
					if (r_sk)
						json_object_set_new(o, "compressed_fraction_bound",
								    json_real(cfb));
					json_object_set_new(o, "smoothing", sm);
					json_array_append_new(jc, o);
				}
			}
		}
		if (text && np >= 2)
			draw(out, &hp[order[0]], &hp[order[np - 1]], order[0], order[np - 1]);
		for (int p = 0; p < POINT_N; p++)
			if (vopen[p]) {
				bview_close(&vw[p].w);
				vopen[p] = false;
			}
	}
	if (!root && nf > shown)
		fprintf(out, "\n  (%zu more ACK flows: --json lists them all)\n", nf - shown);
	if (approx)
		fprintf(out,
			"\n  ~: from a quantile sketch (a point or pair with more than %zu values "
			"keeps its distribution as a log-linear histogram): quantiles within %.4f %% "
			"of their magnitude, fractions within the bounds --json gives\n",
			stats_flow_cap(), 100 * ldexp(1.0, -SKETCH_BITS_FLOW));
	if (root) {
		json_object_set_new(root, "ack", ja);
		json_object_set_new(root, "ack_compression", jc);
		json_object_set_new(root, "ack_points", jp);
		ja = jc = jp = NULL;
	}
	rc = 0;
	goto out;
nomem:
	verr_set(err, VERR_NOMEM, "out of memory");
out:
	json_decref(ja);
	json_decref(jc);
	json_decref(jp);
	for (int p = 0; p < POINT_N; p++) {
		hist_free(&hp[p]);
		if (vopen[p])
			bview_close(&vw[p].w);
	}
	free(fr);
	return rc;
}

int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg,
		   bool allow_truncated, FILE *out, bool json, struct verr *err)
{
	struct ack_set *s = ack_set_create(cfg, (uint8_t)(1u << p));
	if (s == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1, got;
	uint64_t records = 0;
	json_t *root = NULL;
	struct rtt_set *rs = NULL; /* burst_rtt: the round trips at this point */
	struct rtt_tracker *rt = NULL;
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		goto out;
	if (cfg->burst_rtt) {
		struct rtt_run_opts ro;
		memset(&ro, 0, sizeof ro);
		ro.file[p] = path;
		ro.allow_truncated = allow_truncated;
		rtt_cfg_default(&ro.cfg);
		if ((rs = rtt_set_create(&ro)) == NULL || (rt = rtt_set_tracker(rs, p)) == NULL) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	struct rpacket rp;
	while ((got = reader_next(r, &rp, err)) == 1) {
		struct pkt pk;
		records++;
		if (dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk) !=
		    DIS_OK)
			continue;
		if (ack_push(&s->tr[p], &pk, rp.ts_ns) != 0 ||
		    (rt && pk.pclass == PROTO_TCP && rtt_push(rt, &pk, rp.ts_ns) != 0)) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (rt) {
		rtt_set_finish(rs, p, rt, records); /* deletes rt */
		rt = NULL;
	}
	if (got != 0 || ack_set_finish(s) != 0)
		goto out;
	if (json) {
		root = json_object();
		json_object_set_new(root, "schema", json_integer(1));
		json_object_set_new(root, "tool", json_string("vocalc"));
		json_object_set_new(root, "version", json_string(vocalc_version));
		json_t *pts = json_array();
		json_array_append_new(pts, json_pack("{s:s, s:s, s:I, s:n}", "name", point_name(p),
						     "file", path, "packets", (json_int_t)records,
						     "drops"));
		json_object_set_new(root, "points", pts);
	} else {
		fprintf(out, "%s: %s: %llu packets\n", point_name(p), path,
			(unsigned long long)records);
	}
	if (ack_set_write(s, out, root, NULL, rs, err) != 0)
		goto out;
	if (root) {
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', out);
	}
	rc = 0;
out:
	json_decref(root);
	reader_close(r);
	if (rt)
		rtt_set_finish(rs, p, rt, records);
	rtt_set_delete(rs);
	ack_set_delete(s);
	return rc;
}
