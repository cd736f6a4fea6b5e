/* vocalc — how much latency virtualization adds to a VM's traffic, and where.
 * main: the command line (CONTRACT.md "Commands"): the usage texts, one
 * table of every command's options, their parsing into a struct cmd_line
 * (cmd.h, whose drivers run it), and the exit status. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
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

#include "cmd.h"
#include "hostfind.h"
#include "stats.h"
#include "verr.h"
#include "version.h"

static const char USAGE[] =
    "usage: vocalc [OPTIONS] HOST GUEST   one-shot capture over SSH (options below)\n"
    "       vocalc analyze [OPTIONS] POINT=FILE POINT=FILE ... | RUN_DIR\n"
    "       vocalc drift   [OPTIONS] POINT=FILE ... | RUN_DIR\n"
    "       vocalc rtt     [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "       vocalc ack     [OPTIONS] FILE | POINT=FILE ... | RUN_DIR\n"
    "       vocalc report  [OPTIONS] POINT=FILE ... | RUN_DIR [-o report.html]\n"
    "       vocalc watch   [OPTIONS] HOST GUEST ...   continuous, to Prometheus\n"
    "       vocalc COMMAND --help   the options of one command\n"
    "       vocalc --help | --version\n"
    "\n"
    "analyze: per-hop and end-to-end (VO) latency of a VM's traffic from captures\n"
    "taken at up to four points: nic -> bridge -> vnet -> guest (any two or more).\n"
    "drift: the guest clock's offset and skew against the host's only.\n"
    "rtt: TCP-timestamp round trips per flow at each point (pping's rules).\n"
    "ack: ACK inter-arrival histograms and compression per flow and point.\n"
    "report: the analysis as one self-contained HTML page with figures (gnuplot).\n"
    "watch: the one-shot's captures kept running, a window analyzed every --interval,\n"
    "exported as Prometheus metrics, with alarms.\n"
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
    "A RUN_DIR of several guests (its manifest's \"guests\"): each guest analyzed\n"
    "on its own (its vnet and guest, the shared nic and bridge, its clock), ranked\n"
    "by VO round trip, worst first; then each guest's report.\n"
    INPUT_HELP
    "  --json                  one JSON document on stdout (CONTRACT.md schema 1)\n"
    "  --csv FILE              one row per matched packet (stamps, per-hop delays)\n"
    "  --html FILE             also the HTML report (vocalc report) to FILE\n"
    "  --plots DIR             each figure's data and gnuplot script into DIR\n"
    CLOCK_HELP
    "  --window-ms N           matching window, ms (default 1000)\n"
    "  --no-rtt                skip the TCP round trips per point (see vocalc rtt)\n"
    "  --no-ack                skip the ACK inter-arrival analysis (see vocalc ack; its\n"
    "                          options apply here too)\n"
    "  -h, --help              this text\n"
    "Exit status: 0 success, 2 usage or input error, 4 out of memory.\n";

static const char REPORT_USAGE[] =
    "usage: vocalc report [OPTIONS] POINT=FILE POINT=FILE ... | RUN_DIR [-o FILE]\n"
    "The analysis of vocalc analyze as one self-contained HTML page: per guest the\n"
    "headline, where the VO latency arises, latency CDFs per hop and end to end, the\n"
    "VO latency over time, the guest clock's pairs and fit, TCP RTT per point, ACK\n"
    "inter-arrivals and compression, the capture's facts; each figure with its table.\n"
    "Figures are drawn by gnuplot (inline SVG); without it the page has every table.\n"
    "Nothing in the page is fetched from anywhere.\n"
    INPUT_HELP
    "  -o, --out FILE          the page (default report.html; - : standard output)\n"
    "  --plots DIR             also each figure's data (NAME.dat) and gnuplot script\n"
    "                          (NAME.gp: gnuplot DIR/NAME.gp draws DIR/NAME.svg)\n"
    CLOCK_HELP
    "  --window-ms N           matching window, ms (default 1000)\n"
    "  --no-rtt, --no-ack, --bin, --max, --log-bins, --link-rate ...   as for analyze\n"
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

static const char ONESHOT_USAGE[] =
    "usage: vocalc [OPTIONS] HOST GUEST [GUEST ...] [--guest-ip ADDR | --guest-mac MAC |\n"
    "              --domain NAME ...] [--libvirt]\n"
    "Connects to HOST (the hypervisor) and GUEST (the VM) over SSH, finds the four\n"
    "capture points, captures at all of them at once, saves captures/<run-id>/ and\n"
    "reports the analysis (clock, hops, VO, RTT, ACK).  HOST and GUEST: [user@]host[:port]\n"
    "or a Host of ~/.ssh/config; HOST localhost or -: this machine, captured with libpcap.\n"
    "Several guests (of one bridge): nic and bridge captured once for all, each guest's\n"
    "vnet and guest point, a clock per guest; the guests ranked by VO, worst first, then\n"
    "each guest's report (the saved run is analyzed as vocalc analyze RUN_DIR does).\n"
    "  --guest-ip ADDR         a guest nobody logs into, found on HOST by its address\n"
    "                          (neighbour table); repeatable.  Measured from the host\n"
    "                          only: host hops, and vnet -> guest -> vnet as a round trip\n"
    "  --guest-mac MAC         the same, found by its MAC\n"
    "  --domain NAME           the same, a libvirt domain (virsh domiflist, domifaddr)\n"
    "  --libvirt               every running libvirt domain of HOST (virsh list) too\n"
    "  -d, --duration S        capture for S seconds (default 10; Ctrl-C stops early)\n"
    "  -f, --filter EXPR       pcap filter, added to the SSH sessions' exclusion\n"
    "  -s, --snaplen N         octets kept per packet (default 192)\n"
    "  --probe-rate N          pings host -> each guest per second (default 100)\n"
    "  --no-probes             no pings\n"
    "  --workload-guest CMD    run CMD on each guest logged into during the capture\n"
    "  --workload-host CMD     run CMD on the host during the capture\n"
    "  --nic IF, --bridge IF   a point given, not discovered\n"
    "  --vnet IF, --guest-if IF   the same, with one guest logged into only\n"
    "  -o, --out DIR           save the run in DIR (new) instead of captures/<run-id>\n"
    "  --html FILE             also the run's HTML report (as vocalc report RUN_DIR)\n"
    "  --plots DIR             each figure's data and gnuplot script into DIR\n"
    "  --spool                 capture into /dev/shm on each machine, fetch at the end\n"
    "  -i FILE                 identity (private key) file; repeatable\n"
    "  --known-hosts FILE      host keys to check against (default ~/.ssh/known_hosts)\n"
    "  --accept-new            add an unknown host key (a changed key is always refused)\n"
    "  --ssh-config FILE       instead of ~/.ssh/config\n"
    "  --connect-timeout S     default 10\n"
    "  --json, --guest-offset-us, --guest-skew-ppm, --window-ms, --no-rtt,\n"
    "  --no-ack, --link-rate, ...   as for vocalc analyze and vocalc ack (a manual\n"
    "                          clock with one guest logged into only)\n"
    "Exit status: 0 success, 2 usage error, 3 remote or capture failure (what arrived\n"
    "is still saved and analyzed), 4 out of memory.\n";

static const char WATCH_USAGE[] =
    "usage: vocalc watch [OPTIONS] HOST GUEST [GUEST ...] [--guest-ip ADDR | --guest-mac MAC |\n"
    "                    --domain NAME ...] [--libvirt]\n"
    "Continuous VO monitoring: the one-shot's captures (HOST - : this machine, libpcap)\n"
    "kept running and cut into windows; every window analyzed as vocalc analyze does\n"
    "(per guest: hops, VO, clock, TCP RTT per point, ACK compression) and exported.\n"
    "Runs until SIGINT or SIGTERM (nothing is left running anywhere); SIGHUP reopens --log.\n"
    "  --interval S            a window every S seconds (default 10)\n"
    "  --listen [ADDR:]PORT    serve Prometheus metrics on http://ADDR:PORT/metrics\n"
    "                          (ADDR default 127.0.0.1: give 0.0.0.0 or [::] to open it)\n"
    "  --textfile DIR          write the metrics to DIR/vocalc.prom (node_exporter's\n"
    "                          textfile collector), atomically, every window\n"
    "  --json                  one JSON line per window on stdout\n"
    "  --alarm 'GUEST:WHAT OP VALUE'   e.g. 'web1:vo.to_guest.p99>2ms', '*:clock.bound>500us'\n"
    "                          (repeatable; see vocalc(1) for every WHAT); a crossing is\n"
    "                          one line on stderr, the last --keep of captures frozen into\n"
    "                          RUN_DIR/alarms/, and --on-alarm run\n"
    "  --on-alarm CMD          run CMD (sh -c) on each crossing; the details are in its\n"
    "                          environment (VOCALC_ALARM_*), never in the command line\n"
    "  --on-alarm-timeout S    kill CMD after S seconds (default 300)\n"
    "  --keep M                minutes of captures kept on disk (default 10; also 90s, 1h)\n"
    "  --syslog                alarms to syslog too\n"
    "  --log FILE              stderr appended to FILE (reopened on SIGHUP)\n"
    "  --host-label NAME       the metrics' host label (default HOST; - : this machine's name)\n"
    "  --windows N             stop after N windows (default: never)\n"
    "  -o, --out DIR           the run directory (new; default captures/<run-id>): ring/\n"
    "                          holds the windows, alarms/ the frozen captures\n"
    "  --probe-rate N          pings host -> each guest per second (default 10)\n"
    "  the one-shot's capture, SSH and analysis options (vocalc --help) apply, but\n"
    "  --duration and --spool\n"
    "Exit status: 0 stopped by a signal, 2 usage error, 3 remote or capture failure\n"
    "at the start, 4 out of memory.\n";

/* The options of every command, in one table: getopt's tables of each
 * command are made from it (the usage texts above are written by hand:
 * their layout and wording differ per command more than a help line per
 * option could say).  Which commands accept an option is part of the
 * interface beyond the option itself: an abbreviation getopt accepts in one
 * command may be ambiguous in another (--no-p: --no-progress, and in the
 * one-shot also --no-probes). */
