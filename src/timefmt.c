/* timefmt — stamps as text. */
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

const char *timefmt_stamp(char *buf, int64_t ns)
{
	/* the magnitude split, so that -0.25 s is not "0.-250000000"; INT64_MIN
	 * has no magnitude in int64_t, hence unsigned */
	uint64_t m = ns < 0 ? -(uint64_t)ns : (uint64_t)ns;
	snprintf(buf, TIMEFMT_LEN, "%s%llu.%09llu", ns < 0 ? "-" : "",
		 (unsigned long long)(m / 1000000000), (unsigned long long)(m % 1000000000));
	return buf;
}

const char *timefmt_utc(char *buf, int64_t ns)
{
	/* floor division: a stamp before the epoch keeps a positive fraction */
	int64_t s = ns / 1000000000, f = ns % 1000000000;
	if (f < 0) {
		s--;
		f += 1000000000;
	}
	time_t t = (time_t)s;
	struct tm tm;
	char date[32];
	if (gmtime_r(&t, &tm) == NULL || strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(date, sizeof date, "%lld s", (long long)s);
	snprintf(buf, TIMEFMT_LEN, "%s.%06lld UTC", date, (long long)(f / 1000));
	return buf;
}
