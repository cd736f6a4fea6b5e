/* report — see report.h. */
#include "report.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "ack_print.h"
#include "clock_print.h"
#include "jsonout.h"
#include "reader.h"
#include "rtt_print.h"
#include "rtt_set.h"

static const char *const NOT_OBSERVABLE_NOTE =
    "every delay is exactly 0: both points carry the same kernel receive stamp, so this "
    "hop's delay cannot be seen here";

static const char *const NEGATIVE_NOTE =
    "the downstream point stamped most packets before the upstream one, on one clock: a "
    "bridge device (in promiscuous mode for the capture) is handed its copy of a forwarded "
    "frame after the frame was forwarded, so its stamp is not on the path between the ports";

/* Two host points share one clock: a negative median there is not a clock error. */
static bool negative_on_host(const struct dist *d, enum point from, enum point to)
{
	return from != POINT_GUEST && to != POINT_GUEST && d->n > 0 && d->p50 < 0;
}

bool report_observable(const struct dist *d)
{
	return !(d->n > 0 && d->min == 0 && d->max == 0);
}

static double loss_fraction(const struct hop_counts *c)
{
	uint64_t tot = c->matched + c->unmatched;
	return tot ? (double)c->unmatched / (double)tot : 0;
}

/* Fewer packets than this under a median: said beside it. */
enum { FEW_PACKETS = 20 };

enum where_state { WHERE_OK = 0, WHERE_NOT_OBSERVABLE, WHERE_NEGATIVE, WHERE_NO_PACKETS };

struct where_row {
	enum point from, to;
	double p50_us, share;
	double err_us; /* the median from a sketch: its bound; else 0 */
	size_t n;
	enum where_state state;
};

static const char *const WHERE_REASON[] = {
    [WHERE_NOT_OBSERVABLE] = "not observable: both points carry the same kernel stamp",
    [WHERE_NEGATIVE] = "negative median on one clock (a bridge device stamps its copy late)",
    [WHERE_NO_PACKETS] = "no packet matched at this hop",
};

/* The hops of direction d in path order, each with its median and its
 * share of the sum of the medians of the hops that count (observable, not
 * negative on one clock).  Returns the number of rows; *sum_us that sum. */
static int where_rows(const struct analysis *a, enum direction d, struct where_row *rows,
		      double *sum_us)
{
	const struct vo *v = &a->vo;
	int n = 0;
	*sum_us = 0;
	for (int k = 0; k + 1 < v->npts; k++) {
		int i = d == DIR_TO_GUEST ? k : v->npts - 2 - k;
		struct where_row *r = &rows[n++];
		vo_hop_ends(v, i, d, &r->from, &r->to);
		const struct dist *x = &v->sum_hop[i][d][PROTO_ALL].d;
		r->n = x->n;
		r->p50_us = x->p50;
		r->err_us = x->sketch_rel > 0 ? x->sketch_abs : 0;
		r->share = 0;
		r->state = x->n == 0			       ? WHERE_NO_PACKETS
			   : !report_observable(x)		       ? WHERE_NOT_OBSERVABLE
			   : negative_on_host(x, r->from, r->to) ? WHERE_NEGATIVE
							       : WHERE_OK;
		if (r->state == WHERE_OK)
			*sum_us += r->p50_us;
	}
	for (int k = 0; k < n; k++)
		if (rows[k].state == WHERE_OK && *sum_us > 0)
			rows[k].share = rows[k].p50_us / *sum_us;
	return n;
}

const char *report_no_vo_reason(const struct analysis *a)
{
	if (!a->o.file[POINT_GUEST])
		return "no guest capture (the guest was not logged into): the one-way split "
		       "across the guest needs the guest's clock; the host hops are measured";
	return "no host point beside the guest capture: the VO runs from a host point to the guest";
}

bool report_largest_share(const struct analysis *a, struct report_share *out)
{
	bool found = false;
	for (int d = 0; d < DIR_N; d++) {
		struct where_row rows[POINT_N];
		double sum;
		int n = where_rows(a, (enum direction)d, rows, &sum);
		for (int k = 0; k < n; k++)
			if (rows[k].state == WHERE_OK && sum > 0 &&
			    (!found || rows[k].share > out->share)) {
				*out = (struct report_share){.from = rows[k].from, .to = rows[k].to,
							     .dir = (enum direction)d,
							     .share = rows[k].share,
							     .p50_us = rows[k].p50_us};
				found = true;
			}
	}
	return found;
}

