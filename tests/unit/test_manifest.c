/* Unit tests: a run's manifest (manifest.h) written byte for byte as the
 * one-shot has always written it (CONTRACT.md "Saved runs"), read back to
 * the same contents, and malformed ones refused with the messages the
 * offline commands have always given (tests/cases/bad_input.sh). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "manifest.h"
#include "tcheck.h"

#define CHECK_STR(a, b) CHECK((a) != NULL && strcmp((a), (b)) == 0)

/* A final manifest with the filter given: what oneshot.c fills. */
static const char WRITTEN[] =
    "{\n"
    "  \"schema\": 1,\n"
    "  \"tool\": \"vocalc\",\n"
    "  \"version\": \"9.8.7\",\n"
    "  \"points\": [\n"
    "    {\n"
    "      \"name\": \"nic\",\n"
    "      \"file\": \"nic.pcap\",\n"
    "      \"interface\": \"eth0\",\n"
    "      \"host\": \"root@h1:22\",\n"
    "      \"drops\": 0,\n"
    "      \"octets\": 5000000000,\n"
    "      \"complete\": true\n"
    "    },\n"
    "    {\n"
    "      \"name\": \"guest\",\n"
    "      \"file\": \"guest.pcap\",\n"
    "      \"interface\": \"ens3\",\n"
    "      \"host\": \"root@vm7:22\",\n"
    "      \"drops\": null,\n"
    "      \"octets\": 24,\n"
    "      \"complete\": false\n"
    "    }\n"
    "  ],\n"
    "  \"hosts\": {\n"
    "    \"host\": \"root@h1:22\",\n"
    "    \"guest\": \"root@vm7:22\"\n"
    "  },\n"
    "  \"start\": 1700000000.25,\n"
    "  \"stop\": 1700000010.5,\n"
    "  \"command_line\": \"vocalc -d 10 -f \\\"tcp port 5201\\\" h1 vm7\",\n"
    "  \"snaplen\": 192,\n"
    "  \"filter\": \"tcp port 5201\"\n"
    "}";

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	static char buf[8192];
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static void check_written(const char *dir)
{
	struct manifest_point pts[2] = {
	    {.name = "nic", .file = "nic.pcap", .interface = "eth0", .host = "root@h1:22",
	     .drops = 0, .octets = 5000000000u, .complete = true},
	    {.name = "guest", .file = "guest.pcap", .interface = "ens3", .host = "root@vm7:22",
	     .drops = -1, .octets = 24, .complete = false},
	};
	struct manifest m = {.schema = MANIFEST_SCHEMA, .tool = "vocalc", .version = "9.8.7",
			     .point = {pts[0], pts[1]}, .npoints = 2, .host = "root@h1:22",
			     .guest = "root@vm7:22", .start = 1700000000.25, .stop = 1700000010.5,
			     .command_line = "vocalc -d 10 -f \"tcp port 5201\" h1 vm7",
			     .snaplen = 192, .filter = "tcp port 5201"};
	struct verr err = {0};
	CHECK_EQ(manifest_write(dir, &m, &err), 0);
	char path[600];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	const char *text = slurp(path);
	CHECK_STR(text, WRITTEN);

	/* read back: the same contents */
	struct manifest r;
	CHECK_EQ(manifest_read(path, &r, &err), 0);
	CHECK_EQ(r.schema, 1);
	CHECK_STR(r.tool, "vocalc");
	CHECK_STR(r.version, "9.8.7");
	CHECK_EQ(r.npoints, 2);
	for (size_t i = 0; i < 2 && r.npoints == 2; i++) {
		CHECK_STR(r.point[i].name, pts[i].name);
		CHECK_STR(r.point[i].file, pts[i].file);
		CHECK_STR(r.point[i].interface, pts[i].interface);
		CHECK_STR(r.point[i].host, pts[i].host);
		CHECK_EQ(r.point[i].drops, pts[i].drops);
		CHECK_EQ(r.point[i].octets, pts[i].octets);
		CHECK_EQ(r.point[i].complete, pts[i].complete);
	}
	CHECK_STR(r.host, "root@h1:22");
	CHECK_STR(r.guest, "root@vm7:22");
	CHECK(r.start == 1700000000.25 && r.stop == 1700000010.5);
	CHECK_STR(r.command_line, m.command_line);
	CHECK_EQ(r.snaplen, 192);
	CHECK_STR(r.filter, "tcp port 5201");
	manifest_free(&r);
	CHECK(r.doc == NULL && r.npoints == 0);

	/* no filter: null; the manifest of the start, written over */
	m.filter = NULL;
	m.start = m.stop = 0;
	CHECK_EQ(manifest_write(dir, &m, &err), 0);
	text = slurp(path);
	CHECK(text && strstr(text, "  \"start\": 0.0,\n  \"stop\": 0.0,\n") != NULL);
	CHECK(text && strstr(text, "\"snaplen\": 192,\n  \"filter\": null\n}") != NULL);
	CHECK_EQ(manifest_read(path, &r, &err), 0);
	CHECK(r.filter == NULL);
	manifest_free(&r);
	CHECK(access(path, F_OK) == 0);
	snprintf(path, sizeof path, "%s/manifest.json.tmp", dir);
	CHECK(access(path, F_OK) != 0);
	CHECK_EQ(err.status, 0);
}

