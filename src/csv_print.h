/* csv_print — the CSV files of vocalc analyze and drift, printed from the
 * records the engines hand out: a matched packet's journey (match.h, with
 * the points and hops of the analysis: vo.h), the guest clock's pairs
 * (clock_est.h).  Stamps as seconds with 9 decimals, delays in us with 3.
 * The RTT and ACK rows have their printers beside those reports. */
#ifndef VOCALC_CSV_PRINT_H
#define VOCALC_CSV_PRINT_H

#include <stdio.h>

#include "clock.h"
#include "clock_est.h"
#include "match.h"
#include "vo.h"

/* flow,protocol,direction,payload, a stamp per point of v, a delay per hop,
 * vo_us (when v has the guest and another point). */
void csv_print_journey_header(FILE *f, const struct vo *v);
/* The row of j (a journey seen at two points at least). */
void csv_print_journey(FILE *f, const struct vo *v, const struct journey_info *j);

/* vocalc drift --csv: t_host,direction,guest_record,reading_us,offset_fit_us,
 * a row per pair of e, the fit by model (its segment by the guest record).
 * 0, or -1 on a write error. */
int csv_print_clock_pairs(FILE *f, const struct clock_est *e, const struct clock_model *model);

#endif