/* Why the guest's addresses are these: the captures show two ends only. */
static const char *causality_note(const struct analysis *a)
{
	if (!a->guest_by_causality_decided)
		return "the captures show only the guest and one peer and nothing told which "
		       "is which; this labelling was kept, but no round trip confirmed it: "
		       "give --guest-ip to be sure";
	if (a->guest_cand_i == 0)
		return "the captures show only the guest and one peer; with these as the "
		       "guest's, round trips are positive (the other way they are negative)";
	return "the captures show only the guest and one peer; the other labelling made the "
	       "round trips negative, so these are the guest's";
}

/* The ACK sections of a (a->ack set): summarized once, then printed as text
 * to out (root NULL) or as keys of root.  -1 when memory ran out. */
static int write_ack(FILE *out, json_t *root, const struct analysis *a)
{
	struct ack_report r;
	if (ack_set_summarize(a->ack, &a->guest_ips, a->rtt ? rtt_set_flow_p50_of : NULL, a->rtt,
			      &r) != 0)
		return -1;
	int rc = 0;
	if (root)
		rc = ack_print_json(root, &r);
	else
		ack_print_text(out, &r);
	ack_report_free(&r);
	return rc;
}

/* ---- JSON ---------------------------------------------------------------- */

static bool loss_reliable(const struct analysis *a, enum point x, enum point y)
{
	return a->o.drops[x] <= 0 && a->o.drops[y] <= 0;
}

static json_t *json_hop(const struct analysis *a, const struct hop_summary *s, enum proto pr,
			enum point from, enum point to, enum direction dir)
{
	struct hop_counts c = s->c;
	struct dist d = s->d;
	json_t *o = json_pack(
	    "{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:o, s:I, s:I, s:I, s:I, s:f, s:b}", "from",
	    point_name(from), "to", point_name(to), "direction", direction_name(dir), "protocol",
	    proto_name(pr), "matched", (json_int_t)c.matched, "unmatched", (json_int_t)c.unmatched,
	    "observable", report_observable(&d), "delay_us", jsonout_dist(&d), "coalesced",
	    (json_int_t)c.coalesced, "split", (json_int_t)c.split, "unexpected",
	    (json_int_t)c.unexpected, "bypass", (json_int_t)c.bypass, "loss_fraction",
	    loss_fraction(&c), "loss_reliable", loss_reliable(a, from, to));
	if (o && c.outside)
		json_object_set_new(o, "outside_capture", json_integer((json_int_t)c.outside));
	if (o && !report_observable(&d))
		json_object_set_new(o, "note", json_string(NOT_OBSERVABLE_NOTE));
	else if (o && negative_on_host(&d, from, to))
		json_object_set_new(o, "note", json_string(NEGATIVE_NOTE));
	return o;
}

json_t *report_point_json(const struct analysis *a, enum point p, bool guest_counts)
{
	const struct point_stats *ps = &a->pt[p];
	json_t *sk = json_object();
	for (int r = 1; r < DIS_N; r++)
		if (ps->skipped[r])
			json_object_set_new(sk, dis_result_name((enum dis_result)r),
					    json_integer((json_int_t)ps->skipped[r]));
	json_t *o = json_pack("{s:s, s:s, s:I, s:o}", "name", point_name(p), "file", a->o.file[p],
			      "packets", (json_int_t)ps->records, "drops",
			      jsonout_count_or_null(a->o.drops[p]));
	if (o && guest_counts) {
		json_object_set_new(o, "guest_packets", json_integer((json_int_t)ps->used));
		json_object_set_new(o, "other_packets", json_integer((json_int_t)ps->not_guest));
	}
	if (o)
		json_object_set_new(o, "skipped", sk);
	else
		json_decref(sk);
	return o;
}

static json_t *json_points(const struct analysis *a, uint8_t mask)
{
	json_t *arr = json_array();
	for (int p = 0; p < POINT_N; p++)
		if (a->o.file[p] && (mask & (1u << p)))
			json_array_append_new(arr, report_point_json(a, (enum point)p, true));
	return arr;
}