enum {
	FAM_ONESHOT = 1 << CMD_ONESHOT,
	FAM_ANALYZE = 1 << CMD_ANALYZE | 1 << CMD_DRIFT,
	FAM_RTT = 1 << CMD_RTT,
	FAM_ACK = 1 << CMD_ACK,
	FAM_WATCH = 1 << CMD_WATCH,
	FAM_REPORT = 1 << CMD_REPORT,
	FAM_CAPTURE = FAM_ONESHOT | FAM_WATCH, /* what and how to capture */
	FAM_OFFLINE = FAM_ANALYZE | FAM_ACK | FAM_REPORT, /* analyze, drift, ack and report
							    * share one table */
	FAM_HTML = FAM_ONESHOT | 1 << CMD_ANALYZE, /* --html FILE beside the report */
	FAM_ANALYSIS = FAM_CAPTURE | FAM_OFFLINE, /* the analysis' options */
	FAM_ALL = FAM_ANALYSIS | FAM_RTT,
};

/* getopt's values of the options without a letter (those with one: it) */
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
	OPT_POINT,
	OPT_SAMPLES,
	OPT_DATA_ONLY,
	OPT_TSVAL_AGE,
	OPT_FLOW_IDLE,
	OPT_MAX_FLOWS,
	OPT_PROBE_RATE,
	OPT_NO_PROBES,
	OPT_WL_GUEST,
	OPT_WL_HOST,
	OPT_NIC,
	OPT_BRIDGE,
	OPT_VNET,
	OPT_GUEST_IF,
	OPT_KNOWN_HOSTS,
	OPT_ACCEPT_NEW,
	OPT_SSH_CONFIG,
	OPT_CONNECT_TIMEOUT,
	OPT_SPOOL,
	OPT_GUEST_MAC,
	OPT_DOMAIN,
	OPT_LIBVIRT,
	OPT_INTERVAL,
	OPT_LISTEN,
	OPT_TEXTFILE,
	OPT_ALARM,
	OPT_ON_ALARM,
	OPT_ON_ALARM_TIMEOUT,
	OPT_KEEP,
	OPT_SYSLOG,
	OPT_LOG,
	OPT_HOST_LABEL,
	OPT_WINDOWS,
	OPT_HTML,
	OPT_PLOTS,
};