/* A run of several guests: the shared host points, then "guests", each
 * with its login, addresses and own points; "hosts" "guest" null. */
static void check_guests(const char *dir)
{
	struct manifest m = {.schema = MANIFEST_SCHEMA, .tool = "vocalc", .version = "9.8.7",
			     .npoints = 1, .nguests = 2, .host = "root@h1:22", .guest = NULL,
			     .start = 1700000000.25, .stop = 1700000010.5,
			     .command_line = "vocalc h1 vm7 vm8", .snaplen = 192};
	m.point[0] = (struct manifest_point){.name = "nic", .file = "nic.pcap", .interface = "eth0",
					     .host = "root@h1:22", .drops = 0, .octets = 10,
					     .complete = true};
	struct manifest_guest *g = &m.guests[0];
	*g = (struct manifest_guest){.name = "vm7", .login = true, .naddresses = 2, .npoints = 2};
	g->address[0] = "10.0.0.2";
	g->address[1] = "fd00::2";
	g->point[0] = (struct manifest_point){.name = "vnet", .file = "vm7/vnet.pcap",
					      .interface = "vnet0", .host = "root@h1:22",
					      .drops = 3, .octets = 20, .complete = true};
	g->point[1] = (struct manifest_point){.name = "guest", .file = "vm7/guest.pcap",
					      .interface = "ens3", .host = "root@vm7:22",
					      .drops = -1, .octets = 30, .complete = false};
	g = &m.guests[1];
	*g = (struct manifest_guest){.name = "10.0.0.9", .login = false, .npoints = 1};
	g->point[0] = (struct manifest_point){.name = "vnet", .file = "g2/vnet.pcap",
					      .interface = "vnet1", .host = "root@h1:22",
					      .drops = 0, .octets = 40, .complete = true};
	struct verr err = {0};
	CHECK_EQ(manifest_write(dir, &m, &err), 0);
	char path[600];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	const char *text = slurp(path);
	CHECK(text && strstr(text, "      \"complete\": true\n    }\n  ],\n  \"guests\": [\n    {\n"
				   "      \"name\": \"vm7\",\n      \"login\": true,\n"
				   "      \"addresses\": [\n        \"10.0.0.2\",\n") != NULL);
	CHECK(text && strstr(text, "\"addresses\": [],\n") != NULL);
	CHECK(text && strstr(text, "  \"hosts\": {\n    \"host\": \"root@h1:22\",\n"
				   "    \"guest\": null\n  },\n  \"start\"") != NULL);

	struct manifest r;
	CHECK_EQ(manifest_read(path, &r, &err), 0);
	CHECK_EQ(r.npoints, 1);
	CHECK_STR(r.point[0].name, "nic");
	CHECK(r.guest == NULL);
	CHECK_EQ(r.nguests, 2);
	for (size_t i = 0; i < 2 && r.nguests == 2; i++) {
		const struct manifest_guest *w = &m.guests[i], *x = &r.guests[i];
		CHECK_STR(x->name, w->name);
		CHECK_EQ(x->login, w->login);
		CHECK_EQ(x->naddresses, w->naddresses);
		for (size_t k = 0; k < x->naddresses && k < w->naddresses; k++)
			CHECK_STR(x->address[k], w->address[k]);
		CHECK_EQ(x->npoints, w->npoints);
		for (size_t k = 0; k < x->npoints && k < w->npoints; k++) {
			CHECK_STR(x->point[k].name, w->point[k].name);
			CHECK_STR(x->point[k].file, w->point[k].file);
			CHECK_STR(x->point[k].interface, w->point[k].interface);
			CHECK_EQ(x->point[k].drops, w->point[k].drops);
			CHECK_EQ(x->point[k].octets, w->point[k].octets);
			CHECK_EQ(x->point[k].complete, w->point[k].complete);
		}
	}
	manifest_free(&r);
	CHECK(r.doc == NULL && r.nguests == 0);
	CHECK_EQ(err.status, 0);
}

