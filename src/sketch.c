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
static inline uint64_t mag_of(int64_t v) { return v >= 0 ? (uint64_t)v : (uint64_t)(-(v + 1)) + 1; }

static inline int32_t key_of(int64_t v, int bits)
{
	uint32_t b = mag_bucket(mag_of(v), bits);
	return v >= 0 ? (int32_t)b : -(int32_t)b;
}

static int32_t key_min(int bits) { return -(int32_t)mag_bucket(1ull << 63, bits); }
static int32_t key_max(int bits) { return (int32_t)mag_bucket(INT64_MAX, bits); }

void sketch_init(struct sketch *s, int bits)
{
	assert(bits >= 2 && bits <= 24); /* keys fit int32 */
	memset(s, 0, sizeof *s);
	s->bits = bits;
}

void sketch_free(struct sketch *s)
{
	free(s->c32);
	free(s->c64);
	int bits = s->bits;
	sketch_init(s, bits);
}

static inline uint64_t counter(const struct sketch *s, size_t i)
{
	return s->c32 ? s->c32[i] : s->c64[i];
}

/* Extends the counters to cover keys a..b (a <= b), with room to spare on
 * the side that grew (half the length again, 64 at least), so a range that
 * widens slowly costs few copies. */
static int cover(struct sketch *s, int32_t a, int32_t b)
{
	int64_t olo = s->lo, ohi = (int64_t)s->lo + s->len - 1;
	if (s->len && a >= olo && b <= ohi)
		return 0;
	int64_t lo = s->len && olo < a ? olo : a, hi = s->len && ohi > b ? ohi : b;
	int64_t spare = s->len / 2 > 64 ? s->len / 2 : 64;
	if (s->len == 0) {
		lo -= spare / 2;
		hi += spare - spare / 2;
	} else if (a < olo) {
		lo -= spare;
		if (b > ohi)
			hi += spare;
	} else {
		hi += spare;
	}
	int64_t kmin = key_min(s->bits), kmax = key_max(s->bits);
	if (lo < kmin)
		lo = kmin;
	if (hi > kmax)
		hi = kmax;
	size_t len = (size_t)(hi - lo + 1), at = s->len ? (size_t)(olo - lo) : 0;
	if (s->c64) {
		uint64_t *c = calloc(len, sizeof *c);
		if (c == NULL)
			return -1;
		if (s->len)
			memcpy(c + at, s->c64, s->len * sizeof *c);
		free(s->c64);
		s->c64 = c;
	} else {
		uint32_t *c = calloc(len, sizeof *c);
		if (c == NULL)
			return -1;
		if (s->len)
			memcpy(c + at, s->c32, s->len * sizeof *c);
		free(s->c32);
		s->c32 = c;
	}
	s->lo = (int32_t)lo;
	s->len = (uint32_t)len;
	return 0;
}

/* uint32 counters to uint64, once a count could pass 2^32 - 1 (a counter
 * never exceeds n, so n decides). */
static int widen(struct sketch *s)
{
	if (s->c32 == NULL)
		return 0;
	uint64_t *c = malloc((s->len ? s->len : 1) * sizeof *c);
	if (c == NULL)
		return -1;
	for (size_t i = 0; i < s->len; i++)
		c[i] = s->c32[i];
	free(s->c32);
	s->c32 = NULL;
	s->c64 = c;
	return 0;
}

int sketch_add_n(struct sketch *s, int64_t v, uint64_t count)
{
	if (count == 0)
		return 0;
	int32_t k = key_of(v, s->bits);
	if (cover(s, k, k) != 0)
		return -1;
	if (s->c32 && s->n + count > UINT32_MAX && widen(s) != 0)
		return -1;
	size_t i = (size_t)((int64_t)k - s->lo);
	if (s->c32)
		s->c32[i] += (uint32_t)count;
	else
		s->c64[i] += count;
	if (s->n == 0) {
		s->min = s->max = v;
	} else {
		if (v < s->min)
			s->min = v;
		if (v > s->max)
			s->max = v;
	}
	s->sum += (__int128)v * (__int128)count;
	/* Chan's update with a group of count equal values (Welford for 1) */
	double na = (double)s->n, nb = (double)count;
	s->n += count;
	double delta = (double)v - s->mean, n = (double)s->n;
	s->mean += delta * nb / n;
	s->m2 += delta * delta * na * nb / n;
	return 0;
}

