/* clock — the guest clock model; see clock.h.  The estimators that fill it
 * live in clock_fit.c. */
#include "clock.h"

#include <math.h>
#include <string.h>

const char *clock_method_name(enum clock_method m)
{
	static const char *const names[] = {"none", "manual", "hull", "probe", "regression"};
	return (unsigned)m < sizeof names / sizeof names[0] ? names[m] : "?";
}

void clock_model_none(struct clock_model *m)
{
	memset(m, 0, sizeof *m);
	m->method = CLOCK_NONE;
	m->nseg = 1;
}

void clock_model_manual(struct clock_model *m, int64_t t0_ns, double offset_ns, double skew_ppm)
{
	clock_model_none(m);
	m->method = CLOCK_MANUAL;
	m->seg[0].t0_ns = t0_ns;
	m->seg[0].offset_ns = offset_ns;
	m->seg[0].skew = skew_ppm * 1e-6;
}

int64_t clock_guest_to_host(const struct clock_model *m, int64_t guest_ns, uint64_t record)
{
	const struct clock_segment *s = &m->seg[0];
	for (int i = 1; i < m->nseg && record >= m->seg[i].first_record; i++)
		s = &m->seg[i];
	if (s->offset_ns == 0 && s->skew == 0)
		return guest_ns;
	/* guest = host + off + skew*(host - t0)  =>  host - t0 = (guest - t0 - off)/(1+skew).
	 * Work relative to t0 so the double keeps ns resolution. */
	double rel = (double)(guest_ns - s->t0_ns) - s->offset_ns;
	double host = (double)s->t0_ns + rel / (1.0 + s->skew);
	/* A model can put a guest stamp at a time no capture has (an offset
	 * given or fitted beyond the captures, a skew near -100 %): it lands
	 * at the end of the range, never an overflow (or NaN). */
	if (!(host > 0))
		return 0;
	if (host >= (double)CLOCK_HOST_MAX_NS)
		return CLOCK_HOST_MAX_NS;
	return s->t0_ns + (int64_t)llround(rel / (1.0 + s->skew));
}

double clock_segment_offset(const struct clock_segment *s, int64_t t_ns)
{
	return s->offset_ns + s->skew * (double)(t_ns - s->t0_ns);
}
