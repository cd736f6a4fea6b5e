/* verr — environment failures carried up to main with a message and the
 * contract's exit status (CONTRACT.md: 2 usage/input, 3 remote/capture,
 * 4 out of memory).
 * Malformed packets are not errors: they are counted by reason (dissect.h). */
#ifndef VOCALC_VERR_H
#define VOCALC_VERR_H

#include <errno.h>

enum verr_status {
	VERR_OK = 0,
	VERR_FINDING = 1, /* analysis ran, a threshold the user set was crossed */
	VERR_INPUT = 2,	  /* usage error or unusable input file */
	VERR_REMOTE = 3,  /* remote host or capture failure */
	VERR_NOMEM = 4,	  /* out of memory: the machine's limit, not the input's fault */
};

struct verr {
	int status;    /* enum verr_status; 0 while no error is set */
	char msg[768]; /* one line, names the file or host and the reason */
};

/* The status of a failed system call by its errno: the machine out of
 * memory (ENOMEM: fopen, opendir and mkstemp allocate) is not bad input. */
static inline int verr_status_of(int errnum)
{
	return errnum == ENOMEM ? VERR_NOMEM : VERR_INPUT;
}

/* Sets err (if not NULL and not already set: the first cause wins) and
 * returns -1 so callers can `return verr_set(...)`. */
int verr_set(struct verr *err, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
