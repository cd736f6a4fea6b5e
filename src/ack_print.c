/* ack_print — see ack_print.h. */
#include "ack_print.h"

#include <math.h>
#include <string.h>

#include "jsonout.h"

static const char *const BAR = "############################################################";

/* ---- words for the record's facts (text and JSON alike) ---- */

static const char *direction_text(enum ack_direction d)
{
	return d == ACK_DIR_UNKNOWN    ? ""
	       : d == ACK_DIR_TO_GUEST ? "  (ACKs toward the guest)"
				       : "  (ACKs from the guest)";
}

static const char *direction_key(enum ack_direction d)
{
	return d == ACK_DIR_UNKNOWN ? "unknown" : d == ACK_DIR_TO_GUEST ? "to_guest" : "from_guest";
}

static const char *interval_source_name(enum ack_interval_source s)
{
	return s == ACK_INTERVAL_RTT	  ? "rtt"
	       : s == ACK_INTERVAL_NO_RTT ? "fixed (no RTT samples)"
					  : "fixed";
}

/* The flow's reference: its source and why (JSON reference_source,
 * reference_reason). */
static void reference_words(const struct ack_report *r, const struct ack_flow_rep *f, char src[48],
			    char why[200])
{
	if (r->link_rate_bps > 0) {
		snprintf(src, 48, "link rate");
		snprintf(why, 200,
			 "--link-rate %g bit/s: below one %g-octet packet's serialization time, "
			 "less the --tolerance margin of %g",
			 r->link_rate_bps, r->packet_bytes, r->tolerance);
		return;
	}
	snprintf(src, 48, "p10 at %s", point_name(f->ref_point));
	if (r->npoints == 1)
		snprintf(
		    why, 200,
		    "no --link-rate, one point: back to back, below 1/4 of its own 10th "
		    "percentile (compression of more than 10 %% of the ACKs hides in it: give an "
		    "upstream point or --link-rate)");
	else
		snprintf(why, 200,
			 "no --link-rate: back to back, below 1/4 of the 10th percentile of the "
			 "inter-arrivals at %s, the first point along the ACKs' way",
			 point_name(f->ref_point));
}

/* ---- histograms (their non-empty bins) ---- */

/* Values in bins [lo, hi). */
static uint64_t hist_sum(const struct ack_hist *h, size_t lo, size_t hi)
{
	size_t a = 0, b = h->nbins; /* the first entry at or beyond lo */
	while (a < b) {
		size_t mid = (a + b) / 2;
		if (h->bins[mid].bin < lo)
			a = mid + 1;
		else
			b = mid;
	}
	uint64_t n = 0;
	for (size_t i = a; i < h->nbins && h->bins[i].bin < hi; i++)
		n += h->bins[i].count;
	return n;
}

static uint64_t hist_total(const struct ack_hist *h)
{
	return h->over + hist_sum(h, 0, SIZE_MAX);
}

/* The end of the text row starting at bin a: one bin for the first row,
 * then the first edge at or beyond the next value of 1, 1.5, 2, 3, 5, 7 x
 * 10^k (1 % slack, so that log edges like 1.995 count as 2): rows are fine
 * near zero, where compression lives, about 6 a decade beyond, and adjacent
 * rows share their edge, so no range goes missing. */
static size_t row_end(const double *edge, size_t nb, size_t a)
{
	if (a == 0)
		return 1;
	static const double NICE[] = {1, 1.5, 2, 3, 5, 7};
	double e = edge[a], v = 0;
	for (double dec = pow(10, floor(log10(e)) - 1); v == 0; dec *= 10)
		for (size_t i = 0; i < sizeof NICE / sizeof NICE[0]; i++)
			if (NICE[i] * dec > e * 1.01) {
				v = NICE[i] * dec;
				break;
			}
	size_t b = a + 1;
	while (b < nb && edge[b] < v * 0.99)
		b++;
	while (b < nb && fabs(edge[b + 1] - v) < fabs(edge[b] - v))
		b++; /* linear bins: 1000, not 990 */
	return b;
}

/* A row edge, us: 3 significant digits below 100 (log edges 1.58, 2, 3.16),
 * whole us above. */
static const char *edge_label(char b[16], double v)
{
	snprintf(b, 16, v >= 100 ? "%.0f" : "%.3g", v);
	return b;
}

/* Two points' histograms side by side, as bars of one scale (the overflow
 * row too): a person sees compression at a glance. */
