/* html_print — see html_print.h. */
#include "html_print.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "figures.h"
#include "gnuplot.h"
#include "report.h"
#include "version.h"

static void esc(FILE *out, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '&': fputs("&amp;", out); break;
		case '"': fputs("&quot;", out); break;
		default: fputc(*s, out);
		}
}

static const char CSS[] =
    "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:0 auto;max-width:70em;"
    "padding:0 1em 2em;color:#111;background:#fff;line-height:1.4}"
    "h1{font-size:1.6em;margin-top:.8em}h2{border-bottom:2px solid #246;margin-top:1.5em}"
    "h3{margin:1.4em 0 .4em}"
    "pre{background:#f4f4f4;padding:.6em;overflow-x:auto;font-size:.85em;white-space:pre}"
    ".headline pre{background:#eef3fa;font-size:.95em}"
    "figure{margin:1em 0 2em;padding:0;break-inside:avoid;page-break-inside:avoid}"
    ".plot{overflow-x:auto}.plot svg{width:100%;min-width:520px;max-width:800px;height:auto;"
    "display:block}"
    "figcaption{font-size:.92em;margin:.3em 0}figcaption b{display:block;font-size:1.05em}"
    ".scroll{overflow-x:auto}"
    "table{border-collapse:collapse;font-size:.85em;margin:.4em 0}"
    "caption{text-align:left;font-weight:bold;padding:.2em 0}"
    "th,td{border:1px solid #bbb;padding:.15em .45em;text-align:right;white-space:nowrap}"
    "th:first-child,td:first-child{text-align:left}th{background:#e8e8e8}"
    ".no-plot{border:1px dashed #999;padding:.6em;background:#fafafa}"
    ".warn{color:#8a3b00}"
    "@media print{body{max-width:none;font-size:10pt}pre{white-space:pre-wrap;"
    "word-break:break-all}.scroll,.plot{overflow:visible}.plot svg{min-width:0}"
    "table{font-size:7.5pt}th,td{white-space:normal}a{color:inherit}"
    "section.guest+section.guest{break-before:page}}";

struct page {
	FILE *out;
	const struct html_opts *ho;
	const char *gnuplot_why; /* NULL: gnuplot is there */
	bool gnuplot_hung;       /* killed at its timeout: no more figures tried */
	char guest_dir[160];     /* the guest's directory in --plots DIR (several guests) */
	struct verr *err;
};

/* ---- JSON reading (the report's document: the tables are its figures) ---- */

static double jnum(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_number(v) ? json_number_value(v) : NAN;
}

