/* vocalc — how much latency virtualization adds to a VM's traffic, and where.
 * main: command line (CONTRACT.md "Commands"), exit status mapping. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <gsl/gsl_errno.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ack_print.h"
#include "ack_run.h"
#include "analyze.h"
#include "inputs.h"
#include "oneshot.h"
#include "reader.h"
#include "report.h"
#include "rtt_run.h"
#include "stats.h"
#include "verr.h"
#include "version.h"

static const char USAGE[] =
    "usage: vocalc [OPTIONS] HOST GUEST   one-shot capture over SSH (options below)\n"
    "       vocalc analyze [OPTIONS] POINT=FILE POINT=FILE ... | RUN_DIR\n"
    "       vocalc drift   [OPTIONS] POINT=FILE ... | RUN_DIR\n"
    "       vocalc rtt     [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "       vocalc ack     [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "       vocalc COMMAND --help   the options of one command\n"
    "       vocalc --help | --version\n"
    "\n"
    "analyze: per-hop and end-to-end (VO) latency of a VM's traffic from captures\n"
    "taken at up to four points: nic -> bridge -> vnet -> guest (any two or more).\n"
    "drift: the guest clock's offset and skew against the host's only.\n"
    "rtt: TCP-timestamp round trips per flow at each point (pping's rules).\n"
    "ack: ACK inter-arrival histograms and compression per flow and point.\n"
    "\n"
    "  POINT=FILE   a capture taken at POINT (nic, bridge, vnet, guest): pcap or\n"
    "               pcapng, gzip'd or not; FILE - is standard input\n"
    "  RUN_DIR      a saved run with manifest.json, or a directory of captures\n"
    "               named by point (nic.pcap, guest.pcapng.gz ...)\n"
    "\n"
    "Exit status: 0 success, 2 usage or input error, 3 remote/capture failure,\n"
    "4 out of memory.\n"
    "See vocalc(1).\n";

/* The options analyze and drift share (ANALYZE_USAGE, DRIFT_USAGE). */
#define INPUT_HELP                                                                          \
	"  POINT=FILE              a pcap or pcapng capture taken at POINT (nic, bridge,\n"    \
	"                          vnet, guest), gzip'd or not; FILE - is standard input\n"    \
	"  RUN_DIR                 a saved run (manifest.json), or a directory of captures\n"  \
	"                          named by point: nic.pcap, vnet.pcapng, guest.pcap.gz ...\n"
#define CLOCK_HELP                                                                          \
	"  --guest-ip ADDR         a guest address, v4 or v6 (repeatable); default: learned\n" \
	"                          from the guest (else vnet) capture\n"                       \
	"  --guest-offset-us X     guest clock minus host clock, us (manual clock: no estimate)\n" \
	"  --guest-skew-ppm Y      guest clock skew, ppm (with --guest-offset-us)\n"           \
	"  --clock-method M        auto (default: hull, else probe), hull, probe, regression\n" \
	"  --allow-truncated       analyze the complete records of a capture whose last\n"     \
	"                          record is cut, instead of refusing it\n"                    \
	"  --no-progress           no progress line on stderr\n"

static const char ANALYZE_USAGE[] =
    "usage: vocalc analyze [OPTIONS] POINT=FILE POINT=FILE ... | RUN_DIR\n"
    "Per-hop and end-to-end (VO) latency of a VM's traffic from captures taken at\n"
    "two or more points: nic -> bridge -> vnet -> guest; the guest clock estimated.\n"
    INPUT_HELP
    "  --json                  one JSON document on stdout (CONTRACT.md schema 1)\n"
    "  --csv FILE              one row per matched packet (stamps, per-hop delays)\n"
    CLOCK_HELP
    "  --window-ms N           matching window, ms (default 1000)\n"
    "  --no-rtt                skip the TCP round trips per point (see vocalc rtt)\n"
    "  --no-ack                skip the ACK inter-arrival analysis (see vocalc ack; its\n"
    "                          options apply here too)\n"
    "  -h, --help              this text\n"
    "Exit status: 0 success, 2 usage or input error, 4 out of memory.\n";

static const char DRIFT_USAGE[] =
    "usage: vocalc drift [OPTIONS] POINT=FILE ... | RUN_DIR\n"
    "The guest clock only: offset, skew, steps and error bound, from the guest\n"
    "capture and the host point nearest it (guest=FILE and vnet, bridge or nic).\n"
    INPUT_HELP
    "  --json                  one JSON document (CONTRACT.md: points, clock)\n"
    "  --csv FILE              one row per packet pair: offset readings and the fit\n"
    "  -v, --verbose           every method's offset and skew, for comparison\n"
    CLOCK_HELP
    "  -h, --help              this text\n"
    "Exit status: 0 success, 2 usage or input error, 4 out of memory.\n";

enum {
	OPT_JSON = 1000,
	OPT_CSV,
	OPT_CLOCK_METHOD,
	OPT_GUEST_IP,
	OPT_OFFSET,
	OPT_SKEW,
	OPT_WINDOW,
	OPT_ALLOW_TRUNC,
	OPT_NO_PROGRESS,
	OPT_NO_RTT,
	OPT_VERSION,
	OPT_NO_ACK,
	OPT_BIN,
	OPT_MAX,
	OPT_LOG_BINS,
	OPT_LINK_RATE,
	OPT_PACKET_BYTES,
	OPT_TOLERANCE,
	OPT_BURST,
	OPT_ALL_ACKS,
	OPT_ACK_POINT,
};

