/* cmd — see cmd.h. */
#include "cmd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ack_print.h"
#include "ack_run.h"
#include "guests_print.h"
#include "html_print.h"
#include "inputs.h"
#include "manifest.h"
#include "reader.h"
#include "report.h"
#include "rtt_run.h"

/* Every capture given has a record: a header-only capture (tcpdump stopped
 * before a packet came, a filter that matched nothing) is refused by name
 * rather than reported as an empty analysis. */
static int check_has_records(const char *const file[POINT_N], bool allow_truncated,
			     struct verr *err)
{
	for (int p = 0; p < POINT_N; p++) {
		if (!file[p])
			continue;
		int rc = reader_has_records(file[p], allow_truncated, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return verr_set(err, VERR_INPUT,
					"no packets at %s (%s): the capture holds no complete record",
					point_name((enum point)p), reader_display_name(file[p]));
	}
	return 0;
}

int cmd_finish_output(FILE *f, const char *name, struct verr *err)
{
	bool bad = ferror(f) != 0;
	int e = bad ? EIO : 0;
	errno = 0;
	if (fflush(f) != 0) {
		bad = true;
		e = errno ? errno : EIO;
	}
	if (f != stdout && fclose(f) != 0 && !bad) {
		bad = true;
		e = errno ? errno : EIO;
	}
	if (bad)
		return verr_set(err, VERR_INPUT, "writing %s failed: %s", name, strerror(e));
	return 0;
}

/* 0 when path is none of the captures, else -1 with err set (what: the
 * output's kind, "CSV"). */
static int not_a_capture(const char *path, const char *const file[POINT_N], const char *what,
			 struct verr *err)
{
	for (int p = 0; p < POINT_N; p++)
		if (file[p] && inputs_same_file(file[p], path))
			return verr_set(err, VERR_INPUT,
					"%s: is the %s capture; refusing to overwrite it with %s", path,
					point_name((enum point)p), what);
	return 0;
}

/* Opens a CSV output, refusing to write over one of the captures. */
static FILE *open_csv(const char *path, const char *const file[POINT_N], struct verr *err)
{
	if (not_a_capture(path, file, "CSV", err) != 0)
		return NULL;
	FILE *f = fopen(path, "w");
	if (f == NULL)
		verr_set(err, verr_status_of(errno), "%s: %s", path, strerror(errno));
	return f;
}

static int count_points(const char *const file[POINT_N])
{
	int n = 0;
	for (int p = 0; p < POINT_N; p++)
		n += file[p] != NULL;
	return n;
}

/* vocalc ack's histogram edges, once the inputs are known to be usable:
 * and it reports the ACK streams only (the round trips only for
 * --burst-interval rtt). */
static int ack_setup(struct analysis_opts *o, struct verr *err)
{
	if (!(o->ack.max_us > o->ack.bin_us) || o->ack.max_us / o->ack.bin_us > 100000 ||
	    (o->ack.log_bins && !(o->ack.max_us > 1)))
		return verr_set(err, VERR_INPUT,
				"ack: --max must exceed --bin (and 1 us with --log-bins), with at "
				"most 100000 bins");
	o->no_vo = true;
	o->no_rtt = !o->ack.burst_rtt;
	return 0;
}

/* The --csv of analyze (a row per packet), drift (the clock's pairs) or
 * ack (a row per ACK, with its header) into o. */
static FILE *open_analysis_csv(enum cmd_kind kind, const char *path, struct analysis_opts *o,
			       struct verr *err)
{
	FILE *csv = open_csv(path, o->file, err);
	if (csv == NULL)
		return NULL;
	if (kind == CMD_DRIFT) {
		o->clock_csv = csv;
		o->clock_csv_name = path;
	} else if (kind == CMD_ACK) {
		o->ack.on_ack = ack_print_csv_row;
		o->ack.on_ack_ctx = csv;
		ack_print_csv_header(csv);
	} else {
		o->csv = csv;
	}
	return csv;
}

/* Whether the command makes the HTML page or the figures' files. */
static bool wants_figures(const struct cmd_line *cl)
{
	return cl->kind == CMD_REPORT || cl->html_path || cl->plots_dir;
}

/* The run's manifest, when the one input is a run directory with one
 * (the points' interfaces and hosts, how the run was made): 0 with *m
 * filled, 1 when there is none (a page without those facts). */
static int input_manifest(const struct cmd_line *cl, struct manifest *m)
{
	struct stat st;
	char path[4096];
	if (cl->nwords != 1 || stat(cl->words[0], &st) != 0 || !S_ISDIR(st.st_mode))
		return 1;
	snprintf(path, sizeof path, "%s/manifest.json", cl->words[0]);
	struct verr e = {0};
	if (stat(path, &st) != 0)
		return 1;
	if (manifest_read(path, m, &e) != 0) {
		manifest_free(m);
		return 1;
	}
	return 0;
}

/* DIR and its parents made where missing (mkdir -p); -1 with err set. */
static int make_dirs(const char *dir, struct verr *err)
{
	char buf[4096];
	struct stat st;
	if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf)
		return verr_set(err, VERR_INPUT, "--plots %s: the path is too long", dir);
	if (buf[0] == 0)
		return verr_set(err, VERR_INPUT, "--plots: give a directory");
	for (char *p = buf + 1;; p++) {
		bool end = *p == 0;
		if (*p != '/' && !end)
			continue;
		*p = 0;
		int e = mkdir(buf, 0755) == 0 ? 0 : errno;
		if (e == EEXIST && (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)))
			return verr_set(err, VERR_INPUT, "--plots %s: %s exists and is not a directory",
					dir, buf);
		if (e != 0 && e != EEXIST)
			return verr_set(err, verr_status_of(e), "--plots %s: %s", dir, strerror(e));
		if (end)
			return 0;
		*p = '/';
	}
}

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* The option that names the page, for messages. */
static const char *page_opt(const struct cmd_line *cl)
{
	return cl->kind == CMD_REPORT ? "-o" : "--html";
}

