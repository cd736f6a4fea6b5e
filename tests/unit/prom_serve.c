/* prom_serve — a test-only program (tests/cases/metrics_prom.sh; not run
 * as a unit test, not installed): serves a registry with known observations
 * through metrics.h, so that promtool and a real Prometheus can read it.
 *
 *   prom_serve LISTEN [TEXTFILE-DIR]
 *
 * Family vocalc_test_delay_seconds (histogram, label guest): each second
 * 1000 observations of 1.5 ms for guest="a" and 1000 of 300 us for
 * guest="b", so counts grow between scrapes (rate() works) and every
 * quantile of a stays 1.5 ms, of b 300 us.  Also a counter
 * vocalc_test_rounds_total, a gauge vocalc_test_offset_seconds (guest="a"
 * set, guest="b" unknown: absent) and a label value needing escapes.  Prints
 * "listening on ADDR:PORT" once serving; with TEXTFILE-DIR also writes
 * DIR/vocalc.prom after each publish.  Runs until SIGTERM or SIGINT. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: prom_serve LISTEN [TEXTFILE-DIR]\n");
		return 2;
	}
	struct verr err = {0};
	struct metrics *m = metrics_new();
	if (m == NULL)
		return 4;
	const char *H = "vocalc_test_delay_seconds";
	if (metrics_declare(m, H, METRIC_HISTOGRAM, "Test delays, 1.5 ms for a and 300 us for b.",
			    &err) < 0 ||
	    metrics_declare(m, "vocalc_test_rounds_total", METRIC_COUNTER,
			    "Rounds of observations.", &err) < 0 ||
	    metrics_declare(m, "vocalc_test_offset_seconds", METRIC_GAUGE, "A gauge, b unknown.",
			    &err) < 0) {
		fprintf(stderr, "prom_serve: %s\n", err.msg);
		return 1;
	}
	struct metric_series *a =
	    metrics_series(m, H, (const char *const[]){"guest", "a", NULL}, &err);
	struct metric_series *b =
	    metrics_series(m, H, (const char *const[]){"guest", "b", NULL}, &err);
	struct metric_series *rounds = metrics_series(m, "vocalc_test_rounds_total", NULL, &err);
	struct metric_series *ga = metrics_series(m, "vocalc_test_offset_seconds",
						  (const char *const[]){"guest", "a", NULL}, &err);
	struct metric_series *gq =
	    metrics_series(m, "vocalc_test_offset_seconds",
			   (const char *const[]){"guest", "q\"uo\\te\nd", NULL}, &err);
	if (!metrics_series(m, "vocalc_test_offset_seconds",
			    (const char *const[]){"guest", "b", NULL}, &err) ||
	    !a || !b || !rounds || !ga || !gq) {
		fprintf(stderr, "prom_serve: %s\n", err.msg);
		return 1;
	}
	metric_set(ga, -4.136e-3);
	metric_set(gq, 1);
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	struct metrics_server *s = NULL;
	for (int tick = 0; !stop; tick++) {
		metric_observe_n(a, 0.0015, 1000);
		metric_observe_n(b, 0.0003, 1000);
		metric_add(rounds, 1);
		if (metrics_publish(m, &err) < 0 ||
		    (argc == 3 && metrics_write_textfile(m, argv[2], &err) < 0)) {
			fprintf(stderr, "prom_serve: %s\n", err.msg);
			break;
		}
		if (s == NULL) {
			if ((s = metrics_serve(m, argv[1], &err)) == NULL) {
				fprintf(stderr, "prom_serve: %s\n", err.msg);
				break;
			}
			printf("listening on %s\n", metrics_server_address(s));
			fflush(stdout);
		}
		sleep(1); /* a signal ends it early */
	}
	metrics_server_stop(s);
	metrics_free(m);
	return err.status ? 1 : 0;
}