static void draw(FILE *out, const struct ack_report *r, const struct ack_point_rep *pa,
		 const struct ack_point_rep *pb)
{
	const struct ack_hist *a = &pa->hist, *b = &pb->hist;
	const double *edge = r->edges_us;
	size_t nbins = r->nbins, last = 0; /* the last bin with anything in it */
	if (a->nbins)
		last = a->bins[a->nbins - 1].bin;
	if (b->nbins && b->bins[b->nbins - 1].bin > last)
		last = b->bins[b->nbins - 1].bin;
	uint64_t na = hist_total(a), nb = hist_total(b);
	if (na == 0 || nb == 0)
		return;
	if (a->over || b->over)
		last = nbins - 1; /* the rows reach the overflow's edge */
	double top = fmax((double)a->over / (double)na, (double)b->over / (double)nb);
	for (size_t i = 0; i <= last; i = row_end(edge, nbins, i)) {
		size_t e = row_end(edge, nbins, i);
		top = fmax(top, fmax((double)hist_sum(a, i, e) / (double)na,
				     (double)hist_sum(b, i, e) / (double)nb));
	}
	/* a side from a sketch: its shares near an edge may be the next row's */
	char la[40], lb[40];
	snprintf(la, sizeof la, "%s%s", point_name(pa->point), pa->sketched ? " (~)" : "");
	snprintf(lb, sizeof lb, "%s%s", point_name(pb->point), pb->sketched ? " (~)" : "");
	fprintf(out, "    %-17s  %-34s  %-34s\n", "inter-arrival us", la, lb);
	for (size_t i = 0;; i = row_end(edge, nbins, i)) {
		uint64_t ca, cb;
		char range[48];
		if (i <= last) {
			size_t e = row_end(edge, nbins, i);
			ca = hist_sum(a, i, e);
			cb = hist_sum(b, i, e);
			char lo[16], hi[16];
			snprintf(range, sizeof range, "%7s - %-7s", edge_label(lo, edge[i]),
				 edge_label(hi, edge[e]));
		} else {
			ca = a->over;
			cb = b->over;
			if (ca == 0 && cb == 0)
				break;
			char lo[16];
			snprintf(range, sizeof range, "%7s and more", edge_label(lo, edge[nbins]));
		}
		double fa = (double)ca / (double)na, fb = (double)cb / (double)nb;
		int wa = (int)lround(fa / top * 26), wb = (int)lround(fb / top * 26);
		fprintf(out, "    %-17s %5.1f%% %-26.*s  %5.1f%% %-26.*s\n", range, 100 * fa, wa,
			BAR, 100 * fb, wb, BAR);
		if (i > last)
			break;
	}
}

/* ---- text ---- */

/* "12.3%", or "-" where the figure does not exist. */
static const char *pct(char *b, size_t n, double x)
{
	if (isnan(x))
		snprintf(b, n, "-");
	else
		snprintf(b, n, "%.1f%%", 100 * x);
	return b;
}

/* pct, "~"-prefixed when the share came from a sketch. */
static const char *approx_pct(char *b, size_t n, double x, bool approx)
{
	if (isnan(x) || !approx)
		return pct(b, n, x);
	snprintf(b, n, "~%.1f%%", 100 * x);
	return b;
}

/* A figure, "~"-prefixed when it came from a sketch. */
static const char *fig(char *b, size_t n, const char *fmt, double x, bool approx)
{
	char v[32];
	snprintf(v, sizeof v, fmt, x);
	snprintf(b, n, "%s%s", approx ? "~" : "", v);
	return b;
}

/* The points' steps back, or that there is no flow. */
static void text_points(FILE *out, const struct ack_report *r)
{
	fprintf(out, "\nACK inter-arrival (ACKs advancing the cumulative ACK%s)\n",
		r->all_acks ? ", and every pure ACK" : "");
	for (int i = 0; i < r->npoints; i++) {
		const struct ack_point_stats *t = &r->points[i];
		if (!t->steps_back)
			continue;
		fprintf(out,
			"  %s: %llu TCP packet%s stamped before the packet before (largest "
			"%.1f us back)",
			point_name(t->point), (unsigned long long)t->steps_back,
			t->steps_back == 1 ? "" : "s", (double)t->largest_back_ns / 1e3);
		if (t->restarts)
			fprintf(out,
				": the clock stepped back %llu time%s by more than %.0f us, "
				"every flow's series restarted there\n",
				(unsigned long long)t->restarts, t->restarts == 1 ? "" : "s",
				ACK_STEP_NS / 1e3);
		else
			fprintf(out,
				": reordered in capture (less than %.0f us), a flow restarts "
				"only where its own ACKs go back\n",
				ACK_STEP_NS / 1e3);
	}
	if (r->nflows == 0)
		fprintf(out, "  no TCP flow with two ACKs or more\n");
}

