/* vo — see vo.h. */
#include "vo.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void vo_init(struct vo *v, uint8_t mask)
{
	memset(v, 0, sizeof *v);
	for (int p = 0; p < POINT_N; p++)
		if (mask & (1u << p))
			v->pt[v->npts++] = (enum point)p;
	v->has_vo = (mask & (1u << POINT_GUEST)) && v->npts >= 2;
}

/* floor(a / b), b > 0 */
static int64_t floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && a < 0);
}

/* The bins twice as wide, each two merged; -1 on no memory (unchanged). */
static int series_coarsen(struct vo_series *s)
{
	int64_t lo = floor_div(s->lo, 2), hi = floor_div(s->lo + (int64_t)s->nb - 1, 2);
	size_t nb = (size_t)(hi - lo + 1);
	struct sketch *bin = malloc(nb * sizeof *bin);
	if (bin == NULL)
		return -1;
	for (size_t i = 0; i < nb; i++)
		sketch_init(&bin[i], VO_SERIES_BITS);
	int rc = 0;
	for (size_t i = 0; i < s->nb; i++) {
		struct sketch *dst = &bin[floor_div(s->lo + (int64_t)i, 2) - lo];
		if (rc == 0 && s->bin[i].n > 0 && sketch_merge(dst, &s->bin[i]) != 0)
			rc = -1;
	}
	struct sketch *keep = rc == 0 ? s->bin : bin;
	size_t keep_n = rc == 0 ? s->nb : nb;
	for (size_t i = 0; i < keep_n; i++)
		sketch_free(&keep[i]);
	free(keep);
	if (rc == 0) {
		s->bin = bin;
		s->nb = nb;
		s->lo = lo;
		s->width *= 2;
	}
	return rc;
}

/* One delay (ns) at host time t into s; -1 on no memory. */
static int series_add(struct vo_series *s, int64_t t, int64_t delay)
{
	if (s->width == 0) {
		s->width = VO_SERIES_WIDTH_NS;
		s->origin = t;
	}
	for (;;) {
		int64_t k = floor_div(t - s->origin, s->width);
		if (s->nb == 0) {
			if ((s->bin = malloc(sizeof *s->bin)) == NULL)
				return -1;
			sketch_init(&s->bin[0], VO_SERIES_BITS);
			s->lo = k;
			s->nb = 1;
		}
		int64_t lo = k < s->lo ? k : s->lo;
		int64_t hi = k >= s->lo + (int64_t)s->nb ? k : s->lo + (int64_t)s->nb - 1;
		if (hi - lo + 1 > VO_SERIES_BINS) {
			if (series_coarsen(s) != 0)
				return -1;
			continue;
		}
		if (lo < s->lo || hi >= s->lo + (int64_t)s->nb) {
			size_t nb = (size_t)(hi - lo + 1);
			struct sketch *bin = realloc(s->bin, nb * sizeof *bin);
			if (bin == NULL)
				return -1;
			size_t shift = (size_t)(s->lo - lo);
			memmove(bin + shift, bin, s->nb * sizeof *bin);
			for (size_t i = 0; i < nb; i++)
				if (i < shift || i >= shift + s->nb)
					sketch_init(&bin[i], VO_SERIES_BITS);
			s->bin = bin;
			s->nb = nb;
			s->lo = lo;
		}
		return sketch_add(&s->bin[k - s->lo], delay);
	}
}

static void series_free(struct vo_series *s)
{
	for (size_t i = 0; i < s->nb; i++)
		sketch_free(&s->bin[i]);
	free(s->bin);
	int64_t origin = s->origin;
	bool started = s->width != 0;
	memset(s, 0, sizeof *s);
	if (started) { /* the origin stays: the delays to come count from it */
		s->origin = origin;
		s->width = VO_SERIES_WIDTH_NS;
	}
}

void vo_series_start(struct vo *v, int64_t t0_ns)
{
	for (int d = 0; d < DIR_N; d++) {
		v->series[d].width = VO_SERIES_WIDTH_NS;
		v->series[d].origin = t0_ns;
	}
}

static void acc_free_deferred(struct hop_acc *a)
{
	free(a->dv.v);
	a->dv.v = NULL;
	a->dv.n = a->dv.cap = 0;
}

static void acc_free(struct hop_acc *a)
{
	samples_free(&a->s);
	acc_free_deferred(a);
}

static void acc_drop_deferred(struct hop_acc *a) { a->dv.n = 0; }

/* fn on every row: each hop's, then the end-to-end ones. */
static void each_row(struct vo *v, void (*fn)(struct hop_acc *))
{
	for (int i = 0; i < POINT_N - 1; i++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = 0; p < PROTO_N; p++)
				fn(&v->hop[i][d][p]);
	for (int d = 0; d < DIR_N; d++)
		for (int p = 0; p < PROTO_N; p++)
			fn(&v->e2e[d][p]);
}

