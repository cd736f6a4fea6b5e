/* metrics — a registry of Prometheus metrics, its text exposition (format
 * 0.0.4), a textfile for node_exporter and a small HTTP server for scrapes.
 *
 * Model.  A family (name, help, type) is declared once; its series are the
 * family with one set of labels, created on first use and kept until
 * metrics_free (a handle stays valid that long).  Updates (metric_add,
 * metric_set, metric_observe) change the series in memory; metrics_publish
 * renders the whole registry into a snapshot, and only snapshots are
 * served or written: a scrape never sees half a batch of updates, and the
 * server's thread never walks the registry.  Updates, declarations and
 * publishing take the registry's lock, so they may come from several
 * threads; the server only copies the last snapshot under its own lock.
 *
 * Exposition (https://prometheus.io/docs/instrumenting/exposition_formats/):
 *     # HELP name help          once per family, help escaped (\\ and \n)
 *     # TYPE name counter|gauge|histogram
 *     name{k1="v1",k2="v2"} value
 * Families in declaration order, series in creation order, labels in the
 * order given (nothing is sorted; {a,b} and {b,a} are two series).  Label
 * values are escaped (\\, \", \n) and must be UTF-8.  A family with no
 * series prints its HELP and TYPE only.
 *   counter  starts at 0, only goes up: metric_add of a negative, NaN or
 *            infinite amount is ignored.
 *   gauge    starts unknown (NaN) and an unknown gauge is left out of the
 *            exposition: an absent sample says "no figure" to Prometheus
 *            (a NaN sample would be stored and averaged as one).
 *   histogram  one line per bucket, cumulative, name_bucket{...,le="B"} for
 *            each bound B below and le="+Inf", then name_sum and name_count.
 * Numbers: the shortest decimal that reads back as the same double (as Go's
 * strconv 'g' -1, which Prometheus's own clients use: "1e-06", "0.0025",
 * "1.5"), "+Inf", "-Inf"; counts as integers.
 *
 * Buckets.  Every histogram has the same fixed upper bounds, in seconds: the
 * ISO 3 preferred numbers R10 (1, 1.25, 1.6, 2, 2.5, 3.15, 4, 5, 6.3, 8;
 * within 1.3 % of 10^(k/10)), ten per decade from 1 us to 1 s, 61 bounds,
 * then +Inf.  Fixed because histogram_quantile over several hosts or guests,
 * sum by (le) (rate(x_bucket[5m])), adds buckets by their le label: only
 * identical bounds, printed identically, add up, so no bucket may depend on
 * the data or the host.  Ten per decade keeps a quantile's bucket within a
 * factor 1.26 of its value (Prometheus interpolates linearly inside it) for
 * 62 series a histogram.  A value lands in the first bucket whose bound is
 * >= the value (le: "less than or equal"); above 1 s only +Inf, _sum and
 * _count see it; a negative value lands in the first bucket (and its sum).
 *
 * Textfile.  node_exporter's textfile collector reads the .prom files of DIR; the file is
 * written to a temporary name in DIR (not ending .prom), fsync'd, then
 * renamed over the old one, so the collector reads either the old or the
 * new file whole.
 *
 * Server.  libmicrohttpd on its own thread: GET and HEAD /metrics give the
 * last snapshot (503 before the first publish), "/" a line saying where the
 * metrics are, other paths 404, other methods 405.  It listens on localhost
 * unless told an address: metrics are not made public by default. */
#ifndef VOCALC_METRICS_H
#define VOCALC_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "verr.h"