/* A flow's heading: its name, the threshold and the point table's head. */
static void text_flow_head(FILE *out, const struct ack_report *r, const struct ack_flow_rep *f)
{
	char name[160];
	match_flow_name(&f->key, name, sizeof name);
	fprintf(out, "\n  %s%s\n", name, direction_text(f->dir));
	if (r->link_rate_bps > 0)
		fprintf(out,
			"    compressed: below %.1f us, the serialization time at the "
			"link rate (%.1f us) less %g %%\n",
			f->thr_us, f->ref_us, 100 * r->tolerance);
	else
		fprintf(out,
			"    compressed: below %.1f us, 1/4 of the 10th percentile at %s "
			"(%.1f us; no --link-rate%s)\n",
			f->thr_us, point_name(f->ref_point), f->ref_us,
			r->npoints == 1 ? "; one point, its own: compression of more than "
					  "10 % of the ACKs hides in it, give an "
					  "upstream point or --link-rate"
					: "");
	if (!(f->thr_us > 0))
		fprintf(out,
			"    (the reference is 0: more than 10 %% of the ACKs at %s "
			"share a stamp; no compressed fraction)\n",
			point_name(f->ref_point));
	fprintf(out, "    %-7s %8s %10s %10s %10s %11s %11s\n", "point", "acks", "p10 us", "p50 us",
		"p90 us", "compressed", "burstiness");
}

/* One point's row; *approx set when a figure came from a sketch. */
static void text_point(FILE *out, const struct ack_point_rep *p, bool *approx)
{
	char b[32] = "-", q1[40], q2[40], q3[40], b1[16];
	if (!isnan(p->cv))
		snprintf(b, sizeof b, "%.3f", p->cv);
	bool sk = p->sketched;
	fprintf(out, "    %-7s %8llu %10s %10s %10s %11s %11s\n", point_name(p->point),
		(unsigned long long)p->acks, fig(q1, sizeof q1, "%.1f", p->p10_us, sk),
		fig(q2, sizeof q2, "%.1f", p->ia.p50, sk),
		fig(q3, sizeof q3, "%.1f", p->ia.p90, sk),
		approx_pct(b1, sizeof b1, p->compressed, p->compressed_approx), b);
	*approx |= sk || p->compressed_approx;
}

/* One pair's row (the table's head before the first); *approx as above. */
static void text_pair(FILE *out, const struct ack_pair_rep *q, bool first, bool *approx)
{
	if (first)
		fprintf(out,
			"    between points (ACKs seen at both; compressed: "
			"spacing ratio below %.1f)\n"
			"      %-16s %7s %7s %7s %7s %11s %15s %21s\n",
			ACK_RATIO_COMPRESSED, "from -> to", "pairs", "p10", "p50", "p90",
			"compressed", "aligned", "IQR us");
	bool a_sk = q->from_sketched || q->to_sketched, r_sk = q->sketched;
	char pr[40], al[40] = "-", iq[96], q1[40], q2[40], b1[16], b2[16];
	snprintf(pr, sizeof pr, "%s -> %s", point_name(q->from), point_name(q->to));
	if (!isnan(q->aligned_from))
		snprintf(al, sizeof al, "%s -> %s",
			 approx_pct(b1, sizeof b1, q->aligned_from, a_sk),
			 approx_pct(b2, sizeof b2, q->aligned_to, a_sk));
	snprintf(iq, sizeof iq, "%s -> %s",
		 fig(q1, sizeof q1, "%.1f", q->iqr_from_us, q->from_sketched),
		 fig(q2, sizeof q2, "%.1f", q->iqr_to_us, q->to_sketched));
	char r1[40], r2[40], r3[40];
	fprintf(out, "      %-16s %7llu %7s %7s %7s %11s %15s %21s\n", pr,
		(unsigned long long)q->pairs, fig(r1, sizeof r1, "%.3f", q->ratio_p10, r_sk),
		fig(r2, sizeof r2, "%.3f", q->ratio.p50, r_sk),
		fig(r3, sizeof r3, "%.3f", q->ratio.p90, r_sk),
		approx_pct(b1, sizeof b1, q->compressed, r_sk), al, iq);
	*approx |= r_sk || a_sk;
	if (q->out_of_order)
		fprintf(out, "      %-16s (%llu out of order: reordered, or time stepped)\n", "",
			(unsigned long long)q->out_of_order);
}