/* The options of the analysis that analyze, drift, ack and the one-shot run
 * share (parsed by analysis_option). */
#define ANALYSIS_LONG_OPTS                                                                  \
	{"json", no_argument, NULL, OPT_JSON},                                              \
	    {"guest-ip", required_argument, NULL, OPT_GUEST_IP},                            \
	    {"guest-offset-us", required_argument, NULL, OPT_OFFSET},                       \
	    {"guest-skew-ppm", required_argument, NULL, OPT_SKEW},                          \
	    {"window-ms", required_argument, NULL, OPT_WINDOW},                             \
	    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},                            \
	    {"no-rtt", no_argument, NULL, OPT_NO_RTT},                                      \
	    {"no-ack", no_argument, NULL, OPT_NO_ACK},                                      \
	    {"bin", required_argument, NULL, OPT_BIN},                                      \
	    {"max", required_argument, NULL, OPT_MAX},                                      \
	    {"log-bins", no_argument, NULL, OPT_LOG_BINS},                                  \
	    {"link-rate", required_argument, NULL, OPT_LINK_RATE},                          \
	    {"packet-bytes", required_argument, NULL, OPT_PACKET_BYTES},                    \
	    {"tolerance", required_argument, NULL, OPT_TOLERANCE},                          \
	    {"burst-interval", required_argument, NULL, OPT_BURST},                         \
	    {"all-acks", no_argument, NULL, OPT_ALL_ACKS}