static json_t *json_vo_dir(const struct analysis *a, enum direction d)
{
	const struct vo *v = &a->vo;
	enum point outer = v->pt[0];
	enum point from = d == DIR_TO_GUEST ? outer : POINT_GUEST;
	enum point to = d == DIR_TO_GUEST ? POINT_GUEST : outer;
	json_t *o = json_hop(a, &v->sum_e2e[d][PROTO_ALL], PROTO_ALL, from, to, d);
	json_object_set_new(o, "below_minus_bound", json_integer((json_int_t)v->e2e_impossible[d]));
	json_t *by = json_array();
	for (int p = PROTO_TCP; p < PROTO_N; p++)
		if (v->protos_seen & (1u << p))
			json_array_append_new(
			    by, json_hop(a, &v->sum_e2e[d][p], (enum proto)p, from, to, d));
	json_object_set_new(o, "by_protocol", by);
	return o;
}

/* vo_round_trip and vo_where (CONTRACT.md "Schema 1 additions"). */
static void json_vo_headline(json_t *root, const struct analysis *a)
{
	const struct vo *v = &a->vo;
	const struct dist *to = &v->sum_e2e[DIR_TO_GUEST][PROTO_ALL].d;
	const struct dist *from = &v->sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d;
	json_t *rt = json_object();
	double rt_p50 = 0;
	bool both = vo_round_trip(v, &rt_p50);
	json_object_set_new(rt, "p50_us", jsonout_num_or_null(both, rt_p50));
	json_object_set_new(rt, "clock_free", json_true());
	if (both && (to->sketch_rel > 0 || from->sketch_rel > 0)) /* medians from a sketch */
		json_object_set_new(rt, "sketch_abs_error_us",
				    json_real(to->sketch_abs + from->sketch_abs));
	if (!both)
		json_object_set_new(rt, "p50_us_reason",
				    json_string("no packet matched end to end in one direction"));
	json_object_set_new(root, "vo_round_trip", rt);
	json_t *where = json_array();
	for (int d = 0; d < DIR_N; d++) {
		struct where_row rows[POINT_N];
		double sum;
		int n = where_rows(a, (enum direction)d, rows, &sum);
		for (int k = 0; k < n; k++) {
			const struct where_row *r = &rows[k];
			json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "from", point_name(r->from), "to",
					      point_name(r->to), "direction",
					      direction_name((enum direction)d), "n", (json_int_t)r->n);
			bool p50 = r->state == WHERE_OK || r->state == WHERE_NEGATIVE;
			json_object_set_new(o, "observable", json_boolean(r->state != WHERE_NOT_OBSERVABLE));
			json_object_set_new(o, "p50_us", jsonout_num_or_null(p50, r->p50_us));
			if (p50 && r->err_us > 0)
				json_object_set_new(o, "sketch_abs_error_us", json_real(r->err_us));
			bool share = r->state == WHERE_OK && sum > 0;
			json_object_set_new(o, "share", jsonout_num_or_null(share, r->share));
			if (!share)
				json_object_set_new(
				    o, "share_reason",
				    json_string(r->state == WHERE_OK ? "the hops' medians sum to 0 or less"
								       : WHERE_REASON[r->state]));
			json_array_append_new(where, o);
		}
	}
	json_object_set_new(root, "vo_where", where);
}

/* The points a clock-only run read: the host point it used and the guest. */
static uint8_t clock_points(const struct analysis *a)
{
	if (!a->clock_estimated)
		return a->mask;
	return (uint8_t)((1u << a->clock_rep.host_point) | (1u << POINT_GUEST));
}

/* The guest's addresses as key (a list), key_source, and key_note when
 * causality chose them. */
static void json_guest_ips(json_t *obj, const struct analysis *a, const char *key)
{
	json_t *ips = json_array();
	for (int i = 0; i < a->guest_ips.n; i++) {
		char buf[64];
		json_array_append_new(
		    ips, json_string(pkt_addr_str(a->guest_ips.v[i].family, a->guest_ips.v[i].a,
						  buf, sizeof buf)));
	}
	char k[64];
	json_object_set_new(obj, key, ips);
	snprintf(k, sizeof k, "%s_source", key);
	json_object_set_new(obj, k,
			    json_string(a->guest_by_causality ? "causality"
					: a->guest_ips_learned ? "learned"
							       : "given"));
	snprintf(k, sizeof k, "%s_note", key);
	if (a->guest_by_causality)
		json_object_set_new(obj, k, json_string(causality_note(a)));
}