/* A manifest with the text given: manifest_read's status and message. */
static void check_read(const char *dir, const char *text, int status, const char *msg,
		       size_t npoints)
{
	char path[600], want[1400];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	spit(path, text);
	struct manifest m;
	struct verr err = {0};
	int rc = manifest_read(path, &m, &err);
	CHECK_EQ(rc, status ? -1 : 0);
	CHECK_EQ(err.status, status);
	snprintf(want, sizeof want, "%s%s", msg[0] ? path : "", msg);
	if (strcmp(err.msg, want) != 0) {
		tcheck_failed++;
		fprintf(stderr, "%s: got '%s', expected '%s'\n", text, err.msg, want);
	}
	CHECK_EQ(m.npoints, npoints);
	/* the text read from a buffer: the same */
	struct manifest b;
	struct verr eb = {0};
	CHECK_EQ(manifest_parse(path, text, strlen(text), &b, &eb), rc);
	CHECK(strcmp(eb.msg, err.msg) == 0);
	CHECK_EQ(b.npoints, npoints);
	manifest_free(&b);
	manifest_free(&m);
}

int main(void)
{
	const char *root = getenv("TESTS_OUT");
	char dir[512];
	snprintf(dir, sizeof dir, "%s/test_manifest.XXXXXX", root && *root ? root : "/tmp");
	if (mkdtemp(dir) == NULL) {
		perror(dir);
		return 1;
	}
	check_written(dir);

	/* what a hand-written manifest holds is enough (captures/sample-netns) */
	check_read(dir, "{\"points\": [{\"name\": \"nic\", \"file\": \"n.pcap\", \"drops\": 0},"
			" {\"name\": \"guest\", \"file\": \"/abs/g.pcap\"}], \"recorded_by\": \"x\"}",
		   0, "", 2);
	check_read(dir, "{\"points\": [\n", VERR_INPUT,
		   ": cannot read run manifest: ']' expected near end of file (line 2)", 0);
	check_read(dir, "", VERR_INPUT,
		   ": cannot read run manifest: '[' or '{' expected near end of file (line 1)", 0);
	check_read(dir, "{\"points\": []}", VERR_INPUT, ": no \"points\" array", 0);
	check_read(dir, "{\"points\": {\"name\": \"nic\"}}", VERR_INPUT, ": no \"points\" array", 0);
	check_read(dir, "{\"points\": [{\"name\": \"nic\", \"file\": \"n.pcap\", \"drops\": -5}]}",
		   VERR_INPUT, ": point 0: \"drops\" is not a count of packets or null", 0);
	check_read(dir, "{\"points\": [{\"name\": \"nic\", \"file\": \"n.pcap\", \"drops\": 1.5}]}",
		   VERR_INPUT, ": point 0: \"drops\" is not a count of packets or null", 0);
	/* the points before a malformed one are kept: their own faults come first */
	check_read(dir, "{\"points\": [{\"name\": \"nic\", \"file\": \"n.pcap\"},"
			" {\"name\": \"nic\", \"file\": \"g.pcap\"}, {\"file\": 3}]}",
		   VERR_INPUT, ": point 2 lacks \"name\" or \"file\"", 2);

	/* no more points than the struct holds, the first ones kept */
	char many[2048] = "{\"points\": [";
	for (int i = 0; i < MANIFEST_MAX_POINTS + 1; i++)
		snprintf(many + strlen(many), sizeof many - strlen(many),
			 "%s{\"name\": \"nic\", \"file\": \"f%d\"}", i ? ", " : "", i);
	strcat(many, "]}");
	char more[64];
	snprintf(more, sizeof more, ": more than %d points", MANIFEST_MAX_POINTS);
	check_read(dir, many, VERR_INPUT, more, MANIFEST_MAX_POINTS);

	/* several guests: what a hand-written one needs, and what is refused */
	check_guests(dir);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"points\": ["
			"{\"name\": \"vnet\", \"file\": \"v.pcap\"}, {\"name\": \"guest\", "
			"\"file\": \"g.pcap\"}]}]}",
		   0, "", 0);
	check_read(dir, "{\"points\": [], \"guests\": []}", VERR_INPUT,
		   ": \"guests\" is not an array of guests", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"points\": []}]}", VERR_INPUT,
		   ": guest 0 lacks \"name\"", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\"}]}", VERR_INPUT,
		   ": guest a: no \"points\" array", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"points\": ["
			"{\"name\": \"vnet\", \"file\": \"v\"}]}, {\"name\": \"a\", \"points\": []}]}",
		   VERR_INPUT, ": guests 0 and 1 are both named 'a'", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"login\": 1, "
			"\"points\": [{\"name\": \"vnet\", \"file\": \"v\"}]}]}",
		   VERR_INPUT, ": guest a: \"login\" is not true or false", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"addresses\": [7], "
			"\"points\": [{\"name\": \"vnet\", \"file\": \"v\"}]}]}",
		   VERR_INPUT, ": guest a: address 0 is not a string", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"points\": ["
			"{\"name\": \"vnet\", \"file\": \"v\", \"drops\": -1}]}]}",
		   VERR_INPUT, ": guest a: point 0: \"drops\" is not a count of packets or null", 0);
	check_read(dir, "{\"points\": [], \"guests\": [{\"name\": \"a\", \"points\": ["
			"{\"file\": \"v\"}]}]}",
		   VERR_INPUT, ": guest a: point 0 lacks \"name\" or \"file\"", 0);
	/* without guests an empty "points" is still refused */
	check_read(dir, "{\"points\": [], \"guests\": null}", VERR_INPUT,
		   ": \"guests\" is not an array of guests", 0);

	/* a file that cannot be read; a directory that cannot be written */
	char path[600];
	struct manifest m;
	struct verr err = {0};
	snprintf(path, sizeof path, "%s/none/manifest.json", dir);
	CHECK_EQ(manifest_read(path, &m, &err), -1);
	CHECK_EQ(err.status, VERR_INPUT);
	CHECK(strstr(err.msg, ": cannot read run manifest: ") != NULL);
	manifest_free(&m);
	struct manifest w = {.tool = "vocalc", .version = "1", .host = "h", .guest = "g",
			     .command_line = ""};
	struct verr we = {0};
	snprintf(path, sizeof path, "%s/none", dir);
	CHECK_EQ(manifest_write(path, &w, &we), -1);
	char want[700];
	snprintf(want, sizeof want, "%s/manifest.json: cannot write the manifest: No such file or directory",
		 path);
	CHECK_EQ(we.status, VERR_REMOTE);
	CHECK(strcmp(we.msg, want) == 0);

	snprintf(path, sizeof path, "%s/manifest.json", dir);
	unlink(path);
	rmdir(dir);
	return tcheck_done("test_manifest");
}