static const char *jstr(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static void cell_num(FILE *out, double v, const char *f)
{
	fputs("<td>", out);
	if (isnan(v))
		fputs("-", out);
	else
		fprintf(out, f, v);
	fputs("</td>", out);
}

static void cell_str(FILE *out, const char *s)
{
	fputs("<td>", out);
	esc(out, s ? s : "-");
	fputs("</td>", out);
}

static void table_open(FILE *out, const char *caption, const char *const *head, int n)
{
	fputs("<div class=\"scroll\"><table>", out);
	if (caption) {
		fputs("<caption>", out);
		esc(out, caption);
		fputs("</caption>", out);
	}
	fputs("<thead><tr>", out);
	for (int i = 0; i < n; i++) {
		fputs("<th scope=\"col\">", out);
		esc(out, head[i]);
		fputs("</th>", out);
	}
	fputs("</tr></thead><tbody>\n", out);
}

static void table_close(FILE *out)
{
	fputs("</tbody></table></div>\n", out);
}

/* ---- the sections ---- */

static void headline(FILE *out, const char *text)
{
	const char *end = strstr(text, "\n\n");
	size_t n = end ? (size_t)(end - text) : strlen(text);
	char *h = strndup(text, n);
	fputs("<div class=\"headline\"><pre>", out);
	esc(out, h ? h : "");
	fputs("</pre></div>\n", out);
	free(h);
}

static void vo_where(FILE *out, const json_t *doc)
{
	const json_t *w = json_object_get(doc, "vo_where");
	fputs("<h3>Where the VO latency arises</h3>\n", out);
	if (!json_is_array(w) || json_array_size(w) == 0) {
		const char *why = jstr(doc, "vo_where_reason");
		if (why == NULL)
			why = jstr(doc, "vo_reason");
		fputs("<p>No hop has a share: ", out);
		esc(out, why ? why : "no VO latency");
		fputs(".</p>\n", out);
		return;
	}
	static const char *const head[] = {"direction", "hop", "packets", "p50 us",
					   "share of the direction's VO"};
	table_open(out, "Each hop's median delay and its share of the sum of the medians", head, 5);
	size_t i;
	const json_t *h;
	json_array_foreach(w, i, h) {
		char hop[64];
		snprintf(hop, sizeof hop, "%s -> %s", jstr(h, "from") ? jstr(h, "from") : "?",
			 jstr(h, "to") ? jstr(h, "to") : "?");
		fputs("<tr>", out);
		cell_str(out, jstr(h, "direction"));
		cell_str(out, hop);
		cell_num(out, jnum(h, "n"), "%.0f");
		if (json_is_false(json_object_get(h, "observable"))) {
			fputs("<td colspan=\"2\">not observable (one kernel stamp at both points)</td>", out);
		} else {
			cell_num(out, jnum(h, "p50_us"), "%.1f");
			cell_num(out, jnum(h, "share") * 100, "%.0f %%");
		}
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void delay_row(FILE *out, const json_t *h)
{
	char hop[64];
	snprintf(hop, sizeof hop, "%s -> %s", jstr(h, "from") ? jstr(h, "from") : "?",
		 jstr(h, "to") ? jstr(h, "to") : "?");
	fputs("<tr>", out);
	cell_str(out, hop);
	cell_str(out, jstr(h, "direction"));
	cell_str(out, jstr(h, "protocol"));
	cell_num(out, jnum(h, "matched"), "%.0f");
	cell_num(out, jnum(h, "unmatched"), "%.0f");
	cell_num(out, jnum(h, "loss_fraction") * 100, "%.2f %%");
	const json_t *d = json_object_get(h, "delay_us");
	if (json_is_false(json_object_get(h, "observable"))) {
		fputs("<td colspan=\"5\">not observable (one kernel stamp at both points)</td>", out);
	} else {
		static const char *const k[] = {"min", "p50", "p90", "p99", "max"};
		for (int i = 0; i < 5; i++)
			cell_num(out, d ? jnum(d, k[i]) : NAN, "%.1f");
	}
	fputs("</tr>\n", out);
}

static const char *const DELAY_HEAD[] = {"hop", "direction", "protocol", "matched", "unmatched",
					 "loss", "min us", "p50 us", "p90 us", "p99 us",
					 "max us"};

static void delay_tables(FILE *out, const json_t *doc)
{
	const json_t *hops = json_object_get(doc, "hops");
	if (json_is_array(hops) && json_array_size(hops) > 0) {
		table_open(out, "Per-hop delay", DELAY_HEAD, 11);
		size_t i;
		const json_t *h;
		json_array_foreach(hops, i, h)
			delay_row(out, h);
		table_close(out);
	}
	const json_t *vo = json_object_get(doc, "vo");
	if (!json_is_object(vo))
		return;
	table_open(out, "VO latency, end to end", DELAY_HEAD, 11);
	static const char *const dirs[] = {"to_guest", "from_guest"};
	for (int d = 0; d < 2; d++) {
		const json_t *r = json_object_get(vo, dirs[d]);
		if (!json_is_object(r))
			continue;
		delay_row(out, r);
		size_t i;
		const json_t *p;
		json_array_foreach(json_object_get(r, "by_protocol"), i, p)
			delay_row(out, p);
	}
	table_close(out);
}

static void rtt_tables(FILE *out, const json_t *doc, const struct analysis *a)
{
	const json_t *share = json_object_get(doc, "rtt_vo_share");
	fputs("<p>VO share of the TCP round trip: ", out);
	if (a->rtt == NULL) {
		fputs("the round trips were not tracked (--no-rtt).</p>\n", out);
		return;
	}
	if (json_is_object(share) && !isnan(jnum(share, "vo_share"))) {
		fprintf(out, "<b>%.0f %%</b> (median RTT %.1f us at guest, %.1f us at ",
			jnum(share, "vo_share") * 100, jnum(share, "rtt_guest_p50_us"),
			jnum(share, "rtt_outer_p50_us"));
		esc(out, jstr(share, "outer"));
		fputs(", over every guest-sent flow's samples).</p>\n", out);
	} else {
		const char *why = jstr(doc, "rtt_vo_share_reason");
		esc(out, why ? why : "none (no flow whose TSvals the guest sent was seen at guest and "
				     "a host point)");
		fputs(".</p>\n", out);
	}
	const json_t *dec = json_object_get(doc, "rtt_decomposition");
	if (!json_is_array(dec) || json_array_size(dec) == 0)
		return;
	static const char *const head[] = {"flow (guest's TSvals)", "outer point", "p50 RTT at guest us",
					   "p50 RTT at outer us", "VO share"};
	table_open(out, "The decomposition per flow", head, 5);
	size_t i;
	const json_t *f;
	json_array_foreach(dec, i, f) {
		fputs("<tr>", out);
		cell_str(out, jstr(f, "flow"));
		cell_str(out, jstr(f, "outer"));
		cell_num(out, jnum(f, "rtt_guest_p50_us"), "%.1f");
		cell_num(out, jnum(f, "rtt_outer_p50_us"), "%.1f");
		cell_num(out, jnum(f, "vo_share") * 100, "%.0f %%");
		fputs("</tr>\n", out);
	}
	table_close(out);
}

static void ack_tables(FILE *out, const json_t *doc, const struct analysis *a)
{
	const json_t *pairs = json_object_get(doc, "ack_compression");
	if (a->ack == NULL) {
		fputs("<p>The ACK streams were not tracked (--no-ack): no compression between "
		      "points.</p>\n", out);
		return;
	}
	if (!json_is_array(pairs) || json_array_size(pairs) == 0) {
		fputs("<p>No ACK flow was seen at two points: no compression between points.</p>\n", out);
		return;
	}
	static const char *const head[] = {"ACK flow", "from", "to", "pairs", "spacing ratio p50",
					   "compressed (ratio below the threshold)", "out of order"};
	table_open(out, "ACK compression between points (downstream / upstream spacing)", head, 7);
	size_t i;
	const json_t *p;
	size_t shown = 0;
	json_array_foreach(pairs, i, p) {
		if (shown++ == 40)
			break;
		fputs("<tr>", out);
		cell_str(out, jstr(p, "flow"));
		cell_str(out, jstr(p, "from"));
		cell_str(out, jstr(p, "to"));
		cell_num(out, jnum(p, "pairs"), "%.0f");
		const json_t *r = json_object_get(p, "ratio");
		cell_num(out, r ? jnum(r, "p50") : NAN, "%.3f");
		cell_num(out, jnum(p, "compressed_fraction") * 100, "%.1f %%");
		cell_num(out, jnum(p, "out_of_order"), "%.0f");
		fputs("</tr>\n", out);
	}
	table_close(out);
	if (json_array_size(pairs) > 40)
		fprintf(out, "<p>%zu more in the JSON report (vocalc analyze --json).</p>\n",
			json_array_size(pairs) - 40);
}

static void capture_facts(struct page *pg, const struct html_guest *g, const json_t *doc)
{
	FILE *out = pg->out;
	const struct analysis *a = g->a;
	fputs("<h3>Capture</h3>\n", out);
	static const char *const head[] = {"point", "interface", "host", "file", "packets",
					   "guest packets", "kernel drops", "complete"};
	table_open(out, "The capture points", head, 8);
	size_t i;
	const json_t *p;
	json_array_foreach(json_object_get(doc, "points"), i, p) {
		const char *name = jstr(p, "name");
		enum point pt = POINT_N;
		for (int k = 0; k < POINT_N; k++)
			if (name && strcmp(name, point_name((enum point)k)) == 0)
				pt = (enum point)k;
		const struct html_point *hp = pt < POINT_N ? &g->pt[pt] : NULL;
		fputs("<tr>", out);
		cell_str(out, name);
		cell_str(out, hp ? hp->interface : NULL);
		cell_str(out, hp ? hp->host : NULL);
		cell_str(out, jstr(p, "file"));
		cell_num(out, jnum(p, "packets"), "%.0f");
		cell_num(out, jnum(p, "guest_packets"), "%.0f");
		const json_t *dr = json_object_get(p, "drops");
		if (json_is_number(dr))
			cell_num(out, json_number_value(dr), "%.0f");
		else
			cell_str(out, "unknown");
		cell_str(out, !hp || hp->complete < 0 ? NULL : hp->complete ? "yes" : "no (cut short)");
		fputs("</tr>\n", out);
	}
	table_close(out);
	for (int k = 0; k < POINT_N; k++)
		if (!(a->mask & (1u << k)))
			fprintf(out, "<p>Not captured: %s.</p>\n", point_name((enum point)k));
	/* the hops whose delay cannot be seen */
	fputs("<p>Unobservable hops: ", out);
	int n = 0;
	json_array_foreach(json_object_get(doc, "hops"), i, p)
		if (json_is_false(json_object_get(p, "observable")) &&
		    strcmp(jstr(p, "protocol") ? jstr(p, "protocol") : "", "all") == 0) {
			fprintf(out, "%s", n++ ? ", " : "");
			esc(out, jstr(p, "from"));
			fputs(" -&gt; ", out);
			esc(out, jstr(p, "to"));
			fputs(" (", out);
			esc(out, jstr(p, "direction"));
			fputs(")", out);
		}
	fprintf(out, "%s</p>\n", n ? ": both points carry one kernel stamp, so the hop's delay is "
				     "0 by construction, not by measurement"
				   : "none");
	if (pg->ho->made_by) {
		fputs("<p>The run was made with: <code>", out);
		esc(out, pg->ho->made_by);
		fputs("</code></p>\n", out);
	}
}

static void fig_table(FILE *out, const struct figure *f)
{
	const struct fig_table *t = &f->t;
	if (t->nrow == 0)
		return;
	fputs("<div class=\"scroll\"><table class=\"fig-data\"><caption>The figure in numbers"
	      "</caption><thead><tr>", out);
	for (int c = 0; c < t->ncol; c++) {
		fputs("<th scope=\"col\">", out);
		esc(out, t->head[c]);
		fputs("</th>", out);
	}
	fputs("</tr></thead><tbody>\n", out);
	for (int r = 0; r < t->nrow; r++) {
		fputs("<tr>", out);
		for (int c = 0; c < t->ncol; c++)
			cell_str(out, t->cell[r][c]);
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table></div>\n", out);
	if (f->t.nrow == FIG_TABLE_ROWS)
		fputs("<p>(the first rows only)</p>\n", out);
}

static int figure(struct page *pg, const struct figure *f, const char *prefix, const char *guest)
{
	FILE *out = pg->out;
	bool data = gnuplot_has_data(f);
	fprintf(out, "<figure data-fig=\"%s\" id=\"%s%s\"%s>\n", f->name, prefix, f->name,
		data ? "" : " class=\"no-data\"");
	if (data && pg->gnuplot_why == NULL) {
		struct verr e = {0};
		char *svg = NULL;
		size_t len = 0;
		if (gnuplot_svg(f, prefix, &svg, &len, &pg->gnuplot_hung, &e) == 0) {
			fputs("<div class=\"plot\" role=\"img\" aria-label=\"", out);
			esc(out, f->title);
			fputs("\">\n", out);
			fwrite(svg, 1, len, out);
			fputs("</div>\n", out);
			free(svg);
		} else {
			if (e.status == VERR_NOMEM) {
				*pg->err = e;
				return -1;
			}
			fprintf(stderr, "vocalc: %s%s%s\n", guest ? guest : "", guest ? ": " : "", e.msg);
			fputs("<p class=\"no-plot warn\">This figure could not be drawn: ", out);
			esc(out, e.msg);
			fputs(". Its data are in the table below.</p>\n", out);
		}
	} else if (data) {
		fputs("<p class=\"no-plot\">No figure: ", out);
		esc(out, pg->gnuplot_why);
		fputs(". Every number is in the table below; with gnuplot, run vocalc report again "
		      "(or draw this figure with gnuplot ", out);
		esc(out, pg->ho->plots_dir ? pg->ho->plots_dir : "DIR");
		if (guest && pg->ho->plots_dir) {
			fputs("/", out);
			esc(out, pg->guest_dir);
		}
		fputs("/", out);
		esc(out, f->name);
		fputs(".gp", out);
		if (!pg->ho->plots_dir)
			fputs(", DIR from vocalc report --plots DIR", out);
		fputs(").</p>\n", out);
	}
	fputs("<figcaption><b>", out);
	esc(out, f->title);
	fputs("</b>", out);
	esc(out, f->note);
	if (f->full)
		fprintf(out, " Only the first %d series are drawn; the table has the rest.",
			FIG_MAX_SERIES);
	if (f->symlogx && data)
		fputs(" The x axis is a symmetric logarithm, sign(x) log10(1 + |x|): decades either "
		      "side of 0, the values at or below 0 to its left.", out);
	fputs("</figcaption>\n", out);
	fig_table(out, f);
	fputs("</figure>\n", out);
	return 0;
}

/* The figures' data and scripts into ho->plots_dir (with several guests,
 * a directory per guest in it, named by the guest; guest `index` of the
 * page). */
static int write_plots(struct page *pg, const struct figure_set *fs, const char *guest,
		       int index)
{
	char dir[4096];
	if (guest) {
		/* the guest's name as a directory: a name that is not one (a
		 * slash, "..", a control character: a manifest says anything)
		 * made one, numbered so that no two guests share it */
		char safe[128];
		size_t k = 0;
		bool changed = guest[0] == '.' || guest[0] == 0;
		for (const char *c = guest; *c && k + 1 < sizeof safe; c++) {
			bool ok = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
				  (*c >= '0' && *c <= '9') || strchr("._@:+-", *c);
			safe[k++] = ok ? *c : '_';
			changed |= !ok;
		}
		changed |= guest[k] != 0; /* cut */
		safe[k] = 0;
		/* a name like "guest3-x" is numbered too, so that no two guests'
		 * directories can be one: "guestN-" with N the page's index of
		 * the guest, the rest the name made safe */
		int digits = 0;
		if (strncmp(guest, "guest", 5) == 0)
			while (guest[5 + digits] >= '0' && guest[5 + digits] <= '9')
				digits++;
		if (digits > 0 && guest[5 + digits] == '-')
			changed = true;
		if (changed)
			snprintf(pg->guest_dir, sizeof pg->guest_dir, "guest%d-%s", index, safe);
		else
			snprintf(pg->guest_dir, sizeof pg->guest_dir, "%s", safe);
		snprintf(dir, sizeof dir, "%s/%s", pg->ho->plots_dir, pg->guest_dir);
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return verr_set(pg->err, verr_status_of(errno), "%s: %s", dir, strerror(errno));
	} else {
		snprintf(dir, sizeof dir, "%s", pg->ho->plots_dir);
	}
	for (int i = 0; i < fs->n; i++)
		if (gnuplot_write(&fs->f[i], dir, pg->err) != 0)
			return -1;
	return 0;
}

/* The guest's report as text (its headline and the whole of it). */
static char *text_report(const struct analysis *a, struct verr *err)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&buf, &len);
	if (mem == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	struct report_opts ro = {.fmt = REPORT_TEXT, .kind = REPORT_ANALYSIS, .out_name = "the page"};
	int rc = report_write(mem, &ro, a, err);
	fclose(mem);
	if (rc != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int guest_section(struct page *pg, const struct html_guest *g, int index)
{
	FILE *out = pg->out;
	const struct analysis *a = g->a;
	char prefix[32];
	snprintf(prefix, sizeof prefix, "g%d_", index);
	struct figure_set fs;
	if (figures_build(a, &fs) != 0)
		return verr_set(pg->err, VERR_NOMEM, "out of memory while making the figures");
	json_t *doc = json_object();
	const struct report_json_opts jo = {.kind = REPORT_ANALYSIS, .vo_reasons = true};
	char *text = NULL;
	int rc = -1;
	if (doc == NULL || report_json_fill(doc, a, &jo, pg->err) != 0) {
		if (pg->err->status == 0)
			verr_set(pg->err, VERR_NOMEM, "out of memory");
		goto done;
	}
	if ((text = text_report(a, pg->err)) == NULL)
		goto done;
	if (pg->ho->plots_dir && write_plots(pg, &fs, g->name, index) != 0)
		goto done;
	fputs("<section class=\"guest\" data-guest=\"", out);
	esc(out, g->name ? g->name : "");
	fputs("\">\n<h2>", out);
	if (g->name) {
		fputs("Guest ", out);
		esc(out, g->name);
	} else {
		fputs("The guest", out);
	}
	fputs("</h2>\n", out);
	headline(out, text);
	vo_where(out, doc);
	fputs("<h3>Latency</h3>\n", out);
	for (int i = 0; i < fs.n && rc != -2; i++) {
		const struct figure *f = &fs.f[i];
		if (strcmp(f->name, "clock") == 0)
			fputs("<h3>The guest clock</h3>\n", out);
		else if (strcmp(f->name, "rtt_cdf") == 0)
			fputs("<h3>TCP round trips</h3>\n", out);
		else if (strcmp(f->name, "ack_hist") == 0)
			fputs("<h3>ACK inter-arrivals and compression</h3>\n", out);
		if (figure(pg, f, prefix, g->name) != 0)
			rc = -2;
		if (strcmp(f->name, "vo_time") == 0)
			delay_tables(out, doc);
		else if (strcmp(f->name, "rtt_cdf") == 0)
			rtt_tables(out, doc, a);
		else if (strcmp(f->name, "ack_cdf") == 0)
			ack_tables(out, doc, a);
	}
	if (rc == -2) {
		rc = -1;
		goto done;
	}
	capture_facts(pg, g, doc);
	fputs("<h3>The text report</h3>\n<pre class=\"text-report\">", out);
	esc(out, text);
	fputs("</pre>\n</section>\n", out);
	rc = 0;
done:
	free(text);
	json_decref(doc);
	figures_free(&fs);
	return rc;
}

int html_write_plots(const struct html_guest *g, int n, const char *dir, struct verr *err)
{
	const struct html_opts ho = {.plots_dir = dir};
	struct page pg = {.ho = &ho, .err = err};
	for (int i = 0; i < n; i++) {
		struct figure_set fs;
		if (figures_build(g[i].a, &fs) != 0)
			return verr_set(err, VERR_NOMEM, "out of memory while making the figures");
		int rc = write_plots(&pg, &fs, g[i].name, i);
		figures_free(&fs);
		if (rc != 0)
			return -1;
	}
	return 0;
}

void html_points_from_manifest(struct html_guest *g, const struct manifest *m, const char *name)
{
	for (int k = 0; k < POINT_N; k++)
		g->pt[k] = (struct html_point){NULL, NULL, -1};
	if (m == NULL)
		return;
	const struct manifest_point *pts[MANIFEST_MAX_POINTS + MANIFEST_GUEST_POINTS];
	size_t n = 0;
	for (size_t i = 0; i < m->npoints; i++)
		pts[n++] = &m->point[i];
	for (size_t k = 0; name && k < m->nguests; k++)
		if (m->guests[k].name && strcmp(m->guests[k].name, name) == 0)
			for (size_t i = 0; i < m->guests[k].npoints; i++)
				pts[n++] = &m->guests[k].point[i];
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < POINT_N; k++)
			if (pts[i]->name && strcmp(pts[i]->name, point_name((enum point)k)) == 0)
				g->pt[k] = (struct html_point){pts[i]->interface, pts[i]->host,
							       pts[i]->complete ? 1 : 0};
}

int html_write(FILE *out, const struct html_guest *g, int n, const struct html_opts *ho,
	       struct verr *err)
{
	struct page pg = {.out = out, .ho = ho, .err = err};
	const char *why = NULL;
	pg.gnuplot_why = gnuplot_program(&why) ? NULL : why;
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>"
	      "vocalc report: ", out);
	esc(out, ho->source);
	fprintf(out, "</title>\n<style>%s</style>\n</head>\n<body>\n<header>\n<h1>vocalc report: ",
		CSS);
	esc(out, ho->source);
	fprintf(out, "</h1>\n<p>What virtualization adds to the guest's traffic, and where. Made by "
		     "vocalc %s on %s", vocalc_version, when);
	if (ho->invocation) {
		fputs(" with <code>", out);
		esc(out, ho->invocation);
		fputs("</code>", out);
	}
	fputs(".</p>\n", out);
	if (pg.gnuplot_why) {
		fputs("<p class=\"no-plot\">This page has no figures: ", out);
		esc(out, pg.gnuplot_why);
		fputs(". Every figure's numbers are in its table.</p>\n", out);
	}
	if (n > 1) {
		fputs("<nav><p>Guests:", out);
		for (int i = 0; i < n; i++) {
			fprintf(out, " <a href=\"#g%d\">", i);
			esc(out, g[i].name);
			fputs("</a>", out);
		}
		fputs("</p></nav>\n", out);
	}
	fputs("</header>\n<main>\n", out);
	for (int i = 0; i < n; i++) {
		fprintf(out, "<div id=\"g%d\"></div>\n", i);
		if (guest_section(&pg, &g[i], i) != 0)
			return -1;
	}
	fputs("</main>\n<footer><p>", out);
	if (ho->plots_dir) {
		fputs("Each figure's data and gnuplot script are in ", out);
		esc(out, ho->plots_dir);
		fputs(" (gnuplot NAME.gp draws NAME.svg); ", out);
	} else {
		fputs("Each figure's data and gnuplot script: vocalc report --plots DIR; ", out);
	}
	fputs("the numbers as JSON: vocalc analyze --json (man vocalc, JSON).</p></footer>\n"
	      "</body>\n</html>\n", out);
	if (fflush(out) != 0 || ferror(out))
		return verr_set(err, VERR_INPUT, "writing %s failed: %s",
				ho->out_name ? ho->out_name : "the page", strerror(errno ? errno : EIO));
	return 0;
}