void vo_defer(struct vo *v)
{
	v->defer = true;
	v->defer_cap = VO_DEFER_CAP;
	const char *cap = getenv("VOCALC_DEFER_CAP"); /* tests: flushes on small traces */
	if (cap && atol(cap) >= 16)
		v->defer_cap = (uint64_t)atol(cap);
}

static int defer_push(struct vo *v, struct hop_acc *a, const struct journey_info *j, int64_t raw,
		      int guest_down)
{
	if (v->defer_drop)
		return 0;
	if (a->dv.n == a->dv.cap) {
		size_t cap = a->dv.cap ? a->dv.cap * 2 : 256;
		struct defer_sample *x = realloc(a->dv.v, cap * sizeof *x);
		if (x == NULL)
			return -1;
		a->dv.v = x;
		a->dv.cap = cap;
	}
	int64_t t = j->t[POINT_GUEST];
	if (v->deferred++ == 0 || t < v->defer_lo)
		v->defer_lo = t;
	if (v->deferred == 1 || t > v->defer_hi)
		v->defer_hi = t;
	a->dv.guest_down = guest_down;
	a->dv.v[a->dv.n++] = (struct defer_sample){t, raw > INT32_MAX	? INT32_MAX
						      : raw < INT32_MIN ? INT32_MIN
									: (int32_t)raw};
	return 0;
}

/* The row's deferred delays, corrected, into its samples; returns the number
 * below -impossible (e2e rows count them) or -1 on allocation failure.  The
 * row's buffer is kept for the delays to come. */
static long apply_row(struct hop_acc *a, const struct clock_model *m, int64_t coarse,
		      int64_t impossible, struct vo_series *ser)
{
	long below = 0;
	for (size_t i = 0; i < a->dv.n; i++) {
		const struct defer_sample *x = &a->dv.v[i];
		/* the guest stamp in host time by the model, against the coarse one */
		int64_t fine = clock_guest_to_host(m, x->t + coarse, 0) - x->t;
		int64_t d = (int64_t)x->raw + (a->dv.guest_down > 0 ? fine : -fine);
		below += d < -impossible;
		if (samples_push(&a->s, d) != 0)
			return -1;
		/* the time: the outer point's stamp, the corrected guest one less
		 * the delay toward the guest, plus the delay from it */
		if (ser && series_add(ser, x->t + fine - a->dv.guest_down * d, d) != 0)
			return -1;
	}
	a->dv.n = 0;
	return below;
}

int vo_apply_clock(struct vo *v, const struct clock_model *m, int64_t coarse_ns,
		   int64_t impossible_ns)
{
	for (int i = 0; i < POINT_N - 1; i++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = 0; p < PROTO_N; p++)
				if (apply_row(&v->hop[i][d][p], m, coarse_ns, 0, NULL) < 0)
					return -1;
	for (int d = 0; d < DIR_N; d++)
		for (int p = 0; p < PROTO_N; p++) {
			long below = apply_row(&v->e2e[d][p], m, coarse_ns, impossible_ns,
					       &v->series[d]);
			if (below < 0)
				return -1;
			v->e2e_impossible[d] += (uint64_t)below;
		}
	v->deferred = 0;
	return 0;
}

void vo_defer_drop(struct vo *v)
{
	v->defer_drop = true;
	v->deferred = 0;
	each_row(v, acc_drop_deferred);
	for (int d = 0; d < DIR_N; d++)
		series_free(&v->series[d]); /* the analysis is redone: its times too */
}

void vo_defer_end(struct vo *v)
{
	v->defer = false;
	each_row(v, acc_free_deferred);
}

void vo_free(struct vo *v)
{
	each_row(v, acc_free);
	for (int d = 0; d < DIR_N; d++)
		series_free(&v->series[d]);
}

bool vo_round_trip(const struct vo *v, double *p50_us)
{
	const struct dist *to = &v->sum_e2e[DIR_TO_GUEST][PROTO_ALL].d;
	const struct dist *from = &v->sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d;
	if (!v->has_vo || to->n == 0 || from->n == 0)
		return false;
	*p50_us = to->p50 + from->p50;
	return true;
}

void vo_hop_ends(const struct vo *v, int i, enum direction d, enum point *up, enum point *down)
{
	*up = d == DIR_TO_GUEST ? v->pt[i] : v->pt[i + 1];
	*down = d == DIR_TO_GUEST ? v->pt[i + 1] : v->pt[i];
}