struct cli_option {
	const char *name; /* --name; NULL: a letter only */
	char letter;      /* -l; 0: none */
	bool arg;         /* takes a value */
	unsigned fam;     /* FAM_*: the commands that accept it */
	int id;           /* what getopt returns: the letter, if it has one */
};

static const struct cli_option OPTIONS[] = {
    /* the analysis: analyze, drift, ack and the one-shot */
    {"json", 0, false, FAM_ALL & ~FAM_REPORT, OPT_JSON},
    {"html", 0, true, FAM_HTML, OPT_HTML},
    {"plots", 0, true, FAM_HTML | FAM_REPORT, OPT_PLOTS},
    {"guest-ip", 0, true, FAM_ALL, OPT_GUEST_IP},
    {"guest-offset-us", 0, true, FAM_ANALYSIS, OPT_OFFSET},
    {"guest-skew-ppm", 0, true, FAM_ANALYSIS, OPT_SKEW},
    {"window-ms", 0, true, FAM_ANALYSIS, OPT_WINDOW},
    {"no-progress", 0, false, FAM_ANALYSIS, OPT_NO_PROGRESS},
    {"no-rtt", 0, false, FAM_ANALYSIS, OPT_NO_RTT},
    {"no-ack", 0, false, FAM_ANALYSIS, OPT_NO_ACK},
    /* the ACK analysis (ack_option) */
    {"bin", 0, true, FAM_ANALYSIS, OPT_BIN},
    {"max", 0, true, FAM_ANALYSIS, OPT_MAX},
    {"log-bins", 0, false, FAM_ANALYSIS, OPT_LOG_BINS},
    {"link-rate", 0, true, FAM_ANALYSIS, OPT_LINK_RATE},
    {"packet-bytes", 0, true, FAM_ANALYSIS, OPT_PACKET_BYTES},
    {"tolerance", 0, true, FAM_ANALYSIS, OPT_TOLERANCE},
    {"burst-interval", 0, true, FAM_ANALYSIS, OPT_BURST},
    {"all-acks", 0, false, FAM_ANALYSIS, OPT_ALL_ACKS},
    /* the offline commands */
    {"clock-method", 0, true, FAM_OFFLINE, OPT_CLOCK_METHOD},
    {"verbose", 'v', false, FAM_OFFLINE & ~FAM_REPORT, 'v'},
    {"csv", 0, true, (FAM_OFFLINE & ~FAM_REPORT) | FAM_RTT, OPT_CSV},
    {"allow-truncated", 0, false, FAM_OFFLINE | FAM_RTT, OPT_ALLOW_TRUNC},
    {"point", 0, true, FAM_OFFLINE | FAM_RTT, OPT_POINT},
    {"version", 0, false, FAM_OFFLINE, OPT_VERSION},
    /* vocalc rtt */
    {"samples", 0, false, FAM_RTT, OPT_SAMPLES},
    {"data-only", 0, false, FAM_RTT, OPT_DATA_ONLY},
    {"tsval-max-age", 0, true, FAM_RTT, OPT_TSVAL_AGE},
    {"flow-max-idle", 0, true, FAM_RTT, OPT_FLOW_IDLE},
    {"max-flows", 0, true, FAM_RTT, OPT_MAX_FLOWS},
    /* the one-shot */
    {"duration", 'd', true, FAM_ONESHOT, 'd'},
    {"filter", 'f', true, FAM_CAPTURE, 'f'},
    {"snaplen", 's', true, FAM_CAPTURE, 's'},
    {"probe-rate", 0, true, FAM_CAPTURE, OPT_PROBE_RATE},
    {"no-probes", 0, false, FAM_CAPTURE, OPT_NO_PROBES},
    {"workload-guest", 0, true, FAM_CAPTURE, OPT_WL_GUEST},
    {"workload-host", 0, true, FAM_CAPTURE, OPT_WL_HOST},
    {"nic", 0, true, FAM_CAPTURE, OPT_NIC},
    {"bridge", 0, true, FAM_CAPTURE, OPT_BRIDGE},
    {"vnet", 0, true, FAM_CAPTURE, OPT_VNET},
    {"guest-if", 0, true, FAM_CAPTURE, OPT_GUEST_IF},
    {"out", 'o', true, FAM_CAPTURE | FAM_REPORT, 'o'},
    {NULL, 'i', true, FAM_CAPTURE, 'i'},
    {"known-hosts", 0, true, FAM_CAPTURE, OPT_KNOWN_HOSTS},
    {"accept-new", 0, false, FAM_CAPTURE, OPT_ACCEPT_NEW},
    {"ssh-config", 0, true, FAM_CAPTURE, OPT_SSH_CONFIG},
    {"connect-timeout", 0, true, FAM_CAPTURE, OPT_CONNECT_TIMEOUT},
    {"spool", 0, false, FAM_ONESHOT, OPT_SPOOL},
    {"guest-mac", 0, true, FAM_CAPTURE, OPT_GUEST_MAC},
    {"domain", 0, true, FAM_CAPTURE, OPT_DOMAIN},
    {"libvirt", 0, false, FAM_CAPTURE, OPT_LIBVIRT},
    /* vocalc watch */
    {"interval", 0, true, FAM_WATCH, OPT_INTERVAL},
    {"listen", 0, true, FAM_WATCH, OPT_LISTEN},
    {"textfile", 0, true, FAM_WATCH, OPT_TEXTFILE},
    {"alarm", 0, true, FAM_WATCH, OPT_ALARM},
    {"on-alarm", 0, true, FAM_WATCH, OPT_ON_ALARM},
    {"on-alarm-timeout", 0, true, FAM_WATCH, OPT_ON_ALARM_TIMEOUT},
    {"keep", 0, true, FAM_WATCH, OPT_KEEP},
    {"syslog", 0, false, FAM_WATCH, OPT_SYSLOG},
    {"log", 0, true, FAM_WATCH, OPT_LOG},
    {"host-label", 0, true, FAM_WATCH, OPT_HOST_LABEL},
    {"windows", 0, true, FAM_WATCH, OPT_WINDOWS},
    {"help", 'h', false, FAM_ALL, 'h'},
};
enum { N_OPTIONS = sizeof OPTIONS / sizeof OPTIONS[0] };

