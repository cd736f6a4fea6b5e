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

/* A growable float array, bounded: a uniform sample of SAMPLE_CAP values
 * once more were seen (stats.h). */
struct fvec {
	float *v;
	size_t n, cap;
	uint64_t seen, rng;
};

static int fvec_push(struct fvec *a, float x)
{
	long slot = reservoir_slot(&a->seen, &a->rng, a->n, SAMPLE_CAP);
	if (slot < 0)
		return 0;
	if ((size_t)slot < a->n) {
		a->v[slot] = x;
		return 0;
	}
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 64;
		float *v = realloc(a->v, cap * sizeof *v);
		if (v == NULL)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->v[a->n++] = x;
	return 0;
}

enum { FINE_NS = 100000 }; /* burst_rtt resolution: 100 us */

/* One ACK direction at one point. */
struct aflow {
	struct hnode hn;
	struct match_flow_key key;
	uint32_t last_ack;
	int64_t last_t, t_first;
	uint64_t acks, bytes;
	struct fvec ia; /* inter-arrivals, us */
	/* burstiness, fixed interval: complete intervals so far */
	int64_t cur;
	uint64_t cur_bytes, nint;
	double sum, sumsq;
	/* burst_rtt: octets acknowledged per 100 us */
	uint32_t *fine;
	size_t nfine, capfine;
};

struct ack_tracker {
	const struct ack_cfg *cfg;
	enum point p;
	struct hashtab flows;
	struct aflow *last; /* the last packet's flow: bulk traffic repeats it */
	int failed;
};

/* A pair stream: one ACK direction between two points. */
struct pkey {
	struct match_flow_key flow;
	uint8_t up, down, pad[2];
};

struct pflow {
	struct hnode hn;
	struct pkey k;
	uint32_t last_ack;
	bool have;
	int64_t lu, ld;
	struct fvec ratio;
};

/* An ACK seen at both points of a pair, waiting to be ordered by its
 * downstream stamp. */
struct pent {
	struct pkey k;
	int64_t tu, td;
	uint32_t ack;
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
	enum point inner; /* the innermost point given */
	struct ack_tracker tr[POINT_N];
	struct hashtab pairs;
	struct pent *heap; /* min-heap by td */
	size_t nheap, capheap;
	int64_t max_td;
	int failed;
};

