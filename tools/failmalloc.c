/* failmalloc — fault injection for tests/cases/nomem.sh: an LD_PRELOAD
 * library whose malloc, calloc, realloc, aligned allocations and strdup
 * fail (return NULL with errno ENOMEM) from the Nth call on, N from
 * $FAILMALLOC_AFTER (unset or negative: never fail), counting every thread's
 * calls.  FAILMALLOC_REPORT=1 prints the number of calls made at exit (how
 * many there are to fail).  From the Nth on rather than the Nth only: a
 * machine out of memory stays out of it, so every path after the first
 * failure must also cope.  FAILMALLOC_SPARE=PREFIX,... never fails a call
 * made under a function whose name starts with a PREFIX, or, for a PREFIX
 * "lib...so...", from a library whose file name starts with it.  Not for
 * sanitizer builds (their allocator must come first). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <stdatomic.h>
#include <stdbool.h>
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
/* Inside fail_now: backtrace() loads libgcc_s on its first call, which
 * allocates; those allocations are the shim's own, never failed nor counted
 * (else the first failure, when it comes before any backtrace, recurses
 * until the stack overflows).  Initial-exec TLS: no allocation to reach it. */
static __thread int inside __attribute__((tls_model("initial-exec")));

static int fail_now(void)
{
	if (inside)
		return 0;
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
		inside = 1;
		int k = backtrace(f, 48);
		inside = 0;
		for (int i = 0; i < k; i++) {
			Dl_info di;
			if (!dladdr(f[i], &di))
				continue;
			const char *lib = di.dli_fname ? strrchr(di.dli_fname, '/') : NULL;
			lib = lib ? lib + 1 : di.dli_fname;
			/* comma-separated prefixes of a function's name, or of a
			 * library's file name when the prefix starts "lib" and
			 * holds ".so" (all that library's calls) */
			for (const char *p = spare; *p;) {
				size_t len = strcspn(p, ",");
				bool bylib = strncmp(p, "lib", 3) == 0 && memmem(p, len, ".so", 3);
				const char *name = bylib ? lib : di.dli_sname;
				if (len && name && strncmp(name, p, len) == 0)
					return 0;
				p += len + (p[len] == ',');
			}
		}
	}
	const char *tr = getenv("FAILMALLOC_TRACE");
	if (atomic_load_explicit(&failed, memory_order_relaxed) == 0 && tr && *tr == '1') {
		void *f[32];
		inside = 1;
		backtrace_symbols_fd(f, backtrace(f, 32), 2);
		inside = 0;
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
