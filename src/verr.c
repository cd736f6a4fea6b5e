/* verr — see verr.h. */
#include "verr.h"

#include <stdarg.h>
#include <stdio.h>

int verr_set(struct verr *err, int status, const char *fmt, ...)
{
	if (err == NULL || err->status != VERR_OK)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof err->msg, fmt, ap);
	va_end(ap);
	err->status = status;
	return -1;
}
