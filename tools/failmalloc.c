/* failmalloc — fault injection for tests/cases/nomem.sh: an LD_PRELOAD
 * library whose malloc, calloc, realloc, aligned allocations and strdup
 * fail (return NULL with errno ENOMEM) from the Nth call on, N from
 * $FAILMALLOC_AFTER (unset or negative: never fail), counting every thread's
 * calls.  FAILMALLOC_REPORT=1 prints the number of calls made at exit (how
 * many there are to fail).  From the Nth on rather than the Nth only: a
 * machine out of memory stays out of it, so every path after the first
 * failure must also cope.  Not for sanitizer builds (their allocator must
 * come first). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void *__libc_memalign(size_t align, size_t n);

static _Atomic long calls, failed;
static long after = -2; /* -2: not read yet */

static int fail_now(void)
{
	if (after == -2) {
		const char *s = getenv("FAILMALLOC_AFTER");
		after = s && *s ? strtol(s, NULL, 10) : -1;
	}
	long n = atomic_fetch_add_explicit(&calls, 1, memory_order_relaxed);
	if (after < 0 || n < after)
		return 0;
	const char *spare = getenv("FAILMALLOC_SPARE");
	if (spare && *spare) {
		void *f[48];
		int k = backtrace(f, 48);
		for (int i = 0; i < k; i++) {
			Dl_info di;
			if (!dladdr(f[i], &di) || !di.dli_sname)
				continue;
			for (const char *p = spare; *p;) { /* comma-separated prefixes */
				size_t len = strcspn(p, ",");
				if (len && strncmp(di.dli_sname, p, len) == 0)
					return 0;
				p += len + (p[len] == ',');
			}
		}
	}
	const char *tr = getenv("FAILMALLOC_TRACE");
	if (atomic_load_explicit(&failed, memory_order_relaxed) == 0 && tr && *tr == '1') {
		void *f[32];
		backtrace_symbols_fd(f, backtrace(f, 32), 2);
	}
	atomic_fetch_add_explicit(&failed, 1, memory_order_relaxed);
	errno = ENOMEM;
	return 1;
}

void *malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}
void *memalign(size_t align, size_t n)
{
	return fail_now() ? NULL : __libc_memalign(align, n);
}
void *aligned_alloc(size_t align, size_t n)
{
	return memalign(align, n);
}
int posix_memalign(void **p, size_t align, size_t n)
{
	void *q = memalign(align, n);
	if (q == NULL)
		return ENOMEM;
	*p = q;
	return 0;
}

/* backtrace() loads libgcc and allocates on its first call: made here,
 * before anything fails */
__attribute__((constructor)) static void warm(void)
{
	void *f[2];
	backtrace(f, 2);
}

__attribute__((destructor)) static void report(void)
{
	const char *s = getenv("FAILMALLOC_REPORT");
	if (s && *s == '1') {
		char b[64];
		int k = snprintf(b, sizeof b, "failmalloc: %ld calls, %ld failed\n", (long)calls,
				 (long)failed);
		if (write(2, b, (size_t)k) < 0)
			return;
	}
}
