/* clockstep — steps this machine's wall clock (CLOCK_REALTIME) by a number
 * of microseconds, as NTP's step or a manual `date -s` would.  A static
 * program for the testbed's QEMU guest (tools/vmimage puts it in the
 * initramfs), so tests can step a real guest's clock mid-capture.
 *
 *   clockstep US      US may be negative (the clock steps back)
 *
 * Needs CAP_SYS_TIME (root in the guest).  Prints the step it made, measured
 * as the change of CLOCK_REALTIME - CLOCK_MONOTONIC (the monotonic clock does
 * not step): if the program is descheduled between reading the clock and
 * setting it, the step made is larger than asked, and tests need the truth. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long ns_of(const struct timespec *t) { return (long long)t->tv_sec * 1000000000LL + t->tv_nsec; }

/* CLOCK_REALTIME - CLOCK_MONOTONIC, ns (the monotonic reading taken on both
 * sides of the wall-clock one). */
static long long wall_minus_mono(void)
{
	struct timespec a, w, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	clock_gettime(CLOCK_REALTIME, &w);
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ns_of(&w) - (ns_of(&a) + ns_of(&b)) / 2;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: clockstep MICROSECONDS\n");
		return 2;
	}
	char *end;
	errno = 0;
	long long us = strtoll(argv[1], &end, 10);
	if (errno || end == argv[1] || *end != '\0' || us > 86400000000LL || us < -86400000000LL) {
		fprintf(stderr, "clockstep: not a step in microseconds: '%s'\n", argv[1]);
		return 2;
	}
	long long before = wall_minus_mono();
	struct timespec ts;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		fprintf(stderr, "clockstep: clock_gettime: %s\n", strerror(errno));
		return 1;
	}
	long long ns = (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec + us * 1000LL;
	ts.tv_sec = (time_t)(ns / 1000000000LL);
	ts.tv_nsec = (long)(ns % 1000000000LL);
	if (ts.tv_nsec < 0) {
		ts.tv_nsec += 1000000000L;
		ts.tv_sec--;
	}
	if (clock_settime(CLOCK_REALTIME, &ts) != 0) {
		fprintf(stderr, "clockstep: clock_settime: %s\n", strerror(errno));
		return 1;
	}
	long long made = wall_minus_mono() - before;
	printf("clockstep: stepped CLOCK_REALTIME by %+.3f us (asked %+lld us)\n", made / 1e3, us);
	return 0;
}
