/* rtt_print — see rtt_print.h. */
#include "rtt_print.h"

#include <string.h>

#include "clock_print.h"
#include "jsonout.h"
#include "reader.h"

/* ---- per sample ---- */

static const char *pping_flow(const struct match_flow_key *k, bool echo, char *buf, unsigned n)
{
	/* pping names a sample by the echoing packet's flow: the reverse */
	char a[64], b[64];
	const uint8_t *s = echo ? k->dst : k->src, *d = echo ? k->src : k->dst;
	unsigned sp = echo ? k->dport : k->sport, dp = echo ? k->sport : k->dport;
	pkt_addr_str(k->family, s, a, sizeof a);
	pkt_addr_str(k->family, d, b, sizeof b);
	snprintf(buf, n, "%s:%u+%s:%u", a, sp, b, dp);
	return buf;
}

void rtt_print_sample(void *ctx, const struct rtt_sample_event *e)
{
	const struct rtt_sample_out *o = ctx;
	const struct rtt_sample *s = e->s;
	static const char *const kinds[] = {"tsval", "handshake_responder", "handshake_initiator"};
	char fl[160];
	if (o->pping && s->kind == RTT_TSVAL) {
		/* pping -m: capture time (epoch, us), rtt and min rtt (s), flow */
		fprintf(o->pping, "%lld.%06lld %.6f %.6f %s", (long long)(s->t_ns / 1000000000),
			(long long)(s->t_ns % 1000000000 / 1000), s->rtt_ns / 1e9, s->min_ns / 1e9,
			pping_flow(s->flow, true, fl, sizeof fl));
		if (o->multi)
			fprintf(o->pping, " %s", point_name(e->point));
		fputc('\n', o->pping);
	}
	if (o->csv) {
		match_flow_name(s->flow, fl, sizeof fl);
		fprintf(o->csv, "%s,%lld.%09lld,%.3f,%.3f,%s,%d,%s,%d\n", point_name(e->point),
			(long long)(s->t_ns / 1000000000), (long long)(s->t_ns % 1000000000),
			s->rtt_ns / 1e3, s->min_ns / 1e3, fl, s->shared_tsval, kinds[s->kind],
			s->delayed_ack);
	}
}

void rtt_print_csv_header(FILE *csv)
{
	fprintf(csv, "point,t,rtt_us,min_rtt_us,flow,shared_tsval,kind,delayed_ack\n");
}

/* ---- text ---- */

/* Under a table whose "~" figures came from a sketch (stats.h). */
static void sketch_note(FILE *out, const struct rtt_report *r)
{
	fprintf(out,
		"  ~: from a quantile sketch (a flow with more than %zu samples at a point keeps "
		"them as a log-linear histogram): within %.4f %% of their magnitude; min, mean and "
		"max exact\n",
		r->sketch_cap, 100 * r->sketch_rel);
}

/* A cell of the text tables: the figure, or "-" when it does not exist. */
static const char *cell(char *buf, size_t cap, bool ok, double v, const char *fmt)
{
	if (ok)
		snprintf(buf, cap, fmt, v);
	else
		snprintf(buf, cap, "-");
	return buf;
}

/* The reasons of the "-" cells of a table, each said once under it. */
struct notes {
	char v[4][RTT_WHY_CAP];
	int n;
};

static void note_add(struct notes *nt, const char *why)
{
	for (int i = 0; i < nt->n; i++)
		if (strcmp(nt->v[i], why) == 0)
			return;
	if (nt->n < 4)
		snprintf(nt->v[nt->n++], sizeof nt->v[0], "%s", why);
}

