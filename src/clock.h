/* clock — the guest clock model: how to turn a guest stamp into host time.
 *
 * Sign convention (CONTRACT.md "clock"): offset = guest clock minus host
 * clock.  Positive offset: the guest clock is ahead of the host.  Skew is
 * d(offset)/dt, dimensionless here (1e-6 == 1 ppm == 1 us per second);
 * positive skew: the guest clock runs fast.
 *
 * The model is piecewise linear: each segment (a stretch between clock steps)
 * has its own offset at its own reference time.  Segments are delimited by
 * the guest capture's record index, not by guest time: after a backward step
 * the same guest time is read twice, while the capture's record order is
 * always the order of real time.  Host points need no model. */
#ifndef VOCALC_CLOCK_H
#define VOCALC_CLOCK_H

#include <stdint.h>

enum clock_method { CLOCK_NONE = 0, CLOCK_MANUAL, CLOCK_HULL, CLOCK_PROBE, CLOCK_REGRESSION };
const char *clock_method_name(enum clock_method m);

enum { CLOCK_MAX_SEGMENTS = 32 };

struct clock_segment {
	uint64_t first_record; /* first guest capture record (0-based) it applies to */
	int64_t start_ns;      /* host time the segment starts (report only) */
	int64_t t0_ns;	       /* host time the offset refers to */
	double offset_ns;	/* guest - host at t0, ns */
	double skew;		/* d(offset)/dt, dimensionless */
};

struct clock_model {
	enum clock_method method;
	double error_bound_ns; /* |true offset - model| bound, ns (0 if unknown) */
	int nseg;	       /* >= 1 */
	struct clock_segment seg[CLOCK_MAX_SEGMENTS];
};

/* The identity model (method none): guest stamps are taken as host time. */
void clock_model_none(struct clock_model *m);
/* A single-segment model, offset in ns at host time t0_ns, skew in ppm. */
void clock_model_manual(struct clock_model *m, int64_t t0_ns, double offset_ns, double skew_ppm);

/* Host time at which a guest clock read guest_ns, in the guest capture's
 * record `record` (0-based).  Exact inverse of
 * guest = host + offset + skew * (host - t0), in the record's segment;
 * within [0, CLOCK_HOST_MAX_NS] (reader.h's range of stamps), saturating
 * there for a model that puts the stamp outside. */
#define CLOCK_HOST_MAX_NS ((int64_t)1 << 62)
int64_t clock_guest_to_host(const struct clock_model *m, int64_t guest_ns, uint64_t record);

/* guest - host (ns) at host time t_ns by segment s's line. */
double clock_segment_offset(const struct clock_segment *s, int64_t t_ns);

#endif
