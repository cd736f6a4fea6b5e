/* replay — a main for a fuzz harness without libFuzzer: runs
 * LLVMFuzzerTestOneInput once on each file named (what libFuzzer does with
 * a crash file), so any compiler and any sanitizer build replays the
 * regression inputs (tests/cases/regress.sh).  Exit 0 when every input ran;
 * a failed invariant or a sanitizer report aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s INPUT...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		if (f == NULL) {
			perror(argv[i]);
			return 2;
		}
		size_t cap = 1 << 16, n = 0;
		uint8_t *buf = malloc(cap);
		for (size_t k; buf && (k = fread(buf + n, 1, cap - n, f)) > 0;) {
			n += k;
			if (n == cap) {
				uint8_t *b = realloc(buf, cap *= 2);
				if (b == NULL)
					free(buf);
				buf = b;
			}
		}
		fclose(f);
		if (buf == NULL) {
			fprintf(stderr, "%s: out of memory\n", argv[i]);
			return 2;
		}
		/* an allocation of exactly the input's size, as libFuzzer gives: a
		 * read past its end is a sanitizer report, not a read of slack */
		uint8_t *exact = malloc(n ? n : 1);
		if (exact == NULL) {
			free(buf);
			fprintf(stderr, "%s: out of memory\n", argv[i]);
			return 2;
		}
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
		printf("ok %s (%zu octets)\n", argv[i], n);
	}
	return 0;
}