/* "vo", and its headline figures, or why there is none (jo->vo_reasons). */
static void json_vo(json_t *obj, const struct analysis *a, const struct report_json_opts *jo)
{
	if (a->vo.has_vo) {
		json_object_set_new(obj, "vo",
				    json_pack("{s:o, s:o}", "to_guest",
					      json_vo_dir(a, DIR_TO_GUEST), "from_guest",
					      json_vo_dir(a, DIR_FROM_GUEST)));
		json_vo_headline(obj, a);
		return;
	}
	json_object_set_new(obj, "vo", json_null());
	if (!jo->vo_reasons)
		return;
	const char *why = report_no_vo_reason(a);
	json_object_set_new(obj, "vo_reason", json_string(why));
	json_object_set_new(obj, "vo_round_trip", json_null());
	json_object_set_new(obj, "vo_round_trip_reason", json_string(why));
	json_object_set_new(obj, "vo_where", json_null());
	json_object_set_new(obj, "vo_where_reason", json_string(why));
}

static const char *const GUEST_SIDE_WHAT =
    "vnet -> guest -> vnet, on the host's clock: the guest side as a round trip; how it splits "
    "into to_guest and from_guest, and the guest's one-way VO, need the guest's clock (a guest "
    "capture)";

/* Why a guest-side figure of n round trips is null, into buf; NULL when it
 * stands (n at least GUEST_SIDE_MIN). */
static const char *guest_side_why(size_t n, const char *none, char *buf, size_t cap)
{
	if (n >= GUEST_SIDE_MIN)
		return NULL;
	if (n == 0)
		return none;
	snprintf(buf, cap, "only %zu round trip%s (%d needed for a figure)", n, n == 1 ? "" : "s",
		 GUEST_SIDE_MIN);
	return buf;
}

/* Why the guest side's ICMP figure is null (NULL: it stands), for the JSON
 * and the text alike. */
static const char *guest_side_icmp_why(const struct guest_side *g, char *buf, size_t cap)
{
	return guest_side_why(g->icmp.n,
			      g->icmp_counts.requests
				  ? "no echo request toward the guest was answered at vnet"
				  : "no ICMP echo request toward the guest at vnet (the one-shot's "
				    "probes send them unless --no-probes)",
			      buf, cap);
}

/* The same for its TCP figure. */
static const char *guest_side_tcp_why(const struct guest_side *g, char *buf, size_t cap)
{
	if (!g->tcp_known)
		return "TCP round trips not tracked (--no-rtt)";
	return guest_side_why(g->tcp.n, "no TCP timestamp toward the guest echoed at vnet", buf,
			      cap);
}

/* "guest_side_round_trip": a guest without its capture (struct guest_side). */
static void json_guest_side(json_t *obj, const struct analysis *a)
{
	const struct guest_side *g = &a->gside;
	const struct guestrt_counts *c = &g->icmp_counts;
	json_t *o = json_object();
	char b1[96], b2[96];
	json_object_set_new(o, "what", json_string(GUEST_SIDE_WHAT));
	const char *wi = guest_side_icmp_why(g, b1, sizeof b1);
	json_object_set_new(o, "icmp", wi ? json_null() : jsonout_dist(&g->icmp));
	if (wi)
		json_object_set_new(o, "icmp_reason", json_string(wi));
	json_object_set_new(o, "icmp_requests", json_integer((json_int_t)c->requests));
	json_object_set_new(o, "icmp_unanswered", json_integer((json_int_t)c->unanswered));
	json_object_set_new(o, "icmp_duplicate", json_integer((json_int_t)c->duplicate));
	json_object_set_new(o, "icmp_unsolicited", json_integer((json_int_t)c->unsolicited));
	json_object_set_new(o, "icmp_negative", json_integer((json_int_t)c->negative));
	const char *wt = guest_side_tcp_why(g, b2, sizeof b2);
	json_object_set_new(o, "tcp", wt ? json_null() : jsonout_dist(&g->tcp));
	if (wt)
		json_object_set_new(o, "tcp_reason", json_string(wt));
	json_object_set_new(o, "tcp_delayed_ack", json_integer((json_int_t)g->tcp_delayed));
	json_object_set_new(obj, "guest_side_round_trip", o);
}