int sketch_add(struct sketch *s, int64_t v)
{
	int32_t k = key_of(v, s->bits);
	int64_t i = (int64_t)k - s->lo;
	/* the common case: inside the counters, uint32, far from overflow */
	if (s->c32 && i >= 0 && i < (int64_t)s->len && s->n > 0 && s->n < UINT32_MAX) {
		s->c32[i]++;
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
	return sketch_add_n(s, v, 1);
}

int sketch_merge(struct sketch *dst, const struct sketch *src)
{
	assert(dst->bits == src->bits);
	if (src->n == 0)
		return 0;
	int32_t a = key_of(src->min, src->bits), b = key_of(src->max, src->bits);
	if (cover(dst, a, b) != 0)
		return -1;
	if (dst->c32 && dst->n + src->n > UINT32_MAX && widen(dst) != 0)
		return -1;
	for (int32_t k = a; k <= b; k++) {
		uint64_t c = counter(src, (size_t)((int64_t)k - src->lo));
		size_t i = (size_t)((int64_t)k - dst->lo);
		if (dst->c32)
			dst->c32[i] += (uint32_t)c;
		else
			dst->c64[i] += c;
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

double sketch_rel_error(const struct sketch *s) { return ldexp(1.0, -s->bits); }

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

static void bucket_at(const struct sketch *s, size_t i, struct sketch_bucket *b)
{
	key_range(s, (int32_t)((int64_t)s->lo + (int64_t)i), &b->lo, &b->hi);
	b->rep = (double)b->lo + (double)((uint64_t)b->hi - (uint64_t)b->lo) / 2;
	b->count = counter(s, i);
}

bool sketch_next(const struct sketch *s, size_t *pos, struct sketch_bucket *b)
{
	for (size_t i = *pos; i < s->len; i++)
		if (counter(s, i)) {
			bucket_at(s, i, b);
			*pos = i + 1;
			return true;
		}
	*pos = s->len;
	return false;
}

double sketch_rank(const struct sketch *s, uint64_t r, double *err)
{
	assert(r < s->n);
	double e = 0, v;
	if (r == 0) {
		v = (double)s->min;
	} else if (r == s->n - 1) {
		v = (double)s->max;
	} else {
		uint64_t cum = 0;
		size_t i = 0;
		for (; i < s->len; i++) {
			cum += counter(s, i);
			if (cum > r)
				break;
		}
		assert(i < s->len);
		struct sketch_bucket b;
		bucket_at(s, i, &b);
		v = b.rep;
		e = (double)((uint64_t)b.hi - (uint64_t)b.lo) / 2;
	}
	if (err)
		*err = e;
	return v;
}

double sketch_quantile(const struct sketch *s, double q, double *err)
{
	assert(s->n > 0);
	double idx = q * (double)(s->n - 1);
	uint64_t lhs = (uint64_t)idx;
	double delta = idx - (double)lhs, ea, eb;
	if (lhs >= s->n - 1) {
		return sketch_rank(s, s->n - 1, err);
	}
	double a = sketch_rank(s, lhs, &ea), b = sketch_rank(s, lhs + 1, &eb);
	if (err)
		*err = (1 - delta) * ea + delta * eb;
	return (1 - delta) * a + delta * b;
}

uint64_t sketch_count_below(const struct sketch *s, double thr, uint64_t *sure, uint64_t *maybe)
{
	uint64_t est = 0, a = 0, b = 0;
	size_t pos = 0;
	struct sketch_bucket k;
	while (sketch_next(s, &pos, &k)) {
		if ((double)k.lo >= thr)
			break;
		b += k.count;
		if ((double)k.hi < thr)
			a += k.count;
		if (k.rep < thr)
			est += k.count;
	}
	if (sure)
		*sure = a;
	if (maybe)
		*maybe = b;
	return est;
}

size_t sketch_bytes(const struct sketch *s)
{
	return (size_t)s->len * (s->c32 ? sizeof *s->c32 : sizeof *s->c64);
}