static void account(struct vo *v, struct hop_acc *a, const struct journey_info *j, enum point up,
		    enum point down)
{
	uint8_t ub = (uint8_t)(1u << up), db = (uint8_t)(1u << down);
	bool has_up = j->mask & ub, has_down = j->mask & db;
	if (has_up && has_down) {
		a->c.matched++;
		int64_t raw = j->t[down] - j->t[up];
		if (v->defer && (up == POINT_GUEST || down == POINT_GUEST)) {
			if (defer_push(v, a, j, raw, down == POINT_GUEST ? 1 : -1) != 0)
				v->failed = 1;
		} else if (samples_push(&a->s, raw) != 0) {
			v->failed = 1;
		}
	} else if (has_up) {
		if (j->covered & db)
			a->c.coalesced++;
		else if (!(j->flow_seen & db))
			a->c.bypass++;
		else if (j->outside & db)
			a->c.outside++;
		else
			a->c.unmatched++;
	} else if (has_down) {
		if (j->covered & ub)
			a->c.split++;
		else if (j->outside & ub)
			a->c.outside++;
		else
			a->c.unexpected++;
	}
}

void vo_journey(void *ctx, const struct journey_info *j)
{
	struct vo *v = ctx;
	enum direction d = (enum direction)j->dir;
	v->protos_seen |= (uint8_t)(1u << j->pclass);
	for (int i = 0; i + 1 < v->npts; i++) {
		enum point up, down;
		vo_hop_ends(v, i, d, &up, &down);
		account(v, &v->hop[i][d][j->pclass], j, up, down);
	}
	if (v->has_vo) {
		enum point outer = v->pt[0];
		if (d == DIR_TO_GUEST)
			account(v, &v->e2e[d][j->pclass], j, outer, POINT_GUEST);
		else
			account(v, &v->e2e[d][j->pclass], j, POINT_GUEST, outer);
		uint8_t both = (uint8_t)((1u << outer) | (1u << POINT_GUEST));
		if ((j->mask & both) == both && !v->defer) {
			int64_t dt = d == DIR_TO_GUEST ? j->t[POINT_GUEST] - j->t[outer]
						       : j->t[outer] - j->t[POINT_GUEST];
			v->e2e_impossible[d] += dt < -v->impossible_ns;
			if (series_add(&v->series[d], j->t[outer], dt) != 0)
				v->failed = 1;
		}
	}
	enum point first = v->pt[0], last = v->pt[v->npts - 1];
	if ((j->mask & (1u << first)) && (j->mask & (1u << last)) && v->npts >= 2) {
		int64_t dt = j->t[last] - j->t[first];
		int fam = j->family == 6;
		v->span_n[fam]++;
		v->span_neg[fam] += d == DIR_TO_GUEST ? dt < 0 : dt > 0;
	}
}

/* One row to summarize: the union of the protocol classes of `row` (all of
 * them for PROTO_ALL), into `out`. */
struct sum_task {
	const struct hop_acc *row;
	enum proto pr;
	struct hop_summary *out;
};

struct sum_job {
	struct sum_task *t;
	size_t n;
	_Atomic size_t next;
	_Atomic int failed;
};

static void summarize_row(const struct sum_task *t, int *failed)
{
	const struct samples *sets[PROTO_N];
	size_t k = 0;
	struct hop_counts *c = &t->out->c;
	memset(c, 0, sizeof *c);
	for (int p = PROTO_TCP; p < PROTO_N; p++) {
		if (t->pr != PROTO_ALL && p != (int)t->pr)
			continue;
		const struct hop_counts *x = &t->row[p].c;
		c->matched += x->matched;
		c->unmatched += x->unmatched;
		c->coalesced += x->coalesced;
		c->split += x->split;
		c->unexpected += x->unexpected;
		c->bypass += x->bypass;
		c->outside += x->outside;
		sets[k++] = &t->row[p].s;
	}
	if (dist_of(&t->out->d, sets, k) != 0)
		*failed = 1;
}

static void *sum_worker(void *arg)
{
	struct sum_job *job = arg;
	size_t i;
	while ((i = atomic_fetch_add(&job->next, 1)) < job->n) {
		int failed = 0;
		summarize_row(&job->t[i], &failed);
		if (failed)
			atomic_store(&job->failed, 1);
	}
	return NULL;
}

int vo_summarize(struct vo *v, int threads)
{
	struct sum_task t[(POINT_N - 1 + 1) * DIR_N * PROTO_N];
	size_t n = 0;
	/* the unions ("all") first: the biggest jobs start first */
	for (int pass = 0; pass < 2; pass++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = PROTO_ALL; p < PROTO_N; p++) {
				if ((p == PROTO_ALL) != (pass == 0))
					continue;
				for (int i = 0; i + 1 < v->npts; i++)
					t[n++] = (struct sum_task){v->hop[i][d], (enum proto)p,
								   &v->sum_hop[i][d][p]};
				if (v->has_vo)
					t[n++] = (struct sum_task){v->e2e[d], (enum proto)p,
								   &v->sum_e2e[d][p]};
			}
	struct sum_job job = {.t = t, .n = n};
	pthread_t th[8];
	int started = 0;
	for (int i = 1; i < threads && i <= 8; i++)
		if (pthread_create(&th[started], NULL, sum_worker, &job) == 0)
			started++;
	sum_worker(&job); /* this thread works too, so none started is fine */
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return atomic_load(&job.failed) ? -1 : 0;
}