void ack_print_text(FILE *out, const struct ack_report *r)
{
	bool approx = false; /* a "~" figure shown: the note under the tables */
	size_t shown = 0;
	text_points(out, r);
	for (size_t j = 0; j < r->nflows && shown < 4; j++) {
		const struct ack_flow_rep *f = &r->flows[j];
		if (f->acks < 10)
			continue;
		shown++;
		text_flow_head(out, r, f);
		for (size_t k = 0; k < f->npt; k++)
			text_point(out, &f->pt[k], &approx);
		for (size_t k = 0; k < f->npair; k++)
			text_pair(out, &f->pair[k], k == 0, &approx);
		if (f->npt >= 2)
			draw(out, r, &f->pt[0], &f->pt[f->npt - 1]);
	}
	if (r->nflows > shown)
		fprintf(out, "\n  (%zu more ACK flows: --json lists them all)\n",
			r->nflows - shown);
	if (approx)
		fprintf(
		    out,
		    "\n  ~: from a quantile sketch (a point or pair with more than %zu values "
		    "keeps its distribution as a log-linear histogram): quantiles within %.4f %% "
		    "of their magnitude, fractions within the bounds --json gives\n",
		    r->exact_cap, 100 * r->sketch_rel);
}

/* ---- JSON ---- */

/* A point's histogram: every bin's edges, counts and the CDF. */
static json_t *json_hist(const struct ack_report *r, const struct ack_point_rep *p)
{
	json_t *edges = json_array(), *counts = json_array(), *cdf = json_array();
	uint64_t cum = 0;
	size_t at = 0; /* the next non-empty bin */
	for (size_t i = 0; i <= r->nbins; i++)
		json_array_append_new(edges, json_real(r->edges_us[i]));
	for (size_t i = 0; i < r->nbins; i++) {
		uint64_t n = 0;
		if (at < p->hist.nbins && p->hist.bins[at].bin == i)
			n = p->hist.bins[at++].count;
		cum += n;
		json_array_append_new(counts, json_integer((json_int_t)n));
		json_array_append_new(cdf, json_real((double)cum / (double)p->interarrivals));
	}
	json_t *jh = json_pack("{s:o, s:o, s:I, s:o}", "edges_us", edges, "counts", counts, "over",
			       (json_int_t)p->hist.over, "cdf", cdf);
	if (p->sketched) { /* counts from a sketch: some near an edge may be in the next bin */
		json_object_set_new(jh, "sketch_rel_error", json_real(p->ia.sketch_rel));
		json_object_set_new(jh, "uncertain", json_integer((json_int_t)p->hist.uncertain));
	}
	return jh;
}

static json_t *json_burst(const struct ack_report *r, const struct ack_point_rep *p)
{
	json_t *jb = json_pack("{s:o, s:f, s:s, s:I, s:I}", "cv", jsonout_real_or_null(p->cv),
			       "interval_ms", p->interval_ms, "interval_source",
			       interval_source_name(p->interval_source), "intervals",
			       (json_int_t)p->intervals, "bytes_acked", (json_int_t)p->bytes_acked);
	if (isnan(p->cv))
		json_object_set_new(jb, "cv_reason",
				    json_string("fewer than 2 complete intervals "
						"with octets acknowledged"));
	if (r->burst_rtt)
		json_object_set_new(jb, "rtt_ms", jsonout_real_or_null(p->rtt_ms));
	return jb;
}

/* One flow at one point (an "ack" entry). */
static json_t *json_point(const struct ack_report *r, const struct ack_flow_rep *f,
			  const char *name, const struct ack_point_rep *p)
{
	char src[48], why[200];
	reference_words(r, f, src, why);
	json_t *o =
	    json_pack("{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:s, s:s, s:o}", "flow", name, "point",
		      point_name(p->point), "direction", direction_key(f->dir), "acks",
		      (json_int_t)p->acks, "interarrival_us", jsonout_dist(&p->ia),
		      "threshold_us", f->thr_us, "reference_us", f->ref_us, "reference_source", src,
		      "reference_reason", why, "compressed_fraction", jsonout_real_or_null(p->compressed));
	if (!(f->thr_us > 0))
		json_object_set_new(o, "compressed_reason",
				    json_string("the reference is 0: more than 10 % of the ACKs "
						"upstream share a stamp"));
	if (f->ref_err_us > 0)
		json_object_set_new(o, "reference_error_us", json_real(f->ref_err_us));
	if (p->compressed_approx)
		json_object_set_new(o, "compressed_fraction_bound", json_real(p->compressed_bound));
	json_object_set_new(o, "hist", json_hist(r, p));
	json_object_set_new(o, "burstiness", json_burst(r, p));
	json_object_set_new(o, "restarts", json_integer((json_int_t)p->restarts));
	return o;
}

