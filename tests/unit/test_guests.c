/* Unit tests: the ranking of a run's guests (guests.h) — by the clock-free
 * VO round trip (p50 to_guest + p50 from_guest), worst first; a guest with
 * no VO, or a direction without a matched packet, after every guest with
 * one; ties by name. */
#include <string.h>

#include "guests.h"
#include "tcheck.h"

/* Guest i named name, with a VO of medians to/from (us); n 0: that
 * direction matched nothing; has_vo false: no guest capture. */
static void set(struct guests_report *r, int i, const char *name, bool has_vo, double to,
		double from, size_t n)
{
	struct guest_result *g = &r->g[i];
	g->name = name;
	g->login = has_vo;
	g->a.vo.has_vo = has_vo;
	g->a.vo.sum_e2e[DIR_TO_GUEST][PROTO_ALL].d.p50 = to;
	g->a.vo.sum_e2e[DIR_TO_GUEST][PROTO_ALL].d.n = n;
	g->a.vo.sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d.p50 = from;
	g->a.vo.sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d.n = has_vo ? 100 : 0;
}

int main(void)
{
	struct guests_report r;
	CHECK_EQ(guests_alloc(&r, 6), 0);
	set(&r, 0, "small", true, 100, 50, 100);     /* 150 */
	set(&r, 1, "nologin", false, 0, 0, 0);       /* no VO */
	set(&r, 2, "big", true, 3000, 500, 100);     /* 3500 */
	set(&r, 3, "b-tie", true, 1000, 500, 100);   /* 1500 */
	set(&r, 4, "a-tie", true, 500, 1000, 100);   /* 1500: before b-tie by name */
	set(&r, 5, "oneway", true, 9000, 500, 0);    /* to_guest matched nothing: no round trip */
	double rt;
	CHECK(vo_round_trip(&r.g[2].a.vo, &rt) && rt == 3500);
	CHECK(!vo_round_trip(&r.g[1].a.vo, &rt));
	CHECK(!vo_round_trip(&r.g[5].a.vo, &rt));
	guests_rank(&r);
	static const char *const want[] = {"big", "a-tie", "b-tie", "small", "nologin", "oneway"};
	for (int i = 0; i < 6; i++)
		CHECK(strcmp(r.g[r.rank[i]].name, want[i]) == 0);
	/* ranked again: the same order (the sort reads the analyses, not the last order) */
	guests_rank(&r);
	for (int i = 0; i < 6; i++)
		CHECK(strcmp(r.g[r.rank[i]].name, want[i]) == 0);
	guests_free(&r);
	CHECK(r.n == 0 && r.g == NULL && r.rank == NULL);
	/* no guests: nothing to rank, and nothing to free */
	CHECK_EQ(guests_alloc(&r, 0), 0);
	guests_rank(&r);
	guests_free(&r);
	return tcheck_done("test_guests");
}
