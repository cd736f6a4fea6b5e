/* The capture scan (scan.h) on a capture written here with libpcap: usable
 * packets handed out in order with their stamps, the unusable counted by
 * reason, the end and a missing file told apart.  And the stamps as printers
 * write them (timefmt.h), negative ones included. */
#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scan.h"
#include "tcheck.h"
#include "timefmt.h"

/* An Ethernet frame: IPv4 UDP 10.0.0.1:1000 > 10.0.0.2:2000 with 4 octets,
 * or ARP (not IP), or IPv4 cut inside its header. */
enum frame { F_UDP, F_ARP, F_SHORT_IP };

static size_t frame(enum frame f, uint8_t *b)
{
	memset(b, 0, 64);
	memcpy(b, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
	if (f == F_ARP) {
		b[12] = 0x08, b[13] = 0x06;
		return 42;
	}
	b[12] = 0x08, b[13] = 0x00;
	uint8_t *ip = b + 14;
	ip[0] = 0x45, ip[3] = 32; /* total length 20 + 8 + 4 */
	ip[8] = 64, ip[9] = 17;
	memcpy(ip + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	uint8_t *udp = ip + 20;
	udp[0] = 1000 >> 8, udp[1] = 1000 & 0xff, udp[2] = 2000 >> 8, udp[3] = 2000 & 0xff;
	udp[5] = 12;
	return f == F_SHORT_IP ? 14 + 10 : 14 + 32;
}

static void write_capture(const char *path, const enum frame *fs, int n)
{
	pcap_t *p = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, 65535, PCAP_TSTAMP_PRECISION_NANO);
	pcap_dumper_t *d = pcap_dump_open(p, path);
	CHECK(d != NULL);
	for (int i = 0; d && i < n; i++) {
		uint8_t b[64];
		struct pcap_pkthdr h = {.caplen = (bpf_u_int32)frame(fs[i], b), .len = 64};
		h.ts.tv_sec = 1700000000 + i;
		h.ts.tv_usec = 123456789 % 1000000000; /* nanoseconds: the precision above */
		h.len = h.caplen;
		pcap_dump((u_char *)d, &h, b);
	}
	if (d)
		pcap_dump_close(d);
	pcap_close(p);
}

static void test_scan(void)
{
	char path[] = "/tmp/vocalc-test-scan-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	const enum frame fs[] = {F_ARP, F_UDP, F_SHORT_IP, F_UDP, F_ARP};
	write_capture(path, fs, 5);

	struct verr err = {0};
	struct scan sc;
	CHECK_EQ(scan_open(&sc, path, false, &err), 0);
	struct pkt pk;
	CHECK_EQ(scan_next(&sc, &pk, &err), 1);
	CHECK_EQ(sc.records, 2); /* the ARP frame before it counted, passed over */
	CHECK_EQ(pk.ts_ns, 1700000001LL * 1000000000 + 123456789);
	CHECK_EQ(pk.sport, 1000);
	CHECK_EQ(pk.dport, 2000);
	CHECK_EQ(scan_next(&sc, &pk, &err), 1);
	CHECK_EQ(sc.records, 4);
	CHECK_EQ(pk.ts_ns, 1700000003LL * 1000000000 + 123456789);
	CHECK_EQ(scan_next(&sc, &pk, &err), 0); /* the last ARP frame, then the end */
	CHECK_EQ(sc.records, 5);
	CHECK_EQ(sc.skipped[DIS_NOT_IP], 2);
	CHECK_EQ(sc.skipped[DIS_SHORT_IP], 1);
	CHECK_EQ(err.status, VERR_OK);
	scan_close(&sc);

	/* every record, the unusable with their reason and stamp */
	CHECK_EQ(scan_open(&sc, path, false, &err), 0);
	enum dis_result dr;
	CHECK_EQ(scan_record(&sc, &pk, &dr, &err), 1);
	CHECK_EQ(dr, DIS_NOT_IP);
	CHECK_EQ(pk.ts_ns, 1700000000LL * 1000000000 + 123456789);
	CHECK_EQ(scan_record(&sc, &pk, &dr, &err), 1);
	CHECK_EQ(dr, DIS_OK);
	scan_close(&sc);
	unlink(path);

	CHECK_EQ(scan_open(&sc, path, false, &err), -1); /* gone: an error naming it */
	CHECK_EQ(err.status, VERR_INPUT);
	CHECK(strstr(err.msg, path) != NULL);
}

static void test_timefmt(void)
{
	char b[TIMEFMT_LEN];
	CHECK(strcmp(timefmt_stamp(b, 0), "0.000000000") == 0);
	CHECK(strcmp(timefmt_stamp(b, 1500000000), "1.500000000") == 0);
	CHECK(strcmp(timefmt_stamp(b, 1700000001123456789LL), "1700000001.123456789") == 0);
	/* the sign on the whole figure: "%lld.%09lld" of the parts printed
	 * -0.25 s as "0.-250000000" */
	CHECK(strcmp(timefmt_stamp(b, -250000000), "-0.250000000") == 0);
	CHECK(strcmp(timefmt_stamp(b, -1000000001), "-1.000000001") == 0);
	CHECK(strcmp(timefmt_stamp(b, INT64_MIN), "-9223372036.854775808") == 0);
	CHECK(strcmp(timefmt_stamp(b, INT64_MAX), "9223372036.854775807") == 0);
	CHECK(strcmp(timefmt_utc(b, 1700000001123456789LL), "2023-11-14 22:13:21.123456 UTC") == 0);
	/* before the epoch: the second below, a positive fraction */
	CHECK(strcmp(timefmt_utc(b, -1), "1969-12-31 23:59:59.999999 UTC") == 0);
}

int main(void)
{
	test_scan();
	test_timefmt();
	return tcheck_done("test_scan");
}
