/* analysis — see analysis.h. */
#include "analysis.h"

#include <stdlib.h>
#include <string.h>

#include "rtt_set.h"

void analysis_clock_span(const struct analysis *a, struct clock_span *cs)
{
	memset(cs, 0, sizeof *cs);
	const struct point_stats *g = &a->pt[POINT_GUEST];
	if (!a->o.file[POINT_GUEST] || a->clock.method == CLOCK_NONE || g->first_ns > g->last_ns)
		return;
	cs->known = true;
	cs->t[0] = g->first_ns;
	cs->t[2] = g->last_ns;
	cs->t[1] = g->first_ns + (g->last_ns - g->first_ns) / 2;
	for (int i = 0; i < 3; i++) {
		/* the segment in force then: the last to start before */
		const struct clock_segment *s = &a->clock.seg[0];
		for (int k = 1; k < a->clock.nseg; k++)
			if (a->clock.seg[k].start_ns <= cs->t[i])
				s = &a->clock.seg[k];
		cs->offset_ns[i] = clock_segment_offset(s, cs->t[i]);
	}
}

void analysis_free(struct analysis *a)
{
	rtt_set_delete(a->rtt);
	a->rtt = NULL;
	ack_set_delete(a->ack);
	a->ack = NULL;
	guestrt_delete(a->grt);
	a->grt = NULL;
	vo_free(&a->vo);
	free(a->plot_pairs);
	a->plot_pairs = NULL;
	a->nplot_pairs = 0;
}

void analysis_opts_default(struct analysis_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int p = 0; p < POINT_N; p++)
		o->drops[p] = -1;
	o->window_ns = 1000LL * 1000000;
	o->clock_choice = CHOOSE_AUTO;
	ack_cfg_default(&o->ack);
}
