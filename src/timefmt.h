/* timefmt — stamps as printers write them: "S.NNNNNNNNN" seconds (the CSV
 * files; exact, also before 1970) and a UTC date to the microsecond (the
 * text reports). */
#ifndef VOCALC_TIMEFMT_H
#define VOCALC_TIMEFMT_H

#include <stdint.h>

enum { TIMEFMT_LEN = 48 };

/* ns since the epoch as seconds with 9 decimals: 1.5 s "1.500000000",
 * -0.25 s "-0.250000000" (a negative stamp keeps its sign on the whole
 * figure, not on each part).  Returns buf (at least TIMEFMT_LEN octets). */
const char *timefmt_stamp(char *buf, int64_t ns);
/* "YYYY-MM-DD HH:MM:SS.uuuuuu UTC".  Returns buf (at least TIMEFMT_LEN). */
const char *timefmt_utc(char *buf, int64_t ns);

#endif