/* The guest side as a round trip, in text (a guest without its capture). */
static void text_guest_side(FILE *out, const struct analysis *a)
{
	const struct guest_side *g = &a->gside;
	char b[96];
	fprintf(out, "Guest side as a round trip (vnet -> guest -> vnet, the host's clock; no guest "
		"capture):\n");
	const char *wi = guest_side_icmp_why(g, b, sizeof b);
	if (wi)
		fprintf(out, "  ICMP probes  -: %s (%llu requests)\n", wi,
			(unsigned long long)g->icmp_counts.requests);
	else
		fprintf(out, "  ICMP probes  p50 %9.1f us, min %.1f, p90 %.1f, %zu answered of %llu\n",
			g->icmp.p50, g->icmp.min, g->icmp.p90, g->icmp.n,
			(unsigned long long)g->icmp_counts.requests);
	const char *wt = guest_side_tcp_why(g, b, sizeof b);
	if (wt)
		fprintf(out, "  TCP echoes   -: %s\n", wt);
	else
		fprintf(out, "  TCP echoes   p50 %9.1f us, min %.1f, p90 %.1f, %zu samples (%llu "
			"delayed ACK, kept)\n",
			g->tcp.p50, g->tcp.min, g->tcp.p90, g->tcp.n,
			(unsigned long long)g->tcp_delayed);
	fprintf(out, "  Not known without the guest's clock: how this round trip splits into the "
		"way to the guest and back.\n");
}

int report_json_fill(json_t *obj, const struct analysis *a, const struct report_json_opts *jo,
		     struct verr *err)
{
	const struct vo *v = &a->vo;
	enum report_kind kind = jo->kind;
	json_object_set_new(obj, "points",
			    json_points(a, kind == REPORT_CLOCK ? clock_points(a) : a->mask));
	json_guest_ips(obj, a, jo->ips_key ? jo->ips_key : "guest_ips");
	json_object_set_new(obj, "clock", clock_print_json(a));
	if (kind == REPORT_CLOCK)
		return 0;
	if (kind == REPORT_ACK)
		goto ack;
	json_object_set_new(obj, "matching",
			    json_pack("{s:f, s:I, s:I, s:I}", "window_us", a->o.window_ns / 1e3,
				      "packets", (json_int_t)a->mc.journeys, "peak_pending",
				      (json_int_t)a->mc.peak_journeys, "resegmented",
				      (json_int_t)a->mc.coalesce_events));
	json_t *hops = json_array();
	for (int i = 0; i + 1 < v->npts; i++)
		for (int d = 0; d < DIR_N; d++) {
			enum point up, down;
			vo_hop_ends(v, i, (enum direction)d, &up, &down);
			for (int p = PROTO_ALL; p < PROTO_N; p++)
				if (p == PROTO_ALL || (v->protos_seen & (1u << p)))
					json_array_append_new(
					    hops, json_hop(a, &v->sum_hop[i][d][p], (enum proto)p,
							   up, down, (enum direction)d));
		}
	json_object_set_new(obj, "hops", hops);
	json_vo(obj, a, jo);
	if (a->gside.on)
		json_guest_side(obj, a);
	/* without --no-rtt / --no-ack a section that cannot be written is an
	 * error, never an empty array */
	struct rtt_report rr;
	if (a->rtt == NULL) {
		json_object_set_new(obj, "rtt", json_array());
	} else if (rtt_set_summarize(a->rtt, &a->guest_ips, NULL, &rr, err) != 0) {
		return -1;
	} else {
		rtt_print_json(obj, &rr, false);
		rtt_report_free(&rr);
	}
ack:
	if (a->ack == NULL) {
		json_object_set_new(obj, "ack", json_array());
		json_object_set_new(obj, "ack_compression", json_array());
	} else if (write_ack(NULL, obj, a) != 0) {
		return -1;
	}
	return 0;
}

static int write_json(FILE *out, const struct analysis *a, enum report_kind kind,
		      struct verr *err)
{
	json_t *root = jsonout_document();
	struct report_json_opts jo = {.kind = kind};
	int rc = report_json_fill(root, a, &jo, err);
	if (rc == 0)
		rc = jsonout_dump(root, out);
	json_decref(root);
	return rc == 0 ? 0 : -1; /* report_write names the stream and the reason */
}

/* ---- text ---------------------------------------------------------------- */

static void text_dist_cols(FILE *out, const struct dist *d)
{
	if (d->n == 0) {
		fprintf(out, "  %9s %9s %9s %9s %9s %9s %9s", "-", "-", "-", "-", "-", "-", "-");
		return;
	}
	if (d->sketch_rel > 0) { /* the quantiles from a sketch: "~", said under the table */
		char q[3][32];
		const double v[3] = {d->p50, d->p90, d->p99};
		for (int i = 0; i < 3; i++)
			snprintf(q[i], sizeof q[i], "~%.1f", v[i]);
		fprintf(out, "  %9.1f %9s %9s %9s %9.1f %9.1f %9.1f", d->min, q[0], q[1], q[2], d->max,
			d->mean, d->sd);
		return;
	}
	fprintf(out, "  %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f %9.1f", d->min, d->p50, d->p90, d->p99,
		d->max, d->mean, d->sd);
}

