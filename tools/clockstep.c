/* clockstep — steps this machine's wall clock (CLOCK_REALTIME) by a number
 * of microseconds, as NTP's step or a manual `date -s` would.  A static
 * program for the testbed's QEMU guest (tools/vmimage puts it in the
 * initramfs), so tests can step a real guest's clock mid-capture.
 *
 *   clockstep US      US may be negative (the clock steps back)
 *
 * Needs CAP_SYS_TIME (root in the guest).  Prints the step it made. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
	printf("clockstep: stepped CLOCK_REALTIME by %+lld us\n", us);
	return 0;
}