/* One flow's row of a point's table; true when a figure is from a sketch. */
static bool flow_text(FILE *out, const struct rtt_flow_report *f)
{
	char name[160], hs[64] = "-";
	match_flow_name(&f->key, name, sizeof name);
	if (f->has_hs_resp && f->has_hs_init)
		snprintf(hs, sizeof hs, "%.1f+%.1f", f->hs_resp_us, f->hs_init_us);
	else if (f->has_hs_resp)
		snprintf(hs, sizeof hs, "%.1f+?", f->hs_resp_us);
	if (f->samples == 0) {
		fprintf(out, "  %-46s %8llu %10s %10s %10s %10s %10s %8s %8s %12s\n", name,
			(unsigned long long)f->samples, "-", "-", "-", "-", "-", "-", "-", hs);
		return false;
	}
	const struct dist *d = &f->rtt_us;
	char c1[32], c2[32];
	bool sk = d->sketch_rel > 0;
	fprintf(out, "  %-46s %8llu %10.1f %10s %10s %10.1f %10.1f %8llu %8llu %12s\n", name,
		(unsigned long long)f->samples, d->min,
		cell(c1, sizeof c1, true, d->p50, sk ? "~%.1f" : "%.1f"),
		cell(c2, sizeof c2, true, d->p90, sk ? "~%.1f" : "%.1f"), d->mean, d->max,
		(unsigned long long)f->shared_tsval, (unsigned long long)f->delayed_ack, hs);
	return sk;
}

/* Point p's summary lines and flow table. */
static void point_text(FILE *out, const struct rtt_report *r, enum point p)
{
	const struct rtt_point_report *rp = &r->point[p];
	const struct rtt_counts *c = &rp->counts;
	fprintf(out, "%s: %s: %llu packets, %llu RTT samples in %zu flows", point_name(p),
		reader_display_name(rp->file), (unsigned long long)rp->packets,
		(unsigned long long)c->samples, rp->nflows);
	fprintf(out,
		"; %llu without timestamps, %llu options cut by snaplen, %llu one-way, "
		"%llu not TCP, %llu not IP, %llu unreadable; %llu handshakes\n",
		(unsigned long long)c->no_ts, (unsigned long long)c->opts_cut,
		(unsigned long long)c->unidirectional, (unsigned long long)c->not_tcp,
		(unsigned long long)c->not_ip, (unsigned long long)c->unreadable,
		(unsigned long long)c->handshakes);
	if (c->backwards > 0 || c->negative_rtt > 0)
		fprintf(out,
			"  time went backwards %llu times (by up to %.1f us): the capturing clock "
			"stepped; %llu echoes across such a step gave no sample%s\n",
			(unsigned long long)c->backwards, c->backwards_max_ns / 1e3,
			(unsigned long long)c->negative_rtt,
			rp->step_hint ? " (give a host capture too: vocalc rtt guest=... vnet=... "
					"finds and corrects the step)"
				      : "");
	if (c->opts_cut > 0)
		fprintf(out,
			"  options cut by snaplen: %llu TCP packets lost their options to the "
			"capture's snaplen, so whether they carried timestamps is unknown; "
			"capture with -s 128 or more\n",
			(unsigned long long)c->opts_cut);
	for (size_t i = 0; i < rp->nots_listed; i++) {
		char nm[160];
		fprintf(out, "  without timestamps: %s\n",
			match_flow_name(&rp->nots_list[i], nm, sizeof nm));
	}
	if (rp->nots > RTT_NOTS_LISTED)
		fprintf(out, "  ... and %zu more flows without timestamps\n",
			rp->nots - RTT_NOTS_LISTED);
	if (rp->nflows)
		fprintf(out, "  %-46s %8s %10s %10s %10s %10s %10s %8s %8s %12s\n",
			"flow (its packets' TSvals echoed)", "samples", "min us", "p50 us", "p90 us",
			"mean us", "max us", "shared", "delack", "handshake us");
	bool approx = false; /* a "~" figure in this point's table */
	for (size_t i = 0; i < rp->nflows; i++)
		approx |= flow_text(out, &rp->flows[i]);
	if (approx)
		sketch_note(out, r);
}

