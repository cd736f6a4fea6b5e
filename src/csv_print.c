/* csv_print — see csv_print.h. */
#include "csv_print.h"

#include "dissect.h"
#include "timefmt.h"

void csv_print_journey_header(FILE *f, const struct vo *v)
{
	fprintf(f, "flow,protocol,direction,payload");
	for (int i = 0; i < v->npts; i++)
		fprintf(f, ",t_%s", point_name(v->pt[i]));
	for (int i = 0; i + 1 < v->npts; i++)
		fprintf(f, ",%s_%s_us", point_name(v->pt[i]), point_name(v->pt[i + 1]));
	if (v->has_vo)
		fprintf(f, ",vo_us");
	fprintf(f, "\n");
}

/* ",X" with the delay from a to b in us, or "," when j missed either */
static void delay_cell(FILE *f, const struct journey_info *j, enum point a, enum point b)
{
	if ((j->mask & (1u << a)) && (j->mask & (1u << b)))
		fprintf(f, ",%.3f", (j->t[b] - j->t[a]) / 1e3);
	else
		fputs(",", f);
}

void csv_print_journey(FILE *f, const struct vo *v, const struct journey_info *j)
{
	char flow[128], t[TIMEFMT_LEN];
	flow_str(j->family, j->src, j->sport, j->dst, j->dport, flow, sizeof flow);
	fprintf(f, "%s,%s,%s,%u", flow, proto_name((enum proto)j->pclass),
		direction_name((enum direction)j->dir), j->payload);
	for (int i = 0; i < v->npts; i++) {
		enum point p = v->pt[i];
		if (j->mask & (1u << p))
			fprintf(f, ",%s", timefmt_stamp(t, j->t[p]));
		else
			fputs(",", f);
	}
	for (int i = 0; i + 1 < v->npts; i++) {
		enum point up, down;
		vo_hop_ends(v, i, (enum direction)j->dir, &up, &down);
		delay_cell(f, j, up, down);
	}
	if (v->has_vo) {
		enum point outer = v->pt[0];
		if (j->dir == DIR_TO_GUEST)
			delay_cell(f, j, outer, POINT_GUEST);
		else
			delay_cell(f, j, POINT_GUEST, outer);
	}
	fputc('\n', f);
}

int csv_print_clock_pairs(FILE *f, const struct clock_est *e, const struct clock_model *model)
{
	fprintf(f, "t_host,direction,guest_record,reading_us,offset_fit_us\n");
	size_t n = clock_est_npairs(e);
	for (size_t i = 0; i < n; i++) {
		struct clock_pair_row p;
		clock_est_pair(e, i, &p);
		const struct clock_segment *s = &model->seg[0];
		for (int k = 1; k < model->nseg && p.guest_record >= model->seg[k].first_record; k++)
			s = &model->seg[k];
		char t[TIMEFMT_LEN];
		fprintf(f, "%s,%s,%llu,%.3f,%.3f\n", timefmt_stamp(t, p.t_host_ns),
			direction_name(p.dir), (unsigned long long)p.guest_record, p.reading_ns / 1e3,
			clock_segment_offset(s, p.t_host_ns) / 1e3);
	}
	return ferror(f) ? -1 : 0;
}