static const struct option LONG_OPTS[] = {
    ANALYSIS_LONG_OPTS,
    {"clock-method", required_argument, NULL, OPT_CLOCK_METHOD},
    {"verbose", no_argument, NULL, 'v'},
    {"csv", required_argument, NULL, OPT_CSV},
    {"allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNC},
    {"point", required_argument, NULL, OPT_ACK_POINT},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* "--name" of the option with value c in table t (argv[optind - 1] is the
 * option's value, not its name, when the value came as a separate word). */
static const char *opt_name(const struct option *t, int c)
{
	static char buf[64];
	for (; t->name; t++)
		if (t->val == c) {
			snprintf(buf, sizeof buf, "--%s", t->name);
			return buf;
		}
	snprintf(buf, sizeof buf, "-%c", c);
	return buf;
}

static int parse_double(const char *opt, const char *text, double *out, struct verr *err)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (errno || end == text || *end != '\0' || v != v)
		return verr_set(err, VERR_INPUT, "%s: not a number: '%s'", opt, text);
	*out = v;
	return 0;
}

static int add_guest_ip(struct addrset *s, const char *text, struct verr *err)
{
	if (addrset_add_str(s, text) != 0)
		return verr_set(err, VERR_INPUT, "--guest-ip: not an IPv4 or IPv6 address: '%s'", text);
	return 0;
}

static bool same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

/* Every capture given has a record: a header-only capture (tcpdump stopped
 * before a packet came, a filter that matched nothing) is refused by name
 * rather than reported as an empty analysis. */
static int check_has_records(const char *const file[POINT_N], bool allow_truncated,
			     struct verr *err)
{
	for (int p = 0; p < POINT_N; p++) {
		if (!file[p])
			continue;
		int rc = reader_has_records(file[p], allow_truncated, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return verr_set(err, VERR_INPUT,
					"no packets at %s (%s): the capture holds no complete record",
					point_name((enum point)p), reader_display_name(file[p]));
	}
	return 0;
}

/* Closes an output (a --csv file; f == stdout: flushed, not closed) and
 * says whether everything written reached it: a full disk shows as an
 * error of the stream at any earlier write, or of the last flush. */
static int finish_output(FILE *f, const char *name, struct verr *err)
{
	bool bad = ferror(f) != 0;
	int e = bad ? EIO : 0;
	errno = 0;
	if (fflush(f) != 0) {
		bad = true;
		e = errno ? errno : EIO;
	}
	if (f != stdout && fclose(f) != 0 && !bad) {
		bad = true;
		e = errno ? errno : EIO;
	}
	if (bad)
		return verr_set(err, VERR_INPUT, "writing %s failed: %s", name, strerror(e));
	return 0;
}

/* Opens a CSV output, refusing to write over one of the captures. */
static FILE *open_csv(const char *path, const char *const file[POINT_N], struct verr *err)
{
	for (int p = 0; p < POINT_N; p++)
		if (file[p] && same_file(file[p], path)) {
			verr_set(err, VERR_INPUT, "%s: is the %s capture; refusing to overwrite it with CSV",
				 path, point_name((enum point)p));
			return NULL;
		}
	FILE *f = fopen(path, "w");
	if (f == NULL)
		verr_set(err, verr_status_of(errno), "%s: %s", path, strerror(errno));
	return f;
}

static const char RTT_USAGE[] =
    "usage: vocalc rtt [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "TCP-timestamp RTT per flow at each capture point, by pping's rules.\n"
    "  FILE                    a pcap or pcapng capture, gzip'd or not; - is standard\n"
    "                          input; a bare FILE is point guest (--point)\n"
    "  --samples               one line per sample on stdout, pping -m layout: capture\n"
    "                          time, rtt, min rtt (s), flow as pping names it (+ point)\n"
    "  --json                  one JSON document (CONTRACT.md: points, rtt)\n"
    "  --csv FILE              time series: point, time, rtt, min rtt (us), flow\n"
    "  --point NAME            the point a bare FILE was captured at (default guest)\n"
    "  --data-only             record TSvals of segments with payload or SYN only\n"
    "  --tsval-max-age S       forget unechoed TSvals after S seconds (default 10)\n"
    "  --flow-max-idle S       forget flows idle S seconds (default 300)\n"
    "  --max-flows N           flows tracked at once per point (default 100000)\n"
    "  --guest-ip ADDR         a guest address (repeatable); default: learned\n"
    "  --allow-truncated       use the complete records of a cut capture\n"
    "With guest and a host point given, flows the guest sends are decomposed:\n"
    "VO share of RTT = (RTT at guest - RTT at the outermost host point) / RTT at guest.\n"
    "Exit status: 0 success, 2 usage or input error, 4 out of memory.\n";

enum { OPT_SAMPLES = 2000, OPT_POINT, OPT_DATA_ONLY, OPT_TSVAL_AGE, OPT_FLOW_IDLE, OPT_MAX_FLOWS };

static const struct option RTT_OPTS[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"csv", required_argument, NULL, OPT_CSV},
    {"samples", no_argument, NULL, OPT_SAMPLES},
    {"point", required_argument, NULL, OPT_POINT},
    {"data-only", no_argument, NULL, OPT_DATA_ONLY},
    {"tsval-max-age", required_argument, NULL, OPT_TSVAL_AGE},
    {"flow-max-idle", required_argument, NULL, OPT_FLOW_IDLE},
    {"max-flows", required_argument, NULL, OPT_MAX_FLOWS},
    {"allow-truncated", no_argument, NULL, OPT_ALLOW_TRUNC},
    {"guest-ip", required_argument, NULL, OPT_GUEST_IP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int cmd_rtt(int argc, char **argv, struct verr *err)
{
	struct rtt_run_opts o;
	memset(&o, 0, sizeof o);
	for (int p = 0; p < POINT_N; p++)
		o.drops[p] = -1;
	rtt_cfg_default(&o.cfg);
	const char *csv_path = NULL, *bare_point = "guest";
	bool samples = false;
	struct strpool sp = {.n = 0};
	struct analysis_opts ao; /* POINT=FILE and run directories, as analyze reads them */
	memset(&ao, 0, sizeof ao);
	for (int p = 0; p < POINT_N; p++)
		ao.drops[p] = -1;
	int rc = -1, c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", RTT_OPTS, NULL)) != -1) {
		double v;
		switch (c) {
		case OPT_JSON: o.json = true; break;
		case OPT_CSV: csv_path = optarg; break;
		case OPT_SAMPLES: samples = true; break;
		case OPT_POINT: bare_point = optarg; break;
		case OPT_DATA_ONLY: o.cfg.data_only = true; break;
		case OPT_ALLOW_TRUNC: o.allow_truncated = true; break;
		case OPT_GUEST_IP:
			if (add_guest_ip(&o.guest_ips, optarg, err) != 0)
				goto out;
			break;
		case OPT_TSVAL_AGE:
		case OPT_FLOW_IDLE:
		case OPT_MAX_FLOWS:
			if (parse_double(opt_name(RTT_OPTS, c), optarg, &v, err) != 0)
				goto out;
			if (!(v > 0)) {
				verr_set(err, VERR_INPUT, "%s: must be positive", opt_name(RTT_OPTS, c));
				goto out;
			}
			if (c == OPT_TSVAL_AGE)
				o.cfg.tsval_max_age_ns = (int64_t)(v * 1e9);
			else if (c == OPT_FLOW_IDLE)
				o.cfg.flow_max_idle_ns = (int64_t)(v * 1e9);
			else
				o.cfg.max_flows = v > 1e9 ? 1000000000u : (uint32_t)v;
			break;
		case 'h': fputs(RTT_USAGE, stdout); return 0;
		case ':':
			verr_set(err, VERR_INPUT, "rtt: %s needs a value", argv[optind - 1]);
			goto out;
		default:
			verr_set(err, VERR_INPUT, "rtt: unknown option %s (see vocalc rtt --help)",
				 argv[optind - 1]);
			goto out;
		}
	}
	if (samples && o.json) {
		verr_set(err, VERR_INPUT, "rtt: --samples and --json both want stdout; choose one");
		goto out;
	}
	if (optind >= argc) {
		verr_set(err, VERR_INPUT, "rtt: give a capture FILE or POINT=FILE arguments");
		goto out;
	}
	if (inputs_add(&ao, optind, argc, argv, bare_point, "rtt", &sp, err) != 0 ||
	    check_has_records(ao.file, o.allow_truncated, err) != 0)
		goto out;
	int npts = 0;
	for (int p = 0; p < POINT_N; p++) {
		o.file[p] = ao.file[p];
		o.drops[p] = ao.drops[p];
		npts += o.file[p] != NULL;
	}
	o.multi = npts > 1;
	o.samples = samples ? stdout : NULL;
	/* guest and a host point: the guest clock estimated, as analyze does, so
	 * that a step in it is found and no round trip at guest spans it */
	struct analysis clk;
	bool have_clock = false;
	if (o.file[POINT_GUEST] && npts > 1) {
		ao.window_ns = 1000LL * 1000000;
		ao.guest_ips = o.guest_ips;
		ao.allow_truncated = o.allow_truncated;
		ao.no_rtt = ao.no_ack = true;
		if (analysis_clock(&clk, &ao, err) != 0)
			goto out;
		have_clock = true;
		if (clk.clock.method != CLOCK_NONE)
			o.clock = &clk;
	}
	if (csv_path && (o.csv = open_csv(csv_path, o.file, err)) == NULL)
		goto out;
	/* with --samples the summary goes to stderr: stdout holds the samples */
	rc = rtt_run(&o, samples ? stderr : stdout, err);
	if (have_clock)
		analysis_free(&clk);
	if (o.csv && finish_output(o.csv, csv_path, err) != 0)
		rc = -1;
out:
	strpool_free(&sp);
	return rc;
}

enum command { CMD_ANALYZE, CMD_DRIFT, CMD_ACK };

static const char ACK_USAGE[] =
    "usage: vocalc ack [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "ACK inter-arrival histograms per TCP flow at each point, the compressed fraction,\n"
    "and, for ACKs seen at two points, the compression between them.\n"
    "  --json                  one JSON document (CONTRACT.md: points, ack, ack_compression)\n"
    "  --csv FILE              one row per ACK: flow, point, time, inter-arrival (us), and\n"
    "                          for ACK pairs the upstream point and the spacing ratio;\n"
    "                          t_clock: the time's clock (guest rows: the guest's own)\n"
    "  --bin US                histogram bin width, us (default 10)\n"
    "  --max US                histogram upper edge, us (default 2000)\n"
    "  --log-bins              10 bins per decade from 1 us instead\n"
    "  --link-rate RATE        bottleneck rate, e.g. 100M: compressed is below one packet's\n"
    "                          serialization time (default: back to back, below 1/4 of\n"
    "                          the 10th percentile at the flow's upstream point)\n"
    "  --packet-bytes N        one full packet on the wire, octets (default 1500)\n"
    "  --tolerance F           with --link-rate, compressed: below the serialization time\n"
    "                          x (1 - F) (default 0.1; 0: seed 004's strict count)\n"
    "  --burst-interval MS|rtt burstiness interval (default 60 ms; rtt: the flow's median\n"
    "                          RTT at the point)\n"
    "  --all-acks              every pure ACK, not only those that advance the ACK\n"
    "  --point NAME            the point a bare FILE was captured at (default guest)\n"
    "  --guest-ip, --guest-offset-us, --guest-skew-ppm, --clock-method, --window-ms,\n"
    "  --allow-truncated       as for vocalc analyze\n"
    "Exit status: 0 success, 2 usage or input error, 4 out of memory.\n";

/* Parses an ACK option into o->ack; 1 if c is not one, -1 on a bad value. */
static int ack_option(int c, const char *opt, const char *arg, struct analysis_opts *o,
		      struct verr *err)
{
	double v = 0;
	switch (c) {
	case OPT_LOG_BINS: o->ack.log_bins = true; return 0;
	case OPT_ALL_ACKS: o->ack.all_acks = true; return 0;
	case OPT_LINK_RATE:
		if (ack_parse_rate(arg, &o->ack.link_rate_bps) != 0)
			return verr_set(err, VERR_INPUT,
					"--link-rate: not a rate in bit/s: '%s' (e.g. 100M, 1G)", arg);
		return 0;
	case OPT_BURST:
		if (strcmp(arg, "rtt") == 0) {
			o->ack.burst_rtt = true;
			return 0;
		}
		/* fall through */
	case OPT_BIN:
	case OPT_MAX:
	case OPT_PACKET_BYTES:
	case OPT_TOLERANCE:
		if (parse_double(opt, arg, &v, err) != 0)
			return -1;
		if (c == OPT_TOLERANCE ? !(v >= 0 && v < 1) : !(v > 0 && v < 1e9))
			return verr_set(err, VERR_INPUT, "%s: out of range: '%s'", opt, arg);
		if (c == OPT_BIN)
			o->ack.bin_us = v;
		else if (c == OPT_MAX)
			o->ack.max_us = v;
		else if (c == OPT_PACKET_BYTES)
			o->ack.packet_bytes = v;
		else if (c == OPT_TOLERANCE)
			o->ack.tolerance = v;
		else
			o->ack.burst_ms = v;
		return 0;
	default: return 1;
	}
}

/* Parses an option of the analysis (ANALYSIS_LONG_OPTS but --json and
 * --no-progress) into o: 0 if it was one, 1 if not, -1 on a bad value. */
static int analysis_option(int c, const char *opt, const char *arg, struct analysis_opts *o,
			   bool *skew_given, struct verr *err)
{
	double v;
	int ar = ack_option(c, opt, arg, o, err);
	if (ar <= 0)
		return ar;
	switch (c) {
	case OPT_GUEST_IP: return add_guest_ip(&o->guest_ips, arg, err);
	case OPT_OFFSET:
		if (parse_double("--guest-offset-us", arg, &o->offset_us, err) != 0)
			return -1;
		o->manual_clock = true;
		return 0;
	case OPT_SKEW:
		if (parse_double("--guest-skew-ppm", arg, &o->skew_ppm, err) != 0)
			return -1;
		*skew_given = true;
		return 0;
	case OPT_WINDOW:
		if (parse_double("--window-ms", arg, &v, err) != 0)
			return -1;
		if (!(v > 0 && v <= 2000))
			return verr_set(err, VERR_INPUT, "--window-ms: must be in (0, 2000], got %s", arg);
		o->window_ns = (int64_t)(v * 1e6);
		return 0;
	case OPT_NO_RTT: o->no_rtt = true; return 0;
	case OPT_NO_ACK: o->no_ack = true; return 0;
	default: return 1;
	}
}

/* vocalc analyze, drift and ack: the same inputs and options; drift stops
 * after the clock, and its --csv holds the clock pairs; ack reports the ACK
 * streams only, and its --csv holds the ACK rows. */
static const char *const COMMAND_NAME[] = {"analyze", "drift", "ack"};

static int cmd_run(enum command cmd, int argc, char **argv, struct verr *err)
{
	const char *name = COMMAND_NAME[cmd];
	struct analysis_opts o;
	memset(&o, 0, sizeof o);
	for (int p = 0; p < POINT_N; p++)
		o.drops[p] = -1;
	o.window_ns = 1000LL * 1000000;
	o.progress = isatty(2);
	ack_cfg_default(&o.ack);
	bool json = false, skew_given = false, verbose = false;
	const char *csv_path = NULL, *bare_point = cmd == CMD_ACK ? "guest" : NULL;
	struct strpool sp = {.n = 0};
	int rc = -1, c;
	optind = 1;
	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, ":hv", LONG_OPTS, NULL)) != -1) {
		int ar = analysis_option(c, opt_name(LONG_OPTS, c), optarg, &o, &skew_given, err);
		if (ar < 0)
			goto out;
		if (ar == 0)
			continue;
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case OPT_CSV:
			csv_path = optarg;
			break;
		case OPT_CLOCK_METHOD:
			if (strcmp(optarg, "hull") == 0)
				o.clock_choice = CHOOSE_HULL;
			else if (strcmp(optarg, "probe") == 0)
				o.clock_choice = CHOOSE_PROBE;
			else if (strcmp(optarg, "regression") == 0)
				o.clock_choice = CHOOSE_REGRESSION;
			else if (strcmp(optarg, "auto") == 0)
				o.clock_choice = CHOOSE_AUTO;
			else {
				verr_set(err, VERR_INPUT,
					 "--clock-method: '%s' is not auto, hull, probe or regression",
					 optarg);
				goto out;
			}
			break;
		case 'v':
			verbose = true;
			break;
		case OPT_ALLOW_TRUNC:
			o.allow_truncated = true;
			break;
		case OPT_ACK_POINT:
			bare_point = optarg;
			break;
		case OPT_NO_PROGRESS:
			o.progress = false;
			break;
		case 'h':
			fputs(cmd == CMD_ACK	 ? ACK_USAGE
			      : cmd == CMD_DRIFT ? DRIFT_USAGE
						 : ANALYZE_USAGE,
			      stdout);
			return 0;
		case OPT_VERSION:
			printf("vocalc %s\n", vocalc_version);
			return 0;
		case ':':
			verr_set(err, VERR_INPUT, "%s: %s needs a value (see vocalc %s --help)", name,
				 argv[optind - 1], name);
			goto out;
		default:
			verr_set(err, VERR_INPUT, "%s: unknown option %s (see vocalc %s --help)", name,
				 argv[optind - 1], name);
			goto out;
		}
	}
	if (skew_given && !o.manual_clock) {
		verr_set(err, VERR_INPUT, "--guest-skew-ppm needs --guest-offset-us");
		goto out;
	}
	if (optind >= argc) {
		verr_set(err, VERR_INPUT, "%s: give POINT=FILE arguments or a run directory", name);
		goto out;
	}
	if (inputs_add(&o, optind, argc, argv, bare_point, name, &sp, err) != 0 ||
	    check_has_records(o.file, o.allow_truncated, err) != 0)
		goto out;
	if (cmd == CMD_ACK) {
		if (!(o.ack.max_us > o.ack.bin_us) || o.ack.max_us / o.ack.bin_us > 100000 ||
		    (o.ack.log_bins && !(o.ack.max_us > 1))) {
			verr_set(err, VERR_INPUT,
				 "ack: --max must exceed --bin (and 1 us with --log-bins), with at "
				 "most 100000 bins");
			goto out;
		}
		o.no_vo = true;
		o.no_rtt = !o.ack.burst_rtt;
	}
	FILE *csv = NULL;
	if (csv_path) {
		if ((csv = open_csv(csv_path, o.file, err)) == NULL)
			goto out;
		if (cmd == CMD_DRIFT) {
			o.clock_csv = csv;
			o.clock_csv_name = csv_path;
		}
		else if (cmd == CMD_ACK) {
			o.ack.on_ack = ack_print_csv_row;
			o.ack.on_ack_ctx = csv;
		} else
			o.csv = csv;
		if (cmd == CMD_ACK)
			ack_print_csv_header(csv);
	}
	int npts = 0;
	for (int p = 0; p < POINT_N; p++)
		npts += o.file[p] != NULL;
	if (cmd == CMD_ACK && npts == 1) {
		enum point p1 = POINT_GUEST;
		for (int p = 0; p < POINT_N; p++)
			if (o.file[p])
				p1 = (enum point)p;
		rc = ack_run_single(o.file[p1], p1, &o.ack, o.allow_truncated, stdout, json, err);
		goto close;
	}
	if (cmd == CMD_DRIFT && !o.file[POINT_GUEST]) {
		verr_set(err, VERR_INPUT, "drift: needs a guest capture (guest=FILE) and a host one");
		goto out;
	}
	struct analysis a;
	int ran = cmd == CMD_DRIFT ? analysis_clock(&a, &o, err) : analysis_run(&a, &o, err);
	if (ran == 0) {
		struct report_opts ro = {.fmt = json ? REPORT_JSON : REPORT_TEXT,
					 .kind = cmd == CMD_DRIFT ? REPORT_CLOCK
						 : cmd == CMD_ACK ? REPORT_ACK
								  : REPORT_ANALYSIS,
					 .verbose = verbose};
		/* the report's writers fail on a stream error, or when jansson
		 * cannot allocate (the stream is fine then) */
		ro.out_name = "standard output";
		if (report_write(stdout, &ro, &a, err) == 0)
			rc = 0;
	}
	analysis_free(&a);