/* The commands: the word that names each, its usage text. */
static const struct {
	const char *name;
	const char *usage;
} COMMAND[CMD_N] = {
    [CMD_ONESHOT] = {NULL, ONESHOT_USAGE}, [CMD_ANALYZE] = {"analyze", ANALYZE_USAGE},
    [CMD_DRIFT] = {"drift", DRIFT_USAGE},  [CMD_RTT] = {"rtt", RTT_USAGE},
    [CMD_ACK] = {"ack", ACK_USAGE},        [CMD_REPORT] = {"report", REPORT_USAGE},
    [CMD_WATCH] = {"watch", WATCH_USAGE},
};

/* getopt_long's tables of command kind: long (N_OPTIONS + 1 entries) and
 * the letters (":" first: a missing value is told from an unknown option). */
static void getopt_tables(enum cmd_kind kind, struct option *lo, char *letters)
{
	int n = 0, k = 0;
	letters[k++] = ':';
	for (int i = 0; i < N_OPTIONS; i++) {
		const struct cli_option *o = &OPTIONS[i];
		if (!(o->fam & (1u << kind)))
			continue;
		if (o->name)
			lo[n++] = (struct option){o->name, o->arg ? required_argument : no_argument,
						  NULL, o->id};
		if (o->letter) {
			letters[k++] = o->letter;
			if (o->arg)
				letters[k++] = ':';
		}
	}
	lo[n] = (struct option){NULL, 0, NULL, 0};
	letters[k] = '\0';
}

/* "--name" of the option getopt returned as c ("-c" if it has no name):
 * argv[optind - 1] is the option's value, not its name, when the value
 * came as a separate word. */