/* The note under the tables when some row's quantiles came from a sketch:
 * its bound, and the largest absolute one among the rows. */
static void text_sketch_note(FILE *out, const struct vo *v)
{
	double rel = 0, abs_us = 0;
	for (int i = 0; i + 1 < v->npts; i++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = 0; p < PROTO_N; p++) {
				const struct dist *x = &v->sum_hop[i][d][p].d;
				rel = fmax(rel, x->sketch_rel);
				abs_us = fmax(abs_us, x->sketch_abs);
			}
	for (int d = 0; v->has_vo && d < DIR_N; d++)
		for (int p = 0; p < PROTO_N; p++) {
			const struct dist *x = &v->sum_e2e[d][p].d;
			rel = fmax(rel, x->sketch_rel);
			abs_us = fmax(abs_us, x->sketch_abs);
		}
	if (rel > 0)
		fprintf(out,
			"~ Quantiles from a sketch: a row with more than %zu delays keeps them as a "
			"log-linear histogram, within %.4f %% of their magnitude (here at most %.3f us "
			"off); min, max, mean and sd exact.\n",
			stats_exact_cap(), 100 * rel, abs_us);
}

static void text_row(FILE *out, const char *label, const char *dir, const struct hop_summary *s,
		     enum proto pr, enum point from, enum point to, bool *any_unobservable,
		     bool *any_negative)
{
	const struct hop_counts c = s->c;
	const struct dist d = s->d;
	if (pr != PROTO_ALL && c.matched + c.unmatched + c.unexpected == 0)
		return;
	fprintf(out, "%-16s %-10s %-5s %9llu %9llu %6.2f%%", label, dir, proto_name(pr),
		(unsigned long long)c.matched, (unsigned long long)c.unmatched,
		100 * loss_fraction(&c));
	if (!report_observable(&d)) {
		fprintf(out, "  not observable (same kernel stamp at both points)\n");
		*any_unobservable = true;
		return;
	}
	text_dist_cols(out, &d);
	if (negative_on_host(&d, from, to)) {
		fputs("  (!)", out);
		*any_negative = true;
	}
	fputc('\n', out);
}

static void text_header(FILE *out, const char *what)
{
	fprintf(out, "%-16s %-10s %-5s %9s %9s %7s  %9s %9s %9s %9s %9s %9s %9s\n", what,
		"direction", "proto", "matched", "unmatched", "loss", "min us", "p50 us", "p90 us",
		"p99 us", "max us", "mean us", "sd us");
}

/* ---- the answer first: VO per direction with its uncertainty, the round
 * trip no clock offset changes, and where along the path it arises ---- */

/* The clock's uncertainty on a one-way figure across the guest, as text. */
static void bound_text(const struct analysis *a, char *buf, size_t n)
{
	switch (a->clock.method) {
	case CLOCK_NONE:
		snprintf(buf, n, "(guest clock not corrected)");
		break;
	case CLOCK_MANUAL:
		snprintf(buf, n, "(clock given: its error is yours)");
		break;
	default:
		snprintf(buf, n, "+-%.1f us (the clock's bound)", a->clock.error_bound_ns / 1e3);
	}
}

static void text_headline_dir(FILE *out, const char *label, const struct dist *d,
			      const char *bound)
{
	if (d->n == 0) {
		fprintf(out, "  %-10s  no matched packets\n", label);
		return;
	}
	char p50[32];
	snprintf(p50, sizeof p50, "%s%.1f", d->sketch_rel > 0 ? "~" : "", d->p50);
	fprintf(out, "  %-10s  p50 %9s us %s, %zu packets%s\n", label, p50, bound, d->n,
		d->n < FEW_PACKETS ? " (few: not a stable median)" : "");
}