close:
	if (csv && finish_output(csv, csv_path, err) != 0)
		rc = -1;
out:
	strpool_free(&sp);
	return rc;
}

static const char ONESHOT_USAGE[] =
    "usage: vocalc [OPTIONS] HOST GUEST\n"
    "Connects to HOST (the hypervisor) and GUEST (the VM) over SSH, finds the four\n"
    "capture points, captures at all of them at once, saves captures/<run-id>/ and\n"
    "reports the analysis (clock, hops, VO, RTT, ACK).  HOST and GUEST: [user@]host[:port]\n"
    "or a Host of ~/.ssh/config; HOST localhost or -: this machine, captured with libpcap.\n"
    "  -d, --duration S        capture for S seconds (default 10; Ctrl-C stops early)\n"
    "  -f, --filter EXPR       pcap filter, added to the SSH sessions' exclusion\n"
    "  -s, --snaplen N         octets kept per packet (default 192)\n"
    "  --probe-rate N          pings host -> guest per second for the clock (default 100)\n"
    "  --no-probes             no pings\n"
    "  --workload-guest CMD    run CMD on the guest during the capture (e.g. iperf3 -c ...)\n"
    "  --workload-host CMD     run CMD on the host during the capture\n"
    "  --nic IF, --bridge IF, --vnet IF, --guest-if IF   a point given, not discovered\n"
    "  -o, --out DIR           save the run in DIR (new) instead of captures/<run-id>\n"
    "  --spool                 capture into /dev/shm on each machine, fetch at the end\n"
    "  -i FILE                 identity (private key) file; repeatable\n"
    "  --known-hosts FILE      host keys to check against (default ~/.ssh/known_hosts)\n"
    "  --accept-new            add an unknown host key (a changed key is always refused)\n"
    "  --ssh-config FILE       instead of ~/.ssh/config\n"
    "  --connect-timeout S     default 10\n"
    "  --json, --guest-ip, --guest-offset-us, --guest-skew-ppm, --window-ms, --no-rtt,\n"
    "  --no-ack, --link-rate, ...   as for vocalc analyze and vocalc ack\n"
    "Exit status: 0 success, 2 usage error, 3 remote or capture failure (what arrived\n"
    "is still saved and analyzed), 4 out of memory.\n";

