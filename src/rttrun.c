/* rttrun — see rttrun.h. */
#include "rttrun.h"

#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "hashtab.h"
#include "reader.h"
#include "report.h"
#include "stats.h"
#include "version.h"

/* One flow's samples at one point. */
struct fstats {
	struct hnode hn;
	struct match_flow_key key;
	struct bvec rtt; /* us (stats.h: exact up to the cap, then a sketch of ns) */
	uint64_t shared, delayed;
	double hs_resp_us, hs_init_us; /* the flow's handshake legs, if seen (first ones) */
	bool has_resp, has_init;
};

struct point_run {
	const struct rtt_run_opts *o;
	enum point p;
	struct hashtab flows;
	struct rtt_counts counts;
	uint64_t records;
	double rate;                        /* durations into host time (rtt_set_rate) */
	size_t nots;                        /* flows without timestamps */
	struct match_flow_key nots_list[20]; /* the first of them */
	int failed;
};

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

/* The flow's samples at a point, or NULL. */
static struct fstats *flow_at(struct point_run *pr, const struct match_flow_key *k)
{
	return (struct fstats *)hashtab_find(&pr->flows, hash_bytes(k, sizeof *k), k,
					     offsetof(struct fstats, key), sizeof *k);
}

static void on_sample(void *ctx, const struct rtt_sample *s)
{
	struct point_run *pr = ctx;
	uint64_t h = hash_bytes(s->flow, sizeof *s->flow); /* for the lookup and the insert */
	struct fstats *f = (struct fstats *)hashtab_find(&pr->flows, h, s->flow,
							 offsetof(struct fstats, key), sizeof *s->flow);
	if (f == NULL) {
		f = calloc(1, sizeof *f);
		if (f == NULL || hashtab_insert(&pr->flows, &f->hn, h) != 0) {
			free(f);
			pr->failed = 1;
			return;
		}
		f->key = *s->flow;
		bvec_init(&f->rtt, false, 1e3, SKETCH_BITS_FLOW);
	}
	const struct rtt_run_opts *o = pr->o;
	char fl[160];
	static const char *const kinds[] = {"tsval", "handshake_responder", "handshake_initiator"};
	if (s->kind != RTT_TSVAL) {
		if (s->kind == RTT_HANDSHAKE_RESP && !f->has_resp) {
			f->hs_resp_us = s->rtt_ns / 1e3;
			f->has_resp = true;
		} else if (s->kind == RTT_HANDSHAKE_INIT && !f->has_init) {
			f->hs_init_us = s->rtt_ns / 1e3;
			f->has_init = true;
		}
		goto csv;
	}
	if (bvec_push(&f->rtt, s->rtt_ns / 1e3) != 0) {
		pr->failed = 1;
		return;
	}
	f->shared += s->shared_tsval;
	f->delayed += s->delayed_ack;
	if (o->samples) {
		/* pping -m: capture time (epoch, us), rtt and min rtt (s), flow */
		fprintf(o->samples, "%lld.%06lld %.6f %.6f %s", (long long)(s->t_ns / 1000000000),
			(long long)(s->t_ns % 1000000000 / 1000), s->rtt_ns / 1e9, s->min_ns / 1e9,
			pping_flow(s->flow, true, fl, sizeof fl));
		if (o->multi)
			fprintf(o->samples, " %s", point_name(pr->p));
		fputc('\n', o->samples);
	}
csv:
	if (o->csv) {
		match_flow_name(s->flow, fl, sizeof fl);
		fprintf(o->csv, "%s,%lld.%09lld,%.3f,%.3f,%s,%d,%s,%d\n", point_name(pr->p),
			(long long)(s->t_ns / 1000000000), (long long)(s->t_ns % 1000000000),
			s->rtt_ns / 1e3, s->min_ns / 1e3, fl, s->shared_tsval, kinds[s->kind],
			s->delayed_ack);
	}
}

static int run_point(struct rtt_set *set, enum point p, const char *path, struct verr *err);

static int cmp_flow_samples(const void *a, const void *b)
{
	const struct fstats *x = *(const struct fstats *const *)a, *y = *(const struct fstats *const *)b;
	uint64_t nx = bvec_count(&x->rtt), ny = bvec_count(&y->rtt);
	return nx < ny ? 1 : nx > ny ? -1 : memcmp(&x->key, &y->key, sizeof x->key);
}

