/* alarm — threshold alarms of vocalc watch: rules given as
 * --alarm 'GUEST:WHAT OP VALUE', evaluated on each window's figures, an
 * event on each crossing (not firing -> firing), and the user's
 * --on-alarm command run with the event in its environment.
 *
 * The rule's syntax:
 *   GUEST   a guest's name as on the command line ([user@]host[:port],
 *           IPv6 in brackets, dots, anything) or "*" for every guest.
 *           WHAT, OP and VALUE never contain ':', so GUEST is everything
 *           before the LAST ':' of the spec
 *           ("root@[fe80::1]:2222:vo.to_guest.p99>1ms" is guest
 *           "root@[fe80::1]:2222").  GUEST may not be empty.
 *   WHAT    one figure of a window:
 *             HOP.DIR.STAT     HOP vo, nic_bridge, bridge_vnet, vnet_guest;
 *                              DIR to_guest, from_guest; STAT p50, p90,
 *                              p99, max, mean (a time) or loss (a ratio)
 *             vo_round_trip.p50                          (a time)
 *             clock.offset  (a time, by its magnitude: |offset| OP VALUE,
 *                            whichever clock is ahead)
 *             clock.bound   (a time: the offset's error bound)
 *             clock.skew    (ppm, by its magnitude like the offset)
 *             rtt.POINT.p50|p90|p99   POINT nic, bridge, vnet, guest (a time)
 *             ack.POINT.compressed    (a ratio)
 *   OP      >, >=, <, <= (spaces around it allowed)
 *   VALUE   a time: a number and a unit, ns, us, ms or s (required: "2" is
 *           refused, 2 what?); a ratio: 0..1 or N% (0..100%); ppm: a number,
 *           "ppm" optional.  A time or ppm compared by magnitude is >= 0.
 * Thresholds are kept in base units: seconds, a ratio 0..1, ppm. */
#ifndef VOCALC_ALARM_H
#define VOCALC_ALARM_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "verr.h"

enum alarm_op { ALARM_GT, ALARM_GE, ALARM_LT, ALARM_LE };
/* What a figure is measured in (its VALUE's syntax, its printed unit). */
enum alarm_kind { ALARM_TIME, ALARM_RATIO, ALARM_PPM };

struct alarm_rule {
	char guest[256];  /* "*": any guest */
	char what[64];	  /* canonical, e.g. "vo.to_guest.p99" */
	int op;		  /* enum alarm_op */
	double threshold; /* base unit: s, ratio 0..1, ppm */
	char spec[320];	  /* as given */
	int kind;	  /* enum alarm_kind */
	bool magnitude;	  /* compared by |value| (clock.offset, clock.skew) */
};

/* Parses one --alarm spec into r.  -1 with err (VERR_INPUT): one line that
 * quotes the spec and says what is wrong (no ':', unknown hop, unknown
 * stat, a time without its unit, a ratio above 1, ...). */
int alarm_parse(const char *spec, struct alarm_rule *r, struct verr *err);
/* ">", ">=", "<", "<=". */
const char *alarm_op_str(int op);
/* Each rule that names a guest names one of guests[]: -1 with err naming the
 * rule and the guests otherwise (a typo would never fire). */
int alarm_check_guests(const struct alarm_rule *rules, int nrules, const char *const *guests,
		       int nguests, struct verr *err);

/* Where a window's figures come from: the value of `what` for guest, in base
 * units (signed: clock.offset and clock.skew with their sign, the rule takes
 * the magnitude); false when the window has no such figure (no packets, no
 * clock) — an unknown figure (or a NaN) neither fires nor clears. */
typedef bool (*alarm_value_fn)(void *ctx, const char *guest, const char *what, double *v);

/* The rules and, per rule and guest, firing or not, since when, how many
 * times fired.  Rules and guests are copied. */
struct alarm_set;
/* NULL when out of memory. */
struct alarm_set *alarm_set_new(const struct alarm_rule *rules, int nrules,
				const char *const *guests, int nguests);
void alarm_set_free(struct alarm_set *s);

struct alarm_event {
	const struct alarm_rule *rule;
	const char *guest;
	double value; /* base unit, signed as measured (not the magnitude) */
	double t;     /* unix s: the end of the window */
	int count;    /* times this rule/guest fired so far, this one included */
};

/* One window ended at time t (unix s): evaluates every rule for every guest
 * it names.  Each rule/guest that goes from not firing to firing calls
 * fire(ctx2, &event) once (a crossing, not every window above); one that goes
 * back clears with a line "vocalc: alarm cleared: ..." on stderr.  The event
 * and its strings live until fire returns.  Returns the number fired. */
int alarm_eval(struct alarm_set *s, double t, alarm_value_fn value, void *ctx,
	       void (*fire)(void *ctx2, const struct alarm_event *ev), void *ctx2);
/* The state of rule i for guest j (indexes as given to alarm_set_new):
 * true when firing; *since the t of its last crossing (0: never), *count
 * the times fired.  Either pointer may be NULL.  false out of range. */
bool alarm_state_get(const struct alarm_set *s, int rule, int guest, double *since, int *count);

/* The one-line message, without a newline:
 * "vocalc: alarm: GUEST: WHAT = VALUE (threshold OP THRESHOLD) at ISO8601"
 * with human units (ns/us/ms/s, %, ppm), the time in UTC
 * ("2026-12-02T17:14:05Z"); a magnitude rule says "|WHAT| = ...". */
void alarm_format(const struct alarm_event *ev, char *buf, size_t cap);

/* Runs the user's --on-alarm CMD: /bin/sh -c CMD in a child of its own
 * process group, stdin from /dev/null, fds above 2 closed, the signal mask
 * and dispositions back to default, and in its environment (over the
 * inherited one):
 *   VOCALC_ALARM            the rule's spec as given
 *   VOCALC_ALARM_GUEST      the guest's name
 *   VOCALC_ALARM_WHAT       the canonical figure, e.g. vo.to_guest.p99
 *   VOCALC_ALARM_VALUE      the value, base unit, %.9g (signed as measured)
 *   VOCALC_ALARM_THRESHOLD  the threshold, base unit, %.9g
 *   VOCALC_ALARM_OP         >, >=, < or <=
 *   VOCALC_ALARM_TIME       the window's end, unix s with 3 decimals
 *   VOCALC_ALARM_DIR        frozen_dir (the frozen run directory; "" if none)
 * CMD is the user's text, run as is: the alarm's details are never put into
 * it, only into the environment, so a guest named "a;rm -rf ~" is data.
 * The environment is built before fork (nothing but async-signal-safe calls
 * in the child of a threaded process).  Does not wait: returns the child's
 * pid, kept for alarm_reap, or -1 with err (VERR_REMOTE: fork failed, or
 * ALARM_MAX_CHILDREN commands still running; VERR_NOMEM). */
enum { ALARM_MAX_CHILDREN = 32 };
pid_t alarm_run_cmd(const char *cmd, const struct alarm_event *ev, const char *frozen_dir,
		    struct verr *err);
/* Reaps the finished commands of alarm_run_cmd (non-blocking, only those: not
 * the process's other children), a line on stderr for one that failed or was
 * killed; kills the process group of one running longer than limit_s
 * (SIGTERM, then SIGKILL ALARM_KILL_GRACE_S later).  Call it each window. */
enum { ALARM_KILL_GRACE_S = 10 };
void alarm_reap(double limit_s);
/* The commands of alarm_run_cmd not reaped yet. */
int alarm_running(void);

#endif