struct ack_set *ack_set_create(const struct ack_cfg *cfg, uint8_t points)
{
	struct ack_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->points = points;
	s->max_td = INT64_MIN;
	for (int p = 0; p < POINT_N; p++)
		if (points & (1u << p))
			s->inner = (enum point)p;
	if (hashtab_init(&s->pairs, 1 << 6) != 0) {
		free(s);
		return NULL;
	}
	for (int p = 0; p < POINT_N; p++) {
		s->tr[p].cfg = &s->cfg;
		s->tr[p].p = (enum point)p;
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
			free(f->ia.v);
			free(f->fine);
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
			free(((struct pflow *)x)->ratio.v);
	hashtab_free_nodes(&s->pairs);
	free(s->heap);
	free(s);
}

struct ack_tracker *ack_set_tracker(struct ack_set *s, enum point p)
{
	return (s->points & (1u << p)) ? &s->tr[p] : NULL;
}


static void csv_row(const struct ack_cfg *c, const struct match_flow_key *k, const char *point,
		    int64_t t, double ia_us, const char *from, double ratio)
{
	char fl[160];
	if (from)
		fprintf(c->csv, "%s,%s,%lld.%09lld,%.3f,%s,%.6f\n", match_flow_name(k, fl, sizeof fl),
			point, (long long)(t / 1000000000), (long long)(t % 1000000000), ia_us, from,
			ratio);
	else
		fprintf(c->csv, "%s,%s,%lld.%09lld,%.3f,,\n", match_flow_name(k, fl, sizeof fl), point,
			(long long)(t / 1000000000), (long long)(t % 1000000000), ia_us);
}

/* Octets acknowledged at t, into the burstiness series. */
static int acked(const struct ack_cfg *c, struct aflow *f, int64_t t, uint32_t bytes)
{
	f->bytes += bytes;
	if (c->burst_rtt) {
		size_t i = (size_t)((t - f->t_first) / FINE_NS);
		if (i >= f->capfine) {
			size_t cap = f->capfine ? f->capfine : 256;
			while (cap <= i)
				cap *= 2;
			uint32_t *v = realloc(f->fine, cap * sizeof *v);
			if (v == NULL)
				return -1;
			memset(v + f->capfine, 0, (cap - f->capfine) * sizeof *v);
			f->fine = v;
			f->capfine = cap;
		}
		f->fine[i] += bytes;
		if (i + 1 > f->nfine)
			f->nfine = i + 1;
		return 0;
	}
	int64_t len = (int64_t)(c->burst_ms * 1e6);
	int64_t idx = (t - f->t_first) / len;
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

int ack_push(struct ack_tracker *t, const struct pkt *pk, int64_t now)
{
	if (pk->pclass != PROTO_TCP || !pk->has_l4 || !(pk->tcp_flags & TCP_ACK) ||
	    (pk->tcp_flags & (TCP_SYN | TCP_RST)))
		return 0;
	struct match_flow_key k;
	match_flow_key_of(pk, false, &k);
	struct aflow *f = t->last;
	if (f == NULL || memcmp(&f->key, &k, sizeof k) != 0) {
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
		f->last_ack = pk->ack;
		f->last_t = f->t_first = now;
		f->acks = 1;
		t->last = f;
		return 0;
	}
	t->last = f;
	int32_t adv = (int32_t)(pk->ack - f->last_ack);
	bool pure = pk->payload == 0 && !(pk->tcp_flags & TCP_FIN);
	if (!(adv > 0 || (t->cfg->all_acks && pure)))
		return 0;
	double ia = (double)(now - f->last_t) / 1e3;
	if (fvec_push(&f->ia, (float)ia) != 0 ||
	    acked(t->cfg, f, now, adv > 0 ? (uint32_t)adv : 0) != 0) {
		t->failed = 1;
		return -1;
	}
	if (t->cfg->csv)
		csv_row(t->cfg, &k, point_name(t->p), now, ia, NULL, 0);
	f->acks++;
	f->last_t = now;
	if (adv > 0)
		f->last_ack = pk->ack;
	return 0;
}

/* ---- pairs across points ---- */

static bool pent_less(const struct pent *a, const struct pent *b) { return a->td < b->td; }

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

/* One ACK of a pair stream, in downstream order. */
static void pair_ack(struct ack_set *s, const struct pent *e)
{
	uint64_t h = hash_bytes(&e->k, sizeof e->k);
	struct pflow *f = (struct pflow *)hashtab_find(&s->pairs, h, &e->k,
						       offsetof(struct pflow, k), sizeof e->k);
	if (f == NULL) {
		if ((f = calloc(1, sizeof *f)) == NULL || hashtab_insert(&s->pairs, &f->hn, h) != 0) {
			free(f);
			s->failed = 1;
			return;
		}
		f->k = e->k;
	}
	if (f->have) {
		int32_t adv = (int32_t)(e->ack - f->last_ack);
		if (!(adv > 0 || (s->cfg.all_acks && e->pure)))
			return;
		int64_t du = e->tu - f->lu, dd = e->td - f->ld;
		if (du > 0) {
			double r = (double)dd / (double)du;
			if (fvec_push(&f->ratio, (float)r) != 0)
				s->failed = 1;
			if (s->cfg.csv)
				csv_row(&s->cfg, &e->k.flow, point_name((enum point)e->k.down), e->td,
					dd / 1e3, point_name((enum point)e->k.up), r);
		}
		if (adv > 0)
			f->last_ack = e->ack;
	} else {
		f->last_ack = e->ack;
		f->have = true;
	}
	f->lu = e->tu;
	f->ld = e->td;
}

static void flush(struct ack_set *s, int64_t before)
{
	struct pent e;
	while (s->nheap && s->heap[0].td < before) {
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
	uint8_t in = (uint8_t)s->inner;
	if (!(j->mask & (1u << in)))
		return;
	uint64_t fh = hash_bytes(&j->key->flow, sizeof j->key->flow);
	size_t slot = fh % SEEN_SLOTS;
	if (j->payload > 0 && s->seen[slot].hash == fh && s->seen[slot].ack == ack)
		return; /* data with the same cumulative ACK: not in the ACK stream */
	s->seen[slot].hash = fh;
	s->seen[slot].ack = ack;
	for (int p = 0; p < POINT_N; p++) {
		if (p == in || !(j->mask & (1u << p)))
			continue;
		struct pent e;
		memset(&e, 0, sizeof e);
		e.k.flow = j->key->flow;
		bool toward_inner = j->dir == DIR_TO_GUEST;
		e.k.up = toward_inner ? (uint8_t)p : in;
		e.k.down = toward_inner ? in : (uint8_t)p;
		e.tu = j->t[e.k.up];
		e.td = j->t[e.k.down];
		e.ack = ack;
		e.pure = j->payload == 0;
		if (heap_push(s, &e) != 0) {
			s->failed = 1;
			return;
		}
		if (e.td > s->max_td)
			s->max_td = e.td;
	}
	if (s->max_td > INT64_MIN + 2 * s->cfg.window_ns)
		flush(s, s->max_td - 2 * s->cfg.window_ns);
}

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
};

enum { MAX_BINS = 100000 };

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

static void hist_fill(struct hist *h, const float *v, size_t n)
{
	memset(h->count, 0, h->nb * sizeof *h->count);
	h->over = 0;
	for (size_t i = 0; i < n; i++) {
		double x = v[i];
		if (x >= h->edge[h->nb]) {
			h->over++;
			continue;
		}
		size_t lo = 0, hi = h->nb; /* edge[lo] <= x < edge[hi] */
		while (hi - lo > 1) {
			size_t mid = (lo + hi) / 2;
			if (x >= h->edge[mid])
				lo = mid;
			else
				hi = mid;
		}
		h->count[lo]++;
	}
}

/* Two points' histograms side by side, as bars, in at most 24 rows: a
 * person sees compression at a glance. */
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
	size_t group = (last + 24) / 24, rows = (last + group) / group;
	double top = 0;
	for (size_t r = 0; r < rows; r++) {
		uint64_t ca = 0, cb = 0;
		for (size_t i = r * group; i < (r + 1) * group && i < a->nb; i++) {
			ca += a->count[i];
			cb += b->count[i];
		}
		top = fmax(top, fmax((double)ca / (double)na, (double)cb / (double)nb));
	}
	fprintf(out, "    %-17s  %-34s  %-34s\n", "inter-arrival us", point_name((enum point)pa),
		point_name((enum point)pb));
	for (size_t r = 0; r <= rows; r++) {
		uint64_t ca = 0, cb = 0;
		char range[32];
		if (r < rows) {
			size_t hi = (r + 1) * group < a->nb ? (r + 1) * group : a->nb;
			for (size_t i = r * group; i < hi; i++) {
				ca += a->count[i];
				cb += b->count[i];
			}
			snprintf(range, sizeof range, "%7.1f - %-7.1f", a->edge[r * group], a->edge[hi]);
		} else {
			ca = a->over;
			cb = b->over;
			if (ca == 0 && cb == 0)
				break;
			snprintf(range, sizeof range, "%7.1f and more", a->edge[a->nb]);
		}
		double fa = (double)ca / (double)na, fb = (double)cb / (double)nb;
		int wa = (int)lround(fa / top * 26), wb = (int)lround(fb / top * 26);
		fprintf(out, "    %-17s %5.1f%% %-26.*s  %5.1f%% %-26.*s\n", range, 100 * fa, wa, BAR,
			100 * fb, wb, BAR);
	}
}

/* The centre of the fullest bin (arithmetic or geometric), or 0. */
static double hist_mode(const struct hist *h, bool log_bins)
{
	size_t best = 0;
	for (size_t i = 1; i < h->nb; i++)
		if (h->count[i] > h->count[best])
			best = i;
	if (h->count[best] == 0)
		return 0;
	double a = h->edge[best], b = h->edge[best + 1];
	return log_bins && a > 0 ? sqrt(a * b) : (a + b) / 2;
}

/* The distribution of a's values (n > 0), its 10th percentile and its
 * interquartile range (the order statistics at floor(q (n - 1))); -1 when
 * memory is exhausted. */
static int fvec_dist(const struct fvec *a, struct dist *ds, double *p10, double *iqr)
{
	double *d = malloc(a->n * sizeof *d);
	if (d == NULL)
		return -1;
	for (size_t i = 0; i < a->n; i++)
		d[i] = a->v[i];
	dist_of_doubles(ds, d, a->n); /* sorts d */
	double last = (double)(a->n - 1);
	*p10 = d[(size_t)(0.1 * last)];
	*iqr = d[(size_t)(0.75 * last)] - d[(size_t)(0.25 * last)];
	free(d);
	return 0;
}

static double frac_below(const struct fvec *a, double thr)
{
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++)
		k += a->v[i] < thr;
	return a->n ? (double)k / (double)a->n : 0;
}