enum {
	OPT_DURATION = 3000,
	OPT_FILTER,
	OPT_SNAPLEN,
	OPT_PROBE_RATE,
	OPT_NO_PROBES,
	OPT_WL_GUEST,
	OPT_WL_HOST,
	OPT_NIC,
	OPT_BRIDGE,
	OPT_VNET,
	OPT_GUEST_IF,
	OPT_OUT,
	OPT_KNOWN_HOSTS,
	OPT_ACCEPT_NEW,
	OPT_SSH_CONFIG,
	OPT_CONNECT_TIMEOUT,
	OPT_SPOOL,
};

static const struct option ONESHOT_OPTS[] = {
    {"duration", required_argument, NULL, 'd'},
    {"filter", required_argument, NULL, 'f'},
    {"snaplen", required_argument, NULL, 's'},
    {"probe-rate", required_argument, NULL, OPT_PROBE_RATE},
    {"no-probes", no_argument, NULL, OPT_NO_PROBES},
    {"workload-guest", required_argument, NULL, OPT_WL_GUEST},
    {"workload-host", required_argument, NULL, OPT_WL_HOST},
    {"nic", required_argument, NULL, OPT_NIC},
    {"bridge", required_argument, NULL, OPT_BRIDGE},
    {"vnet", required_argument, NULL, OPT_VNET},
    {"guest-if", required_argument, NULL, OPT_GUEST_IF},
    {"out", required_argument, NULL, 'o'},
    {"known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS},
    {"accept-new", no_argument, NULL, OPT_ACCEPT_NEW},
    {"ssh-config", required_argument, NULL, OPT_SSH_CONFIG},
    {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
    {"spool", no_argument, NULL, OPT_SPOOL},
    ANALYSIS_LONG_OPTS,
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static const char *const COMMANDS[] = {"analyze", "drift", "rtt", "ack"};

/* Levenshtein distance of two short words (at most 31 octets used). */
static int edit_distance(const char *a, const char *b)
{
	int la = (int)strnlen(a, 31), lb = (int)strnlen(b, 31), d[32][32];
	for (int i = 0; i <= la; i++)
		d[i][0] = i;
	for (int j = 0; j <= lb; j++)
		d[0][j] = j;
	for (int i = 1; i <= la; i++)
		for (int j = 1; j <= lb; j++) {
			int sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	return d[la][lb];
}

/* Could spec be a machine to log into: HOST - or localhost, a user@ given,
 * a Host of the ssh config with a HostName, or a name or address that
 * resolves?  A malformed spec counts as one: the one-shot says what is wrong. */
static bool is_host(const char *spec, const struct ssh_opts *so)
{
	if (strcmp(spec, "-") == 0 || strcmp(spec, "localhost") == 0 || strchr(spec, '@'))
		return true;
	struct ssh_target t;
	struct verr e = {0};
	if (ssh_target_parse(spec, so, &t, &e) != 0)
		return true;
	if (strcmp(t.hostname, t.host) != 0)
		return true; /* the ssh config names the machine */
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	if (getaddrinfo(t.hostname, NULL, &hints, &res) != 0)
		return false;
	freeaddrinfo(res);
	return true;
}

/* An input of the offline commands: an existing path or POINT=FILE. */
static bool is_local_input(const char *s)
{
	struct stat st;
	const char *eq = strchr(s, '=');
	return stat(s, &st) == 0 || (eq && point_from_name(s, (unsigned)(eq - s)) >= 0);
}

/* `vocalc analyse DIR`: a first word that is no host, followed by what the
 * offline commands read (or by anything but one GUEST), is a mistyped
 * command, not a one-shot run to a host named "analyse".  True with err set. */
static bool mistyped_command(const char *word, int nwords, char **rest, const struct ssh_opts *so,
			     struct verr *err)
{
	if (nwords == 2 && !is_local_input(rest[0]))
		return false; /* HOST GUEST: the one-shot says if HOST cannot be reached */
	if (is_host(word, so))
		return false;
	const char *best = NULL;
	int bd = 3;
	for (size_t i = 0; i < sizeof COMMANDS / sizeof COMMANDS[0]; i++) {
		int dist = edit_distance(word, COMMANDS[i]);
		if (dist < bd) {
			bd = dist;
			best = COMMANDS[i];
		}
	}
	char hint[64] = "";
	if (best)
		snprintf(hint, sizeof hint, "; did you mean '%s'?", best);
	verr_set(err, VERR_INPUT,
		 "unknown command '%s' (commands: analyze, drift, rtt, ack; or HOST GUEST for a "
		 "one-shot capture; see vocalc --help)%s",
		 word, hint);
	return true;
}

/* vocalc HOST GUEST */
static int cmd_oneshot(int argc, char **argv, bool *reported, struct verr *err)
{
	struct oneshot_opts o;
	memset(&o, 0, sizeof o);
	o.duration_s = 10;
	o.snaplen = 192;
	o.probe_rate = 100;
	o.ssh.connect_timeout_s = 10;
	o.progress = isatty(2);
	struct analysis_opts ao;
	memset(&ao, 0, sizeof ao);
	for (int p = 0; p < POINT_N; p++)
		ao.drops[p] = -1;
	ao.window_ns = 1000LL * 1000000;
	ack_cfg_default(&ao.ack);
	bool skew_given = false;
	/* the command line, for the manifest (never holds a secret: keys are files) */
	static char cmdline[2048];
	cmdline[0] = '\0';
	for (int i = 0; i < argc; i++)
		snprintf(cmdline + strlen(cmdline), sizeof cmdline - strlen(cmdline), "%s%s",
			 i ? " " : "", argv[i]);
	o.cmdline = cmdline;
	int c;
	optind = 0; /* a full reset of getopt */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hd:f:s:o:i:", ONESHOT_OPTS, NULL)) != -1) {
		double v;
		int ar = analysis_option(c, opt_name(ONESHOT_OPTS, c), optarg, &ao, &skew_given, err);
		if (ar < 0)
			return -1;
		if (ar == 0)
			continue;
		switch (c) {
		case 'd':
		case 's':
		case OPT_PROBE_RATE:
		case OPT_CONNECT_TIMEOUT:
			if (parse_double(opt_name(ONESHOT_OPTS, c), optarg, &v, err) != 0)
				return -1;
			if (!(v > 0 && v <= 86400))
				return verr_set(err, VERR_INPUT, "%s: out of range: '%s'",
						opt_name(ONESHOT_OPTS, c), optarg);
			if (c == 'd')
				o.duration_s = v;
			else if (c == 's')
				o.snaplen = (int)v;
			else if (c == OPT_PROBE_RATE)
				o.probe_rate = v > 1000 ? 1000 : v;
			else
				o.ssh.connect_timeout_s = (int)(v < 1 ? 1 : v);
			break;
		case 'f': o.filter = optarg; break;
		case OPT_NO_PROBES: o.probe_rate = 0; break;
		case OPT_WL_GUEST: o.workload_guest = optarg; break;
		case OPT_WL_HOST: o.workload_host = optarg; break;
		case OPT_NIC: o.ifname[POINT_NIC] = optarg; break;
		case OPT_BRIDGE: o.ifname[POINT_BRIDGE] = optarg; break;
		case OPT_VNET: o.ifname[POINT_VNET] = optarg; break;
		case OPT_GUEST_IF: o.ifname[POINT_GUEST] = optarg; break;
		case 'o': o.out_dir = optarg; break;
		case 'i':
			if (o.ssh.nidentity == 8)
				return verr_set(err, VERR_INPUT, "-i: at most 8 identity files");
			o.ssh.identity[o.ssh.nidentity++] = optarg;
			break;
		case OPT_KNOWN_HOSTS: o.ssh.known_hosts = optarg; break;
		case OPT_ACCEPT_NEW: o.ssh.accept_new = true; break;
		case OPT_SPOOL: o.spool = true; break;
		case OPT_SSH_CONFIG: o.ssh.config = optarg; break;
		case OPT_JSON: o.json = true; break;
		case OPT_NO_PROGRESS: o.progress = false; break;
		case 'h': fputs(ONESHOT_USAGE, stdout); return 0;
		case ':':
			return verr_set(err, VERR_INPUT, "%s needs a value (see vocalc --help)",
					argv[optind - 1]);
		default:
			return verr_set(err, VERR_INPUT, "unknown option %s (see vocalc --help)",
					argv[optind - 1]);
		}
	}
	if (skew_given && !ao.manual_clock)
		return verr_set(err, VERR_INPUT, "--guest-skew-ppm needs --guest-offset-us");
	if (argc - optind >= 1 && mistyped_command(argv[optind], argc - optind, argv + optind + 1,
						   &o.ssh, err))
		return -1;
	if (argc - optind != 2)
		return verr_set(err, VERR_INPUT,
				"give HOST and GUEST (e.g. vocalc root@host1 root@vm7), or a command: "
				"analyze, drift, rtt, ack (see vocalc --help)");
	o.host = argv[optind];
	o.guest = argv[optind + 1];
	return oneshot_run(&o, &ao, stdout, reported, err);
}

/* jansson's constructors return NULL when memory runs out, and its setters
 * and appends take a NULL as nothing to add: a JSON report (or a run's
 * manifest) would lose parts silently.  Its allocations go through this,
 * which remembers a failure; main then says so (exit 4), whoever built the
 * document. */
static atomic_bool json_nomem;

static void *json_alloc(size_t n)
{
	void *p = malloc(n);
	if (p == NULL)
		atomic_store(&json_nomem, true);
	return p;
}

int main(int argc, char **argv)
{
	struct verr err = {0};
	json_set_alloc_funcs(json_alloc, free);
	/* GSL's default handler aborts; vocalc checks every GSL return instead. */
	gsl_set_error_handler_off();
	if (argc < 2) {
		fputs(USAGE, stderr);
		return VERR_INPUT;
	}
	const char *cmd = argv[1];
	int rc;
	if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
		fputs(USAGE, stdout);
		fputs("\n", stdout);
		fputs(ONESHOT_USAGE, stdout);
		rc = 0;
	} else if (strcmp(cmd, "--version") == 0) {
		printf("vocalc %s\n", vocalc_version);
		rc = 0;
	} else if (stats_cap_from_env(&err) != 0) {
		/* the exact samples per distribution before its sketch (stats.h) */
		rc = -1;
	} else if (strcmp(cmd, "analyze") == 0) {
		rc = cmd_run(CMD_ANALYZE, argc - 1, argv + 1, &err);
	} else if (strcmp(cmd, "drift") == 0) {
		rc = cmd_run(CMD_DRIFT, argc - 1, argv + 1, &err);
	} else if (strcmp(cmd, "rtt") == 0) {
		rc = cmd_rtt(argc - 1, argv + 1, &err);
	} else if (strcmp(cmd, "ack") == 0) {
		rc = cmd_run(CMD_ACK, argc - 1, argv + 1, &err);
	} else {
		bool reported = false;
		rc = cmd_oneshot(argc, argv, &reported, &err);
	}
	if (rc == 0 && atomic_load(&json_nomem))
		rc = verr_set(&err, VERR_NOMEM, "out of memory while building the JSON output "
						"(it is incomplete)");
	/* the report on stdout reached it (a full disk or a full pipe's error
	 * shows here, not as a short report and exit 0) */
	if (finish_output(stdout, "standard output", &err) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "vocalc: %s\n", err.msg);
		return err.status ? err.status : VERR_INPUT;
	}
	return 0;
}
