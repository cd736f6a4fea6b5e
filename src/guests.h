/* guests — the record of a run of several guests (CONTRACT.md "Several
 * guests in one run"): per guest its name, whether it was logged into, and
 * its own analysis (analysis.h) over the host points all guests share
 * (nic, bridge) and its own (vnet, guest); and the guests ranked by VO,
 * worst first.  The driver fills it (cmd.c), the printer reads it
 * (guests_print.h). */
#ifndef VOCALC_GUESTS_H
#define VOCALC_GUESTS_H

#include <stdbool.h>

#include "analysis.h"

struct guest_result {
	const char *name; /* the run's name for it (owned by the caller) */
	bool login;	  /* its own capture was taken: a guest point, a clock */
	struct analysis a;
};

struct guests_report {
	int n;
	struct guest_result *g; /* n of them, in the run's order */
	int *rank;		/* indices into g: by VO round trip p50, worst first;
				 * guests without one last; ties by name */
};

/* Room for n guests (their analyses zeroed: guests_free may follow any
 * step).  0, or -1 when out of memory. */
int guests_alloc(struct guests_report *r, int n);

/* Fills r->rank from the analyses. */
void guests_rank(struct guests_report *r);

/* Frees every analysis and the arrays; r is empty after. */
void guests_free(struct guests_report *r);

#endif