/* One flow between two points (an "ack_compression" entry). */
static json_t *json_pair(const struct ack_report *r, const char *name, const struct ack_pair_rep *q)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:o, s:f, s:f, s:I}", "flow", name, "from",
			      point_name(q->from), "to", point_name(q->to), "pairs",
			      (json_int_t)q->pairs, "ratio", jsonout_dist(&q->ratio),
			      "ratio_threshold", ACK_RATIO_COMPRESSED, "compressed_fraction",
			      q->compressed, "out_of_order", (json_int_t)q->out_of_order);
	json_t *sm = json_pack(
	    "{s:o, s:o, s:f, s:f}", "aligned_from", jsonout_real_or_null(q->aligned_from), "aligned_to",
	    jsonout_real_or_null(q->aligned_to), "iqr_from_us", q->iqr_from_us, "iqr_to_us", q->iqr_to_us);
	if (isnan(q->aligned_from))
		json_object_set_new(
		    sm, "aligned_reason",
		    json_string(r->link_rate_bps > 0
				    ? "no inter-arrivals at a point"
				    : "needs --link-rate (the bottleneck's clock)"));
	if (q->from_sketched || q->to_sketched) {
		if (!isnan(q->aligned_from)) {
			json_object_set_new(sm, "aligned_from_bound",
					    json_real(q->aligned_from_bound));
			json_object_set_new(sm, "aligned_to_bound", json_real(q->aligned_to_bound));
		}
		json_object_set_new(sm, "iqr_from_error_us", json_real(q->iqr_from_err_us));
		json_object_set_new(sm, "iqr_to_error_us", json_real(q->iqr_to_err_us));
	}
	if (q->sketched)
		json_object_set_new(o, "compressed_fraction_bound", json_real(q->compressed_bound));
	json_object_set_new(o, "smoothing", sm);
	return o;
}

int ack_print_json(json_t *root, const struct ack_report *r)
{
	json_t *ja = json_array(), *jc = json_array(), *jp = json_array();
	if (ja == NULL || jc == NULL || jp == NULL) {
		json_decref(ja);
		json_decref(jc);
		json_decref(jp);
		return -1;
	}
	for (int i = 0; i < r->npoints; i++) {
		const struct ack_point_stats *t = &r->points[i];
		json_array_append_new(
		    jp,
		    json_pack("{s:s, s:I, s:I, s:f, s:I}", "point", point_name(t->point), "flows",
			      (json_int_t)t->flows, "time_steps_back", (json_int_t)t->steps_back,
			      "largest_step_back_us", (double)t->largest_back_ns / 1e3,
			      "series_restarts", (json_int_t)t->restarts));
	}
	for (size_t j = 0; j < r->nflows; j++) {
		const struct ack_flow_rep *f = &r->flows[j];
		char name[160];
		match_flow_name(&f->key, name, sizeof name);
		for (size_t k = 0; k < f->npt; k++)
			json_array_append_new(ja, json_point(r, f, name, &f->pt[k]));
		for (size_t k = 0; k < f->npair; k++)
			json_array_append_new(jc, json_pair(r, name, &f->pair[k]));
	}
	json_object_set_new(root, "ack", ja);
	json_object_set_new(root, "ack_compression", jc);
	json_object_set_new(root, "ack_points", jp);
	return 0;
}

/* ---- CSV ---- */

void ack_print_csv_header(FILE *csv)
{
	fputs("flow,point,t,interarrival_us,ratio_from,ratio,t_clock\n", csv);
}

void ack_print_csv_row(void *ctx, const struct ack_event *e)
{
	FILE *csv = ctx;
	char fl[160], tail[64];
	const char *clock = e->host_clock ? "host" : "guest";
	if (e->ratio_from >= 0)
		snprintf(tail, sizeof tail, "%s,%.6f,%s", point_name((enum point)e->ratio_from),
			 e->ratio, clock);
	else
		snprintf(tail, sizeof tail, ",,%s", clock);
	int64_t t = e->t_ns;
	fprintf(csv, "%s,%s,%lld.%09lld,%.3f,%s\n", match_flow_name(e->flow, fl, sizeof fl),
		point_name(e->point), (long long)(t / 1000000000), (long long)(t % 1000000000),
		e->interarrival_us, tail);
}
