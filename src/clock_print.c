/* clock_print — the guest clock of an analysis (analyze.h: the model in
 * force, and the estimator's report when it was estimated) as text and as
 * CONTRACT.md's "clock" object: the one printer of the clock, which the
 * analysis, drift and rtt reports share. */
#include "clock_print.h"

#include <stdio.h>

#include "jsonout.h"
#include "timefmt.h"

json_t *clock_print_json(const struct analysis *a)
{
	const struct clock_model *c = &a->clock;
	const struct clock_segment *s = &c->seg[0];
	const struct clock_report *cr = a->clock_estimated ? &a->clock_rep : NULL;
	json_t *segs = json_array();
	for (int i = 0; i < c->nseg; i++) {
		json_t *o = json_pack("{s:f, s:f, s:f, s:f, s:I}", "start", c->seg[i].start_ns / 1e9,
				      "t0", c->seg[i].t0_ns / 1e9, "offset_us",
				      c->seg[i].offset_ns / 1e3, "skew_ppm", c->seg[i].skew * 1e6,
				      "first_guest_record", (json_int_t)c->seg[i].first_record);
		if (cr && i < cr->nseg) {
			const struct clock_seg_report *sr = &cr->seg[i];
			json_object_set_new(o, "pairs_to_guest", json_integer((json_int_t)sr->n_to));
			json_object_set_new(o, "pairs_from_guest", json_integer((json_int_t)sr->n_from));
			json_object_set_new(o, "error_bound_us", json_real(sr->error_bound_ns / 1e3));
			json_object_set_new(o, "min_rtt_us", json_real(sr->min_rtt_ns / 1e3));
			json_t *reg = json_object();
			json_object_set_new(reg, "hull",
					    json_pack("{s:f, s:f}", "offset_us",
						      (cr->coarse_ns + sr->hull_offset_ns) / 1e3,
						      "skew_ppm", sr->hull_skew * 1e6));
			if (sr->have_ols)
				json_object_set_new(
					reg, "ols",
					json_pack("{s:f, s:f}", "offset_us",
						  (cr->coarse_ns + sr->ols_offset_ns) / 1e3, "skew_ppm",
						  sr->ols_skew * 1e6));
			if (sr->have_robust)
				json_object_set_new(
					reg, "robust",
					json_pack("{s:f, s:f}", "offset_us",
						  (cr->coarse_ns + sr->robust_offset_ns) / 1e3,
						  "skew_ppm", sr->robust_skew * 1e6));
			json_object_set_new(o, "methods", reg);
		}
		json_array_append_new(segs, o);
	}
	json_t *o = json_pack("{s:s, s:f, s:f, s:f, s:o, s:i, s:o}", "method",
			      clock_method_name(c->method), "offset_us", s->offset_ns / 1e3, "t0",
			      s->t0_ns / 1e9, "skew_ppm", s->skew * 1e6, "error_bound_us",
			      jsonout_num_or_null(c->method != CLOCK_NONE && c->method != CLOCK_MANUAL,
						  c->error_bound_ns / 1e3),
			      "segments", c->nseg, "segment_list", segs);
	struct clock_span cs;
	analysis_clock_span(a, &cs);
	static const char *const span_key[3][2] = {
	    {"offset_start_us", "t_start"}, {"offset_mid_us", "t_mid"}, {"offset_end_us", "t_end"}};
	for (int i = 0; i < 3; i++) {
		json_object_set_new(o, span_key[i][0],
				    jsonout_num_or_null(cs.known, cs.offset_ns[i] / 1e3));
		json_object_set_new(o, span_key[i][1], jsonout_num_or_null(cs.known, cs.t[i] / 1e9));
	}
	if (!cs.known)
		json_object_set_new(o, "offset_mid_us_reason",
				    json_string(c->method == CLOCK_NONE ? "no clock model"
									 : "no guest packets"));
	if (cr) {
		if (a->passes)
			json_object_set_new(o, "passes", json_integer(a->passes));
		if (a->passes == 1 && a->interim_solves > 0) {
			/* the one pass corrected delays by clocks solved on the way */
			json_object_set_new(o, "interim_solves",
					    json_integer((json_int_t)a->interim_solves));
			json_object_set_new(o, "interim_max_diff_us",
					    json_real(a->interim_diff_ns / 1e3));
		}
		json_object_set_new(o, "host_point", json_string(point_name(cr->host_point)));
		json_object_set_new(o, "pairs_to_guest", json_integer((json_int_t)cr->pairs_to));
		json_object_set_new(o, "pairs_from_guest", json_integer((json_int_t)cr->pairs_from));
		json_object_set_new(o, "probes", json_integer((json_int_t)cr->probes));
		json_object_set_new(o, "probes_used", json_integer((json_int_t)cr->probes_used));
		if (cr->probes)
			json_object_set_new(
				o, "probe",
				json_pack("{s:f, s:f, s:f}", "offset_us",
					  (cr->coarse_ns + cr->probe_offset_ns) / 1e3, "skew_ppm",
					  cr->probe_skew * 1e6, "error_bound_us",
					  cr->probe_bound_ns / 1e3));
		if (cr->note[0])
			json_object_set_new(o, "note", json_string(cr->note));
	}
	return o;
}

static void text_time(FILE *out, int64_t ns)
{
	char b[TIMEFMT_LEN];
	fputs(timefmt_utc(b, ns), out);
}

/* "guest - host = X us at T (the middle of the guest capture; ...), skew S
 * ppm[, error bound +-B us]" */
