/* cmd — the drivers of vocalc's commands: what runs once main.c has parsed
 * the command line into a struct cmd_line.  They find the inputs (inputs.h),
 * open the outputs, run the analysis, the RTT or the one-shot, write the
 * report to stdout, and carry every failure up as a verr for main's exit
 * status (CONTRACT.md: 2 usage/input, 3 remote/capture, 4 out of memory). */
#ifndef VOCALC_CMD_H
#define VOCALC_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "analyze.h"
#include "oneshot.h"
#include "rtt_set.h"
#include "verr.h"
#include "watch.h"

/* The commands, in the order vocalc lists them. */
enum cmd_kind { CMD_ONESHOT, CMD_ANALYZE, CMD_DRIFT, CMD_RTT, CMD_ACK, CMD_REPORT, CMD_WATCH, CMD_N };

/* A parsed command line: the options in the records of the modules they
 * go to, and the input words left for the driver. */
struct cmd_line {
	enum cmd_kind kind;
	const char *name;              /* the command word in messages (the one-shot: NULL) */
	/* analyze, drift, ack and the one-shot's analysis; vocalc rtt reads its
	 * inputs into file[] and takes guest_ips and allow_truncated from here */
	struct analysis_opts analysis;
	struct rtt_run_opts rtt;       /* vocalc rtt: cfg */
	struct oneshot_opts oneshot;   /* vocalc HOST GUEST (and watch's capture): all but json */
	struct watch_opts watch;       /* vocalc watch: its own options (os and ao are taken
					* from oneshot and analysis when it runs) */
	bool json;                     /* --json: the report is one JSON document */
	bool verbose;                  /* -v (drift: every method) */
	bool samples;                  /* rtt --samples: pping's lines on stdout */
	const char *csv_path;          /* --csv FILE, or NULL */
	const char *html_path;         /* --html FILE (report: -o FILE, default report.html), or NULL */
	const char *plots_dir;         /* --plots DIR: the figures' data and gnuplot scripts, or NULL */
	const char *bare_point;        /* the point of a bare FILE (--point); NULL: refused */
	char **words;                  /* the inputs: POINT=FILE, RUN_DIR, FILE */
	int nwords;
	char cmdline[2048];            /* the command line (the one-shot's manifest, the HTML page) */
	char nologin_buf[ONESHOT_MAX_GUESTS][64]; /* the one-shot's guests not logged into */
};

/* Runs the command cl describes, the report on stdout.  0, or -1 with err
 * set; the one-shot may have written its report before failing (what
 * arrived is still analyzed). */
int cmd_exec(struct cmd_line *cl, struct verr *err);

/* Closes an output (f == stdout: flushed, not closed) and says whether
 * everything written reached it: a full disk shows as an error of the
 * stream at any earlier write, or of the last flush.  name: the output in
 * the message ("writing NAME failed: REASON", VERR_INPUT). */
int cmd_finish_output(FILE *f, const char *name, struct verr *err);

#endif