/* The point's flows, most samples first, with their distributions. */
static struct fstats **sorted_flows(struct point_run *pr, size_t *n)
{
	*n = pr->flows.count;
	struct fstats **v = malloc((*n + 1) * sizeof *v);
	if (v == NULL)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i <= pr->flows.mask; i++)
		for (struct hnode *x = pr->flows.b[i]; x; x = x->next)
			v[k++] = (struct fstats *)x;
	qsort(v, k, sizeof *v, cmp_flow_samples);
	return v;
}



/* The distribution of the union of k flows' samples into *d; false when
 * there is none (no sample, or no memory): the caller says so, never prints
 * a NaN. */
static bool dist_of_flows(const struct bvec *const *sets, size_t k, double rate, struct dist *d)
{
	struct bview w;
	memset(d, 0, sizeof *d);
	if (bview_open(&w, sets, k) != 0)
		return false;
	bview_rescale(&w, rate);
	bview_dist(&w, d, NULL, 0, NULL, NULL);
	bview_close(&w);
	return d->n > 0 && isfinite(d->p50);
}

/* The median of one flow's samples, as median_of_flows. */
static bool median_of(const struct fstats *f, double rate, double *m)
{
	const struct bvec *sets[1] = {&f->rtt};
	struct dist d;
	bool ok = dist_of_flows(sets, 1, rate, &d);
	*m = d.p50;
	return ok;
}

/* Under a table whose "~" figures came from a sketch (stats.h). */
static void sketch_note(FILE *out)
{
	fprintf(out,
		"  ~: from a quantile sketch (a flow with more than %zu samples at a point keeps "
		"them as a log-linear histogram): within %.4f %% of their magnitude; min, mean and "
		"max exact\n",
		stats_flow_cap(), 100 * ldexp(1.0, -SKETCH_BITS_FLOW));
}

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

/* Why a flow has no RTT sample at a point: timestamps the snaplen hid, or
 * none echoed (a handshake alone). */
