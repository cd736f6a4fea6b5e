/* watch — `vocalc watch HOST GUEST...`: continuous VO monitoring.
 *
 * The one-shot run's captures kept running (oneshot_watch_run: every
 * point's stream cut into windows of --interval under RUN_DIR/ring/), and
 * each window, once complete, analyzed by a worker thread exactly as
 * `vocalc analyze WINDOW_DIR` analyzes it: per guest, per hop, direction
 * and protocol the delays, matched and lost packets, the guest's clock
 * (estimated on the window: a step within it is a segment of its own),
 * the TCP round trips per point, the ACK compression per point.  Out of
 * it: Prometheus metrics (CONTRACT.md "Metrics": /metrics over HTTP on
 * --listen, and/or DIR/vocalc.prom for node_exporter's textfile
 * collector), a JSON line per window (--json), and alarms (--alarm, alarm.h):
 * a crossing writes one line to stderr (and syslog with --syslog), freezes
 * the last --keep of captures into RUN_DIR/alarms/<time>-<guest>/ (a run
 * directory `vocalc analyze` reads) and runs --on-alarm with the details
 * in its environment.
 *
 * Bounded for days: the windows on disk are the last --keep (older ones
 * removed once analyzed), a window's analysis is bounded by its matching
 * window (analyze.h), at most WATCH_QUEUE windows wait for the worker (one
 * more is skipped and counted, never queued), the metrics' series are
 * fixed by the guests, points and protocols seen. */
#ifndef VOCALC_WATCH_H
#define VOCALC_WATCH_H

#include <stdbool.h>

#include "alarm.h"
#include "analysis.h"
#include "oneshot.h"
#include "verr.h"

enum { WATCH_MAX_ALARMS = 32, WATCH_QUEUE = 3 };
/* Alarms' frozen captures kept at most: the newest (each holds --keep of
 * every point). */
enum { WATCH_MAX_FROZEN = 20 };

struct watch_opts {
	struct oneshot_opts os;   /* the host, guests, points, filter, snaplen, probes, SSH */
	struct analysis_opts ao;  /* each window's analysis (matching window, ACKs, --no-rtt) */
	double interval_s;        /* a window every this long: 10 */
	const char *listen;       /* --listen ADDR:PORT, or NULL */
	const char *textfile_dir; /* --textfile DIR, or NULL */
	bool json;                /* a JSON line per window on stdout */
	struct alarm_rule alarm[WATCH_MAX_ALARMS];
	int nalarm;
	const char *on_alarm;     /* --on-alarm CMD, or NULL */
	double on_alarm_limit_s;  /* a command running longer is killed: 300 */
	double keep_s;            /* --keep: captures kept on disk, seconds: 600 */
	bool syslog;              /* alarms to syslog too */
	const char *log_path;     /* --log FILE: stderr appended there, reopened on SIGHUP */
	const char *host_label;   /* the metrics' host label: HOST as given, or this
				   * machine's name for `-` */
	double windows;           /* stop after this many windows (0: until a signal; tests) */
};

void watch_opts_default(struct watch_opts *o);

/* Runs until SIGINT or SIGTERM (or o->windows windows).  0 once stopped,
 * or -1 with err set (nothing could start, or the endpoint could not be
 * opened). */
int watch_run(struct watch_opts *o, struct verr *err);

#endif
