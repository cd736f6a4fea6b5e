/* sketch — see sketch.h. */
#include "sketch.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The bucket of a magnitude (sketch.h's b(m)). */
static inline uint32_t mag_bucket(uint64_t m, int bits)
{
	if (m < (1ull << bits))
		return (uint32_t)m;
	int sh = 63 - __builtin_clzll(m) - bits + 1;
	return ((uint32_t)sh << (bits - 1)) + (uint32_t)(m >> sh);
}

/* The magnitudes bucket b holds, [*lo, *hi]. */
static void mag_range(uint32_t b, int bits, uint64_t *lo, uint64_t *hi)
{
	if (b < (1u << bits)) {
		*lo = *hi = b;
		return;
	}
	uint32_t sh = (b >> (bits - 1)) - 1;
	uint64_t top = b - ((uint64_t)sh << (bits - 1));
	*lo = top << sh;
	*hi = *lo + ((1ull << sh) - 1);
}

/* |v| without overflow at INT64_MIN. */
static inline uint64_t mag_of(int64_t v)
{
	return v >= 0 ? (uint64_t)v : (uint64_t)(-(v + 1)) + 1;
}

static inline int32_t key_of(int64_t v, int bits)
{
	uint32_t b = mag_bucket(mag_of(v), bits);
	return v >= 0 ? (int32_t)b : -(int32_t)b;
}

static int32_t key_min(int bits)
{
	return -(int32_t)mag_bucket(1ull << 63, bits);
}
static int32_t key_max(int bits)
{
	return (int32_t)mag_bucket(INT64_MAX, bits);
}

/* Counters in pages of PAGE, allocated where values fall: the body of a
 * distribution fills its pages, a far outlier costs one page, not the
 * octaves between. */
enum { PAGE_BITS = 7, PAGE = 1 << PAGE_BITS };

void sketch_init(struct sketch *s, int bits)
{
	assert(bits >= 2 && bits <= 24); /* keys fit int32 */
	memset(s, 0, sizeof *s);
	s->bits = bits;
}

void sketch_free(struct sketch *s)
{
	for (uint32_t i = 0; i < s->npages; i++)
		free(s->page[i]);
	free(s->page);
	int bits = s->bits;
	sketch_init(s, bits);
}

static inline uint64_t counter(const struct sketch *s, const void *pg, size_t i)
{
	return s->wide ? ((const uint64_t *)pg)[i] : ((const uint32_t *)pg)[i];
}

/* floor(k / PAGE) * PAGE, for negative k too */
static int64_t page_floor(int64_t k)
{
	return k >= 0 ? k / PAGE * PAGE : -((-k + PAGE - 1) / PAGE) * PAGE;
}

/* Extends the page table to cover keys a..b (a <= b), with room to spare on
 * the side that grew (a quarter again, 16 pages at least), so a range that
 * widens slowly costs few copies.  The table is 8 octets a page. */
static int cover(struct sketch *s, int32_t a, int32_t b)
{
	int64_t olo = s->lo, ohi = (int64_t)s->lo + (int64_t)s->npages * PAGE - 1;
	if (s->npages && a >= olo && b <= ohi)
		return 0;
	int64_t lo = s->npages && olo < a ? olo : a, hi = s->npages && ohi > b ? ohi : b;
	int64_t spare = (int64_t)(s->npages / 4 > 16 ? s->npages / 4 : 16) * PAGE;
	if (s->npages && a < olo)
		lo -= spare;
	if (s->npages && b > ohi)
		hi += spare;
	int64_t kmin = key_min(s->bits), kmax = key_max(s->bits);
	lo = page_floor(lo < kmin ? kmin : lo);
	hi = hi > kmax ? kmax : hi;
	size_t np = (size_t)((hi - lo) / PAGE + 1),
	       at = s->npages ? (size_t)((olo - lo) / PAGE) : 0;
	void **t = calloc(np, sizeof *t);
	if (t == NULL)
		return -1;
	if (s->npages)
		memcpy(t + at, s->page, s->npages * sizeof *t);
	free(s->page);
	s->page = t;
	s->lo = (int32_t)lo;
	s->npages = (uint32_t)np;
	return 0;
}

/* uint32 counters to uint64, once a count could pass 2^32 - 1 (a counter
 * never exceeds n, so n decides). */