static void text_headline(FILE *out, const struct analysis *a)
{
	const struct vo *v = &a->vo;
	const struct dist *to = &v->sum_e2e[DIR_TO_GUEST][PROTO_ALL].d;
	const struct dist *from = &v->sum_e2e[DIR_FROM_GUEST][PROTO_ALL].d;
	char bound[64];
	bound_text(a, bound, sizeof bound);
	fprintf(out, "VO latency (%s <-> guest, all protocols):\n", point_name(v->pt[0]));
	text_headline_dir(out, "to guest", to, bound);
	text_headline_dir(out, "from guest", from, bound);
	double p50;
	if (vo_round_trip(v, &p50)) {
		char rt[32];
		snprintf(rt, sizeof rt, "%s%.1f", to->sketch_rel > 0 || from->sketch_rel > 0 ? "~" : "",
			 p50);
		fprintf(out, "  %-10s      %9s us (the two medians summed: no clock offset changes it)\n",
			"round trip", rt);
	}
	for (int d = 0; d < DIR_N; d++) {
		struct where_row rows[POINT_N];
		double sum;
		int n = where_rows(a, (enum direction)d, rows, &sum);
		fprintf(out, "  %-10s  %s:", d == 0 ? "where" : "", direction_name((enum direction)d));
		const char *sep = " ";
		for (int k = 0; k < n; k++) {
			const struct where_row *r = &rows[k];
			fprintf(out, "%s%s -> %s ", sep, point_name(r->from), point_name(r->to));
			const char *ap = r->err_us > 0 ? "~" : ""; /* from a sketch */
			if (r->state == WHERE_OK && sum > 0)
				fprintf(out, "%.0f %% (%s%.1f us)", 100 * r->share, ap, r->p50_us);
			else if (r->state == WHERE_OK)
				fprintf(out, "%s%.1f us", ap, r->p50_us);
			else if (r->state == WHERE_NOT_OBSERVABLE)
				fputs("not observable", out);
			else if (r->state == WHERE_NEGATIVE)
				fprintf(out, "%s%.1f us (!)", ap, r->p50_us);
			else
				fputs("no packets", out);
			sep = ", ";
		}
		fputc('\n', out);
	}
	if (a->clock.method == CLOCK_NONE)
		fprintf(out, "  warning: guest clock not corrected (method none): "
			     "host<->guest delays include the guest clock offset\n");
	for (int d = 0; d < DIR_N; d++) {
		const struct dist *x = &v->sum_e2e[d][PROTO_ALL].d;
		uint64_t bad = v->e2e_impossible[d];
		if (x->n > 0 && bad * 200 > x->n) /* over 0.5 % */
			fprintf(out,
				"  warning: %.1f %% of the packets %s arrived before they left "
				"(below minus the clock's bound): %s\n",
				100.0 * (double)bad / (double)x->n, direction_name((enum direction)d),
				a->clock.method == CLOCK_MANUAL
				    ? "the clock given is off, or the guest clock stepped (let vocalc "
				      "estimate it: no --guest-offset-us)"
				    : "the clock estimate does not hold here; its figures are not "
				      "bounded");
	}
}