/* What the names of the page and --plots DIR say, before any analysis:
 * no control character (a gnuplot script names them on a line of its own);
 * standard output only for vocalc report (analyze and the one-shot write
 * their report there); not the --csv file's name. */
static int outputs_named(const struct cmd_line *cl, struct verr *err)
{
	const char *path = cl->html_path;
	if (cl->plots_dir && *cl->plots_dir == 0)
		return verr_set(err, VERR_INPUT, "--plots: give a directory");
	if (path && *path == 0)
		return verr_set(err, VERR_INPUT, "%s: give a file", page_opt(cl));
	if (cl->plots_dir && has_control(cl->plots_dir))
		return verr_set(err, VERR_INPUT,
				"--plots: the directory's name holds a control character (a line "
				"break?): give another");
	if (path == NULL)
		return 0;
	const char *opt = page_opt(cl);
	if (has_control(path))
		return verr_set(err, VERR_INPUT,
				"%s: the file's name holds a control character (a line break?)", opt);
	if (strcmp(path, "-") == 0 && cl->kind != CMD_REPORT)
		return verr_set(err, VERR_INPUT,
				"--html -: standard output holds the report; give the page a file "
				"(or use vocalc report -o -)");
	if (cl->csv_path && strcmp(cl->csv_path, path) == 0)
		return verr_set(err, VERR_INPUT, "%s %s: is the --csv file too; give each its own",
				opt, path);
	return 0;
}

/* The page's path and --plots DIR, before anything is written: named
 * well (outputs_named); DIR made; not the --csv file, the run's manifest,
 * or a file of --plots DIR's own names. */