enum metric_type { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

struct metrics;	      /* the registry */
struct metric_series; /* one labelled series, a handle valid until metrics_free */

/* The number of finite bucket bounds, and all buckets (+Inf included). */
enum { METRICS_NBOUNDS = 61, METRICS_NBUCKETS = METRICS_NBOUNDS + 1 };

/* An empty registry; NULL when out of memory. */
struct metrics *metrics_new(void);
/* Frees the registry, its series and its snapshot (stop its servers first). */
void metrics_free(struct metrics *m);

/* Declares a family: name [a-zA-Z_:][a-zA-Z0-9_:]*, help any text (one line
 * is best; newlines and backslashes are escaped).  Declaring a name again
 * with the same type is a no-op (the first help stays); with another type it
 * is an error, as is a name a histogram's samples take (H_bucket, H_sum,
 * H_count).  Histograms get the fixed buckets above.  0, or -1 with err
 * (bad name, help not UTF-8, type or sample name clash, out of memory). */
int metrics_declare(struct metrics *m, const char *name, enum metric_type t, const char *help,
		    struct verr *err);

/* The series of family `name` with labels {k1, v1, k2, v2, ..., NULL}
 * (labels NULL or {NULL}: no labels), created on first use.  Label names
 * [a-zA-Z_][a-zA-Z0-9_]*, not starting "__", not repeated, and not "le" in
 * a histogram; values any UTF-8 (copied).  The same names and values in the
 * same order give the same series.  NULL with err (undeclared family, bad
 * label, out of memory).  O(series of the family): look a series up once
 * and keep its handle. */
struct metric_series *metrics_series(struct metrics *m, const char *name, const char *const *labels,
				     struct verr *err);

/* counter += v (v >= 0 and finite, else ignored); on a gauge, gauge += v (an
 * unknown gauge counts as 0).  On a histogram: an assertion (a bug). */
void metric_add(struct metric_series *s, double v);
/* gauge = v; NaN makes it unknown again (left out of the exposition).  Only
 * on gauges (an assertion). */
void metric_set(struct metric_series *s, double v);
/* Histograms only (an assertion): one observation of v seconds, or n of
 * them; NaN ignored. */
void metric_observe(struct metric_series *s, double v);
void metric_observe_n(struct metric_series *s, double v, uint64_t n);

/* Renders the whole registry into a fresh snapshot, which replaces the last
 * one for the server and the textfile; call after each batch of updates.
 * 0, or -1 with err (out of memory: the last snapshot stays). */
int metrics_publish(struct metrics *m, struct verr *err);

/* A malloc'd copy of the last snapshot (NUL-terminated, *len its size
 * without the NUL); NULL before the first publish or out of memory. */
char *metrics_snapshot(struct metrics *m, size_t *len);

/* Writes the last snapshot to DIR/vocalc.prom atomically (DIR/.vocalc.prom.
 * XXXXXX, fsync, rename, mode 0644), as node_exporter's textfile collector
 * needs.  0, or -1 with err naming the path (no snapshot yet, DIR missing,
 * not writable, disk full); no temporary file is left behind. */
int metrics_write_textfile(struct metrics *m, const char *dir, struct verr *err);
/* The same under another file name in DIR (it should end ".prom"), e.g. one
 * per instance when several run on one host. */
int metrics_write_textfile_as(struct metrics *m, const char *dir, const char *file,
			      struct verr *err);

/* The HTTP server (libmicrohttpd, its own thread) serving GET and HEAD
 * /metrics with Content-Type "text/plain; version=0.0.4; charset=utf-8".
 * listen: "ADDR:PORT" (IPv4 address or host name), "[V6ADDR]:PORT", or
 * "PORT" alone meaning 127.0.0.1:PORT; never all interfaces unless told
 * ("0.0.0.0:PORT", "[::]:PORT").  PORT 0 takes a free port
 * (metrics_server_address says which).  NULL with err (bad address, port in
 * use or not permitted, named with strerror). */
struct metrics_server;
struct metrics_server *metrics_serve(struct metrics *m, const char *listen, struct verr *err);
/* The address the server is bound to, "127.0.0.1:9464" or "[::1]:9464". */
const char *metrics_server_address(const struct metrics_server *s);
/* Stops the thread, closes the socket, frees s (NULL: nothing). */
void metrics_server_stop(struct metrics_server *s);

/* The fixed histogram upper bounds in seconds (see Buckets above): *le
 * points to METRICS_NBOUNDS ascending bounds; returns their count.  +Inf is
 * implied after them. */
int metrics_buckets(const double **le);

#endif
