/* hostfind: the parser of the host discovery script's output, on good text
 * and on text a hostile or broken host could print; the argument builder.
 * `test_hostfind --print-script` prints HOSTFIND_SCRIPT (tests/cases/
 * hostfind.sh runs it for real). */
#include <stdio.h>
#include <string.h>

#include "hostfind.h"
#include "tcheck.h"

static int parse(const char *text, struct hostfind_guest *g, int max)
{
	char conn[64], uid[16];
	struct verr err = {0};
	return hostfind_parse(text, g, max, conn, sizeof conn, uid, sizeof uid, &err);
}

/* --parse: reads the script's output on stdin and prints what the parser
 * made of it, one line per guest; exit 1 when it refuses the text. */
static int parse_stdin(void)
{
	static char text[1 << 16];
	static struct hostfind_guest g[64];
	size_t n = fread(text, 1, sizeof text - 1, stdin);
	text[n] = '\0';
	char conn[128], uid[16];
	struct verr err = {0};
	int k = hostfind_parse(text, g, 64, conn, sizeof conn, uid, sizeof uid, &err);
	if (k < 0) {
		fprintf(stderr, "%s\n", err.msg);
		return 1;
	}
	printf("guests %d\n", k);
	for (int i = 0; i < k; i++)
		printf("%d %s tap=%s bridge=%s kind=%s nic=%s addrs=%d why=%s\n", i + 1, g[i].key,
		       g[i].tap, g[i].bridge,
		       g[i].kind == BRIDGE_LINUX ? "linux" : g[i].kind == BRIDGE_OVS ? "ovs" : "",
		       g[i].nic, g[i].addrs.n, g[i].why);
	printf("uid %s\n", uid);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--print-script") == 0) {
		fputs(HOSTFIND_SCRIPT, stdout);
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "--parse") == 0)
		return parse_stdin();
	struct hostfind_guest g[4];
	char conn[64], uid[16];
	struct verr err = {0};
	const char good[] = "guest mac=52:54:00:AA:BB:01\nmac 52:54:00:aa:bb:01\ntap vnet0\n"
			    "bridge br0\nbridge_kind linux\nnic eno1\naddrs 10.9.0.5 2001:db8:9::5\nend\n"
			    "guest dom=hf-test\nname hf-test\nmac 52:54:00:AB:CD:EF\ntap vnet1\n"
			    "bridge br-int\nbridge_kind ovs\nnic eth1\nfuture word\nend\n"
			    "guest ip=10.9.0.99\nwhy no neighbour entry for 10.9.0.99 (pinged once)\nend\n"
			    "conn 192.0.2.1 40000 192.0.2.2 22\nuid 1000\n";
	CHECK_EQ(hostfind_parse(good, g, 4, conn, sizeof conn, uid, sizeof uid, &err), 3);
	CHECK(strcmp(g[0].key, "mac=52:54:00:AA:BB:01") == 0);
	CHECK(strcmp(g[0].mac, "52:54:00:aa:bb:01") == 0);
	CHECK(strcmp(g[0].tap, "vnet0") == 0 && strcmp(g[0].bridge, "br0") == 0);
	CHECK_EQ(g[0].kind, BRIDGE_LINUX);
	CHECK(strcmp(g[0].nic, "eno1") == 0);
	CHECK_EQ(g[0].addrs.n, 2);
	CHECK_EQ(g[0].addrs.v[0].family, 4);
	CHECK_EQ(g[0].addrs.v[0].a[3], 5);
	CHECK_EQ(g[0].addrs.v[1].family, 6);
	CHECK(g[0].why[0] == '\0');
	CHECK(strcmp(g[1].name, "hf-test") == 0);
	CHECK(strcmp(g[1].mac, "52:54:00:ab:cd:ef") == 0);
	CHECK_EQ(g[1].kind, BRIDGE_OVS);
	CHECK(strcmp(g[1].bridge, "br-int") == 0);
	CHECK(strcmp(g[2].why, "no neighbour entry for 10.9.0.99 (pinged once)") == 0);
	CHECK(g[2].tap[0] == '\0');
	CHECK(strcmp(conn, "192.0.2.1 40000 192.0.2.2 22") == 0);
	CHECK(strcmp(uid, "1000") == 0);
	/* A block with a MAC but no tap gets a why even if the host gave none. */
	CHECK_EQ(parse("guest mac=52:54:00:00:00:01\nmac 52:54:00:00:00:01\nend\nuid 0\n", g, 4), 1);
	CHECK(strcmp(g[0].why, "no tap or bridge found") == 0);
	/* Nothing at all found is 0 guests, not an error. */
	CHECK_EQ(parse("conn \nuid 0\n", g, 4), 0);

	/* Hostile or broken text: each must be refused. */
	static const char *const bad[] = {
	    "guest mac=52:54:00:00:00:01\ntap vnet0;rm -rf /\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\ntap $(reboot)\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\ntap a`id`\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nbridge ../../etc\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nnic abcdefghijklmnop\nend\nuid 0\n", /* 16 > 15 */
	    "guest mac=52:54:00:00:00:01\ntap \nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nmac 52:54:00:00:00:0g\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nmac 52:54:00:00:00:011\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\naddrs 10.0.0.1 10.0.0.300\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\naddrs 10.0.0.1;id\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nbridge_kind bsd\nend\nuid 0\n",
	    "guest dom=a b\nend\nuid 0\n",
	    "guest dom=x'y\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nname x|y\nend\nuid 0\n",
	    "guest what\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nguest mac=52:54:00:00:00:02\nend\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nuid 0\n",
	    "guest mac=52:54:00:00:00:01\nend\n",	/* no uid: cut short */
	    "end\nuid 0\n",
	    "uid 0; id\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err = (struct verr){0};
		int r = hostfind_parse(bad[i], g, 4, conn, sizeof conn, uid, sizeof uid, &err);
		CHECK_EQ(r, -1);
		if (r != -1)
			fprintf(stderr, "accepted: %s\n", bad[i]);
	}
	/* An overlong line, and more blocks than max. */
	char big[2000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	memcpy(big, "why ", 4);
	CHECK_EQ(parse(big, g, 4), -1);
	CHECK_EQ(parse("guest libvirt\nend\nguest libvirt\nend\nuid 0\n", g, 1), -1);
	/* A why with control characters is kept printable. */
	CHECK_EQ(parse("guest libvirt\nwhy a\tb\x1b[2J\nend\nuid 0\n", g, 4), 1);
	CHECK(strcmp(g[0].why, "a?b?[2J") == 0);

	/* Arguments. */
	char buf[512];
	const char *macs[] = {"52:54:00:AA:BB:01"}, *ips[] = {"10.9.0.5", "2001:db8::7"},
		   *doms[] = {"hf-test"};
	CHECK_EQ(hostfind_args(macs, 1, ips, 2, doms, 1, true, buf, sizeof buf, &err), 0);
	CHECK(strcmp(buf, "'mac=52:54:00:aa:bb:01' 'ip=10.9.0.5' 'ip=2001:db8::7' 'dom=hf-test' "
			  "'libvirt'") == 0);
	const char *badmac[] = {"52:54:00:aa:bb"}, *badip[] = {"10.0.0.1; reboot"},
		   *baddom[] = {"x'; reboot; '"};
	CHECK_EQ(hostfind_args(badmac, 1, NULL, 0, NULL, 0, false, buf, sizeof buf, &err), -1);
	CHECK_EQ(hostfind_args(NULL, 0, badip, 1, NULL, 0, false, buf, sizeof buf, &err), -1);
	CHECK_EQ(hostfind_args(NULL, 0, NULL, 0, baddom, 1, false, buf, sizeof buf, &err), -1);
	CHECK_EQ(hostfind_args(macs, 1, ips, 2, NULL, 0, false, buf, 20, &err), -1);
	CHECK(hostfind_safe_ifname("vnet0") && !hostfind_safe_ifname("") &&
	      !hostfind_safe_ifname("a/b") && hostfind_safe_ifname("abcdefghijklmno"));

	printf("test_hostfind: %d checks, %d failed\n", tcheck_run, tcheck_failed);
	return tcheck_failed != 0;
}