/* Share of inter-arrivals within tolerance of a whole multiple of ref. */
static double aligned(const struct fvec *a, double ref, double tol)
{
	if (a->n == 0 || !(ref > 0))
		return 0;
	size_t k = 0;
	for (size_t i = 0; i < a->n; i++) {
		double m = round(a->v[i] / ref);
		k += m >= 1 && fabs(a->v[i] - m * ref) <= tol * ref;
	}
	return (double)k / (double)a->n;
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
	double ref_us;
	char ref_src[48];
	bool toward;
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

/* Burstiness at a point: coefficient of variation and the intervals used. */
static double burstiness(const struct ack_set *s, const struct aflow *f, double interval_ms,
			 uint64_t *nint)
{
	double n = 0, sum = 0, sumsq = 0;
	if (s->cfg.burst_rtt) {
		size_t k = (size_t)llround(interval_ms * 1e6 / FINE_NS);
		if (k < 1)
			k = 1;
		/* the intervals wholly before the one holding the last ACK (in
		 * bin nfine - 1), as the fixed-interval series counts them */
		for (size_t i = 0; i + k < f->nfine; i += k) {
			double b = 0;
			for (size_t j = i; j < i + k; j++)
				b += f->fine[j];
			n++;
			sum += b;
			sumsq += b * b;
		}
	} else {
		n = (double)f->nint;
		sum = f->sum;
		sumsq = f->sumsq;
	}
	*nint = (uint64_t)n;
	if (n < 2 || !(sum > 0))
		return NAN;
	double mean = sum / n, var = sumsq / n - mean * mean;
	return sqrt(var > 0 ? var : 0) / mean;
}


int ack_set_write(struct ack_set *s, FILE *out, json_t *root, const struct addrset *guest,
		  struct rtt_set *rtt, struct verr *err)
{
	const struct ack_cfg *c = &s->cfg;
	struct hist h, hp[POINT_N];
	memset(&h, 0, sizeof h);
	memset(hp, 0, sizeof hp);
	int rc = -1;
	json_t *ja = NULL, *jc = NULL;
	/* the ACK flows at any point (each point's, sorted by key and merged),
	 * busiest first, with their references */
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
				if (f->ia.n > 0)
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
	if (hist_init(c, &h) != 0)
		goto nomem;
	for (int p = 0; p < POINT_N; p++)
		if ((s->points & (1u << p)) && hist_init(c, &hp[p]) != 0)
			goto nomem;
	for (size_t j = 0; j < nf; j++) {
		struct flowrep *r = &fr[j];
		r->toward = toward_guest(&r->key, guest);
		if (c->link_rate_bps > 0) {
			r->ref_us = c->packet_bytes * 8 / c->link_rate_bps * 1e6;
			snprintf(r->ref_src, sizeof r->ref_src, "link rate");
			continue;
		}
		/* the first point along the ACKs' way that saw them */
		for (int k = 0; k < POINT_N; k++) {
			int p = r->toward ? k : POINT_N - 1 - k;
			struct aflow *f = aflow_at(s, p, &r->key);
			if (f && f->ia.n) {
				hist_fill(&h, f->ia.v, f->ia.n);
				r->ref_us = hist_mode(&h, c->log_bins);
				snprintf(r->ref_src, sizeof r->ref_src, "mode at %s",
					 point_name((enum point)p));
				break;
			}
		}
	}
	if (root) {
		ja = json_array();
		jc = json_array();
	} else {
		fprintf(out, "\nACK inter-arrival (ACKs advancing the cumulative ACK%s; compressed: "
			     "below the reference x %.2f)\n",
			c->all_acks ? ", and every pure ACK" : "", 1 - c->tolerance);
		if (nf == 0)
			fprintf(out, "  no TCP flow with two ACKs or more\n");
	}
	size_t shown = 0;
	for (size_t j = 0; j < nf; j++) {
		struct flowrep *r = &fr[j];
		char name[160];
		match_flow_name(&r->key, name, sizeof name);
		double thr = r->ref_us * (1 - c->tolerance);
		bool text = !root && shown < 4 && r->acks >= 10;
		if (text) {
			shown++;
			fprintf(out, "\n  %s  (ACKs %s; reference %.1f us, %s)\n", name,
				!guest ? "" : r->toward ? "toward the guest" : "from the guest",
				r->ref_us, r->ref_src);
			fprintf(out, "    %-7s %8s %10s %10s %10s %11s %11s\n", "point", "acks",
				"p10 us", "p50 us", "p90 us", "compressed", "burstiness");
		}
		int order[POINT_N], np = 0;
		double iqr[POINT_N] = {0}; /* interquartile range of the inter-arrivals, us */
		for (int k = 0; k < POINT_N; k++) {
			int p = r->toward || !guest ? k : POINT_N - 1 - k;
			struct aflow *f = aflow_at(s, p, &r->key);
			if (f == NULL || f->ia.n == 0)
				continue;
			struct dist ds;
			double p10;
			if (fvec_dist(&f->ia, &ds, &p10, &iqr[p]) != 0)
				goto nomem;
			hist_fill(&hp[p], f->ia.v, f->ia.n);
			order[np++] = p;
			double interval = c->burst_ms;
			const char *isrc = "fixed";
			if (c->burst_rtt) {
				struct match_flow_key dk; /* the data the ACKs answer */
				match_flow_key_reverse(&r->key, &dk);
				double us;
				if (rtt && rtt_set_flow_p50(rtt, (enum point)p, &dk, &us) == 0) {
					interval = us / 1e3;
					isrc = "rtt";
				} else {
					isrc = "fixed (no RTT samples)";
				}
			}
			uint64_t nint;
			double cv = burstiness(s, f, interval, &nint);
			double cf = frac_below(&f->ia, thr);
			if (text) {
				char b[32] = "-";
				if (!isnan(cv))
					snprintf(b, sizeof b, "%.3f", cv);
				fprintf(out, "    %-7s %8llu %10.1f %10.1f %10.1f %10.1f%% %11s\n",
					point_name((enum point)p), (unsigned long long)f->acks, p10,
					ds.p50, ds.p90, 100 * cf, b);
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
					json_array_append_new(cdf, json_real((double)cum /
									     (double)f->ia.n));
				}
				json_t *o = json_pack(
				    "{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:s, s:f, s:{s:o, s:o, s:I, s:o}}",
				    "flow", name, "point", point_name((enum point)p), "direction",
				    !guest ? "unknown" : r->toward ? "to_guest" : "from_guest", "acks",
				    (json_int_t)f->acks, "interarrival_us", report_dist_json(&ds),
				    "threshold_us", thr, "reference_us", r->ref_us, "reference_source",
				    r->ref_src, "compressed_fraction", cf, "hist", "edges_us", edges,
				    "counts", counts, "over", (json_int_t)hp[p].over, "cdf", cdf);
				json_object_set_new(
				    o, "burstiness",
				    json_pack("{s:o, s:f, s:s, s:I, s:I}", "cv",
					      isnan(cv) ? json_null() : json_real(cv), "interval_ms",
					      interval, "interval_source", isrc, "intervals",
					      (json_int_t)nint, "bytes_acked", (json_int_t)f->bytes));
				if (f->ia.seen > f->ia.n) /* quantiles and counts from a sample */
					json_object_set_new(o, "sampled_from",
							    json_integer((json_int_t)f->ia.seen));
				json_array_append_new(ja, o);
			}
		}
		/* pairs of this flow */
		for (int k = 0; k < POINT_N; k++) {
			for (int m = 0; m < POINT_N; m++) {
				struct pkey pk;
				memset(&pk, 0, sizeof pk);
				pk.flow = r->key;
				pk.up = (uint8_t)k;
				pk.down = (uint8_t)m;
				struct pflow *pf = (struct pflow *)hashtab_find(
				    &s->pairs, hash_bytes(&pk, sizeof pk), &pk,
				    offsetof(struct pflow, k), sizeof pk);
				if (pf == NULL || pf->ratio.n == 0)
					continue;
				struct dist ds;
				double p10, riqr;
				if (fvec_dist(&pf->ratio, &ds, &p10, &riqr) != 0)
					goto nomem;
				double cf = frac_below(&pf->ratio, 1 - c->tolerance);
				struct aflow *fu = aflow_at(s, k, &r->key), *fd = aflow_at(s, m, &r->key);
				double iu = 0, id = 0, au = 0, ad = 0;
				if (fu && fd && fu->ia.n > 1 && fd->ia.n > 1) {
					iu = iqr[k];
					id = iqr[m];
					au = aligned(&fu->ia, r->ref_us, c->tolerance);
					ad = aligned(&fd->ia, r->ref_us, c->tolerance);
				}
				if (text)
					fprintf(out,
						"    %s -> %s: %zu pairs, spacing ratio p10 %.3f p50 %.3f "
						"p90 %.3f, %.1f%% compressed between them; aligned to the "
						"reference %.0f%% -> %.0f%%, IQR %.1f -> %.1f us\n",
						point_name((enum point)k), point_name((enum point)m),
						(size_t)pf->ratio.seen, p10, ds.p50,
						ds.p90, 100 * cf, 100 * au, 100 * ad, iu, id);
				if (root) {
					json_t *o = json_pack(
					    "{s:s, s:s, s:s, s:I, s:o, s:f, s:{s:f, s:f, s:f, s:f}}",
					    "flow", name, "from", point_name((enum point)k), "to",
					    point_name((enum point)m), "pairs", (json_int_t)pf->ratio.seen,
					    "ratio", report_dist_json(&ds), "compressed_fraction", cf,
					    "smoothing", "aligned_from", au, "aligned_to", ad,
					    "iqr_from_us", iu, "iqr_to_us", id);
					json_array_append_new(jc, o);
				}
			}
		}
		if (text && np >= 2)
			draw(out, &hp[order[0]], &hp[order[np - 1]], order[0], order[np - 1]);
	}
	if (!root && nf > shown)
		fprintf(out, "\n  (%zu more ACK flows: --json lists them all)\n", nf - shown);
	if (root) {
		json_object_set_new(root, "ack", ja);
		json_object_set_new(root, "ack_compression", jc);
		ja = jc = NULL;
	}
	rc = 0;
	goto out;
nomem:
	verr_set(err, VERR_INPUT, "out of memory");
out:
	json_decref(ja);
	json_decref(jc);
	hist_free(&h);
	for (int p = 0; p < POINT_N; p++)
		hist_free(&hp[p]);
	free(fr);
	return rc;
}

int ack_run_single(const char *path, enum point p, const struct ack_cfg *cfg,
		   bool allow_truncated, FILE *out, bool json, struct verr *err)
{
	struct ack_set *s = ack_set_create(cfg, (uint8_t)(1u << p));
	if (s == NULL)
		return verr_set(err, VERR_INPUT, "out of memory");
	int rc = -1, got;
	uint64_t records = 0;
	json_t *root = NULL;
	struct reader *r = reader_open(path, allow_truncated, err);
	if (r == NULL)
		goto out;
	struct rpacket rp;
	while ((got = reader_next(r, &rp, err)) == 1) {
		struct pkt pk;
		records++;
		if (dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk) !=
		    DIS_OK)
			continue;
		if (ack_push(&s->tr[p], &pk, rp.ts_ns) != 0) {
			verr_set(err, VERR_INPUT, "out of memory");
			goto out;
		}
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
	if (ack_set_write(s, out, root, NULL, NULL, err) != 0)
		goto out;
	if (root) {
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', out);
	}
	rc = 0;
out:
	json_decref(root);
	reader_close(r);
	ack_set_delete(s);
	return rc;
}