/* A decomposition row: its name, the two medians and the share. */
static void decomp_row_text(FILE *out, const char *name, const struct rtt_decomp_row *w,
			    struct notes *nt)
{
	char c1[32], c2[32], c3[32];
	bool sk = w->sketched;
	fprintf(out, "  %-46s %12s %12s %9s\n", name,
		cell(c1, sizeof c1, w->ok_guest, w->guest_p50_us, sk ? "~%.1f" : "%.1f"),
		cell(c2, sizeof c2, w->ok_outer, w->outer_p50_us, sk ? "~%.1f" : "%.1f"),
		cell(c3, sizeof c3, w->ok_share, 100 * w->vo_share, sk ? "~%.1f%%" : "%.1f%%"));
	if (!w->ok_share)
		note_add(nt, w->share_why);
}

static void decomp_text(FILE *out, const struct rtt_report *r)
{
	if (r->decomp == RTT_DECOMP_UNDECIDED)
		fprintf(out, "\nNo decomposition: %s\n", r->no_decomp_why);
	if (r->decomp != RTT_DECOMP_DONE || r->nrows == 0)
		return;
	fprintf(out,
		"\nVO share of RTT (flows the guest sends; medians; %s vs guest):\n"
		"  %-46s %12s %12s %9s\n",
		point_name(r->outer), "flow", "guest us", "outer us", "VO share");
	struct notes nt = {.n = 0};
	for (size_t i = 0; i < r->nrows; i++) {
		char name[160];
		match_flow_name(&r->rows[i].key, name, sizeof name);
		decomp_row_text(out, name, &r->rows[i], &nt);
	}
	decomp_row_text(out, "all of them", &r->all, &nt);
	for (int i = 0; i < nt.n; i++)
		fprintf(out, "  -: %s\n", nt.v[i]);
	if (r->all.sketched)
		sketch_note(out, r);
}

void rtt_print_text(FILE *out, const struct rtt_report *r)
{
	for (int p = 0; p < POINT_N; p++)
		if (r->point[p].given)
			point_text(out, r, (enum point)p);
	decomp_text(out, r);
}

/* ---- JSON ---- */

/* CONTRACT.md: a figure that does not exist is null, its reason beside it. */
static void json_fig(json_t *o, const char *key, bool ok, double v, const char *why)
{
	if (ok) {
		json_object_set_new(o, key, json_real(v));
		return;
	}
	char rk[96];
	snprintf(rk, sizeof rk, "%s_reason", key);
	json_object_set_new(o, key, json_null());
	json_object_set_new(o, rk, json_string(why));
}

static json_t *point_json(const struct rtt_point_report *rp, enum point p)
{
	const struct rtt_counts *c = &rp->counts;
	json_t *nl = json_array();
	for (size_t i = 0; i < rp->nots_listed; i++) {
		char nm[160];
		json_array_append_new(nl, json_string(match_flow_name(&rp->nots_list[i], nm, sizeof nm)));
	}
	json_t *po = json_pack("{s:i}", "flows_without_timestamps", (int)rp->nots);
	json_object_set_new(po, "flows_without_timestamps_first", nl);
	json_t *pt = json_pack(
		"{s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "name",
		point_name(p), "file", rp->file, "packets", (json_int_t)rp->packets, "drops",
		jsonout_count_or_null(rp->drops), "rtt_samples",
		(json_int_t)c->samples, "no_timestamps", (json_int_t)c->no_ts, "options_cut",
		(json_int_t)c->opts_cut, "unidirectional", (json_int_t)c->unidirectional, "not_tcp",
		(json_int_t)c->not_tcp, "not_ip", (json_int_t)c->not_ip, "unreadable",
		(json_int_t)c->unreadable, "flows_over_cap", (json_int_t)c->flows_over_cap,
		"handshakes", (json_int_t)c->handshakes, "without_timestamps", po);
	json_object_set_new(pt, "time_backwards", json_integer((json_int_t)c->backwards));
	json_object_set_new(pt, "time_backwards_max_us", json_real(c->backwards_max_ns / 1e3));
	json_object_set_new(pt, "negative_rtt_refused", json_integer((json_int_t)c->negative_rtt));
	return pt;
}