static void text_clock_values(FILE *out, const struct analysis *a)
{
	const struct clock_model *ck = &a->clock;
	struct clock_span cs;
	analysis_clock_span(a, &cs);
	const struct clock_segment *s = &ck->seg[0];
	for (int k = 1; cs.known && k < ck->nseg; k++)
		if (ck->seg[k].start_ns <= cs.t[1])
			s = &ck->seg[k];
	if (cs.known) {
		fprintf(out, "guest - host = %+.3f us at ", cs.offset_ns[1] / 1e3);
		text_time(out, cs.t[1]);
		fprintf(out, " (the middle of the guest capture; %+.3f us at its start, %+.3f at its "
			     "end)",
			cs.offset_ns[0] / 1e3, cs.offset_ns[2] / 1e3);
	} else {
		fprintf(out, "guest - host = %+.3f us at ", s->offset_ns / 1e3);
		text_time(out, s->t0_ns);
	}
	fprintf(out, ", skew %+.3f ppm", s->skew * 1e6);
	if (ck->method != CLOCK_MANUAL)
		fprintf(out, ", error bound +-%.1f us", ck->error_bound_ns / 1e3);
}

/* The method, where its pairs came from, the steps and the note.  with_values:
 * the offset line too (analyze; drift prints it first, as its answer). */
void clock_print_text(FILE *out, const struct analysis *a, bool with_values)
{
	const struct clock_model *ck = &a->clock;
	const struct clock_report *cr = a->clock_estimated ? &a->clock_rep : NULL;
	fprintf(out, "Clock: method %s", clock_method_name(ck->method));
	if (cr && ck->method != CLOCK_NONE)
		fprintf(out, " (%s <-> guest)", point_name(cr->host_point));
	if (ck->method == CLOCK_NONE) {
		fprintf(out, ", guest stamps taken as host time\n");
	} else {
		if (with_values) {
			fputs(", ", out);
			text_clock_values(out, a);
		}
		fprintf(out, ", %d segment%s\n", ck->nseg, ck->nseg == 1 ? "" : "s");
		for (int i = 1; i < ck->nseg; i++) {
			const struct clock_segment *g = &ck->seg[i];
			double before = clock_segment_offset(&ck->seg[i - 1], g->start_ns);
			fprintf(out, "  clock step of %+.3f us at guest record %llu (",
				(g->offset_ns - before) / 1e3, (unsigned long long)g->first_record);
			text_time(out, g->start_ns);
			fprintf(out, "): guest - host = %+.3f us from then, skew %+.3f ppm\n",
				g->offset_ns / 1e3, g->skew * 1e6);
		}
	}
	if (cr && cr->note[0])
		fprintf(out, "  note: %s\n", cr->note);
}

/* vocalc drift: the clock, its segments and, verbose, the other methods. */
int clock_print_drift(FILE *out, const struct analysis *a, bool verbose)
{
	const struct clock_model *ck = &a->clock;
	const struct clock_report *cr = a->clock_estimated ? &a->clock_rep : NULL;
	fputs("Guest clock: ", out);
	if (ck->method == CLOCK_NONE)
		fputs("not estimated", out);
	else
		text_clock_values(out, a);
	fputs("\n\n", out);
	clock_print_text(out, a, false);
	if (!cr)
		return ferror(out) ? -1 : 0;
	fprintf(out, "  pairs: %zu to the guest, %zu from it; %zu request/response exchanges (%zu "
		     "used)\n\n",
		cr->pairs_to, cr->pairs_from, cr->probes, cr->probes_used);
	if (cr->nseg > 0) {
		fprintf(out, "%-8s %14s  %-30s %12s %10s %9s %9s %15s\n", "segment", "first record",
			"start", "offset us", "skew ppm", "bound us", "min RTT", "pairs to/from");
		for (int i = 0; i < cr->nseg; i++) {
			const struct clock_seg_report *s = &cr->seg[i];
			fprintf(out, "%-8d %14llu  ", i + 1, (unsigned long long)ck->seg[i].first_record);
			text_time(out, ck->seg[i].start_ns);
			fprintf(out, " %12.3f %+10.4f %9.1f %9.1f %7zu/%-7zu\n",
				ck->seg[i].offset_ns / 1e3, ck->seg[i].skew * 1e6,
				s->error_bound_ns / 1e3, s->min_rtt_ns / 1e3, s->n_to, s->n_from);
		}
	}
	if (verbose && cr->nseg > 0) {
		fprintf(out, "\nEvery method on the same pairs (segment 1; the envelope is not "
			     "biased by queueing, the regressions are):\n");
		fprintf(out, "%-22s %12s %12s\n", "method", "offset us", "skew ppm");
		const struct clock_seg_report *s = &cr->seg[0];
		double c = (double)cr->coarse_ns;
		fprintf(out, "%-22s %12.3f %+12.4f\n", "hull (envelopes)", (c + s->hull_offset_ns) / 1e3,
			s->hull_skew * 1e6);
		if (s->have_ols)
			fprintf(out, "%-22s %12.3f %+12.4f\n", "regression (OLS)",
				(c + s->ols_offset_ns) / 1e3, s->ols_skew * 1e6);
		if (s->have_robust)
			fprintf(out, "%-22s %12.3f %+12.4f\n", "regression (robust)",
				(c + s->robust_offset_ns) / 1e3, s->robust_skew * 1e6);
	}
	if (verbose && cr->probes)
		fprintf(out, "%-22s %12.3f %+12.4f   (+-%.1f us; %zu of %zu exchanges)\n",
			"probe (exchanges)", (cr->coarse_ns + cr->probe_offset_ns) / 1e3,
			cr->probe_skew * 1e6, cr->probe_bound_ns / 1e3, cr->probes_used, cr->probes);
	return ferror(out) ? -1 : 0;
}