static const char *opt_name(int c)
{
	static char buf[64];
	for (int i = 0; i < N_OPTIONS; i++)
		if (OPTIONS[i].id == c && OPTIONS[i].name) {
			snprintf(buf, sizeof buf, "--%s", OPTIONS[i].name);
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

/* The defaults of command kind, before its options: each module's own
 * (analysis_opts_default, rtt_run_opts_default) and the command line's. */
static void cmd_line_default(struct cmd_line *cl, enum cmd_kind kind)
{
	memset(cl, 0, sizeof *cl);
	cl->kind = kind;
	cl->name = COMMAND[kind].name;
	analysis_opts_default(&cl->analysis);
	rtt_run_opts_default(&cl->rtt);
	oneshot_opts_default(&cl->oneshot);
	/* analyze, drift and ack show their progress on a terminal; the
	 * one-shot its capture's, not the analysis' */
	cl->analysis.progress = ((1u << kind) & FAM_OFFLINE) && isatty(2);
	if (kind == CMD_ACK || kind == CMD_RTT)
		cl->bare_point = "guest";
	if (kind == CMD_REPORT)
		cl->html_path = "report.html";
	if (kind == CMD_WATCH) {
		watch_opts_default(&cl->watch);
		cl->oneshot.probe_rate = cl->watch.os.probe_rate;
		cl->oneshot.progress = false;
	}
}

/* --keep: minutes, or a number with a unit s, m or h. */
static int parse_keep(const char *arg, double *s, struct verr *err)
{
	char *end;
	errno = 0;
	double v = strtod(arg, &end);
	double unit = *end == '\0' || strcmp(end, "m") == 0 ? 60 : strcmp(end, "s") == 0 ? 1
		      : strcmp(end, "h") == 0 ? 3600 : 0;
	if (end == arg || errno || unit == 0 || !(v > 0) || v * unit > 7 * 86400)
		return verr_set(err, VERR_INPUT,
				"--keep: not a duration of up to 7 days (minutes, or 90s, 10m, 1h): '%s'",
				arg);
	*s = v * unit;
	return 0;
}

/* vocalc watch's own options into cl->watch. */
static int watch_option(int c, const char *arg, struct cmd_line *cl, struct verr *err)
{
	struct watch_opts *w = &cl->watch;
	double v;
	switch (c) {
	case OPT_LISTEN: w->listen = arg; return 0;
	case OPT_TEXTFILE: w->textfile_dir = arg; return 0;
	case OPT_ON_ALARM: w->on_alarm = arg; return 0;
	case OPT_SYSLOG: w->syslog = true; return 0;
	case OPT_LOG: w->log_path = arg; return 0;
	case OPT_HOST_LABEL: w->host_label = arg; return 0;
	case OPT_KEEP: return parse_keep(arg, &w->keep_s, err);
	case OPT_ALARM:
		if (w->nalarm == WATCH_MAX_ALARMS)
			return verr_set(err, VERR_INPUT, "--alarm: at most %d", WATCH_MAX_ALARMS);
		return alarm_parse(arg, &w->alarm[w->nalarm++], err);
	default: break;
	}
	if (parse_double(opt_name(c), arg, &v, err) != 0)
		return -1;
	if (c == OPT_INTERVAL && !(v >= 1 && v <= 3600))
		return verr_set(err, VERR_INPUT, "--interval: 1 to 3600 s, got '%s'", arg);
	if (c == OPT_ON_ALARM_TIMEOUT && !(v > 0 && v <= 86400))
		return verr_set(err, VERR_INPUT, "--on-alarm-timeout: out of range: '%s'", arg);
	if (c == OPT_WINDOWS && !(v >= 1 && v <= 1e9 && v == floor(v)))
		return verr_set(err, VERR_INPUT, "--windows: a count from 1: '%s'", arg);
	if (c == OPT_INTERVAL)
		w->interval_s = v;
	else if (c == OPT_ON_ALARM_TIMEOUT)
		w->on_alarm_limit_s = v;
	else
		w->windows = v;
	return 0;
}

/* A value of the ACK analysis into o->ack. */
static int ack_option(int c, const char *arg, struct ack_cfg *o, struct verr *err)
{
	const char *opt = opt_name(c);
	double v = 0;
	switch (c) {
	case OPT_LOG_BINS: o->log_bins = true; return 0;
	case OPT_ALL_ACKS: o->all_acks = true; return 0;
	case OPT_LINK_RATE:
		if (ack_parse_rate(arg, &o->link_rate_bps) != 0)
			return verr_set(err, VERR_INPUT,
					"--link-rate: not a rate in bit/s: '%s' (e.g. 100M, 1G)", arg);
		return 0;
	case OPT_BURST:
		if (strcmp(arg, "rtt") == 0) {
			o->burst_rtt = true;
			return 0;
		}
		break;
	}
	if (parse_double(opt, arg, &v, err) != 0)
		return -1;
	if (c == OPT_TOLERANCE ? !(v >= 0 && v < 1) : !(v > 0 && v < 1e9))
		return verr_set(err, VERR_INPUT, "%s: out of range: '%s'", opt, arg);
	if (c == OPT_BIN)
		o->bin_us = v;
	else if (c == OPT_MAX)
		o->max_us = v;
	else if (c == OPT_PACKET_BYTES)
		o->packet_bytes = v;
	else if (c == OPT_TOLERANCE)
		o->tolerance = v;
	else
		o->burst_ms = v;
	return 0;
}

/* A value of the analysis (but the ACK's) into o. */
static int analysis_option(int c, const char *arg, struct analysis_opts *o, struct verr *err)
{
	double v;
	switch (c) {
	case OPT_GUEST_IP: return add_guest_ip(&o->guest_ips, arg, err);
	case OPT_OFFSET:
		if (parse_double("--guest-offset-us", arg, &o->offset_us, err) != 0)
			return -1;
		o->manual_clock = true;
		return 0;
	case OPT_SKEW: return parse_double("--guest-skew-ppm", arg, &o->skew_ppm, err);
	case OPT_WINDOW:
		if (parse_double("--window-ms", arg, &v, err) != 0)
			return -1;
		if (!(v > 0 && v <= 2000))
			return verr_set(err, VERR_INPUT, "--window-ms: must be in (0, 2000], got %s", arg);
		o->window_ns = (int64_t)(v * 1e6);
		return 0;
	default: /* OPT_CLOCK_METHOD */
		if (strcmp(arg, "hull") == 0)
			o->clock_choice = CHOOSE_HULL;
		else if (strcmp(arg, "probe") == 0)
			o->clock_choice = CHOOSE_PROBE;
		else if (strcmp(arg, "regression") == 0)
			o->clock_choice = CHOOSE_REGRESSION;
		else if (strcmp(arg, "auto") == 0)
			o->clock_choice = CHOOSE_AUTO;
		else
			return verr_set(err, VERR_INPUT,
					"--clock-method: '%s' is not auto, hull, probe or regression",
					arg);
		return 0;
	}
}

/* A limit of vocalc rtt's trackers (rtt.h) into cfg. */
static int rtt_option(int c, const char *arg, struct rtt_cfg *cfg, struct verr *err)
{
	double v;
	if (parse_double(opt_name(c), arg, &v, err) != 0)
		return -1;
	if (!(v > 0))
		return verr_set(err, VERR_INPUT, "%s: must be positive", opt_name(c));
	if (c == OPT_TSVAL_AGE)
		cfg->tsval_max_age_ns = (int64_t)(v * 1e9);
	else if (c == OPT_FLOW_IDLE)
		cfg->flow_max_idle_ns = (int64_t)(v * 1e9);
	else
		cfg->max_flows = v > 1e9 ? 1000000000u : (uint32_t)v;
	return 0;
}

/* A number of the one-shot: seconds, octets or pings per second. */
static int oneshot_number(int c, const char *arg, struct oneshot_opts *o, struct verr *err)
{
	double v;
	if (parse_double(opt_name(c), arg, &v, err) != 0)
		return -1;
	if (!(v > 0 && v <= 86400))
		return verr_set(err, VERR_INPUT, "%s: out of range: '%s'", opt_name(c), arg);
	if (c == 'd')
		o->duration_s = v;
	else if (c == 's')
		o->snaplen = (int)v;
	else if (c == OPT_PROBE_RATE)
		o->probe_rate = v > 1000 ? 1000 : v;
	else
		o->ssh.connect_timeout_s = (int)(v < 1 ? 1 : v);
	return 0;
}

/* The one-shot's words into o (those with a value of their own: above). */
static int oneshot_option(int c, const char *arg, struct oneshot_opts *o, struct verr *err)
{
	switch (c) {
	case 'f': o->filter = arg; break;
	case OPT_NO_PROBES: o->probe_rate = 0; break;
	case OPT_WL_GUEST: o->workload_guest = arg; break;
	case OPT_WL_HOST: o->workload_host = arg; break;
	case OPT_NIC: o->ifname[POINT_NIC] = arg; break;
	case OPT_BRIDGE: o->ifname[POINT_BRIDGE] = arg; break;
	case OPT_VNET: o->ifname[POINT_VNET] = arg; break;
	case OPT_GUEST_IF: o->ifname[POINT_GUEST] = arg; break;
	case 'o': o->out_dir = arg; break;
	case 'i':
		if (o->ssh.nidentity == 8)
			return verr_set(err, VERR_INPUT, "-i: at most 8 identity files");
		o->ssh.identity[o->ssh.nidentity++] = arg;
		break;
	case OPT_KNOWN_HOSTS: o->ssh.known_hosts = arg; break;
	case OPT_ACCEPT_NEW: o->ssh.accept_new = true; break;
	case OPT_SPOOL: o->spool = true; break;
	case OPT_SSH_CONFIG: o->ssh.config = arg; break;
	default: return oneshot_number(c, arg, o, err);
	}
	return 0;
}

/* A guest nobody logs into, of the one-shot (--guest-ip ADDR, --guest-mac
 * MAC): checked here, kept as "ip=ADDR" or "mac=MAC" (lower case). */
static int nologin_guest(struct cmd_line *cl, int c, const char *arg, struct verr *err)
{
	struct oneshot_opts *o = &cl->oneshot;
	char *buf = cl->nologin_buf[o->nnologin];
	if (o->nguests + o->nnologin >= ONESHOT_MAX_GUESTS)
		return verr_set(err, VERR_INPUT, "%s: at most %d guests in one run", opt_name(c),
				ONESHOT_MAX_GUESTS);
	if (c == OPT_GUEST_IP) {
		struct addrset one = {.n = 0};
		if (strlen(arg) > 45 || addrset_add_str(&one, arg) != 0)
			return verr_set(err, VERR_INPUT,
					"--guest-ip: not an IPv4 or IPv6 address: '%s'", arg);
		snprintf(buf, sizeof cl->nologin_buf[0], "ip=%s", arg);
	} else if (c == OPT_DOMAIN) {
		if (!hostfind_safe_name(arg))
			return verr_set(err, VERR_INPUT,
					"--domain: not a libvirt domain name (1 to 63 of A-Z a-z 0-9 . _ "
					"+ : @ -): '%s'",
					arg);
		snprintf(buf, sizeof cl->nologin_buf[0], "dom=%s", arg);
	} else {
		unsigned b[6];
		char tail;
		if (strlen(arg) != 17 ||
		    sscanf(arg, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
			   &tail) != 6)
			return verr_set(err, VERR_INPUT,
					"--guest-mac: not a MAC address (aa:bb:cc:dd:ee:ff): '%s'", arg);
		snprintf(buf, sizeof cl->nologin_buf[0], "mac=%02x:%02x:%02x:%02x:%02x:%02x", b[0],
			 b[1], b[2], b[3], b[4], b[5]);
	}
	for (int i = 0; i < o->nnologin; i++)
		if (strcmp(o->nologin[i], buf) == 0)
			return verr_set(err, VERR_INPUT, "%s %s: given twice", opt_name(c), arg);
	o->nologin[o->nnologin++] = buf;
	return 0;
}

/* Option c (getopt's value) with its value arg into cl.  *skew_given:
 * --guest-skew-ppm seen (it needs --guest-offset-us, anywhere). */
static int apply_option(struct cmd_line *cl, int c, const char *arg, bool *skew_given,
			struct verr *err)
{
	switch (c) {
	case OPT_JSON: cl->json = true; return 0;
	case OPT_CSV: cl->csv_path = arg; return 0;
	case OPT_HTML: cl->html_path = arg; return 0;
	case OPT_PLOTS: cl->plots_dir = arg; return 0;
	case 'o':
		if (cl->kind != CMD_REPORT)
			return oneshot_option(c, arg, &cl->oneshot, err);
		cl->html_path = arg;
		return 0;
	case OPT_POINT: cl->bare_point = arg; return 0;
	case 'v': cl->verbose = true; return 0;
	case OPT_SAMPLES: cl->samples = true; return 0;
	case OPT_NO_PROGRESS: cl->analysis.progress = cl->oneshot.progress = false; return 0;
	case OPT_ALLOW_TRUNC: cl->analysis.allow_truncated = true; return 0;
	case OPT_NO_RTT: cl->analysis.no_rtt = true; return 0;
	case OPT_NO_ACK: cl->analysis.no_ack = true; return 0;
	case OPT_INTERVAL:
	case OPT_LISTEN:
	case OPT_TEXTFILE:
	case OPT_ALARM:
	case OPT_ON_ALARM:
	case OPT_ON_ALARM_TIMEOUT:
	case OPT_KEEP:
	case OPT_SYSLOG:
	case OPT_LOG:
	case OPT_HOST_LABEL:
	case OPT_WINDOWS: return watch_option(c, arg, cl, err);
	case OPT_GUEST_IP:
		if (cl->kind == CMD_ONESHOT || cl->kind == CMD_WATCH)
			return nologin_guest(cl, c, arg, err);
		return analysis_option(c, arg, &cl->analysis, err);
	case OPT_GUEST_MAC:
	case OPT_DOMAIN: return nologin_guest(cl, c, arg, err);
	case OPT_LIBVIRT: cl->oneshot.libvirt = true; return 0;
	case OPT_SKEW: *skew_given = true; /* fall through */
	case OPT_OFFSET:
	case OPT_WINDOW:
	case OPT_CLOCK_METHOD: return analysis_option(c, arg, &cl->analysis, err);
	case OPT_BIN:
	case OPT_MAX:
	case OPT_LOG_BINS:
	case OPT_LINK_RATE:
	case OPT_PACKET_BYTES:
	case OPT_TOLERANCE:
	case OPT_BURST:
	case OPT_ALL_ACKS: return ack_option(c, arg, &cl->analysis.ack, err);
	case OPT_DATA_ONLY: cl->rtt.cfg.data_only = true; return 0;
	case OPT_TSVAL_AGE:
	case OPT_FLOW_IDLE:
	case OPT_MAX_FLOWS: return rtt_option(c, arg, &cl->rtt.cfg, err);
	default: return oneshot_option(c, arg, &cl->oneshot, err);
	}
}

/* The word to name for an option getopt did not take (returned c): the
 * letter itself when it was unknown among short options, for an unknown
 * letter inside a group ("-xd") leaves getopt's index on the group, so
 * argv[optind - 1] is the word before it; else that word. */
static const char *misused_word(char **argv, int c)
{
	static char letter[3];
	const char *w = argv[optind - 1];
	if (c == '?' && optopt > ' ' && optopt < 127 && strncmp(w, "--", 2) != 0) {
		snprintf(letter, sizeof letter, "-%c", optopt);
		return letter;
	}
	return w;
}

/* An option getopt did not take: its value missing (missing) or unknown,
 * in the words of each command. */
static int misuse(enum cmd_kind kind, bool missing, const char *word, struct verr *err)
{
	const char *name = COMMAND[kind].name;
	if (kind == CMD_ONESHOT)
		return missing ? verr_set(err, VERR_INPUT, "%s needs a value (see vocalc --help)", word)
			       : verr_set(err, VERR_INPUT, "unknown option %s (see vocalc --help)",
					  word);
	if (kind == CMD_RTT)
		return missing ? verr_set(err, VERR_INPUT, "rtt: %s needs a value", word)
			       : verr_set(err, VERR_INPUT,
					  "rtt: unknown option %s (see vocalc rtt --help)", word);
	return missing ? verr_set(err, VERR_INPUT, "%s: %s needs a value (see vocalc %s --help)",
				  name, word, name)
		       : verr_set(err, VERR_INPUT, "%s: unknown option %s (see vocalc %s --help)",
				  name, word, name);
}

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
	for (int k = CMD_ANALYZE; k < CMD_N; k++) {
		int dist = edit_distance(word, COMMAND[k].name);
		if (dist < bd) {
			bd = dist;
			best = COMMAND[k].name;
		}
	}
	char hint[64] = "";
	if (best)
		snprintf(hint, sizeof hint, "; did you mean '%s'?", best);
	verr_set(err, VERR_INPUT,
		 "unknown command '%s' (commands: analyze, drift, rtt, ack, report, watch; or HOST GUEST "
		 "for a "
		 "one-shot capture; see vocalc --help)%s",
		 word, hint);
	return true;
}

/* HOST and the guests logged into, of the one-shot: no guest twice, and a
 * run of several guests takes no option that is for one guest's points. */
static int oneshot_guests(struct cmd_line *cl, struct verr *err)
{
	struct oneshot_opts *o = &cl->oneshot;
	o->host = cl->words[0];
	if (cl->nwords - 1 + o->nnologin > ONESHOT_MAX_GUESTS)
		return verr_set(err, VERR_INPUT, "at most %d guests in one run (%d given)",
				ONESHOT_MAX_GUESTS, cl->nwords - 1 + o->nnologin);
	for (int i = 1; i < cl->nwords; i++) {
		for (int j = 1; j < i; j++)
			if (strcmp(cl->words[i], cl->words[j]) == 0)
				return verr_set(err, VERR_INPUT, "guest %s: given twice", cl->words[i]);
		o->guest[o->nguests++] = cl->words[i];
	}
	int n = o->nguests + o->nnologin;
	const char *one = o->ifname[POINT_VNET]	    ? "--vnet"
			  : o->ifname[POINT_GUEST]   ? "--guest-if"
			  : cl->analysis.manual_clock ? "--guest-offset-us"
						      : NULL;
	if (one && (n > 1 || o->nnologin > 0 || o->libvirt))
		return verr_set(err, VERR_INPUT,
				"%s is for one guest logged into; this run has %d guest%s%s", one, n,
				n == 1 ? "" : "s", o->nnologin ? " (some not logged into)" : "");
	return 0;
}

/* The words after the options: the inputs of the offline commands, HOST
 * GUEST of the one-shot (or a command mistyped). */
static int take_words(struct cmd_line *cl, int argc, char **argv, struct verr *err)
{
	cl->words = argv + optind;
	cl->nwords = argc - optind;
	switch (cl->kind) {
	case CMD_ONESHOT:
		if (cl->nwords >= 1 &&
		    mistyped_command(cl->words[0], cl->nwords, cl->words + 1, &cl->oneshot.ssh, err))
			return -1;
		if (cl->nwords < 1 ||
		    (cl->nwords == 1 && cl->oneshot.nnologin == 0 && !cl->oneshot.libvirt))
			return verr_set(err, VERR_INPUT,
					"give HOST and GUEST (e.g. vocalc root@host1 root@vm7), or a "
					"command: analyze, drift, rtt, ack (see vocalc --help)");
		return oneshot_guests(cl, err);
	case CMD_WATCH:
		if (cl->nwords < 1 ||
		    (cl->nwords == 1 && cl->oneshot.nnologin == 0 && !cl->oneshot.libvirt))
			return verr_set(err, VERR_INPUT,
					"watch: give HOST and GUEST (e.g. vocalc watch --listen 9727 "
					"root@host1 root@vm7; see vocalc watch --help)");
		if (!cl->watch.listen && !cl->watch.textfile_dir && !cl->json &&
		    cl->watch.nalarm == 0)
			return verr_set(err, VERR_INPUT,
					"watch: nothing would come out: give --listen, --textfile, "
					"--json or --alarm");
		return oneshot_guests(cl, err);
	case CMD_RTT:
		if (cl->samples && cl->json)
			return verr_set(err, VERR_INPUT,
					"rtt: --samples and --json both want stdout; choose one");
		if (cl->nwords == 0)
			return verr_set(err, VERR_INPUT,
					"rtt: give a capture FILE or POINT=FILE arguments");
		return 0;
	default:
		if (cl->nwords == 0)
			return verr_set(err, VERR_INPUT,
					"%s: give POINT=FILE arguments or a run directory", cl->name);
		return 0;
	}
}

static void append(char *buf, size_t size, const char *s)
{
	size_t n = strlen(buf);
	snprintf(buf + n, size - n, "%s", s);
}

/* w as one shell word: as it is when it needs no quoting, else in single
 * quotes (a quote in it as '\''). */
static void append_quoted(char *buf, size_t size, const char *w)
{
	bool plain = *w != 0;
	for (const char *c = w; *c; c++)
		plain &= (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			 (*c >= '0' && *c <= '9') || strchr("@%+=:,./_-", *c);
	if (plain) {
		append(buf, size, w);
		return;
	}
	append(buf, size, "'");
	for (const char *c = w; *c; c++) {
		char one[2] = {*c, 0};
		append(buf, size, *c == '\'' ? "'\\''" : one);
	}
	append(buf, size, "'");
}

/* The command line of command kind (argv[0]: the command word, or the
 * program for the one-shot) into cl.  0: run it; 1: done (--help or
 * --version printed); -1 with err set. */
static int parse_command_line(enum cmd_kind kind, int argc, char **argv, struct cmd_line *cl,
			      struct verr *err)
{
	cmd_line_default(cl, kind);
	/* for the manifest and the HTML page (never holds a secret: keys are
	 * files), each word quoted as a shell would need it to paste it back */
	snprintf(cl->cmdline, sizeof cl->cmdline, "%s", kind == CMD_ONESHOT ? "" : "vocalc ");
	for (int i = 0; i < argc; i++) {
		if (i)
			append(cl->cmdline, sizeof cl->cmdline, " ");
		append_quoted(cl->cmdline, sizeof cl->cmdline, argv[i]);
	}
	if (kind == CMD_ONESHOT || kind == CMD_WATCH)
		cl->oneshot.cmdline = cl->cmdline;
	struct option lo[N_OPTIONS + 1];
	char letters[2 * N_OPTIONS + 2];
	getopt_tables(kind, lo, letters);
	bool skew_given = false;
	int c;
	optind = 0; /* a full reset of getopt */
	opterr = 0; /* our own one-line messages */
	while ((c = getopt_long(argc, argv, letters, lo, NULL)) != -1) {
		if (c == 'h') {
			fputs(COMMAND[kind].usage, stdout);
			return 1;
		}
		if (c == OPT_VERSION) {
			printf("vocalc %s\n", vocalc_version);
			return 1;
		}
		if (c == ':' || c == '?')
			return misuse(kind, c == ':', misused_word(argv, c), err);
		if (apply_option(cl, c, optarg, &skew_given, err) != 0)
			return -1;
	}
	if (skew_given && !cl->analysis.manual_clock)
		return verr_set(err, VERR_INPUT, "--guest-skew-ppm needs --guest-offset-us");
	return take_words(cl, argc, argv, err);
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
	const char *word = argv[1];
	int rc;
	if (strcmp(word, "-h") == 0 || strcmp(word, "--help") == 0) {
		fputs(USAGE, stdout);
		fputs("\n", stdout);
		fputs(ONESHOT_USAGE, stdout);
		rc = 0;
	} else if (strcmp(word, "--version") == 0) {
		printf("vocalc %s\n", vocalc_version);
		rc = 0;
	} else if (stats_cap_from_env(&err) != 0) {
		/* the exact samples per distribution before its sketch (stats.h) */
		rc = -1;
	} else {
		/* a command word, else HOST GUEST: the one-shot reads the whole line */
		enum cmd_kind kind = CMD_ONESHOT;
		for (int k = CMD_ANALYZE; k < CMD_N; k++)
			if (strcmp(word, COMMAND[k].name) == 0)
				kind = (enum cmd_kind)k;
		int skip = kind == CMD_ONESHOT ? 0 : 1;
		struct cmd_line cl;
		rc = parse_command_line(kind, argc - skip, argv + skip, &cl, &err);
		if (rc == 0)
			rc = cmd_exec(&cl, &err);
		else if (rc == 1)
			rc = 0;
	}
	if (rc == 0 && atomic_load(&json_nomem))
		rc = verr_set(&err, VERR_NOMEM, "out of memory while building the JSON output "
						"(it is incomplete)");
	/* the report on stdout reached it (a full disk or a full pipe's error
	 * shows here, not as a short report and exit 0) */
	if (cmd_finish_output(stdout, "standard output", &err) != 0)
		rc = -1;
	if (rc != 0) {
		fprintf(stderr, "vocalc: %s\n", err.msg);
		return err.status ? err.status : VERR_INPUT;
	}
	return 0;
}
