/* fuzz.h — what the harnesses share: invariant checks that hold in every
 * build (not assert: NDEBUG must not silence them), a reader of the fuzzer's
 * octets, and a file that lives in memory.
 *
 * Each harness is one libFuzzer target (LLVMFuzzerTestOneInput); built with
 * clang -fsanitize=fuzzer into build-fuzz/ by `make fuzz`, and with the
 * project's compiler and tests/fuzz/replay.c's main into BUILD/fuzz/replay_*
 * by `make all`, so tests/cases/regress.sh replays the regression inputs in
 * every build, sanitizers included. */
#ifndef VOCALC_FUZZ_H
#define VOCALC_FUZZ_H

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* A harness's one-time set-up, before the first input (optional). */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: invariant failed: %s (%s:%d)\n", #cond, __FILE__,   \
				__LINE__);                                                         \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Whether text (n octets) has "nan" or "inf" standing as a number, as
 * tests/run.sh looks for them in vocalc's outputs: not inside a word
 * ("infinity" counts, "info" does not).  Compared by hand: the libc
 * comparisons are intercepted and traced by the fuzzer, at every octet. */
static inline bool fuzz_has_nan(const char *s, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		char c = (char)(s[i] | 0x20);
		if (c != 'n' && c != 'i')
			continue;
		char b = (char)(s[i + 1] | 0x20), a = (char)(s[i + 2] | 0x20);
		if (!(c == 'n' ? b == 'a' && a == 'n' : b == 'n' && a == 'f'))
			continue;
		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
			continue;
		size_t end = i + 3;
		if (c == 'i' && i + 8 <= n) {
			static const char rest[] = "inity";
			size_t k = 0;
			while (k < 5 && (char)(s[i + 3 + k] | 0x20) == rest[k])
				k++;
			if (k == 5)
				end = i + 8;
		}
		if (end < n && (isalnum((unsigned char)s[end]) || s[end] == '_'))
			continue;
		return true;
	}
	return false;
}

/* The fuzzer's octets, consumed from the front; past the end every read is 0. */
struct fdp {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fdp_u8(struct fdp *d)
{
	if (d->n == 0)
		return 0;
	d->n--;
	return *d->p++;
}

/* k octets, little-endian (k <= 8). */
static inline uint64_t fdp_le(struct fdp *d, int k)
{
	uint64_t v = 0;
	for (int i = 0; i < k; i++)
		v |= (uint64_t)fdp_u8(d) << (8 * i);
	return v;
}

/* LEB128, at most 10 octets. */
static inline uint64_t fdp_varint(struct fdp *d)
{
	uint64_t v = 0;
	for (int s = 0; s < 70 && d->n; s += 7) {
		uint8_t b = fdp_u8(d);
		if (s < 64)
			v |= (uint64_t)(b & 0x7f) << s;
		if (!(b & 0x80))
			break;
	}
	return v;
}

/* Up to n octets from the front: *len set to how many there were. */
static inline const uint8_t *fdp_take(struct fdp *d, size_t n, size_t *len)
{
	const uint8_t *p = d->p;
	*len = n < d->n ? n : d->n;
	d->p += *len;
	d->n -= *len;
	return p;
}

/* A stamp in the reader's range [0, READER_TS_MAX_NS]. */
static inline int64_t fuzz_clamp_ts(int64_t t)
{
	return t < 0 ? 0 : t > READER_TS_MAX_NS ? READER_TS_MAX_NS : t;
}

/* t moved as op (0..7) says, saturating in the reader's range: unchanged,
 * up by up to 255 us, up or down by up to 2^jump_bits ns, up by up to
 * 2^ms_bits ms, anywhere, up by 1 ns, down by up to 255 us.  The harnesses
 * choose the reach (their regression inputs decode by it). */
static inline int64_t fuzz_move_ts(int64_t t, int op, struct fdp *d, int jump_bits, int ms_bits)
{
	uint64_t v;
	switch (op) {
	case 0:
		return t;
	case 1:
		return fuzz_clamp_ts(t + (int64_t)fdp_u8(d) * 1000);
	case 2:
		v = fdp_varint(d) & ((1ULL << jump_bits) - 1);
		return fuzz_clamp_ts(t + (int64_t)v);
	case 3:
		v = fdp_varint(d) & ((1ULL << jump_bits) - 1);
		return fuzz_clamp_ts(t - (int64_t)v);
	case 4:
		v = fdp_varint(d) & ((1ULL << ms_bits) - 1);
		return fuzz_clamp_ts(t + (int64_t)v * 1000000);
	case 5:
		return (int64_t)(fdp_le(d, 8) % ((uint64_t)READER_TS_MAX_NS + 1));
	case 6:
		return fuzz_clamp_ts(t + 1);
	default:
		return fuzz_clamp_ts(t - (int64_t)fdp_u8(d) * 1000);
	}
}

/* A file in memory that the code under test opens by name (stat, fopen,
 * gzopen all work on /proc/self/fd/N of a memfd): no disk, and the same
 * name every run.  Returns the name; NULL if memfd_create fails. */
struct memfile {
	int fd;
	char path[64];
};

static inline const char *memfile_put(struct memfile *m, const char *tag, const void *data,
				      size_t size)
{
	if (m->fd <= 0) {
		m->fd = memfd_create(tag, 0);
		if (m->fd < 0)
			return NULL;
		snprintf(m->path, sizeof m->path, "/proc/self/fd/%d", m->fd);
	}
	/* written over the old content, then cut to size: the file keeps its
	 * pages (a truncation to 0 first would free and fault them in again) */
	for (size_t done = 0; done < size;) {
		ssize_t k = pwrite(m->fd, (const char *)data + done, size - done, (off_t)done);
		if (k <= 0)
			return NULL;
		done += (size_t)k;
	}
	if (ftruncate(m->fd, (off_t)size) != 0)
		return NULL;
	return m->path;
}

#endif