static int outputs_ready(const struct cmd_line *cl, const char *path, bool have_manifest,
			 struct verr *err)
{
	if (outputs_named(cl, err) != 0)
		return -1;
	if (cl->plots_dir && make_dirs(cl->plots_dir, err) != 0)
		return -1;
	if (path == NULL || strcmp(path, "-") == 0)
		return 0;
	const char *opt = page_opt(cl);
	if (cl->csv_path && inputs_same_file(cl->csv_path, path))
		return verr_set(err, VERR_INPUT, "%s %s: is the --csv file too; give each its own",
				opt, path);
	char mpath[4096];
	if (have_manifest && cl->nwords == 1) {
		snprintf(mpath, sizeof mpath, "%s/manifest.json", cl->words[0]);
		if (inputs_same_file(mpath, path))
			return verr_set(err, VERR_INPUT,
					"%s: is the run's manifest; refusing to overwrite it with the "
					"HTML report", path);
	}
	if (cl->plots_dir) {
		const char *base = strrchr(path, '/');
		char dir[4096];
		snprintf(dir, sizeof dir, "%.*s", !base ? 1 : base == path ? 1 : (int)(base - path),
			 base ? path : ".");
		const char *dot = strrchr(base ? base : path, '.');
		struct stat a, b;
		if (dot && (strcmp(dot, ".dat") == 0 || strcmp(dot, ".gp") == 0 ||
			    strcmp(dot, ".svg") == 0) &&
		    stat(dir, &a) == 0 && stat(cl->plots_dir, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			return verr_set(err, VERR_INPUT,
					"%s %s: in --plots %s, a name of its figures' files: give the "
					"page another", opt, path, cl->plots_dir);
	}
	return 0;
}

/* The HTML page (and/or --plots DIR) of the n analyses in g; the page
 * into cl->html_path ("-": stdout; NULL: --plots alone), never over one of
 * the captures of any of them. */
static int write_html(const struct cmd_line *cl, struct html_guest *g, int n, struct verr *err)
{
	const char *path = cl->html_path;
	char source[1024] = "";
	for (int i = 0; i < cl->nwords; i++)
		snprintf(source + strlen(source), sizeof source - strlen(source), "%s%s", i ? " " : "",
			 cl->words[i]);
	struct manifest m;
	bool have_m = input_manifest(cl, &m) == 0;
	for (int i = 0; i < n; i++)
		html_points_from_manifest(&g[i], have_m ? &m : NULL, g[i].name);
	struct html_opts ho = {.source = source,
			       .made_by = have_m ? m.command_line : NULL,
			       .invocation = cl->cmdline,
			       .plots_dir = cl->plots_dir,
			       .out_name = path};
	int rc = -1;
	FILE *out = NULL;
	bool to_stdout = path && strcmp(path, "-") == 0;
	if (to_stdout)
		ho.out_name = "standard output";
	if (outputs_ready(cl, path, have_m, err) != 0)
		goto out;
	if (path == NULL) { /* --plots alone: the files, no page */
		rc = html_write_plots(g, n, cl->plots_dir, err);
		goto out;
	}
	/* the page written beside its place and renamed over it when whole: a
	 * failure leaves no half page, nor loses the one there was */
	char tmp[4096];
	if (!to_stdout && snprintf(tmp, sizeof tmp, "%s.vocalc-tmp", path) >= (int)sizeof tmp) {
		verr_set(err, VERR_INPUT, "%s: the path is too long", path);
		goto out;
	}
	for (int i = 0; i < n && !to_stdout; i++)
		if (not_a_capture(path, g[i].a->o.file, "the HTML report", err) != 0)
			goto out;
	out = to_stdout ? stdout : fopen(tmp, "w");
	if (out == NULL) {
		verr_set(err, verr_status_of(errno), "%s: %s", path, strerror(errno));
		goto out;
	}
	if (html_write(out, g, n, &ho, err) != 0) {
		if (out != stdout) {
			fclose(out);
			unlink(tmp);
		}
		goto out;
	}
	if (cmd_finish_output(out, to_stdout ? "standard output" : path, err) != 0) {
		if (!to_stdout)
			unlink(tmp);
		goto out;
	}
	if (!to_stdout && rename(tmp, path) != 0) {
		verr_set(err, verr_status_of(errno), "%s: %s", path, strerror(errno));
		unlink(tmp);
		goto out;
	}
	rc = 0;
	if (out != stdout)
		fprintf(stderr, "vocalc: wrote %s%s%s\n", path, cl->plots_dir ? " and the figures' "
			"data and scripts in " : "", cl->plots_dir ? cl->plots_dir : "");
out:
	if (have_m)
		manifest_free(&m);
	return rc;
}

/* The analysis (drift: the clock only) and its report on stdout. */
static int analysis_report(const struct cmd_line *cl, struct verr *err)
{
	struct analysis a;
	int rc = -1;
	int ran = cl->kind == CMD_DRIFT ? analysis_clock(&a, &cl->analysis, err)
					: analysis_run(&a, &cl->analysis, err);
	if (ran == 0) {
		struct report_opts ro = {.fmt = cl->json ? REPORT_JSON : REPORT_TEXT,
					 .kind = cl->kind == CMD_DRIFT ? REPORT_CLOCK
						 : cl->kind == CMD_ACK ? REPORT_ACK
									 : REPORT_ANALYSIS,
					 .verbose = cl->verbose,
					 .out_name = "standard output"};
		/* the report's writers fail on a stream error, or when jansson
		 * cannot allocate (the stream is fine then) */
		if (cl->kind == CMD_REPORT || report_write(stdout, &ro, &a, err) == 0)
			rc = 0;
		struct html_guest g = {.name = NULL, .a = &a};
		if (rc == 0 && wants_figures(cl))
			rc = write_html(cl, &g, 1, err);
	}
	analysis_free(&a);
	return rc;
}

/* A run of several guests: what applies to one guest only is refused. */
static int guests_check_opts(const struct cmd_line *cl, const struct inputs_guests *gs,
			     struct verr *err)
{
	const char *opt = cl->analysis.guest_ips.n > 0 ? "--guest-ip"
			  : cl->analysis.manual_clock	 ? "--guest-offset-us"
			  : cl->csv_path		 ? "--csv"
							 : NULL;
	if (opt)
		return verr_set(err, VERR_INPUT,
				"%s: a run of %d guests: %s is for one guest (each guest's addresses "
				"are its manifest entry's, its clock its own)",
				gs->manifest, gs->n, opt);
	return 0;
}

/* err's message said again with the guest's name first; -1. */
static int guest_named(const struct inputs_guest *g, struct verr *err)
{
	struct verr first = *err; /* verr_set keeps the first cause: said again, named */
	err->status = VERR_OK;
	return verr_set(err, first.status, "guest %s: %s", g->name, first.msg);
}

/* vocalc analyze RUN_DIR of several guests: every guest's captures checked,
 * then one analysis per guest, one after the other (each reads the shared
 * host captures anew: memory is one analysis's window, plus each guest's
 * record), ranked, reported. */
static int run_guests(const struct cmd_line *cl, const struct inputs_guests *gs,
		      struct verr *err)
{
	if (guests_check_opts(cl, gs, err) != 0)
		return -1;
	struct analysis_opts o;
	for (int i = 0; i < gs->n; i++) {
		inputs_guest_opts(&cl->analysis, &gs->g[i], &o);
		if (check_has_records(o.file, o.allow_truncated, err) != 0)
			return guest_named(&gs->g[i], err);
	}
	struct guests_report r;
	if (guests_alloc(&r, gs->n) != 0)
		return verr_set(err, VERR_NOMEM, "out of memory");
	int rc = -1;
	for (int i = 0; i < gs->n; i++) {
		r.g[i].name = gs->g[i].name;
		r.g[i].login = gs->g[i].login;
		inputs_guest_opts(&cl->analysis, &gs->g[i], &o);
		if (analysis_run(&r.g[i].a, &o, err) != 0) {
			guest_named(&gs->g[i], err);
			goto out;
		}
	}
	guests_rank(&r);
	rc = cl->kind == CMD_REPORT ? 0
				    : guests_print_write(stdout, cl->json, &r, "standard output", err);
	if (rc == 0 && wants_figures(cl)) {
		struct html_guest *hg = calloc((size_t)r.n, sizeof *hg);
		if (hg == NULL) {
			rc = verr_set(err, VERR_NOMEM, "out of memory");
			goto out;
		}
		for (int i = 0; i < r.n; i++)
			hg[i] = (struct html_guest){.name = r.g[r.rank[i]].name, .a = &r.g[r.rank[i]].a};
		rc = write_html(cl, hg, r.n, err);
		free(hg);
	}
out:
	guests_free(&r);
	return rc;
}

/* vocalc analyze, drift and ack: the same inputs and options; drift stops
 * after the clock, and its --csv holds the clock pairs; ack reports the ACK
 * streams only, and its --csv holds the ACK rows; ack of one point needs no
 * matching (ack_run_single). */
static int run_analysis(struct cmd_line *cl, struct verr *err)
{
	struct analysis_opts *o = &cl->analysis;
	struct strpool sp = {.n = 0};
	FILE *csv = NULL;
	int rc = -1;
	/* a run of several guests: vocalc analyze only */
	struct inputs_guests *gs = NULL;
	o->keep_clock_pairs = wants_figures(cl);
	if (outputs_named(cl, err) != 0)
		return -1;
	if ((cl->kind == CMD_ANALYZE || cl->kind == CMD_REPORT) && (gs = malloc(sizeof *gs)) == NULL)
		return verr_set(err, VERR_NOMEM, "out of memory");
	if (inputs_add(o, 0, cl->nwords, cl->words, cl->bare_point, cl->name, gs, &sp, err) != 0 ||
	    check_has_records(o->file, o->allow_truncated, err) != 0)
		goto out;
	if (gs && gs->n > 0) {
		rc = run_guests(cl, gs, err);
		goto out;
	}
	if (cl->kind == CMD_ACK && ack_setup(o, err) != 0)
		goto out;
	if (cl->csv_path && (csv = open_analysis_csv(cl->kind, cl->csv_path, o, err)) == NULL)
		goto out;
	if (cl->kind == CMD_ACK && count_points(o->file) == 1) {
		enum point p1 = POINT_GUEST;
		for (int p = 0; p < POINT_N; p++)
			if (o->file[p])
				p1 = (enum point)p;
		rc = ack_run_single(o->file[p1], p1, &o->ack, o->allow_truncated, stdout, cl->json,
				    err);
	} else if (cl->kind == CMD_DRIFT && !o->file[POINT_GUEST]) {
		verr_set(err, VERR_INPUT, "drift: needs a guest capture (guest=FILE) and a host one");
	} else {
		rc = analysis_report(cl, err);
	}
	if (csv && cmd_finish_output(csv, cl->csv_path, err) != 0)
		rc = -1;
out:
	free(gs);
	strpool_free(&sp);
	return rc;
}

/* vocalc rtt: each point's round trips on its own clock; with guest and a
 * host point, the guest clock estimated first, as analyze does, so that a
 * step in it is found and no round trip at guest spans it. */
static int run_rtt(struct cmd_line *cl, struct verr *err)
{
	struct rtt_run_opts *o = &cl->rtt;
	struct analysis_opts *ao = &cl->analysis; /* the inputs, as analyze reads them */
	struct strpool sp = {.n = 0};
	int rc = -1;
	o->json = cl->json;
	o->guest_ips = ao->guest_ips;
	o->allow_truncated = ao->allow_truncated;
	if (inputs_add(ao, 0, cl->nwords, cl->words, cl->bare_point, "rtt", NULL, &sp, err) != 0 ||
	    check_has_records(ao->file, o->allow_truncated, err) != 0)
		goto out;
	for (int p = 0; p < POINT_N; p++) {
		o->file[p] = ao->file[p];
		o->drops[p] = ao->drops[p];
	}
	int npts = count_points(o->file);
	o->multi = npts > 1;
	o->samples = cl->samples ? stdout : NULL;
	struct analysis clk;
	bool have_clock = false;
	if (o->file[POINT_GUEST] && npts > 1) {
		ao->no_rtt = ao->no_ack = true;
		if (analysis_clock(&clk, ao, err) != 0)
			goto out;
		have_clock = true;
		if (clk.clock.method != CLOCK_NONE)
			o->clock = &clk;
	}
	if (cl->csv_path && (o->csv = open_csv(cl->csv_path, o->file, err)) == NULL)
		goto out;
	/* with --samples the summary goes to stderr: stdout holds the samples */
	rc = rtt_run(o, cl->samples ? stderr : stdout, err);
	if (have_clock)
		analysis_free(&clk);
	if (o->csv && cmd_finish_output(o->csv, cl->csv_path, err) != 0)
		rc = -1;
out:
	strpool_free(&sp);
	return rc;
}

/* vocalc HOST GUEST ...: the run, and a run of several guests analyzed as
 * `vocalc analyze RUN_DIR` analyzes it, from its manifest (so that the one
 * and the other give the same figures).  A run that failed on the way is
 * still analyzed; its own failure is the one returned. */
static int run_oneshot(struct cmd_line *cl, struct verr *err)
{
	bool reported;
	struct oneshot_saved saved;
	cl->oneshot.json = cl->json;
	if (outputs_named(cl, err) != 0) /* before anything runs anywhere */
		return -1;
	int rc = oneshot_run(&cl->oneshot, &cl->analysis, stdout, &reported, &saved, err);
	bool figures = wants_figures(cl);
	if (figures && !saved.saved) {
		fprintf(stderr, "vocalc: no HTML report: the run was not saved\n");
		return rc;
	}
	if (!saved.saved || (!saved.multi && !figures))
		return rc;
	char *words[1] = {saved.dir};
	/* one guest: reported above, the page made from the saved run as
	 * vocalc report RUN_DIR makes it */
	cl->kind = saved.multi ? CMD_ANALYZE : CMD_REPORT;
	for (int p = 0; p < POINT_N; p++) { /* the run's points, from its manifest */
		cl->analysis.file[p] = NULL;
		cl->analysis.drops[p] = -1;
	}
	cl->words = words;
	cl->nwords = 1;
	cl->analysis.allow_truncated = true; /* a stream cut by a lost connection ends mid-record */
	struct verr aerr = {0};
	int arc = run_analysis(cl, &aerr);
	if (arc != 0 && err->status == VERR_OK)
		/* the captures were made here: what they hold is a capture failure */
		verr_set(err, aerr.status == VERR_NOMEM ? VERR_NOMEM : VERR_REMOTE,
			 "the run's captures could not be analyzed: %s", aerr.msg);
	else if (arc != 0)
		fprintf(stderr, "vocalc: %s\n", aerr.msg);
	return rc != 0 || arc != 0 ? -1 : 0;
}

/* vocalc watch: the capture's options and the analysis' as the one-shot
 * takes them, its own beside them. */
static int run_watch(struct cmd_line *cl, struct verr *err)
{
	struct watch_opts *w = &cl->watch;
	w->os = cl->oneshot;
	w->ao = cl->analysis;
	w->json = cl->json;
	return watch_run(w, err);
}

int cmd_exec(struct cmd_line *cl, struct verr *err)
{
	switch (cl->kind) {
	case CMD_WATCH:
		return run_watch(cl, err);
	case CMD_ONESHOT:
		return run_oneshot(cl, err);
	case CMD_RTT:
		return run_rtt(cl, err);
	default:
		return run_analysis(cl, err);
	}
}
