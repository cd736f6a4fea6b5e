/* Unit tests: the clock model inverts exactly; distributions match known
 * answers; the hash table keeps insertion order across growth. */
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "hashtab.h"
#include "stats.h"
#include "tcheck.h"

static void test_clock(void)
{
	struct clock_model m;
	clock_model_none(&m);
	CHECK_EQ(clock_guest_to_host(&m, 123456789, 0), 123456789);

	/* guest = host + off + skew*(host - t0): the inverse recovers host to 1 ns
	 * over an hour, at offsets and skews far beyond real guests. */
	const int64_t t0 = 1700000000LL * 1000000000;
	const double offs[] = {-4136000.0, 0.0, 2500000.0, -3.6e12};
	const double skews[] = {73.0, -200.0, 0.0, 500.0};
	for (int i = 0; i < 4; i++) {
		clock_model_manual(&m, t0, offs[i], skews[i]);
		for (int64_t dt = 0; dt <= 3600LL * 1000000000; dt += 97LL * 1000000007) {
			int64_t host = t0 + dt;
			int64_t guest = host + llround(offs[i] + skews[i] * 1e-6 * (double)dt);
			CHECK_NEAR((double)(clock_guest_to_host(&m, guest, 0) - host), 0, 1);
		}
	}
	/* Two segments: a -1 ms step (backward) from record 100 on: the same
	 * guest time maps to two host times, told apart by the record. */
	clock_model_manual(&m, t0, 1000000.0, 0);
	m.nseg = 2;
	m.seg[1] = (struct clock_segment){.first_record = 100, .t0_ns = t0, .offset_ns = 0.0};
	CHECK_EQ(clock_guest_to_host(&m, t0 + 1000000, 99), t0);
	CHECK_EQ(clock_guest_to_host(&m, t0 + 1000000, 100), t0 + 1000000);
	CHECK_NEAR(clock_segment_offset(&m.seg[0], t0 + 1000000000), 1000000.0, 1e-6);
}

static void test_dist(void)
{
	struct samples s = {0};
	for (int i = 100; i >= 1; i--)
		samples_push(&s, i * 1000); /* 1..100 us, in reverse order */
	const struct samples *sets[] = {&s};
	struct dist d;
	dist_of(&d, sets, 1);
	CHECK_EQ(d.n, 100);
	CHECK_NEAR(d.min, 1, 1e-9);
	CHECK_NEAR(d.max, 100, 1e-9);
	/* GSL quantiles interpolate: index q*(n-1) */
	CHECK_NEAR(d.p50, 50.5, 1e-9);
	CHECK_NEAR(d.p90, 90.1, 1e-9);
	CHECK_NEAR(d.p99, 99.01, 1e-9);
	CHECK_NEAR(d.mean, 50.5, 1e-9);
	CHECK_NEAR(d.sd, 29.011491975882016, 1e-9);
	CHECK_EQ(s.v[0], 100000); /* the input is not sorted in place */

	/* the union of two sets equals the set of all */
	struct samples a = {0}, b = {0};
	for (int i = 1; i <= 100; i++)
		samples_push(i % 3 ? &a : &b, i * 1000);
	const struct samples *two[] = {&a, &b};
	struct dist u;
	dist_of(&u, two, 2);
	CHECK(memcmp(&u, &d, sizeof d) == 0);

	/* out of range values are clamped and counted, never wrapped */
	struct samples c = {0};
	samples_push(&c, 3000000000LL);
	samples_push(&c, -3000000000LL);
	CHECK_EQ(c.clipped, 2);
	CHECK_EQ(c.v[0], INT32_MAX);
	CHECK_EQ(c.v[1], INT32_MIN);

	/* quantiles by selection equal GSL's from fully sorted data, with and
	 * without ties (the second order statistic's two cases) */
	for (int trial = 0; trial < 200; trial++) {
		struct samples r = {0};
		size_t n = 1 + (size_t)(trial * 37 % 501);
		unsigned x = (unsigned)trial * 2654435761u + 1;
		int spread = trial % 3 == 0 ? 3 : 100000; /* few distinct values: ties */
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			samples_push(&r, (int64_t)((x >> 8) % (unsigned)spread) - spread / 2);
		}
		double *sorted = malloc(n * sizeof *sorted);
		for (size_t i = 0; i < n; i++)
			sorted[i] = r.v[i];
		struct dist ref;
		dist_of_doubles(&ref, sorted, n); /* gsl_sort + quantile_from_sorted_data */
		const struct samples *one[] = {&r};
		struct dist got;
		dist_of(&got, one, 1);
		CHECK_NEAR(got.p50 * 1e3, ref.p50, 1e-6);
		CHECK_NEAR(got.p90 * 1e3, ref.p90, 1e-6);
		CHECK_NEAR(got.p99 * 1e3, ref.p99, 1e-6);
		CHECK_NEAR(got.min * 1e3, ref.min, 1e-9);
		CHECK_NEAR(got.max * 1e3, ref.max, 1e-9);
		CHECK_NEAR(got.sd * 1e3, ref.sd, 1e-6);
		free(sorted);
		samples_free(&r);
	}

	struct samples e = {0};
	const struct samples *none[] = {&e};
	dist_of(&d, none, 1);
	CHECK_EQ(d.n, 0);
	samples_free(&s);
	samples_free(&a);
	samples_free(&b);
	samples_free(&c);
}

struct item {
	struct hnode hn;
	int key, order;
};

static void test_hashtab(void)
{
	struct hashtab t;
	CHECK_EQ(hashtab_init(&t, 2), 0);
	enum { N = 5000 };
	struct item *it = calloc(N, sizeof *it);
	for (int i = 0; i < N; i++) {
		it[i].key = i % 7; /* many equal keys: order among them must hold */
		it[i].order = i;
		hashtab_insert(&t, &it[i].hn, hash_bytes(&it[i].key, sizeof it[i].key));
	}
	CHECK_EQ(t.count, N);
	for (int k = 0; k < 7; k++) {
		uint64_t h = hash_bytes(&k, sizeof k);
		int last = -1, n = 0;
		for (struct hnode *x = hashtab_chain(&t, h); x; x = x->next) {
			struct item *i = (struct item *)x;
			if (x->hash != h || i->key != k)
				continue;
			CHECK(i->order > last);
			last = i->order;
			n++;
		}
		CHECK_EQ(n, N / 7 + (k < N % 7));
	}
	for (int i = 0; i < N; i += 2)
		hashtab_remove(&t, &it[i].hn);
	CHECK_EQ(t.count, N / 2);
	hashtab_free(&t);
	free(it);
}

int main(void)
{
	test_clock();
	test_dist();
	test_hashtab();
	return tcheck_done("test_clock_stats");
}