static const char *no_samples_why(const struct point_run *pr, char *buf, size_t cap)
{
	if (pr->counts.opts_cut > 0)
		snprintf(buf, cap,
			 "no RTT samples at %s: the snaplen cut the TCP options of %llu packets "
			 "there, so their timestamps are unknown (capture with -s 128 or more)",
			 point_name(pr->p), (unsigned long long)pr->counts.opts_cut);
	else
		snprintf(buf, cap, "no RTT samples at %s: no timestamp was echoed there",
			 point_name(pr->p));
	return buf;
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
	char v[4][256];
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

/* The VO share from the two medians: false (why set) when it does not exist. */
static bool vo_share(bool ok_g, double mg, const struct point_run *pg, bool ok_o, double mo,
		     const struct point_run *po, double *share, char *why, size_t cap)
{
	if (!ok_g)
		no_samples_why(pg, why, cap);
	else if (!ok_o)
		no_samples_why(po, why, cap);
	else if (!(mg > 0))
		snprintf(why, cap, "the median RTT at guest is 0: no share of it exists");
	else {
		*share = (mg - mo) / mg;
		return true;
	}
	return false;
}

/* Decomposition: guest-sourced flows seen at guest and at the outermost host
 * point.  Writes text to out or adds "rtt_decomposition" to root. */
static int decompose(const struct rtt_run_opts *o, struct point_run *pr, FILE *out, json_t *root,
		     struct verr *err)
{
	enum point outer = POINT_N;
	for (int p = 0; p < POINT_GUEST && outer == POINT_N; p++)
		if (o->file[p])
			outer = (enum point)p;
	if (!o->file[POINT_GUEST] || outer == POINT_N)
		return 0;
	struct addrset g = o->guest_ips;
	if (g.n == 0) {
		int rc = guestaddr_learn(o->file[POINT_GUEST], POINT_GUEST, o->allow_truncated, &g, NULL, err);
		if (rc < 0)
			return -1;
		if (rc > 0) { /* undecided: no decomposition, said so */
			if (!root)
				fprintf(out, "\nNo decomposition: %s\n", err->msg);
			memset(err, 0, sizeof *err);
			return 0;
		}
	}
	size_t n;
	struct fstats **fl = sorted_flows(&pr[POINT_GUEST], &n);
	if (fl == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	json_t *arr = root ? json_array() : NULL;
	/* the flows' samples at both points, for "all of them" */
	const struct bvec **vg = malloc((n + 1) * sizeof *vg), **vo = malloc((n + 1) * sizeof *vo);
	if (!vg || !vo) {
		free(vg);
		free(vo);
		free(fl);
		json_decref(arr);
		return verr_set(err, VERR_NOMEM, "out of memory");
	}
	size_t kg = 0, ko = 0, nflows = 0;
	bool approx = false; /* a median from a sketch */
	struct notes nt = {.n = 0};
	struct point_run *pg = &pr[POINT_GUEST], *po = &pr[outer];
	for (size_t i = 0; i < n; i++) {
		struct fstats *f = fl[i];
		if (!addrset_has(&g, f->key.family, f->key.src))
			continue;
		struct fstats *fo = flow_at(po, &f->key);
		if (fo == NULL)
			continue;
		double mg = 0, mo = 0, share = 0;
		char why[256];
		bool ok_g = median_of(f, pg->rate, &mg), ok_o = median_of(fo, po->rate, &mo);
		bool ok_s = vo_share(ok_g, mg, pg, ok_o, mo, po, &share, why, sizeof why);
		bool sk = bvec_sketched(&f->rtt) || bvec_sketched(&fo->rtt);
		approx |= sk;
		vg[kg++] = &f->rtt;
		vo[ko++] = &fo->rtt;
		char name[160], why_g[256], why_o[256];
		match_flow_name(&f->key, name, sizeof name);
		if (arr) {
			json_t *e = json_pack("{s:s, s:s}", "flow", name, "outer", point_name(outer));
			json_fig(e, "rtt_guest_p50_us", ok_g, mg, no_samples_why(pg, why_g, sizeof why_g));
			json_fig(e, "rtt_outer_p50_us", ok_o, mo, no_samples_why(po, why_o, sizeof why_o));
			json_object_set_new(e, "samples_guest",
					    json_integer((json_int_t)bvec_count(&f->rtt)));
			json_object_set_new(e, "samples_outer",
					    json_integer((json_int_t)bvec_count(&fo->rtt)));
			if (sk) /* medians from a sketch (stats.h) */
				json_object_set_new(e, "sketch_rel_error",
						    json_real(ldexp(1.0, -SKETCH_BITS_FLOW)));
			json_fig(e, "vo_share", ok_s, share, why);
			json_array_append_new(arr, e);
		} else {
			if (nflows == 0)
				fprintf(out, "\nVO share of RTT (flows the guest sends; medians; %s vs guest):\n"
					     "  %-46s %12s %12s %9s\n",
					point_name(outer), "flow", "guest us", "outer us", "VO share");
			char c1[32], c2[32], c3[32];
			fprintf(out, "  %-46s %12s %12s %9s\n", name,
				cell(c1, sizeof c1, ok_g, mg, sk ? "~%.1f" : "%.1f"),
				cell(c2, sizeof c2, ok_o, mo, sk ? "~%.1f" : "%.1f"),
				cell(c3, sizeof c3, ok_s, 100 * share, sk ? "~%.1f%%" : "%.1f%%"));
			if (!ok_s)
				note_add(&nt, why);
		}
		nflows++;
	}
	if (nflows) {
		double mg = 0, mo = 0, share = 0;
		char why[256], why_g[256], why_o[256];
		struct dist dg, dv;
		bool ok_g = dist_of_flows(vg, kg, pg->rate, &dg),
		     ok_o = dist_of_flows(vo, ko, po->rate, &dv);
		mg = dg.p50;
		mo = dv.p50;
		bool ok_s = vo_share(ok_g, mg, pg, ok_o, mo, po, &share, why, sizeof why);
		if (root) {
			json_object_set_new(root, "rtt_decomposition", arr);
			json_t *e = json_pack("{s:s}", "outer", point_name(outer));
			json_fig(e, "rtt_guest_p50_us", ok_g, mg, no_samples_why(pg, why_g, sizeof why_g));
			json_fig(e, "rtt_outer_p50_us", ok_o, mo, no_samples_why(po, why_o, sizeof why_o));
			json_fig(e, "vo_share", ok_s, share, why);
			if (approx)
				json_object_set_new(e, "sketch_rel_error",
						    json_real(ldexp(1.0, -SKETCH_BITS_FLOW)));
			json_object_set_new(root, "rtt_vo_share", e);
		} else {
			char c1[32], c2[32], c3[32];
			fprintf(out, "  %-46s %12s %12s %9s\n", "all of them",
				cell(c1, sizeof c1, ok_g, mg, approx ? "~%.1f" : "%.1f"),
				cell(c2, sizeof c2, ok_o, mo, approx ? "~%.1f" : "%.1f"),
				cell(c3, sizeof c3, ok_s, 100 * share, approx ? "~%.1f%%" : "%.1f%%"));
			if (!ok_s)
				note_add(&nt, why);
			for (int i = 0; i < nt.n; i++)
				fprintf(out, "  -: %s\n", nt.v[i]);
			if (approx)
				sketch_note(out);
		}
	} else if (arr) {
		json_object_set_new(root, "rtt_decomposition", arr);
	}
	free(vg);
	free(vo);
	free(fl);
	return 0;
}

struct rtt_set {
	struct rtt_run_opts o;
	struct point_run pr[POINT_N];
};

struct rtt_set *rtt_set_create(const struct rtt_run_opts *o)
{
	struct rtt_set *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->o = *o;
	for (int p = 0; p < POINT_N; p++) {
		s->pr[p].o = &s->o;
		s->pr[p].p = (enum point)p;
		s->pr[p].rate = 1;
		if (hashtab_init(&s->pr[p].flows, 64) != 0) {
			rtt_set_delete(s);
			return NULL;
		}
	}
	return s;
}

void rtt_set_delete(struct rtt_set *s)
{
	if (s == NULL)
		return;
	for (int p = 0; p < POINT_N; p++) {
		struct point_run *pr = &s->pr[p];
		for (size_t i = 0; pr->flows.b && i <= pr->flows.mask; i++)
			for (struct hnode *x = pr->flows.b[i]; x; x = x->next)
				bvec_free(&((struct fstats *)x)->rtt);
		hashtab_free_nodes(&pr->flows);
	}
	free(s);
}

struct rtt_tracker *rtt_set_tracker(struct rtt_set *s, enum point p)
{
	return rtt_create(&s->o.cfg, on_sample, &s->pr[p]);
}

void rtt_set_finish(struct rtt_set *s, enum point p, struct rtt_tracker *t, uint64_t records)
{
	struct point_run *pr = &s->pr[p];
	if (t) {
		pr->counts = *rtt_counts(t);
		pr->nots = rtt_flows_without_ts(t, pr->nots_list, 20);
		rtt_delete(t);
	}
	pr->records = records;
}

int rtt_set_write(struct rtt_set *set, FILE *out, json_t *root, bool with_points, struct verr *err)
{
	const struct rtt_run_opts *o = &set->o;
	struct point_run *pr = set->pr;
	int rc = -1;
	json_t *jp = NULL, *jr = NULL;
	if (root) {
		jp = json_array();
		jr = json_array();
	}
	for (int p = 0; p < POINT_N; p++) {
		if (!o->file[p])
			continue;
		const struct rtt_counts *c = &pr[p].counts;
		size_t n;
		struct fstats **fl = sorted_flows(&pr[p], &n);
		if (fl == NULL) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
		if (root) {
			json_t *nl = json_array();
			for (size_t i = 0; i < pr[p].nots && i < 20; i++) {
				char nm[160];
				const struct match_flow_key *k = &pr[p].nots_list[i];
				json_array_append_new(nl, json_string(match_flow_name(k, nm, sizeof nm)));
			}
			json_t *po = json_pack(
				"{s:i}", "flows_without_timestamps", (int)pr[p].nots);
			json_object_set_new(po, "flows_without_timestamps_first", nl);
			json_t *pt = json_pack(
				"{s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
				"name", point_name((enum point)p), "file", o->file[p], "packets",
				(json_int_t)pr[p].records, "drops",
				o->drops[p] >= 0 ? json_integer(o->drops[p]) : json_null(), "rtt_samples",
				(json_int_t)c->samples, "no_timestamps", (json_int_t)c->no_ts,
				"options_cut", (json_int_t)c->opts_cut, "unidirectional",
				(json_int_t)c->unidirectional, "not_tcp", (json_int_t)c->not_tcp, "not_ip",
				(json_int_t)c->not_ip, "unreadable", (json_int_t)c->unreadable,
				"flows_over_cap", (json_int_t)c->flows_over_cap, "handshakes",
				(json_int_t)c->handshakes, "without_timestamps", po);
			json_object_set_new(pt, "time_backwards", json_integer((json_int_t)c->backwards));
			json_object_set_new(pt, "time_backwards_max_us",
					    json_real(c->backwards_max_ns / 1e3));
			json_object_set_new(pt, "negative_rtt_refused",
					    json_integer((json_int_t)c->negative_rtt));
			json_array_append_new(jp, pt);
		} else {
			fprintf(out, "%s: %s: %llu packets, %llu RTT samples in %zu flows",
				point_name((enum point)p), reader_display_name(o->file[p]),
				(unsigned long long)pr[p].records, (unsigned long long)c->samples, n);
			fprintf(out,
				"; %llu without timestamps, %llu options cut by snaplen, %llu one-way, "
				"%llu not TCP, %llu not IP, %llu unreadable; %llu handshakes\n",
				(unsigned long long)c->no_ts, (unsigned long long)c->opts_cut,
				(unsigned long long)c->unidirectional, (unsigned long long)c->not_tcp,
				(unsigned long long)c->not_ip, (unsigned long long)c->unreadable,
				(unsigned long long)c->handshakes);
			if (c->backwards > 0 || c->negative_rtt > 0)
				fprintf(out,
					"  time went backwards %llu times (by up to %.1f us): the "
					"capturing clock stepped; %llu echoes across such a step gave no "
					"sample%s\n",
					(unsigned long long)c->backwards, c->backwards_max_ns / 1e3,
					(unsigned long long)c->negative_rtt,
					p == POINT_GUEST && !o->clock
					    ? " (give a host capture too: vocalc rtt guest=... vnet=... "
					      "finds and corrects the step)"
					    : "");
			if (c->opts_cut > 0)
				fprintf(out,
					"  options cut by snaplen: %llu TCP packets lost their options to the "
					"capture's snaplen, so whether they carried timestamps is unknown; "
					"capture with -s 128 or more\n",
					(unsigned long long)c->opts_cut);
			for (size_t i = 0; i < pr[p].nots && i < 20; i++) {
				char nm[160];
				const struct match_flow_key *k = &pr[p].nots_list[i];
				fprintf(out, "  without timestamps: %s\n",
					match_flow_name(k, nm, sizeof nm));
			}
			if (pr[p].nots > 20)
				fprintf(out, "  ... and %zu more flows without timestamps\n",
					pr[p].nots - 20);
			if (n)
				fprintf(out, "  %-46s %8s %10s %10s %10s %10s %10s %8s %8s %12s\n",
					"flow (its packets' TSvals echoed)", "samples", "min us",
					"p50 us", "p90 us", "mean us", "max us", "shared", "delack",
					"handshake us");
		}
		bool approx = false; /* a "~" figure in this point's table */
		for (size_t i = 0; i < n; i++) {
			struct fstats *f = fl[i];
			struct dist d;
			const struct bvec *one[1] = {&f->rtt};
			uint64_t ns = bvec_count(&f->rtt);
			if (ns && !dist_of_flows(one, 1, pr[p].rate, &d)) {
				verr_set(err, VERR_NOMEM, "out of memory");
				free(fl);
				goto out;
			}
			char name[160], hs[64] = "-";
			match_flow_name(&f->key, name, sizeof name);
			double hs_resp = nearbyint(f->hs_resp_us * pr[p].rate * 1e3) / 1e3;
			double hs_init = nearbyint(f->hs_init_us * pr[p].rate * 1e3) / 1e3;
			if (f->has_resp && f->has_init)
				snprintf(hs, sizeof hs, "%.1f+%.1f", hs_resp, hs_init);
			else if (f->has_resp)
				snprintf(hs, sizeof hs, "%.1f+?", hs_resp);
			if (root) {
				json_t *o1 = json_pack("{s:s, s:s, s:I, s:o}", "flow", name, "point",
						       point_name((enum point)p), "samples",
						       (json_int_t)ns, "rtt_us",
						       ns ? report_dist_json(&d) : json_null());
				if (ns == 0) {
					char why[256];
					json_object_set_new(
						o1, "rtt_us_reason",
						json_string(no_samples_why(&pr[p], why, sizeof why)));
				}
				json_object_set_new(o1, "shared_tsval", json_integer((json_int_t)f->shared));
				json_object_set_new(o1, "delayed_ack", json_integer((json_int_t)f->delayed));
				if (f->has_resp)
					json_object_set_new(
						o1, "handshake_us",
						json_pack("{s:f, s:o}", "responder", hs_resp,
							  "initiator",
							  f->has_init ? json_real(hs_init)
								      : json_null()));
				json_array_append_new(jr, o1);
			} else if (ns) {
				char c1[32], c2[32];
				bool sk = d.sketch_rel > 0;
				approx |= sk;
				fprintf(out, "  %-46s %8llu %10.1f %10s %10s %10.1f %10.1f %8llu %8llu %12s\n",
					name, (unsigned long long)ns, d.min,
					cell(c1, sizeof c1, true, d.p50, sk ? "~%.1f" : "%.1f"),
					cell(c2, sizeof c2, true, d.p90, sk ? "~%.1f" : "%.1f"), d.mean,
					d.max, (unsigned long long)f->shared,
					(unsigned long long)f->delayed, hs);
			} else {
				fprintf(out, "  %-46s %8llu %10s %10s %10s %10s %10s %8s %8s %12s\n", name,
					(unsigned long long)ns, "-", "-", "-", "-", "-", "-", "-", hs);
			}
		}
		if (approx)
			sketch_note(out);
		free(fl);
	}
	if (root) {
		/* analyze's "points" are its own: the RTT counts go beside them */
		json_object_set_new(root, with_points ? "points" : "rtt_points", jp);
		json_object_set_new(root, "rtt", jr);
		jp = jr = NULL;
	}
	if (decompose(o, pr, out, root, err) != 0)
		goto out;
	rc = 0;
out:
	json_decref(jp);
	json_decref(jr);
	return rc;
}

int rtt_run(const struct rtt_run_opts *o, FILE *out, struct verr *err)
{
	struct rtt_set *set = rtt_set_create(o);
	if (set == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1;
	if (o->csv)
		fprintf(o->csv, "point,t,rtt_us,min_rtt_us,flow,shared_tsval,kind,delayed_ack\n");
	for (int p = 0; p < POINT_N; p++)
		if (o->file[p] && run_point(set, (enum point)p, o->file[p], err) != 0)
			goto out;
	json_t *root = NULL;
	if (o->json) {
		root = json_object();
		json_object_set_new(root, "schema", json_integer(1));
		json_object_set_new(root, "tool", json_string("vocalc"));
		json_object_set_new(root, "version", json_string(vocalc_version));
		if (o->clock)
			json_object_set_new(root, "clock", report_clock_json(o->clock));
	} else if (o->clock) {
		report_clock_text(out, o->clock);
		fputc('\n', out);
	}
	if (rtt_set_write(set, out, root, true, err) != 0) {
		json_decref(root);
		goto out;
	}
	if (root) {
		json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15));
		fputc('\n', out);
		json_decref(root);
	}
	rc = 0;
out:
	rtt_set_delete(set);
	return rc;
}

/* vocalc rtt reads each capture on its own. */
static int run_point(struct rtt_set *set, enum point p, const char *path, struct verr *err)
{
	struct reader *r = reader_open(path, set->o.allow_truncated, err);
	if (r == NULL)
		return -1;
	struct rtt_tracker *t = rtt_set_tracker(set, p);
	int rc = -1, got;
	uint64_t records = 0;
	if (t == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		goto out;
	}
	struct rpacket rp;
	while ((got = reader_next(r, &rp, err)) == 1) {
		struct pkt pk;
		records++;
		enum dis_result dr =
		    dissect(reader_linktype(r), rp.data, rp.caplen, rp.wirelen, rp.ts_ns, &pk);
		if (dr != DIS_OK) {
			rtt_skip(t, dr); /* counted, as analyze's reader threads do */
			continue;
		}
		int64_t ts = p == POINT_GUEST && set->o.clock
				 ? clock_guest_to_host(&set->o.clock->clock, rp.ts_ns, records - 1)
				 : rp.ts_ns;
		if (rtt_push(t, &pk, ts) != 0 || set->pr[p].failed) {
			verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
	}
	if (got == 0)
		rc = 0;
out:
	rtt_set_finish(set, p, t, records);
	reader_close(r);
	return rc;
}

void rtt_set_rate(struct rtt_set *s, enum point p, double rate) { s->pr[p].rate = rate; }

int rtt_set_flow_p50(struct rtt_set *s, enum point p, const struct match_flow_key *k, double *us)
{
	struct fstats *f = flow_at(&s->pr[p], k);
	if (f == NULL || !median_of(f, s->pr[p].rate, us))
		return -1;
	return 0;
}

void rtt_run_opts_default(struct rtt_run_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int p = 0; p < POINT_N; p++)
		o->drops[p] = -1;
	rtt_cfg_default(&o->cfg);
}