static int write_text(FILE *out, const struct analysis *a, struct verr *err)
{
	const struct vo *v = &a->vo;
	bool unobs = false, neg = false;
	if (v->has_vo)
		text_headline(out, a);
	if (a->gside.on)
		text_guest_side(out, a);
	fputc('\n', out);

	clock_print_text(out, a, true);
	fprintf(out, "Guest addresses:");
	for (int i = 0; i < a->guest_ips.n; i++) {
		char buf[64];
		fprintf(
		    out, " %s",
		    pkt_addr_str(a->guest_ips.v[i].family, a->guest_ips.v[i].a, buf, sizeof buf));
	}
	if (a->guest_by_causality)
		fprintf(out, " (%s)\n\n", causality_note(a));
	else
		fprintf(out, " (%s)\n\n", a->guest_ips_learned ? "learned from the captures" : "given");

	fprintf(out, "%-7s %10s %10s %10s %10s  %s\n", "point", "records", "guest", "other",
		"skipped", "file");
	for (int p = 0; p < POINT_N; p++) {
		if (!a->o.file[p])
			continue;
		const struct point_stats *ps = &a->pt[p];
		uint64_t sk = 0;
		for (int r = 1; r < DIS_N; r++)
			sk += ps->skipped[r];
		fprintf(out, "%-7s %10llu %10llu %10llu %10llu  %s", point_name((enum point)p),
			(unsigned long long)ps->records, (unsigned long long)ps->used,
			(unsigned long long)ps->not_guest, (unsigned long long)sk, a->o.file[p]);
		if (a->o.drops[p] > 0)
			fprintf(out, "  (%lld kernel drops)", (long long)a->o.drops[p]);
		fputc('\n', out);
	}
	fputc('\n', out);

	text_header(out, "hop");
	for (int i = 0; i + 1 < v->npts; i++)
		for (int d = 0; d < DIR_N; d++) {
			enum point up, down;
			vo_hop_ends(v, i, (enum direction)d, &up, &down);
			char label[40];
			snprintf(label, sizeof label, "%s -> %s", point_name(up), point_name(down));
			for (int p = PROTO_ALL; p < PROTO_N; p++)
				text_row(out, p == PROTO_ALL ? label : "",
					 p == PROTO_ALL ? direction_name((enum direction)d) : "",
					 &v->sum_hop[i][d][p], (enum proto)p, up, down, &unobs,
					 &neg);
		}
	if (v->has_vo) {
		fputc('\n', out);
		text_header(out, "VO (end to end)");
		for (int d = 0; d < DIR_N; d++) {
			char label[40];
			snprintf(label, sizeof label, "%s -> %s",
				 point_name(d == DIR_TO_GUEST ? v->pt[0] : POINT_GUEST),
				 point_name(d == DIR_TO_GUEST ? POINT_GUEST : v->pt[0]));
			for (int p = PROTO_ALL; p < PROTO_N; p++)
				text_row(out, p == PROTO_ALL ? label : "",
					 p == PROTO_ALL ? direction_name((enum direction)d) : "",
					 &v->sum_e2e[d][p], (enum proto)p, POINT_GUEST, POINT_GUEST,
					 &unobs, &neg);
		}
	}
	uint64_t co = 0, sp = 0;
	for (int i = 0; i + 1 < v->npts; i++)
		for (int d = 0; d < DIR_N; d++)
			for (int p = PROTO_TCP; p < PROTO_N; p++) {
				co += v->hop[i][d][p].c.coalesced;
				sp += v->hop[i][d][p].c.split;
			}
	fputc('\n', out);
	if (co || sp)
		fprintf(out,
			"TCP resegmentation: %llu segments coalesced into bigger ones downstream "
			"(GRO), %llu pieces of bigger upstream segments (GSO/TSO)\n",
			(unsigned long long)co, (unsigned long long)sp);
	if (unobs)
		fprintf(out, "Not observable: %s.\n", NOT_OBSERVABLE_NOTE);
	if (neg)
		fprintf(out, "(!) Negative median between host points: %s.\n", NEGATIVE_NOTE);
	text_sketch_note(out, v);
	if (a->rtt) {
		fprintf(out, "\nTCP round trips from the timestamp option (pping's rules), per point:\n");
		struct rtt_report rr;
		if (rtt_set_summarize(a->rtt, &a->guest_ips, NULL, &rr, err) != 0)
			return -1;
		rtt_print_text(out, &rr);
		rtt_report_free(&rr);
	}
	if (a->ack && write_ack(out, NULL, a) != 0)
		return -1;
	for (int p = 0; p < POINT_N; p++)
		if (a->o.drops[p] > 0) {
			fprintf(out,
				"Loss figures at hops touching %s are unreliable: its capture "
				"dropped %lld packets.\n",
				point_name((enum point)p), (long long)a->o.drops[p]);
		}
	return ferror(out) ? -1 : 0;
}

/* vocalc ack: the clock in one line, then the ACK sections. */
static int write_ack_text(FILE *out, const struct analysis *a)
{
	fprintf(out, "guest clock: method %s, offset %.3f us, skew %.3f ppm (pairs across points "
		     "use corrected guest stamps)\n",
		clock_method_name(a->clock.method), a->clock.seg[0].offset_ns / 1e3,
		a->clock.seg[0].skew * 1e6);
	if (a->ack && write_ack(out, NULL, a) != 0)
		return -1;
	return ferror(out) ? -1 : 0;
}

int report_write(FILE *out, const struct report_opts *ro, const struct analysis *a,
		 struct verr *err)
{
	int rc = ro->fmt == REPORT_JSON		? write_json(out, a, ro->kind, err)
		 : ro->kind == REPORT_CLOCK ? clock_print_drift(out, a, ro->verbose)
		 : ro->kind == REPORT_ACK   ? write_ack_text(out, a)
					    : write_text(out, a, err);
	/* a full disk or a closed pipe shows only on the flush */
	const char *name = ro->out_name ? ro->out_name : "the report";
	errno = 0;
	if (fflush(out) != 0 || ferror(out))
		return verr_set(err, VERR_INPUT, "writing %s failed: %s", name,
				strerror(errno ? errno : EIO));
	/* the stream is fine: a writer could not allocate */
	return rc == 0 ? 0 : verr_set(err, VERR_NOMEM, "out of memory while writing the report");
}