static json_t *flow_json(const struct rtt_point_report *rp, enum point p,
			 const struct rtt_flow_report *f)
{
	char name[160];
	match_flow_name(&f->key, name, sizeof name);
	json_t *o1 = json_pack("{s:s, s:s, s:I, s:o}", "flow", name, "point", point_name(p),
			       "samples", (json_int_t)f->samples, "rtt_us",
			       f->samples ? jsonout_dist(&f->rtt_us) : json_null());
	if (f->samples == 0)
		json_object_set_new(o1, "rtt_us_reason", json_string(rp->no_samples_why));
	json_object_set_new(o1, "shared_tsval", json_integer((json_int_t)f->shared_tsval));
	json_object_set_new(o1, "delayed_ack", json_integer((json_int_t)f->delayed_ack));
	if (f->has_hs_resp)
		json_object_set_new(o1, "handshake_us",
				    json_pack("{s:f, s:o}", "responder", f->hs_resp_us, "initiator",
					      jsonout_num_or_null(f->has_hs_init, f->hs_init_us)));
	return o1;
}

/* The two medians of a decomposition row, with their reasons when missing. */
static void decomp_figs_json(json_t *e, const struct rtt_report *r, const struct rtt_decomp_row *w)
{
	json_fig(e, "rtt_guest_p50_us", w->ok_guest, w->guest_p50_us,
		 r->point[POINT_GUEST].no_samples_why);
	json_fig(e, "rtt_outer_p50_us", w->ok_outer, w->outer_p50_us,
		 r->point[r->outer].no_samples_why);
}

static void decomp_json(json_t *root, const struct rtt_report *r)
{
	if (r->decomp != RTT_DECOMP_DONE)
		return;
	json_t *arr = json_array();
	for (size_t i = 0; i < r->nrows; i++) {
		const struct rtt_decomp_row *w = &r->rows[i];
		char name[160];
		match_flow_name(&w->key, name, sizeof name);
		json_t *e = json_pack("{s:s, s:s}", "flow", name, "outer", point_name(r->outer));
		decomp_figs_json(e, r, w);
		json_object_set_new(e, "samples_guest", json_integer((json_int_t)w->samples_guest));
		json_object_set_new(e, "samples_outer", json_integer((json_int_t)w->samples_outer));
		if (w->sketched) /* medians from a sketch (stats.h) */
			json_object_set_new(e, "sketch_rel_error", json_real(r->sketch_rel));
		json_fig(e, "vo_share", w->ok_share, w->vo_share, w->share_why);
		json_array_append_new(arr, e);
	}
	json_object_set_new(root, "rtt_decomposition", arr);
	if (r->nrows == 0)
		return;
	json_t *e = json_pack("{s:s}", "outer", point_name(r->outer));
	decomp_figs_json(e, r, &r->all);
	json_fig(e, "vo_share", r->all.ok_share, r->all.vo_share, r->all.share_why);
	if (r->all.sketched)
		json_object_set_new(e, "sketch_rel_error", json_real(r->sketch_rel));
	json_object_set_new(root, "rtt_vo_share", e);
}

void rtt_print_json(json_t *root, const struct rtt_report *r, bool with_points)
{
	json_t *jp = json_array(), *jr = json_array();
	for (int p = 0; p < POINT_N; p++) {
		const struct rtt_point_report *rp = &r->point[p];
		if (!rp->given)
			continue;
		json_array_append_new(jp, point_json(rp, (enum point)p));
		for (size_t i = 0; i < rp->nflows; i++)
			json_array_append_new(jr, flow_json(rp, (enum point)p, &rp->flows[i]));
	}
	json_object_set_new(root, with_points ? "points" : "rtt_points", jp);
	json_object_set_new(root, "rtt", jr);
	decomp_json(root, r);
}

void rtt_print_run(FILE *out, const struct rtt_report *r, const struct analysis *clock, bool json)
{
	if (!json) {
		if (clock) {
			clock_print_text(out, clock, true);
			fputc('\n', out);
		}
		rtt_print_text(out, r);
		return;
	}
	json_t *root = jsonout_document();
	if (clock)
		json_object_set_new(root, "clock", clock_print_json(clock));
	rtt_print_json(root, r, true);
	jsonout_dump(root, out);
	json_decref(root);
}