static int widen(struct sketch *s)
{
	if (s->wide)
		return 0;
	uint64_t **w = calloc(s->npages ? s->npages : 1, sizeof *w);
	if (w == NULL)
		return -1;
	for (uint32_t i = 0; i < s->npages; i++)
		if (s->page[i] && (w[i] = malloc(PAGE * sizeof **w)) == NULL) {
			for (uint32_t j = 0; j < i; j++)
				free(w[j]);
			free(w);
			return -1;
		}
	for (uint32_t i = 0; i < s->npages; i++) {
		if (!s->page[i])
			continue;
		for (size_t j = 0; j < PAGE; j++)
			w[i][j] = ((uint32_t *)s->page[i])[j];
		free(s->page[i]);
		s->page[i] = w[i];
	}
	free(w);
	s->wide = true;
	s->bytes *= 2;
	return 0;
}

/* The counter of key k grows by count (its page allocated when needed). */
static int bump(struct sketch *s, int32_t k, uint64_t count)
{
	if (cover(s, k, k) != 0)
		return -1;
	size_t i = (size_t)((int64_t)k - s->lo);
	void **pg = &s->page[i >> PAGE_BITS];
	size_t el = s->wide ? sizeof(uint64_t) : sizeof(uint32_t);
	if (*pg == NULL) {
		if ((*pg = calloc(PAGE, el)) == NULL)
			return -1;
		s->bytes += PAGE * el;
	}
	if (s->wide)
		((uint64_t *)*pg)[i & (PAGE - 1)] += count;
	else
		((uint32_t *)*pg)[i & (PAGE - 1)] += (uint32_t)count;
	return 0;
}

/* min, max, the sum, and Chan's update of the mean and squared deviations
 * with a group of count equal values (Welford's for one). */
static void moments_add(struct sketch *s, int64_t v, uint64_t count)
{
	if (s->n == 0) {
		s->min = s->max = v;
	} else {
		if (v < s->min)
			s->min = v;
		if (v > s->max)
			s->max = v;
	}
	s->sum += (__int128)v * (__int128)count;
	double na = (double)s->n, nb = (double)count;
	s->n += count;
	double delta = (double)v - s->mean, n = (double)s->n;
	s->mean += delta * nb / n;
	s->m2 += delta * delta * na * nb / n;
}

int sketch_add_n(struct sketch *s, int64_t v, uint64_t count)
{
	if (count == 0)
		return 0;
	if (!s->wide && s->n + count > UINT32_MAX && widen(s) != 0)
		return -1;
	if (bump(s, key_of(v, s->bits), count) != 0)
		return -1;
	moments_add(s, v, count);
	return 0;
}

int sketch_add(struct sketch *s, int64_t v)
{
	int64_t i = (int64_t)key_of(v, s->bits) - s->lo;
	/* the common case: a page that exists, uint32, far from overflow */
	if (!s->wide && i >= 0 && i < (int64_t)s->npages * PAGE && s->n > 0 && s->n < UINT32_MAX) {
		uint32_t *pg = s->page[i >> PAGE_BITS];
		if (pg) {
			pg[i & (PAGE - 1)]++;
			if (v < s->min)
				s->min = v;
			if (v > s->max)
				s->max = v;
			s->sum += v;
			s->n++;
			double delta = (double)v - s->mean;
			s->mean += delta / (double)s->n;
			s->m2 += delta * ((double)v - s->mean);
			return 0;
		}
	}
	return sketch_add_n(s, v, 1);
}

int sketch_merge(struct sketch *dst, const struct sketch *src)
{
	assert(dst->bits == src->bits);
	if (src->n == 0)
		return 0;
	if (!dst->wide && dst->n + src->n > UINT32_MAX && widen(dst) != 0)
		return -1;
	if (cover(dst, key_of(src->min, src->bits), key_of(src->max, src->bits)) != 0)
		return -1;
	for (uint32_t p = 0; p < src->npages; p++) {
		if (!src->page[p])
			continue;
		for (size_t j = 0; j < PAGE; j++) {
			uint64_t c = counter(src, src->page[p], j);
			if (c &&
			    bump(dst, (int32_t)((int64_t)src->lo + (int64_t)p * PAGE + (int64_t)j),
				 c) != 0)
				return -1; /* (out of memory midway: dst is partly merged) */
		}
	}
	if (dst->n == 0) {
		dst->min = src->min;
		dst->max = src->max;
	} else {
		if (src->min < dst->min)
			dst->min = src->min;
		if (src->max > dst->max)
			dst->max = src->max;
	}
	dst->sum += src->sum;
	double na = (double)dst->n, nb = (double)src->n;
	dst->n += src->n;
	double n = (double)dst->n, delta = src->mean - dst->mean;
	dst->mean += delta * nb / n;
	dst->m2 += src->m2 + delta * delta * na * nb / n;
	return 0;
}

double sketch_rel_error(const struct sketch *s)
{
	return ldexp(1.0, -s->bits);
}

