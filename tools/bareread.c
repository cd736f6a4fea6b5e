/* bareread — the benchmark baseline: a bare libpcap read loop over the same
 * files vocalc reads (nanosecond precision, every record touched), so
 * `make bench` can state vocalc's cost as a ratio to reading alone. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	uint64_t n = 0, bytes = 0;
	for (int i = 1; i < argc; i++) {
		char eb[PCAP_ERRBUF_SIZE];
		pcap_t *p = pcap_open_offline_with_tstamp_precision(argv[i],
								    PCAP_TSTAMP_PRECISION_NANO, eb);
		if (!p) {
			fprintf(stderr, "bareread: %s: %s\n", argv[i], eb);
			return 2;
		}
		struct pcap_pkthdr *h;
		const u_char *d;
		while (pcap_next_ex(p, &h, &d) == 1) {
			n++;
			bytes += h->caplen + d[0]; /* touch the data */
		}
		pcap_close(p);
	}
	printf("%llu %llu\n", (unsigned long long)n, (unsigned long long)bytes);
	return 0;
}