double sketch_mean(const struct sketch *s)
{
	return s->n ? (double)((long double)s->sum / (long double)s->n) : 0;
}

double sketch_sd(const struct sketch *s)
{
	if (s->n < 2)
		return 0;
	double v = s->m2 / (double)(s->n - 1);
	return v > 0 ? sqrt(v) : 0;
}

/* The values key k can hold, clamped to [min, max]. */
static void key_range(const struct sketch *s, int32_t k, int64_t *lo, int64_t *hi)
{
	uint64_t mlo, mhi;
	mag_range((uint32_t)(k >= 0 ? k : -k), s->bits, &mlo, &mhi);
	__int128 a = k >= 0 ? (__int128)mlo : -(__int128)mhi;
	__int128 b = k >= 0 ? (__int128)mhi : -(__int128)mlo;
	if (a < s->min)
		a = s->min;
	if (b > s->max)
		b = s->max;
	*lo = (int64_t)a;
	*hi = (int64_t)b;
}

/* The bucket of key k with count c. */
static void bucket_of(const struct sketch *s, int64_t k, uint64_t c, struct sketch_bucket *b)
{
	key_range(s, (int32_t)k, &b->lo, &b->hi);
	b->rep = (double)b->lo + (double)((uint64_t)b->hi - (uint64_t)b->lo) / 2;
	b->count = c;
}

bool sketch_next(const struct sketch *s, size_t *pos, struct sketch_bucket *b)
{
	size_t end = (size_t)s->npages * PAGE;
	for (size_t i = *pos; i < end; i++) {
		const void *pg = s->page[i >> PAGE_BITS];
		if (pg == NULL) {
			i |= PAGE - 1; /* the next page */
			continue;
		}
		uint64_t c = counter(s, pg, i & (PAGE - 1));
		if (c) {
			bucket_of(s, (int64_t)s->lo + (int64_t)i, c, b);
			*pos = i + 1;
			return true;
		}
	}
	*pos = end;
	return false;
}

void sketch_ranks(const struct sketch *s, const uint64_t *r, int k, double *v, double *err)
{
	uint64_t cum = 0; /* values in the buckets before b */
	size_t pos = 0;
	struct sketch_bucket b = {0};
	bool have = false;
	for (int i = 0; i < k; i++) {
		assert(r[i] < s->n);
		if (have && r[i] < cum) { /* below the scan: start it again */
			cum = 0;
			pos = 0;
			have = false;
		}
		double e = 0;
		if (r[i] == 0) {
			v[i] = (double)s->min;
		} else if (r[i] == s->n - 1) {
			v[i] = (double)s->max;
		} else {
			/* one pass over the buckets for all the ranks, ascending */
			while (!have || cum + b.count <= r[i]) {
				if (have)
					cum += b.count;
				have = sketch_next(s, &pos, &b);
				assert(have);
			}
			v[i] = b.rep;
			e = (double)((uint64_t)b.hi - (uint64_t)b.lo) / 2;
		}
		if (err)
			err[i] = e;
	}
}

double sketch_rank(const struct sketch *s, uint64_t r, double *err)
{
	double v;
	sketch_ranks(s, &r, 1, &v, err);
	return v;
}

double sketch_quantile(const struct sketch *s, double q, double *err)
{
	assert(s->n > 0);
	double idx = q * (double)(s->n - 1);
	uint64_t r[2] = {(uint64_t)idx, (uint64_t)idx + 1};
	double delta = idx - (double)r[0], v[2], e[2];
	if (r[0] >= s->n - 1)
		return sketch_rank(s, s->n - 1, err);
	sketch_ranks(s, r, 2, v, e);
	if (err)
		*err = (1 - delta) * e[0] + delta * e[1];
	return (1 - delta) * v[0] + delta * v[1];
}

double sketch_count_below(const struct sketch *s, double thr, uint64_t *sure, uint64_t *maybe)
{
	double est = 0;
	uint64_t a = 0, b = 0;
	size_t pos = 0;
	struct sketch_bucket k;
	while (sketch_next(s, &pos, &k)) {
		if ((double)k.lo >= thr)
			break;
		b += k.count;
		if ((double)k.hi < thr) {
			a += k.count;
			est += (double)k.count;
		} else { /* the bucket across thr: the share of its integers below */
			double below = ceil(thr) - (double)k.lo,
			       all = (double)k.hi - (double)k.lo + 1;
			est += (double)k.count * below / all;
		}
	}
	if (sure)
		*sure = a;
	if (maybe)
		*maybe = b;
	return est;
}

size_t sketch_bytes(const struct sketch *s)
{
	return s->bytes + (size_t)s->npages * sizeof *s->page;
}
