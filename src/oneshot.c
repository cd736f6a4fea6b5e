/* oneshot — see oneshot.h.
 *
 * The run is a sequence of phases over one context (struct run): connect,
 * discover (the sides, then the points), prepare (filter, run directory,
 * the first manifest), start (captures, then probes and workloads), the
 * timed run, stop (which also undoes a start cut short), fetch, save,
 * analyze.  Each capture point is driven through its backend's operations
 * (struct cap_ops): tcpdump over an SSH channel (streamed, or spooled to
 * the remote tmpfs and fetched at the end), or libpcap here (localcap.h)
 * when HOST is this machine.  The phases never ask which backend a point
 * has: the choice is made once, when the point is discovered. */
#include "oneshot.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "hostfind.h"
#include "localcap.h"
#include "manifest.h"
#include "pcapsplit.h"
#include "reader.h"
#include "report.h"
#include "version.h"

/* Side 0 is the host; side 1 + i the i-th guest logged into. */
enum { HOST_SIDE = 0, MAX_SIDES = 1 + ONESHOT_MAX_GUESTS };
/* Captures: nic and bridge, then per guest its vnet and (logged into) its
 * guest point.  Jobs: a probe per guest, the workloads. */
enum { MAX_CAPS = 2 + 2 * ONESHOT_MAX_GUESTS, MAX_JOBS = 2 + 2 * ONESHOT_MAX_GUESTS,
       MAX_PIDS = MAX_CAPS + MAX_JOBS };

/* A side heard from not for this long (its watchdogs write every second) is
 * taken as stalled. */
enum { STALL_S = 5 };

struct side {
	struct ssh_conn *c; /* NULL: this machine (HOST given as localhost or -) */
	const char *spec;
	char sudo[16]; /* "" or "sudo -n " */
	char conn[256]; /* $SSH_CONNECTION: client ip, port, server ip, port */
};

/* The state of a capture made by tcpdump over an SSH channel. */
struct cap_ssh {
	struct ssh_stream *st; /* the guarded tcpdump: its pcap (streamed), its stderr */
	FILE *f;               /* the capture file here */
	char spool[128];       /* --spool: the capture file on the remote tmpfs */
	int write_errno;       /* writing the capture file failed (disk full): nothing more is kept */
};

struct cap_ops;

/* One capture point: what the manifest records, and its backend. */
struct cap {
	enum point p;
	int side;
	int guest;       /* the guest a vnet or guest point is of; -1: shared (nic, bridge) */
	char ifname[64];
	char path[1200]; /* the run directory (1024), "/", the point, ".pcap" (watch: a window's) */
	uint64_t bytes;  /* octets in the capture file so far */
	long drops;      /* the kernel's count, -1 unknown */
	long pid;        /* the process to signal on its side; 0: none, or not known yet */
	bool begun;      /* its backend's start succeeded */
	bool failed;     /* incomplete (the manifest says so) */
	bool empty;      /* a shared point of a run of several guests that caught no packet */
	const struct cap_ops *ops;
	/* vocalc watch: the stream cut into windows (pcapsplit.h), the
	 * capture's file name in each window's directory, and its state */
	struct pcapsplit split;
	char base[64];
	uint64_t wbase;      /* the window the splitter was opened in */
	bool down;           /* not capturing: failed, a restart is due at */
	double restart_at, backoff, up_since;
	double down_s;       /* seconds down in the window being written */
	double down_from;    /* mono() when it went down */
	bool w_failed;       /* went down in the window being written */
	uint64_t restarts;
	long drops_base;     /* drops of its earlier runs (restarted), and its current run's */
	long drops_now;
	bool unarmed;        /* its stream is ahead of the wall clock: its next cut waits */
	bool cut_failed;     /* arming the next cut failed (set inside a feed) */
	struct run *run;     /* for the splitter's callback */
	uint64_t seen_records; /* its last packet's stamp and the wall clock when it came */
	int64_t seen_stamp, seen_wall;
	union {
		struct cap_ssh ssh;
		struct localcap *lc;
	} be;
};

struct job { /* a probe or workload left running */
	int side;
	struct ssh_stream *st;
	pid_t local; /* run here instead */
	long pid;
	const char *what;
};

/* One guest of the run. */
struct guest {
	const char *name; /* as given: [user@]host[:port], or the address or MAC */
	int side;         /* its SSH session; -1: nobody logs into it */
	const char *key;  /* not logged into: "ip=ADDR" or "mac=MAC" */
	char mac[64], addrs[256]; /* its MAC and addresses (space-separated) */
	char tag[16];     /* its files' prefix in a run of several: "g1" ... */
	char found[2048]; /* what its discovery said on the guest (dev, mac, addrs) */
	struct hostfind_guest hf; /* and on the host (hostfind.h: tap, bridge, nic) */
	char domain[64];  /* its libvirt domain, if it came from libvirt */
};

/* Everything one run holds, passed down through its phases. */
struct run {
	const struct oneshot_opts *o;
	struct analysis_opts *ao;
	bool local; /* HOST is this machine */
	bool multi; /* a run of several guests (or of one nobody logs into) */
	struct side side[MAX_SIDES];
	int nside;
	struct guest guest[ONESHOT_MAX_GUESTS];
	int nguest;
	struct cap caps[MAX_CAPS];
	int ncap;
	struct job jobs[MAX_JOBS];
	int njob;
	char dir[1024];              /* the run's directory */
	char filt[8192], qf[8400];   /* the capture filter, and quoted for a shell */
	int limit;                   /* s: a remote command ends by itself by then */
	struct timespec wall0, wall1; /* the timed run's start and stop (0 if it never ran) */
	struct sigaction old_int, old_term, old_hup;
	char data[65536];            /* what a stream brought, on its way to a file */
	/* vocalc watch (NULL: a one-shot run): the windows */
	const struct oneshot_watch *w;
	char ring[1040];             /* the windows' directory: ring/00000001 ... */
	int64_t end1_ns;             /* the end of window 0 (unix ns); window k ends k intervals on */
};

/* A capture backend (libpcap's read_op, stats_op, cleanup_op are the
 * model).  The phases call each operation on every point in turn, in this
 * order; an operation that has nothing to do for its backend does nothing.
 * Errors go to err (the first one set wins) and are marked on the point
 * (failed) by the phase that asked. */
struct cap_ops {
	/* Starts capturing into c->path (which must not exist).  0, or -1 with
	 * err set. */
	int (*start)(struct cap *c, struct run *r, struct verr *err);
	/* Moves what arrived into the file (c->bytes counts what it holds, the
	 * progress); learns c->pid.  True while more may come. */
	bool (*pump)(struct cap *c, struct run *r);
	/* After a pump, once started: 1 listening, 0 not yet, -1 with err set
	 * if it never will. */
	int (*started)(struct cap *c, struct run *r, struct verr *err);
	/* While running, after a pump: true with err set if it failed. */
	bool (*failed)(struct cap *c, struct run *r, struct verr *err);
	/* After the TERM to c->pid and before the drain: ends a capture that
	 * runs here; its drops and octets are known then. */
	void (*stop)(struct cap *c);
	/* After the drain: how it ended (err if badly), its kernel drops. */
	void (*ended)(struct cap *c, struct run *r, struct verr *err);
	/* After every PID is verified gone: brings a spooled capture home. */
	void (*fetch)(struct cap *c, struct run *r, struct verr *err);
	/* Completes the capture file (err if that failed). */
	void (*close)(struct cap *c, struct verr *err);
	/* Frees what is left, whatever the phase the run ended in. */
	void (*cleanup)(struct cap *c);
	/* vocalc watch, while it runs: the kernel's drops so far (-1 unknown);
	 * whether its process is still there to be signalled. */
	long (*live_drops)(struct cap *c);
	bool (*running)(const struct cap *c);
};

static const struct cap_ops cap_ssh_ops, cap_local_ops;

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
	(void)sig;
	interrupted++;
}

static double mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The value after "key " on a line of text, into buf. */
static const char *field(const char *text, const char *key, char *buf, size_t cap)
{
	size_t kl = strlen(key);
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ') {
			size_t n = strcspn(l + kl + 1, "\n");
			if (n >= cap)
				n = cap - 1;
			memcpy(buf, l + kl + 1, n);
			buf[n] = '\0';
			return buf;
		}
	}
	buf[0] = '\0';
	return NULL;
}

/* The script that finds the guest's interface toward the host address $1. */
static const char GUEST_DISCOVER[] =
    "PATH=$PATH:/usr/sbin:/sbin; a=$1; dev=$(ip -o route get \"$a\" 2>/dev/null | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p')\n"
    "[ -n \"$dev\" ] || dev=$(ip -o route show default | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)\n"
    "echo \"dev $dev\"\n"
    "echo \"mac $(cat /sys/class/net/$dev/address 2>/dev/null)\"\n"
    "echo \"addrs $(ip -o addr show dev \"$dev\" 2>/dev/null | awk '{sub(/\\/.*/, \"\", $4); printf \"%s \", $4}')\"\n"
    "echo \"conn $SSH_CONNECTION\"\n"
    "echo \"uid $(id -u)\"\n";

static int run_script(struct side *s, const char *script, const char *arg, char *out, size_t cap,
		      struct verr *err)
{
	char qs[16384], qa[512], cmd[17000];
	if (!sh_quote(script, qs, sizeof qs) || !sh_quote(arg, qa, sizeof qa))
		return verr_set(err, VERR_REMOTE, "internal: script too long");
	snprintf(cmd, sizeof cmd, "sh -c %s vocalc %s", qs, qa);
	int st = 0;
	if (ssh_run(s->c, cmd, out, cap, &st, 15, err) != 0)
		return -1;
	if (st != 0)
		return verr_set(err, VERR_REMOTE, "%s: discovery failed (exit %d)", ssh_name(s->c),
				st);
	return 0;
}

/* sudo -n when not root, checked to work. */
static int need_root(struct side *s, const char *uid, struct verr *err)
{
	if (strcmp(uid, "0") == 0) {
		s->sudo[0] = '\0';
		return 0;
	}
	char out[64];
	int st = 1;
	if (ssh_run(s->c, "sudo -n true", out, sizeof out, &st, 10, err) != 0)
		return -1;
	if (st != 0)
		return verr_set(err, VERR_REMOTE,
				"%s: capturing needs root: log in as root or allow this user "
				"passwordless sudo for tcpdump, kill, ping (sudo -n failed)",
				ssh_name(s->c));
	snprintf(s->sudo, sizeof s->sudo, "sudo -n ");
	return 0;
}

/* The clause excluding the SSH sessions from this client to that server,
 * from one's $SSH_CONNECTION: without the client's port, so that a session
 * opened again (vocalc watch reconnecting) is excluded by the filters of the
 * captures already running. */
static void exclude_clause(const char *conn, char *buf, size_t cap)
{
	char cip[64], sip[64];
	unsigned cport, sport;
	buf[0] = '\0';
	if (sscanf(conn, "%63s %u %63s %u", cip, &cport, sip, &sport) == 4)
		snprintf(buf, cap, "(host %s and host %s and port %u)", cip, sip, sport);
}

/* Starts a remote command (as root when sudo is needed) under `timeout`, so
 * that it ends by itself at the latest limit_s from now; prints its PID on
 * stderr first ("vocalc-pid N").  A watchdog beside it writes a BEL to the
 * channel's stderr every second and stops the command (SIGTERM, as a
 * background job ignores SIGINT) as soon as that fails: the SSH session is
 * gone, so nobody will read or stop the capture any more. */
static struct ssh_stream *start_guarded(const struct side *s, const char *cmd, int limit_s,
					      struct verr *err)
{
	char script[12000], q[13000], full[13100], lim[64] = "";
	if (limit_s > 0) /* 0: vocalc watch, which runs until stopped (the watchdog guards it) */
		snprintf(lim, sizeof lim, "timeout -s TERM %d ", limit_s);
	snprintf(script, sizeof script,
		 "%s%s & p=$!; echo \"vocalc-pid $p\" >&2; "
		 "(trap '' PIPE; while kill -0 $p 2>/dev/null; do sleep 1; "
		 "printf '\\a' >&2 || { kill -TERM $p; exit 0; }; done) </dev/null >/dev/null & "
		 "wait $p",
		 lim, cmd);
	if (!sh_quote(script, q, sizeof q)) {
		verr_set(err, VERR_INPUT, "remote command too long");
		return NULL;
	}
	snprintf(full, sizeof full, "%ssh -c %s", s->sudo, q);
	return ssh_start(s->c, full, err);
}

/* The last "N packets dropped by kernel" (or "1 packet ...") tcpdump said
 * on stderr, or -1. */
static long last_drops(const char *e)
{
	const char *d = NULL, *x = e;
	while ((x = strstr(x, " dropped by kernel")) != NULL)
		d = x++;
	if (d == NULL)
		return -1;
	const char *b = d;
	while (b > e && b[-1] != '\n' && b[-1] != ' ')
		b--; /* "packets" or "packet" */
	while (b > e && b[-1] == ' ')
		b--;
	const char *n = b;
	while (n > e && n[-1] >= '0' && n[-1] <= '9')
		n--;
	return n < b ? strtol(n, NULL, 10) : -1;
}

static long pid_of(const struct ssh_stream *st)
{
	const char *e = strstr(ssh_stream_stderr(st), "vocalc-pid ");
	return e ? strtol(e + 11, NULL, 10) : 0;
}

/* The name a side's messages give it. */
static const char *side_name(const struct side *s)
{
	return s->c ? ssh_name(s->c) : "localhost";
}

/* The PIDs on side s of the captures and (learned from their streams when
 * not yet known) of the jobs, as asked, into out (MAX_PIDS at most). */
static int pids_on(struct run *r, int s, bool caps, bool jobs, long *out)
{
	int n = 0;
	for (int i = 0; caps && i < r->ncap; i++)
		if (r->caps[i].side == s && r->caps[i].pid)
			out[n++] = r->caps[i].pid;
	for (int j = 0; jobs && j < r->njob; j++) {
		struct job *jb = &r->jobs[j];
		if (jb->side == s && jb->st && (jb->pid || (jb->pid = pid_of(jb->st))))
			out[n++] = jb->pid;
	}
	return n;
}

/* " 12 34" for a shell command line, from side s's PIDs; false if there is
 * nothing to do there (none, or the side is gone). */
static bool pid_words(const struct side *s, const long *pids, int n, char *list, size_t cap)
{
	list[0] = '\0';
	if (s->c == NULL || ssh_lost(s->c))
		return false;
	for (int i = 0; i < n; i++)
		if (pids[i] > 0)
			snprintf(list + strlen(list), cap - strlen(list), " %ld", pids[i]);
	return list[0] != '\0';
}

/* Signals the PIDs on one side. */
static void kill_pids(struct side *s, const long *pids, int n, const char *sig)
{
	char cmd[1024], list[800];
	if (!pid_words(s, pids, n, list, sizeof list))
		return;
	char out[256];
	int st;
	struct verr e = {0};
	snprintf(cmd, sizeof cmd, "%skill -%s%s 2>/dev/null; true", s->sudo, sig, list);
	ssh_run(s->c, cmd, out, sizeof out, &st, 10, &e);
}

/* Checks the PIDs on one side are gone, SIGKILL to those that are not. */
static int verify_gone(struct side *s, const long *pids, int n)
{
	char cmd[2048], list[800], out[1024];
	if (!pid_words(s, pids, n, list, sizeof list))
		return 0;
	/* wait a little, then kill what is left and say so */
	snprintf(cmd, sizeof cmd,
		 "for i in 1 2 3 4 5 6 7 8 9 10; do left=; for p in%s; do kill -0 $p 2>/dev/null && "
		 "left=\"$left $p\"; done; [ -z \"$left\" ] && break; sleep 0.2; done; "
		 "[ -n \"$left\" ] && %skill -9 $left 2>/dev/null; echo \"left$left\"",
		 list, s->sudo);
	int st;
	struct verr e = {0};
	if (ssh_run(s->c, cmd, out, sizeof out, &st, 10, &e) != 0)
		return -1;
	if (strncmp(out, "left ", 5) == 0) {
		fprintf(stderr, "vocalc: %s: had to kill -9 what outlived SIGTERM:%s", ssh_name(s->c),
			out + 4);
	}
	return 0;
}

static int make_run_dir(const struct oneshot_opts *o, char *dir, size_t cap, struct verr *err)
{
	if (o->out_dir) {
		snprintf(dir, cap, "%s", o->out_dir);
		if (mkdir(dir, 0755) != 0)
			return verr_set(err, VERR_INPUT, "%s: %s (a run is never written over: give a "
							 "new directory)",
					dir, errno == EEXIST ? "exists" : strerror(errno));
		return 0;
	}
	if (mkdir("captures", 0755) != 0 && errno != EEXIST)
		return verr_set(err, VERR_INPUT, "captures: %s", strerror(errno));
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	char stamp[32];
	strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
	for (int i = 0; i < 100; i++) {
		snprintf(dir, cap, i ? "captures/%s-%d" : "captures/%s", stamp, i);
		if (mkdir(dir, 0755) == 0)
			return 0;
		if (errno != EEXIST)
			return verr_set(err, VERR_INPUT, "%s: %s", dir, strerror(errno));
	}
	return verr_set(err, VERR_INPUT, "captures/%s: too many runs this second", stamp);
}

/* The run's manifest.json.  Written once before the captures start (final
 * false: every point incomplete, so that a run cut short, or a disk that
 * fills, leaves a manifest that says so) and again at the end, through a
 * temporary file renamed over it: a failed write keeps the first one.  A
 * run of several guests lists nic and bridge as its points and each guest
 * with its own (manifest.h). */
static int write_manifest(const struct run *r, const char *dir, double t_start, double t_stop,
			  bool final, struct verr *err)
{
	const char *host_name = side_name(&r->side[HOST_SIDE]);
	static char abuf[ONESHOT_MAX_GUESTS][256]; /* the addresses, cut into words */
	struct manifest m = {.schema = MANIFEST_SCHEMA,
			     .tool = "vocalc",
			     .version = vocalc_version,
			     .host = host_name,
			     .guest = r->multi ? NULL : r->guest[0].name,
			     .start = t_start,
			     .stop = t_stop,
			     .command_line = r->o->cmdline ? r->o->cmdline : "",
			     .snaplen = r->o->snaplen,
			     .filter = r->o->filter};
	if (r->multi) {
		m.nguests = (size_t)r->nguest;
		for (int g = 0; g < r->nguest; g++) {
			struct manifest_guest *mg = &m.guests[g];
			mg->name = r->guest[g].name;
			mg->login = r->guest[g].side >= 0;
			snprintf(abuf[g], sizeof abuf[g], "%s", r->guest[g].addrs);
			char *save = NULL;
			for (char *w = strtok_r(abuf[g], " ", &save);
			     w && mg->naddresses < MANIFEST_MAX_ADDRS; w = strtok_r(NULL, " ", &save))
				mg->address[mg->naddresses++] = w;
		}
	}
	for (int i = 0; i < r->ncap; i++) {
		const struct cap *c = &r->caps[i];
		if (c->empty)
			continue;
		const char *base = strrchr(c->path, '/');
		struct manifest_point mp = {
		    .name = point_name(c->p),
		    .file = base ? base + 1 : c->path,
		    .interface = c->ifname,
		    .host = side_name(&r->side[c->side]),
		    .drops = c->drops >= 0 ? c->drops : -1,
		    .octets = c->bytes,
		    .complete = final && !c->failed,
		};
		if (r->multi && c->guest >= 0) {
			struct manifest_guest *mg = &m.guests[c->guest];
			mg->point[mg->npoints++] = mp;
		} else {
			m.point[m.npoints++] = mp;
		}
	}
	struct verr err_m = {0};
	if (manifest_write(dir, &m, &err_m) != 0)
		return verr_set(err, err_m.status, "%s%s", err_m.msg,
				final ? " (the one written at the start stays)" : "");
	return 0;
}

/* ---- the SSH backend: tcpdump on the point's side, under start_guarded ---- */

/* Appends what st has now to c's capture file: the last read's result
 * (0: nothing more for now, -1: the stream ended).  Only octets written are
 * counted; once a write fails (a full disk) the stream is still drained, so
 * that the remote side does not block, but nothing more is kept, and
 * write_errno says why. */
static long take(struct cap *c, struct ssh_stream *st, char *data, size_t cap)
{
	struct cap_ssh *s = &c->be.ssh;
	long n;
	while ((n = ssh_stream_read(st, data, cap)) > 0) {
		if (s->write_errno)
			continue;
		if (s->f == NULL) { /* vocalc watch: into the window's file */
			if (pcapsplit_feed(&c->split, data, (size_t)n) != 0)
				s->write_errno = c->split.failed;
			c->bytes += (uint64_t)n;
			continue;
		}
		size_t w = fwrite(data, 1, (size_t)n, s->f);
		c->bytes += w;
		if (w != (size_t)n || fflush(s->f) != 0)
			s->write_errno = errno ? errno : EIO;
	}
	return n;
}

/* tcpdump writes to its stdout, streamed into the file as it comes, or
 * with --spool to the remote tmpfs. */
static int ssh_cap_start(struct cap *c, struct run *r, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	s->write_errno = 0;
	if (r->w == NULL && (s->f = fopen(c->path, "wx")) == NULL)
		return verr_set(err, VERR_INPUT, "%s: %s", c->path, strerror(errno));
	if (r->w && pcapsplit_open_append(&c->split, c->path, err) != 0)
		return -1;
	char cmd[9000], target[160] = "-";
	if (r->o->spool) {
		snprintf(s->spool, sizeof s->spool, "/dev/shm/vocalc-%ld-%ld-%d-%s.pcap",
			 (long)getpid(), (long)time(NULL), c->guest + 1, point_name(c->p));
		snprintf(target, sizeof target, "%s", s->spool);
	}
	snprintf(cmd, sizeof cmd,
		 "tcpdump -i %s --time-stamp-precision=nano --immediate-mode -s %d -U -w %s %s",
		 c->ifname, r->o->snaplen, target, r->qf);
	s->st = start_guarded(&r->side[c->side], cmd, r->limit, err);
	return s->st ? 0 : -1;
}

static bool ssh_cap_pump(struct cap *c, struct run *r)
{
	struct cap_ssh *s = &c->be.ssh;
	if (s->st == NULL)
		return false;
	take(c, s->st, r->data, sizeof r->data);
	if (c->pid == 0)
		c->pid = pid_of(s->st);
	return !ssh_stream_eof(s->st);
}

static int ssh_cap_started(struct cap *c, struct run *r, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	if (strstr(ssh_stream_stderr(s->st), "listening on") != NULL)
		return 1;
	if (ssh_stream_eof(s->st))
		return verr_set(err, VERR_REMOTE, "%s: tcpdump on %s did not start: %.300s",
				ssh_name(r->side[c->side].c), c->ifname, ssh_stream_stderr(s->st));
	return 0;
}

static bool ssh_cap_failed(struct cap *c, struct run *r, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	struct ssh_conn *sc = r->side[c->side].c;
	if (s->write_errno) {
		verr_set(err, VERR_REMOTE,
			 "%s: writing the %s capture failed: %s (what was written before is kept)",
			 c->path, point_name(c->p), strerror(s->write_errno));
		return true;
	}
	if (ssh_stream_eof(s->st)) {
		verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) ended early: %s", ssh_name(sc),
			 point_name(c->p), c->ifname,
			 ssh_lost(sc) ? "connection lost" : "tcpdump exited");
		return true;
	}
	return false;
}

/* Its PID had the TERM with its side's others: the drain takes the rest. */
static void ssh_cap_stop(struct cap *c) { (void)c; }

/* A capture that ended with an error status failed, whenever it ended:
 * one stopped by us exits 0 (tcpdump), or by the signal (143, 137).
 * tcpdump's last words say what the kernel dropped. */
static void ssh_cap_ended(struct cap *c, struct run *r, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	if (s->st == NULL)
		return;
	int x = ssh_stream_eof(s->st) ? ssh_stream_exit(s->st) : -1;
	if (x > 0 && x != 128 + SIGTERM && x != 128 + SIGKILL && !c->failed) {
		c->failed = true;
		verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) ended early: tcpdump exited "
			 "with status %d",
			 ssh_name(r->side[c->side].c), point_name(c->p), c->ifname, x);
	}
	long d = last_drops(ssh_stream_stderr(s->st));
	if (d >= 0)
		c->drops = d;
}

/* --spool: fetches the capture from the remote tmpfs, then removes it there. */
static void ssh_cap_fetch(struct cap *c, struct run *r, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	struct side *sd = &r->side[c->side];
	if (!s->spool[0] || !s->f || !sd->c || ssh_lost(sd->c)) {
		if (s->spool[0] && s->st)
			fprintf(stderr, "vocalc: %s: the %s capture stays in %s there\n",
				side_name(sd), point_name(c->p), s->spool);
		return;
	}
	char q[200], cmd[600];
	sh_quote(s->spool, q, sizeof q);
	snprintf(cmd, sizeof cmd, "%scat %s && %srm -f %s", sd->sudo, q, sd->sudo, q);
	struct verr fe = {0};
	struct ssh_stream *fs = ssh_start(sd->c, cmd, &fe);
	while (fs && take(c, fs, r->data, sizeof r->data) == 0)
		usleep(2000);
	if (fs == NULL || ssh_stream_exit(fs) != 0 || ssh_lost(sd->c)) {
		c->failed = true;
		verr_set(err, VERR_REMOTE, "%s: could not fetch %s (the capture stays there)",
			 ssh_name(sd->c), s->spool);
	}
	ssh_stream_free(fs);
}

static void ssh_cap_close(struct cap *c, struct verr *err)
{
	struct cap_ssh *s = &c->be.ssh;
	if (c->split.f)
		pcapsplit_close(&c->split, err);
	if (s->f && fclose(s->f) != 0) {
		c->failed = true;
		verr_set(err, VERR_REMOTE, "%s: completing the capture file failed: %s", c->path,
			 strerror(errno));
	}
	s->f = NULL;
}

static void ssh_cap_cleanup(struct cap *c)
{
	struct cap_ssh *s = &c->be.ssh;
	if (s->f)
		fclose(s->f);
	s->f = NULL;
	struct verr ignored = {0};
	pcapsplit_close(&c->split, &ignored);
	ssh_stream_free(s->st);
	s->st = NULL;
}

/* tcpdump's answer to the last SIGUSR1 (watch_drops), its stderr then
 * emptied for the next. */
static long ssh_cap_live_drops(struct cap *c)
{
	struct ssh_stream *st = c->be.ssh.st;
	if (st == NULL)
		return -1;
	long d = last_drops(ssh_stream_stderr(st));
	ssh_stream_clear_stderr(st);
	return d;
}

/* An ended stream's PID may be another process's by now. */
static bool ssh_cap_running(const struct cap *c)
{
	return c->be.ssh.st && !ssh_stream_eof(c->be.ssh.st);
}

static const struct cap_ops cap_ssh_ops = {
	.start = ssh_cap_start,
	.pump = ssh_cap_pump,
	.started = ssh_cap_started,
	.failed = ssh_cap_failed,
	.stop = ssh_cap_stop,
	.ended = ssh_cap_ended,
	.fetch = ssh_cap_fetch,
	.close = ssh_cap_close,
	.cleanup = ssh_cap_cleanup,
	.live_drops = ssh_cap_live_drops,
	.running = ssh_cap_running,
};

/* ---- the local backend: libpcap here, in a thread of its own (localcap.h) ---- */

static int local_cap_start(struct cap *c, struct run *r, struct verr *err)
{
	if (r->w) {
		if (pcapsplit_open_append(&c->split, c->path, err) != 0)
			return -1;
		c->be.lc = localcap_start_stream(c->ifname, r->o->snaplen, r->filt, err);
	} else {
		c->be.lc = localcap_start(c->ifname, r->o->snaplen, r->filt, c->path, err);
	}
	return c->be.lc ? 0 : -1;
}

/* Its thread writes the file; the octets are known once stopped.  With
 * vocalc watch the stream is moved into the window's file here. */
static bool local_cap_pump(struct cap *c, struct run *r)
{
	if (r->w == NULL || c->be.lc == NULL)
		return false;
	long n;
	while ((n = localcap_read(c->be.lc, r->data, sizeof r->data)) > 0) {
		if (pcapsplit_feed(&c->split, r->data, (size_t)n) != 0)
			break;
		c->bytes += (uint64_t)n;
	}
	return n >= 0;
}

/* It listens once opened. */
static int local_cap_started(struct cap *c, struct run *r, struct verr *err)
{
	(void)c;
	(void)r;
	(void)err;
	return 1;
}

static bool local_cap_failed(struct cap *c, struct run *r, struct verr *err)
{
	(void)r;
	if (c->split.failed) {
		verr_set(err, VERR_REMOTE, "%s: writing the %s capture failed: %s", c->split.path,
			 point_name(c->p), strerror(c->split.failed));
		return true;
	}
	if (!localcap_failed(c->be.lc))
		return false;
	verr_set(err, VERR_REMOTE, "this host: the %s capture (%s) failed", point_name(c->p),
		 c->ifname);
	return true;
}

static void local_cap_stop(struct cap *c)
{
	if (c->be.lc == NULL)
		return;
	localcap_stop(c->be.lc, &c->drops, &c->bytes);
	c->be.lc = NULL;
}

/* Stopped, counted and closed by local_cap_stop: nothing left to do. */
static void local_cap_after(struct cap *c, struct run *r, struct verr *err)
{
	(void)c;
	(void)r;
	(void)err;
}

static void local_cap_close(struct cap *c, struct verr *err)
{
	if (c->split.f)
		pcapsplit_close(&c->split, err);
}

static void local_cap_cleanup(struct cap *c)
{
	struct verr ignored = {0};
	pcapsplit_close(&c->split, &ignored);
	long drops;
	uint64_t octets;
	localcap_stop(c->be.lc, &drops, &octets);
	c->be.lc = NULL;
}

static long local_cap_live_drops(struct cap *c)
{
	return c->be.lc ? localcap_drops(c->be.lc) : -1;
}

static bool local_cap_running(const struct cap *c) { return c->be.lc != NULL; }

static const struct cap_ops cap_local_ops = {
	.start = local_cap_start,
	.pump = local_cap_pump,
	.started = local_cap_started,
	.failed = local_cap_failed,
	.stop = local_cap_stop,
	.ended = local_cap_after,
	.fetch = local_cap_after,
	.close = local_cap_close,
	.cleanup = local_cap_cleanup,
	.live_drops = local_cap_live_drops,
	.running = local_cap_running,
};

/* ---- connect and discover ---- */

static int connect_sides(struct run *r, struct verr *err)
{
	for (int s = 0; s < r->nside; s++) {
		struct ssh_target t;
		if (s == HOST_SIDE && r->local)
			continue;
		if (ssh_target_parse(r->side[s].spec, &r->o->ssh, &t, err) != 0)
			return -1;
		if ((r->side[s].c = ssh_connect(&t, &r->o->ssh, err)) == NULL)
			return -1;
	}
	return 0;
}

/* addrs as text, space-separated, into buf. */
static void addrs_text(const struct addrset *addrs, char *buf, size_t cap)
{
	buf[0] = '\0';
	for (int i = 0; i < addrs->n; i++) {
		char one[INET6_ADDRSTRLEN];
		if (inet_ntop(addrs->v[i].family == 4 ? AF_INET : AF_INET6, addrs->v[i].a, one,
			      sizeof one))
			snprintf(buf + strlen(buf), cap - strlen(buf), "%s%s", i ? " " : "", one);
	}
}

/* A guest more, found by libvirt (--libvirt): a domain nobody logs into. */
static int libvirt_guest(struct run *r, const struct hostfind_guest *hf, struct verr *err)
{
	for (int i = 0; i < r->nguest; i++)
		if (strcmp(r->guest[i].mac, hf->mac) == 0 ||
		    (r->guest[i].key && strcmp(r->guest[i].key, hf->key) == 0))
			return 0; /* already a guest of the run (logged into, or named) */
	if (r->nguest == ONESHOT_MAX_GUESTS)
		return verr_set(err, VERR_INPUT,
				"%s: libvirt lists more domains than one run takes (%d): name "
				"them with --domain",
				side_name(&r->side[HOST_SIDE]), ONESHOT_MAX_GUESTS);
	struct guest *g = &r->guest[r->nguest];
	snprintf(g->domain, sizeof g->domain, "%s", hf->name);
	g->name = g->domain;
	g->key = "libvirt";
	g->side = -1;
	snprintf(g->tag, sizeof g->tag, "g%d", r->nguest + 1);
	g->hf = *hf;
	snprintf(g->mac, sizeof g->mac, "%s", hf->mac);
	addrs_text(&hf->addrs, g->addrs, sizeof g->addrs);
	r->nguest++;
	return 0;
}

/* On the host, for every guest at once (hostfind.h): its tap, bridge and
 * NIC by its MAC (a guest logged into), by the address, MAC or domain it was
 * given as, and with --libvirt every running domain.  A guest the host
 * cannot place is an error naming it and the reason. */
static int discover_host(struct run *r, struct verr *err)
{
	const char *macs[ONESHOT_MAX_GUESTS], *ips[ONESHOT_MAX_GUESTS], *doms[ONESHOT_MAX_GUESTS];
	int nmac = 0, nip = 0, ndom = 0;
	for (int i = 0; i < r->nguest; i++) {
		const struct guest *g = &r->guest[i];
		const char *k = g->side >= 0 ? NULL : g->key;
		if (g->side >= 0)
			macs[nmac++] = g->mac;
		else if (strncmp(k, "mac=", 4) == 0)
			macs[nmac++] = k + 4;
		else if (strncmp(k, "ip=", 3) == 0)
			ips[nip++] = k + 3;
		else
			doms[ndom++] = k + 4;
	}
	char args[4096], script[16384], out[16384];
	if (hostfind_args(macs, nmac, ips, nip, doms, ndom, r->o->libvirt, args, sizeof args,
			  err) != 0)
		return -1;
	snprintf(script, sizeof script, "set -- %s\n%s", args, HOSTFIND_SCRIPT);
	if ((r->local ? local_script(script, "", out, sizeof out, err)
		      : run_script(&r->side[HOST_SIDE], script, "", out, sizeof out, err)) != 0)
		return -1;
	static struct hostfind_guest found[4 * ONESHOT_MAX_GUESTS];
	int n = hostfind_parse(out, found, 4 * ONESHOT_MAX_GUESTS, NULL, 0, NULL, 0, err);
	if (n < 0)
		return verr_set(err, VERR_REMOTE, "%s: discovery: %s", side_name(&r->side[HOST_SIDE]),
				err->msg);
	for (int i = 0; i < r->nguest; i++) {
		struct guest *g = &r->guest[i];
		char key[80];
		snprintf(key, sizeof key, g->side >= 0 ? "mac=%s" : "%s", g->side >= 0 ? g->mac : g->key);
		const struct hostfind_guest *best = NULL;
		for (int k = 0; k < n; k++) /* a domain's first interface the host placed */
			if (strcmp(found[k].key, key) == 0 && (!best || (best->why[0] && !found[k].why[0])))
				best = &found[k];
		if (best == NULL || best->why[0])
			return verr_set(err, VERR_REMOTE, "%s: could not find the vnet capture point "
					"(guest %s, MAC %s): %s",
					side_name(&r->side[HOST_SIDE]), g->name,
					best && best->mac[0] ? best->mac : g->mac[0] ? g->mac : "unknown",
					best ? best->why : "the host said nothing of it");
		g->hf = *best;
		if (g->side < 0) {
			snprintf(g->mac, sizeof g->mac, "%s", best->mac);
			/* the address given first (the probes go to it), then the others */
			struct addrset a = {.n = 0};
			if (strncmp(g->key, "ip=", 3) == 0)
				addrset_add_str(&a, g->key + 3);
			for (int k = 0; k < best->addrs.n; k++)
				if (!addrset_has(&a, best->addrs.v[k].family, best->addrs.v[k].a))
					addrset_add(&a, best->addrs.v[k].family, best->addrs.v[k].a);
			addrs_text(&a, g->addrs, sizeof g->addrs);
		}
	}
	const char *lv_why = "it lists no running domain with an interface the host could place";
	for (int k = 0; r->o->libvirt && k < n; k++) {
		if (strcmp(found[k].key, "libvirt") == 0 && found[k].why[0])
			lv_why = found[k].why; /* virsh absent, or no domain running */
		else if (strncmp(found[k].key, "dom=", 4) == 0 && !found[k].why[0] &&
			 libvirt_guest(r, &found[k], err) != 0)
			return -1;
	}
	if (r->nguest == 0)
		return verr_set(err, VERR_REMOTE, "%s: --libvirt: %s", side_name(&r->side[HOST_SIDE]),
				lv_why);
	r->multi = r->nguest > 1 || r->guest[0].side < 0;
	return 0;
}

/* Each guest logged into: its interface toward the host, its MAC and
 * addresses; then on the host, for every guest, its tap, bridge and NIC
 * (by MAC, or by the address of a guest nobody logs into); each side's
 * session (to exclude) and its sudo. */
static int discover_sides(struct run *r, struct verr *err)
{
	struct side *h = &r->side[HOST_SIDE];
	char buf[256], tmp[256], hinfo[512] = "";
	if (!r->local) {
		if (ssh_run(h->c, "echo \"conn $SSH_CONNECTION\"; echo \"uid $(id -u)\"", hinfo,
			    sizeof hinfo, NULL, 10, err) != 0)
			return -1;
		field(hinfo, "conn", h->conn, sizeof h->conn);
	} else {
		h->conn[0] = '\0'; /* no session of its own to exclude */
	}
	for (int i = 0; i < r->nguest; i++) {
		struct guest *g = &r->guest[i];
		if (g->side < 0)
			continue;
		struct side *gs = &r->side[g->side];
		/* the host address the guest's route goes toward: the one the
		 * client reached (HOST remote), or the one the guest sees this
		 * machine's session come from (HOST here) */
		char haddr[64] = "", gconn[256];
		if (r->local) {
			if (ssh_run(gs->c, "echo \"conn $SSH_CONNECTION\"", gconn, sizeof gconn, NULL,
				    10, err) != 0)
				return -1;
			field(gconn, "conn", buf, sizeof buf);
			sscanf(buf, "%63s", haddr);
		} else {
			sscanf(h->conn, "%*s %*s %63s", haddr);
		}
		if (run_script(gs, GUEST_DISCOVER, haddr, g->found, sizeof g->found, err) != 0)
			return -1;
		field(g->found, "mac", g->mac, sizeof g->mac);
		field(g->found, "addrs", g->addrs, sizeof g->addrs);
		field(g->found, "conn", gs->conn, sizeof gs->conn);
		if (need_root(gs, field(g->found, "uid", tmp, sizeof tmp) ? tmp : "", err) != 0)
			return -1;
	}
	/* the host's sudo after the guests' (a guest refused is named first, as ever) */
	if (!r->local && need_root(h, field(hinfo, "uid", tmp, sizeof tmp) ? tmp : "", err) != 0)
		return -1;
	return discover_host(r, err);
}

/* A point of the run: its interface as given, or as the discovery found
 * it; checked to be an interface name. */
static int add_point(struct run *r, enum point p, int side, int guest, const char *given,
		     const char *found, struct verr *err)
{
	struct cap *c = &r->caps[r->ncap];
	const struct guest *g = guest >= 0 ? &r->guest[guest] : &r->guest[0];
	c->p = p;
	c->side = side;
	c->guest = guest;
	c->drops = -1;
	c->ops = r->local && side == HOST_SIDE ? &cap_local_ops : &cap_ssh_ops;
	snprintf(c->ifname, sizeof c->ifname, "%s", given ? given : found);
	if (c->ifname[0] == '\0')
		return verr_set(err, VERR_REMOTE,
				"%s: could not find the %s capture point (guest %s, MAC %s)%s",
				side_name(&r->side[side]), point_name(p), g->name,
				g->mac[0] ? g->mac : "unknown",
				p == POINT_GUEST ? "" : "; give it with --nic, --bridge or --vnet");
	if (!hostfind_safe_ifname(c->ifname))
		return verr_set(err, VERR_INPUT, "%s: not an interface name", c->ifname);
	r->ncap++;
	return 0;
}

/* The points, as given or as found: nic and bridge once (every guest's
 * must be the same: one capture each serves them all), then per guest its
 * vnet (no two guests the same, never the NIC) and its guest point.  Each
 * gets its backend here: libpcap for a host point when HOST is this
 * machine, else tcpdump over SSH. */
static int discover_points(struct run *r, struct verr *err)
{
	const char *const *given = r->o->ifname;
	char dev[64];
	if (add_point(r, POINT_NIC, HOST_SIDE, -1, given[POINT_NIC], r->guest[0].hf.nic, err) != 0 ||
	    add_point(r, POINT_BRIDGE, HOST_SIDE, -1, given[POINT_BRIDGE], r->guest[0].hf.bridge,
		      err) != 0)
		return -1;
	for (int i = 1; i < r->nguest; i++)
		for (int k = 0; k < 2; k++) {
			const struct hostfind_guest *hf = &r->guest[i].hf;
			const char *mine = k == 0 ? hf->nic : hf->bridge;
			if (!given[k] && strcmp(mine, r->caps[k].ifname) != 0)
				return verr_set(err, VERR_REMOTE,
						"%s: guests %s and %s are on different %ss (%s, %s): "
						"one run takes the guests of one bridge and NIC; run "
						"once per bridge, or give --nic and --bridge",
						side_name(&r->side[HOST_SIDE]), r->guest[0].name,
						r->guest[i].name, k == 0 ? "NIC" : "bridge",
						r->caps[k].ifname, mine[0] ? mine : "none found");
		}
	for (int i = 0; i < r->nguest; i++) {
		struct guest *g = &r->guest[i];
		if (add_point(r, POINT_VNET, HOST_SIDE, i, given[POINT_VNET], g->hf.tap, err) != 0)
			return -1;
		const char *tap = r->caps[r->ncap - 1].ifname;
		if (strcmp(tap, r->caps[0].ifname) == 0 || strcmp(tap, r->caps[1].ifname) == 0)
			return verr_set(err, VERR_REMOTE,
					"%s: guest %s (MAC %s) is behind %s, the run's %s: its MAC "
					"was learned there, not on a tap of this host (is it a VM of "
					"this host?); give its tap with --vnet",
					side_name(&r->side[HOST_SIDE]), g->name, g->mac, tap,
					strcmp(tap, r->caps[0].ifname) == 0 ? "NIC" : "bridge");
		for (int j = 2; j < r->ncap - 1; j++)
			if (r->caps[j].p == POINT_VNET && strcmp(r->caps[j].ifname, tap) == 0)
				return verr_set(err, VERR_INPUT,
						"guests %s and %s are the same VM (both behind %s): give "
						"each guest once",
						r->guest[r->caps[j].guest].name, g->name, tap);
		if (g->side >= 0 &&
		    add_point(r, POINT_GUEST, g->side, i, given[POINT_GUEST],
			      field(g->found, "dev", dev, sizeof dev) ? dev : "", err) != 0)
			return -1;
	}
	const struct cap *cp = r->caps;
	if (!r->multi) {
		fprintf(stderr,
			"vocalc: points: nic %s, bridge %s, vnet %s on %s; guest %s (%s, %s) on %s\n",
			cp[0].ifname, cp[1].ifname, cp[2].ifname, side_name(&r->side[HOST_SIDE]),
			cp[3].ifname, r->guest[0].mac, r->guest[0].addrs,
			side_name(&r->side[r->guest[0].side]));
		return 0;
	}
	fprintf(stderr, "vocalc: points: nic %s, bridge %s (%s) on %s\n", cp[0].ifname,
		cp[1].ifname, r->guest[0].hf.kind == BRIDGE_OVS ? "Open vSwitch" : "Linux bridge",
		side_name(&r->side[HOST_SIDE]));
	for (int i = 2; i < r->ncap; i++) {
		const struct cap *c = &r->caps[i];
		const struct guest *g = &r->guest[c->guest];
		if (c->p == POINT_VNET && g->side < 0)
			fprintf(stderr, "vocalc: guest %s (%s, %s): vnet %s; not logged into: measured "
				"from the host only\n",
				g->name, g->mac, g->addrs[0] ? g->addrs : "no address known", c->ifname);
		else if (c->p == POINT_VNET)
			fprintf(stderr, "vocalc: guest %s (%s, %s): vnet %s, guest %s\n", g->name, g->mac,
				g->addrs, c->ifname, r->caps[i + 1].ifname);
	}
	return 0;
}

static int discover(struct run *r, struct verr *err)
{
	if (discover_sides(r, err) != 0)
		return -1;
	return discover_points(r, err);
}

/* The filter (every SSH session out, then the user's), the run directory,
 * the capture files' names (a run of several guests: g1-vnet.pcap,
 * g1-guest.pcap ... beside nic.pcap and bridge.pcap), and the manifest that
 * says none is complete yet. */
static int build_filter(struct run *r);
static int prepare(struct run *r, struct verr *err)
{
	const struct oneshot_opts *o = r->o;
	if (build_filter(r) != 0)
		return verr_set(err, VERR_INPUT, "--filter: too long");
	if (make_run_dir(o, r->dir, sizeof r->dir, err) != 0)
		return -1;
	r->limit = (int)o->duration_s + 60;
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		if (r->multi && c->guest >= 0)
			snprintf(c->path, sizeof c->path, "%s/%s-%s.pcap", r->dir,
				 r->guest[c->guest].tag, point_name(c->p));
		else
			snprintf(c->path, sizeof c->path, "%s/%s.pcap", r->dir, point_name(c->p));
	}
	return write_manifest(r, r->dir, 0, 0, false, err);
}

/* The capture filter: every SSH session of the run out, then the user's;
 * -1 if it does not fit. */
static int build_filter(struct run *r)
{
	const struct oneshot_opts *o = r->o;
	char ex[8192] = "";
	for (int s = 0; s < r->nside; s++) {
		char one[300];
		exclude_clause(r->side[s].conn, one, sizeof one);
		if (one[0] && strlen(ex) + strlen(one) + 8 < sizeof ex)
			snprintf(ex + strlen(ex), sizeof ex - strlen(ex), "%s%s", ex[0] ? " or " : "",
				 one);
	}
	if (ex[0])
		snprintf(r->filt, sizeof r->filt, "not (tcp and (%s))%s%s%s", ex,
			 o->filter ? " and (" : "", o->filter ? o->filter : "", o->filter ? ")" : "");
	else
		snprintf(r->filt, sizeof r->filt, "%s", o->filter ? o->filter : "");
	return sh_quote(r->filt, r->qf, sizeof r->qf) ? 0 : -1;
}

/* ---- start: the captures, then (once every one listens) the jobs ---- */

static int start_captures(struct run *r, struct verr *err)
{
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		if (c->ops->start(c, r, err) != 0)
			return -1;
		c->begun = true;
	}
	return 0;
}

/* The clock starts once every capture listens. */
static int wait_listening(struct run *r, struct verr *err)
{
	double t_wait = mono();
	for (;;) {
		int ready = 0;
		for (int i = 0; i < r->ncap; i++) {
			struct cap *c = &r->caps[i];
			c->ops->pump(c, r);
			int st = c->ops->started(c, r, err);
			if (st < 0)
				return -1;
			ready += st;
		}
		if (ready == r->ncap)
			return 0;
		if (mono() - t_wait > 15 || interrupted)
			return verr_set(err, VERR_REMOTE, "the captures did not all start within 15 s");
		usleep(20000);
	}
}

/* A job started here (lcmd, in a process group of its own; `this host:
 * cannot start WHAT_HERE` if it cannot be). */
static int job_here(struct run *r, int s, const char *what, const char *lcmd,
		    const char *what_here, struct verr *err)
{
	struct job *j = &r->jobs[r->njob++];
	*j = (struct job){s, NULL, local_start(lcmd), 0, what};
	if (j->local < 0)
		return verr_set(err, VERR_REMOTE, "this host: cannot start %s", what_here);
	return 0;
}

/* A job started on side s (cmd under start_guarded; as the login user
 * unless as_root). */
static int job_there(struct run *r, int s, const char *what, const char *cmd, bool as_root,
		     struct verr *err)
{
	struct side sd = r->side[s];
	if (!as_root)
		sd.sudo[0] = '\0';
	struct job *j = &r->jobs[r->njob++];
	*j = (struct job){s, start_guarded(&sd, cmd, r->limit, err), 0, 0, what};
	return j->st ? 0 : -1;
}

/* Pings from the host to each guest's first address. */
static int start_probes(struct run *r, struct verr *err)
{
	for (int i = 0; i < r->nguest && r->o->probe_rate > 0; i++) {
		char gip[64] = "";
		sscanf(r->guest[i].addrs, "%63s", gip);
		if (!gip[0])
			continue;
		/* the address is the guest's word: quoted, as all sent to a shell */
		char qip[300], cmd[400];
		if (!sh_quote(gip, qip, sizeof qip))
			return verr_set(err, VERR_REMOTE, "internal: address too long");
		snprintf(cmd, sizeof cmd, "ping -q -i %.3f %s", 1.0 / r->o->probe_rate, qip);
		if (r->local) {
			char lcmd[450];
			snprintf(lcmd, sizeof lcmd, "exec %s >/dev/null 2>&1", cmd);
			if (job_here(r, HOST_SIDE, "probes", lcmd, "ping", err) != 0)
				return -1;
		} else if (job_there(r, HOST_SIDE, "probes", cmd, true, err) != 0) {
			return -1;
		}
	}
	return 0;
}

/* The user's workload on side s. */
static int start_workload(struct run *r, int s, const char *wl, struct verr *err)
{
	if (r->local && s == HOST_SIDE)
		return job_here(r, s, "workload", wl, "the workload", err);
	char q[2100], cmd[2300];
	if (!sh_quote(wl, q, sizeof q))
		return verr_set(err, VERR_INPUT, "workload command too long");
	snprintf(cmd, sizeof cmd, "sh -c %s", q);
	/* the workload runs as the login user, not under sudo */
	return job_there(r, s, "workload", cmd, false, err);
}

/* The captures, then the probes and workloads.  On failure what was
 * started runs on until stop_all, which undoes it. */
static int start_all(struct run *r, struct verr *err)
{
	if (start_captures(r, err) != 0 || wait_listening(r, err) != 0)
		return -1;
	if (start_probes(r, err) != 0)
		return -1;
	/* the guests' workload runs on each guest logged into */
	for (int s = 0; s < r->nside; s++) {
		const char *wl = s == HOST_SIDE ? r->o->workload_host : r->o->workload_guest;
		if (wl && start_workload(r, s, wl, err) != 0)
			return -1;
	}
	return 0;
}

/* ---- the timed run ---- */

/* Every capture pumped; true if one failed (marked failed, err set). */
static bool pump_captures(struct run *r, struct verr *err)
{
	bool lost = false;
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		c->ops->pump(c, r);
		if (!c->failed && c->ops->failed(c, r, err))
			c->failed = lost = true;
	}
	return lost;
}

/* The jobs' output read and dropped; one that ended badly is told. */
static void pump_jobs(struct run *r)
{
	for (int j = 0; j < r->njob; j++) {
		struct job *jb = &r->jobs[j];
		char junk[4096];
		long n;
		if (jb->st == NULL || ssh_stream_eof(jb->st))
			continue;
		while ((n = ssh_stream_read(jb->st, junk, sizeof junk)) > 0)
			;
		jb->pid = jb->pid ? jb->pid : pid_of(jb->st);
		if (n < 0 && ssh_stream_exit(jb->st) > 0) {
			/* ended by itself, and not well: say so (the run goes on) */
			const char *e = ssh_stream_stderr(jb->st), *m = strchr(e, '\n');
			fprintf(stderr, "vocalc: %s: the %s exited with status %d: %.300s\n",
				ssh_name(r->side[jb->side].c), jb->what, ssh_stream_exit(jb->st),
				m ? m + 1 : e);
		}
	}
}

/* Keepalives; true if a side is lost, or stalled: a side whose watchdogs'
 * heartbeats stopped (stopped, frozen, or its network gone without a
 * reset) is given up, so that nothing waits on it; its captures stop by
 * themselves. */
static bool sides_lost(struct run *r, bool lost, struct verr *err)
{
	for (int s = 0; s < r->nside; s++)
		if (r->side[s].c && ssh_keepalive(r->side[s].c) != 0)
			lost = true;
	for (int s = 0; s < r->nside && !lost; s++) {
		struct ssh_conn *sc = r->side[s].c;
		if (sc == NULL || ssh_idle_s(sc) <= STALL_S)
			continue;
		ssh_give_up(sc);
		lost = true;
		for (int i = 0; i < r->ncap; i++)
			if (r->caps[i].side == s)
				r->caps[i].failed = true;
		verr_set(err, VERR_REMOTE,
			 "%s: nothing heard for %d s: it stalled (the %s capture is cut "
			 "here; what arrived is kept; its captures stop by themselves "
			 "once its SSH server resumes or within %d s)",
			 ssh_name(sc), STALL_S, s != HOST_SIDE ? "guest" : "host points'", r->limit);
	}
	return lost;
}

/* Until the duration is over, Ctrl-C, or a point or side is lost. */
static void run_timed(struct run *r, struct verr *err)
{
	const struct oneshot_opts *o = r->o;
	double t_start = mono(), last_shown = 0;
	clock_gettime(CLOCK_REALTIME, &r->wall0);
	while (!interrupted && mono() - t_start < o->duration_s) {
		struct pollfd pfd[MAX_SIDES];
		for (int s = 0; s < r->nside; s++)
			pfd[s] = (struct pollfd){r->side[s].c ? ssh_socket(r->side[s].c) : -1, POLLIN, 0};
		poll(pfd, (nfds_t)r->nside, 50);
		bool lost = pump_captures(r, err);
		pump_jobs(r);
		if (sides_lost(r, lost, err))
			break;
		if (o->progress && mono() - last_shown > 0.5) {
			last_shown = mono();
			uint64_t guests = 0; /* what the guests' own points hold */
			for (int i = 2; i < r->ncap; i++)
				guests += r->caps[i].bytes;
			fprintf(stderr, "\rvocalc: capturing, %4.0f s left; nic %.1f MB, %s %.1f MB ",
				o->duration_s - (last_shown - t_start), r->caps[0].bytes / 1e6,
				r->nguest > 1 ? "the guests' points" : "vnet and guest", guests / 1e6);
		}
	}
	if (o->progress && last_shown > 0)
		fputc('\n', stderr);
	if (interrupted)
		fprintf(stderr, "vocalc: interrupted: stopping the captures, analyzing what arrived\n");
	clock_gettime(CLOCK_REALTIME, &r->wall1);
}

/* ---- stop: the jobs, then the captures (they catch the last packets);
 * then every PID verified gone ---- */

static void stop_jobs(struct run *r)
{
	long pids[MAX_PIDS];
	for (int j = 0; j < r->njob; j++)
		if (r->jobs[j].local > 0) {
			local_stop(r->jobs[j].local);
			r->jobs[j].local = 0;
		}
	for (int s = 0; s < r->nside; s++)
		kill_pids(&r->side[s], pids, pids_on(r, s, false, true, pids), "TERM");
}

/* The TERM to every capture's PID, then what is still on its way read (5 s
 * at most), then how each ended. */
static void stop_captures(struct run *r, struct verr *err)
{
	long pids[MAX_PIDS];
	for (int s = 0; s < r->nside; s++)
		kill_pids(&r->side[s], pids, pids_on(r, s, true, false, pids), "TERM");
	for (int i = 0; i < r->ncap; i++)
		r->caps[i].ops->stop(&r->caps[i]);
	double t_end = mono();
	for (bool open = true; open && mono() - t_end < 5;) {
		open = false;
		for (int i = 0; i < r->ncap; i++)
			if (r->caps[i].ops->pump(&r->caps[i], r))
				open = true;
		if (open)
			usleep(20000);
	}
	for (int i = 0; i < r->ncap; i++)
		r->caps[i].ops->ended(&r->caps[i], r, err);
}

static void stop_all(struct run *r, struct verr *err)
{
	long pids[MAX_PIDS];
	stop_jobs(r);
	usleep(300000);
	stop_captures(r, err);
	for (int s = 0; s < r->nside; s++)
		verify_gone(&r->side[s], pids, pids_on(r, s, true, true, pids));
}

/* Spooled captures brought home, then every capture file completed. */
static void fetch_all(struct run *r, struct verr *err)
{
	for (int i = 0; i < r->ncap; i++)
		r->caps[i].ops->fetch(&r->caps[i], r, err);
	for (int i = 0; i < r->ncap; i++)
		r->caps[i].ops->close(&r->caps[i], err);
}

/* ---- save and analyze ---- */

/* What arrived is analyzed, even after a failure: each stream that is a
 * capture (a remote tcpdump may have written anything), marked in the
 * manifest if not; then the final manifest. */
static int save(struct run *r, struct verr *err)
{
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		if (c->bytes < 24)
			continue; /* nothing arrived: not a capture */
		struct verr ve = {0};
		struct reader *rd = reader_open(c->path, true, &ve);
		if (rd == NULL) {
			verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) is no capture: %s",
				 side_name(&r->side[c->side]), point_name(c->p), c->ifname, ve.msg);
			c->failed = true;
			continue;
		}
		reader_close(rd);
		if (r->multi && c->guest < 0 && reader_has_records(c->path, true, &ve) == 0) {
			/* nothing of any guest's crossed it (the host's probes to its
			 * guests stay on the bridge): the guests are analyzed without it */
			c->empty = true;
			fprintf(stderr, "vocalc: the %s capture (%s) holds no packet: no traffic of "
				"the guests crossed it; the run is analyzed without it (the file "
				"stays, not in the manifest)\n", point_name(c->p), c->ifname);
		}
		if (!r->multi) {
			r->ao->file[c->p] = c->path;
			r->ao->drops[c->p] = c->drops;
		}
	}
	if (write_manifest(r, r->dir, r->wall0.tv_sec + r->wall0.tv_nsec / 1e9,
			   r->wall1.tv_sec + r->wall1.tv_nsec / 1e9, true, err) != 0)
		return -1;
	fprintf(stderr, "vocalc: saved %s (vocalc analyze %s re-analyzes it)\n", r->dir, r->dir);
	return 0;
}

/* The report on out (*reported set once written).  0 if the whole run went
 * well, else -1 with err set (the run's own failure first). */
static int analyze(struct run *r, FILE *out, bool *reported, struct verr *err)
{
	struct analysis_opts *ao = r->ao;
	ao->allow_truncated = true; /* a stream cut by a lost connection ends mid-record */
	struct analysis a;
	struct verr aerr = {0};
	int npts = 0;
	for (int p = 0; p < POINT_N; p++)
		npts += ao->file[p] != NULL;
	if (npts >= 2 && analysis_run(&a, ao, &aerr) == 0) {
		struct report_opts ro = {.fmt = r->o->json ? REPORT_JSON : REPORT_TEXT,
					 .kind = REPORT_ANALYSIS};
		struct verr rerr = {0};
		if (report_write(out, &ro, &a, &rerr) == 0)
			*reported = true;
		else if (err->status == 0)
			*err = rerr;
	} else if (err->status == 0 && npts >= 2) {
		/* the captures were made here: what they hold is a capture failure */
		verr_set(err, VERR_REMOTE, "the run's captures could not be analyzed: %s", aerr.msg);
	} else if (err->status == 0) {
		verr_set(err, VERR_REMOTE, "fewer than two points captured anything");
	}
	if (npts >= 2)
		analysis_free(&a);
	return err->status == 0 && aerr.status == 0 ? 0 : -1;
}

/* ---- the run ---- */

/* Ctrl-C, SIGTERM and SIGHUP alike: stop, fetch, report. */
static void catch_signals(struct run *r)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &r->old_int);
	sigaction(SIGTERM, &sa, &r->old_term);
	sigaction(SIGHUP, &sa, &r->old_hup);
	signal(SIGPIPE, SIG_IGN);
	interrupted = 0;
}

static void restore_signals(const struct run *r)
{
	sigaction(SIGINT, &r->old_int, NULL);
	sigaction(SIGTERM, &r->old_term, NULL);
	sigaction(SIGHUP, &r->old_hup, NULL);
}

/* Frees the captures', then the jobs' leftovers (stopping a local job that
 * still runs). */
static void free_captures_jobs(struct run *r)
{
	for (int i = 0; i < r->ncap; i++)
		r->caps[i].ops->cleanup(&r->caps[i]);
	for (int j = 0; j < r->njob; j++) {
		ssh_stream_free(r->jobs[j].st);
		local_stop(r->jobs[j].local);
	}
}

static void close_sides(struct run *r)
{
	for (int s = 0; s < r->nside; s++)
		ssh_close(r->side[s].c);
}

void oneshot_opts_default(struct oneshot_opts *o)
{
	memset(o, 0, sizeof *o);
	o->duration_s = 10;
	o->snaplen = 192;
	o->probe_rate = 100;
	o->ssh.connect_timeout_s = 10;
	o->progress = isatty(2);
}

/* The guests as given: side 1 + i for the i-th logged into, then those
 * nobody logs into. */
static void take_guests(struct run *r)
{
	const struct oneshot_opts *o = r->o;
	r->nside = 1;
	for (int i = 0; i < o->nguests; i++) {
		struct guest *g = &r->guest[r->nguest++];
		g->name = o->guest[i];
		g->side = r->nside;
		r->side[r->nside++].spec = o->guest[i];
	}
	for (int i = 0; i < o->nnologin; i++) {
		struct guest *g = &r->guest[r->nguest++];
		g->key = o->nologin[i];
		g->name = strchr(g->key, '=') + 1;
		g->side = -1;
	}
	for (int i = 0; i < r->nguest; i++)
		snprintf(r->guest[i].tag, sizeof r->guest[i].tag, "g%d", i + 1);
}

/* A run's context, its guests taken, the signals caught (restore_signals
 * and free undo it); NULL with err set. */
static struct run *run_new(const struct oneshot_opts *o, struct analysis_opts *ao,
			   const struct oneshot_watch *w, struct verr *err)
{
	struct run *r = calloc(1, sizeof *r);
	if (r == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	r->o = o;
	r->ao = ao;
	r->w = w;
	r->local = strcmp(o->host, "-") == 0 || strcmp(o->host, "localhost") == 0;
	r->side[HOST_SIDE].spec = o->host;
	take_guests(r);
	catch_signals(r);
	return r;
}

/* What run_new made undone: the sessions closed, the signals restored. */
static void run_free(struct run *r)
{
	close_sides(r);
	restore_signals(r);
	free(r);
}

int oneshot_run(const struct oneshot_opts *o, struct analysis_opts *ao, FILE *out,
		bool *reported, struct oneshot_saved *saved, struct verr *err)
{
	*reported = false;
	memset(saved, 0, sizeof *saved);
	struct run *r = run_new(o, ao, NULL, err);
	if (r == NULL)
		return -1;
	int rc = -1;
	if (connect_sides(r, err) != 0 || discover(r, err) != 0 || prepare(r, err) != 0)
		goto out_sides; /* nothing started yet */
	if (start_all(r, err) == 0)
		run_timed(r, err);
	stop_all(r, err); /* also what a start cut short had started */
	fetch_all(r, err);
	if (r->caps[0].begun && save(r, err) == 0) {
		saved->saved = true;
		saved->multi = r->multi;
		snprintf(saved->dir, sizeof saved->dir, "%s", r->dir);
		rc = r->multi ? (err->status == 0 ? 0 : -1) : analyze(r, out, reported, err);
	}
	free_captures_jobs(r);
out_sides:
	run_free(r);
	return rc;
}

/* ---- vocalc watch: the captures kept running, cut into windows ---- */

/* A failed capture's first restart after this long (then twice as long
 * each time it fails again within a minute): longer than a scrape interval
 * of 1 s, so that the gap shows in a Prometheus that scrapes that often. */
#define RESTART_FIRST_S 2.0

static volatile sig_atomic_t hangups;
static void on_hup(int sig)
{
	(void)sig;
	hangups++;
}

static int64_t wall_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t interval_ns(const struct run *r)
{
	return (int64_t)llround(r->w->interval_s * 1e9);
}

/* Window k's end (unix ns); window 0 began when the captures did. */
static int64_t win_end_ns(const struct run *r, uint64_t k)
{
	return r->end1_ns + (int64_t)k * interval_ns(r);
}

/* The window the wall clock is in now. */
static uint64_t win_now(const struct run *r)
{
	int64_t t = wall_ns();
	return t < r->end1_ns ? 0 : 1 + (uint64_t)((t - r->end1_ns) / interval_ns(r));
}

/* Window k's directory (made if new) into buf. */
static int window_dir(const struct run *r, uint64_t k, char *buf, size_t cap, struct verr *err)
{
	snprintf(buf, cap, "%s/%08llu", r->ring, (unsigned long long)k);
	if (mkdir(buf, 0755) != 0 && errno != EEXIST)
		return verr_set(err, VERR_INPUT, "%s: %s", buf, strerror(errno));
	return 0;
}

static void cap_file(const struct run *r, const struct cap *c, uint64_t k, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%08llu/%s", r->ring, (unsigned long long)k, c->base);
}

/* The window c's stream goes to now. */
static uint64_t cap_window(const struct cap *c)
{
	return c->wbase + pcapsplit_cuts(&c->split);
}

/* A guest's clock (guest - host, ns) to cut its stamps by: as the
 * analysis last estimated it; where that is not known yet, or the stream
 * says otherwise by more than half an interval (its clock stepped), its
 * last packet's stamp less the wall clock when it arrived (coarse: the
 * stream's delay in it, milliseconds). */
static int64_t guest_cut_offset(const struct run *r, const struct cap *c)
{
	int64_t off = r->w->guest_offset_ns ? r->w->guest_offset_ns(r->w->ctx, c->guest) : 0;
	if (c->seen_wall == 0)
		return off;
	int64_t seen = c->seen_stamp - c->seen_wall;
	return off == 0 || llabs(seen - off) > interval_ns(r) / 2 ? seen : off;
}

/* The cut moving c from window k into k + 1 at k's end (a guest's stamps
 * at the end plus its clock), armed once the wall clock has reached window
 * k: a stream ahead of it (a guest clock not known yet) waits, rather than
 * running through windows. */
static int set_cut(struct run *r, struct cap *c, uint64_t k, struct verr *err)
{
	if (k > win_now(r)) {
		c->unarmed = true;
		return 0;
	}
	c->unarmed = false;
	char path[1200];
	if (window_dir(r, k + 1, path, sizeof path, err) != 0)
		return -1;
	cap_file(r, c, k + 1, path, sizeof path);
	int64_t t = win_end_ns(r, k);
	if (c->p == POINT_GUEST)
		t += guest_cut_offset(r, c);
	pcapsplit_cut(&c->split, t, path);
	return 0;
}

/* The splitter's callback, right after a cut: the next one armed before
 * any record more is written. */
static void cut_made(void *ctx, struct pcapsplit *s)
{
	struct cap *c = ctx;
	struct verr e = {0};
	(void)s;
	if (set_cut(c->run, c, cap_window(c), &e) != 0)
		c->cut_failed = true;
}

/* Each capture's drops so far: the count its tcpdump gave after the last
 * SIGUSR1 (its stderr then emptied), or libpcap's here; then the SIGUSR1
 * asking each tcpdump for the next. */
static void watch_drops(struct run *r)
{
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		long d = c->down ? -1 : c->ops->live_drops(c);
		if (d >= 0)
			c->drops_now = d;
	}
	long pids[MAX_PIDS];
	for (int s = 0; s < r->nside; s++) {
		int n = 0;
		for (int i = 0; i < r->ncap; i++)
			if (r->caps[i].side == s && !r->caps[i].down && r->caps[i].pid > 0)
				pids[n++] = r->caps[i].pid;
		if (r->side[s].c)
			kill_pids(&r->side[s], pids, n, "USR1");
	}
}

static long cap_drops(const struct cap *c)
{
	if (c->drops_base < 0 && c->drops_now < 0)
		return -1;
	return (c->drops_base > 0 ? c->drops_base : 0) + (c->drops_now > 0 ? c->drops_now : 0);
}

/* A capture that failed: what it was stopped (its process, if still
 * there, too), its file completed, a restart due after the backoff. */
static void cap_down(struct run *r, struct cap *c, const char *why)
{
	struct verr e = {0};
	if (mono() - c->up_since > 60)
		c->backoff = RESTART_FIRST_S;
	c->ops->stop(c);
	c->ops->ended(c, r, &e);
	if (c->drops >= 0 || c->drops_now >= 0)
		c->drops_base = (c->drops_base > 0 ? c->drops_base : 0) +
				(c->drops > c->drops_now ? c->drops : c->drops_now);
	c->drops = c->drops_now = -1;
	struct side *sd = &r->side[c->side];
	if (c->ops->running(c) && c->pid > 0 && sd->c && !ssh_lost(sd->c))
		kill_pids(sd, &c->pid, 1, "TERM");
	c->ops->close(c, &e);
	c->ops->cleanup(c);
	c->pid = 0;
	c->down = true;
	c->down_from = mono();
	c->restart_at = mono() + c->backoff;
	fprintf(stderr, "vocalc: watch: the %s capture (%s on %s) stopped: %s; restarting in %.0f s\n",
		point_name(c->p), c->ifname, sd->c ? ssh_name(sd->c) : sd->spec, why, c->backoff);
	c->backoff = c->backoff * 2 > r->w->restart_max_s ? r->w->restart_max_s : c->backoff * 2;
	if (r->w->point_up)
		r->w->point_up(r->w->ctx, c->p, c->guest, false);
}

/* Side s's SSH session again, after it was lost: its own packets out of
 * the captures that start from now on (those running keep their filter). */
static int reconnect(struct run *r, int s, struct verr *err)
{
	struct side *sd = &r->side[s];
	for (int i = 0; i < r->ncap; i++)
		if (r->caps[i].side == s && !r->caps[i].down)
			return 0; /* still has a live capture: not lost */
	for (int j = 0; j < r->njob; j++)
		if (r->jobs[j].side == s && r->jobs[j].st) {
			ssh_stream_free(r->jobs[j].st); /* a probe there is not restarted */
			r->jobs[j].st = NULL;
		}
	ssh_close(sd->c);
	sd->c = NULL;
	struct ssh_target t;
	if (ssh_target_parse(sd->spec, &r->o->ssh, &t, err) != 0 ||
	    (sd->c = ssh_connect(&t, &r->o->ssh, err)) == NULL)
		return -1;
	char info[400];
	if (ssh_run(sd->c, "echo \"conn $SSH_CONNECTION\"", info, sizeof info, NULL, 10, err) != 0) {
		ssh_close(sd->c); /* its session could not be excluded from the captures */
		sd->c = NULL;
		return -1;
	}
	field(info, "conn", sd->conn, sizeof sd->conn);
	build_filter(r);
	fprintf(stderr, "vocalc: watch: %s: connected again\n", ssh_name(sd->c));
	return 0;
}

/* Starts c into window k (its file appended to if it began there before). */
static int cap_up(struct run *r, struct cap *c, uint64_t k, struct verr *err)
{
	char dir[1200];
	if (window_dir(r, k, dir, sizeof dir, err) != 0)
		return -1;
	cap_file(r, c, k, c->path, sizeof c->path);
	c->wbase = k;
	c->pid = 0;
	if (c->ops->start(c, r, err) != 0)
		return -1;
	c->split.on_cut = cut_made, c->split.cut_ctx = c;
	c->seen_records = 0;
	if (set_cut(r, c, k, err) != 0) {
		struct verr ignored = {0};
		c->ops->close(c, &ignored); /* its stream freed by the caller's cleanup */
		return -1;
	}
	c->begun = true;
	c->down = false;
	c->up_since = mono();
	return 0;
}

/* Restarts the captures whose time has come. */
static void restart_due(struct run *r)
{
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		if (!c->down || mono() < c->restart_at || interrupted)
			continue;
		struct verr e = {0};
		struct side *sd = &r->side[c->side];
		bool remote = c->side != HOST_SIDE || !r->local;
		bool lost = remote && (sd->c == NULL || ssh_lost(sd->c));
		if ((lost && reconnect(r, c->side, &e) != 0) || cap_up(r, c, win_now(r), &e) != 0) {
			fprintf(stderr, "vocalc: watch: restarting the %s capture (%s) failed: %s; "
				"again in %.0f s\n", point_name(c->p), c->ifname, e.msg, c->backoff);
			c->ops->cleanup(c);
			c->restart_at = mono() + c->backoff;
			c->backoff = c->backoff * 2 > r->w->restart_max_s ? r->w->restart_max_s
									  : c->backoff * 2;
			continue;
		}
		c->restarts++;
		c->down_s += mono() - c->down_from;
		if (r->w->point_up)
			r->w->point_up(r->w->ctx, c->p, c->guest, true);
		fprintf(stderr, "vocalc: watch: the %s capture (%s on %s) restarted\n",
			point_name(c->p), c->ifname, sd->c ? ssh_name(sd->c) : sd->spec);
	}
}

/* Every live capture's stream into its window; one that moved into the next
 * window gets the cut after that; one that failed goes down. */
static void watch_pump(struct run *r)
{
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		if (c->down)
			continue;
		c->ops->pump(c, r);
		if (c->split.records != c->seen_records) {
			c->seen_records = c->split.records;
			c->seen_stamp = c->split.last_ns;
			c->seen_wall = wall_ns();
		}
		struct verr e = {0};
		if (c->cut_failed) {
			c->cut_failed = false;
			cap_down(r, c, "its next window's directory could not be made");
		} else if (c->ops->failed(c, r, &e)) {
			cap_down(r, c, e.msg);
		} else if (c->unarmed && cap_window(c) <= win_now(r) &&
			   set_cut(r, c, cap_window(c), &e) != 0) {
			cap_down(r, c, e.msg);
		}
	}
}

/* Keepalives; a side not heard from is given up (its streams end, so its
 * captures go down and are restarted over a new session). */
static void watch_sides(struct run *r)
{
	for (int s = 0; s < r->nside; s++) {
		struct ssh_conn *sc = r->side[s].c;
		if (sc == NULL || ssh_lost(sc))
			continue;
		if (ssh_keepalive(sc) != 0 || ssh_idle_s(sc) > STALL_S) {
			fprintf(stderr, "vocalc: watch: %s: nothing heard for %d s: its session is "
				"given up\n", ssh_name(sc), STALL_S);
			ssh_give_up(sc);
		}
	}
}

/* Window k complete: its manifest (the points that caught something), then
 * the hook. */
static void window_close(struct run *r, uint64_t k, struct verr *err)
{
	struct oneshot_point_state ps[MAX_CAPS];
	struct { /* what the manifest is told of the window, the live state kept */
		char path[sizeof r->caps[0].path];
		uint64_t bytes;
		bool empty, failed;
		long drops;
	} live[MAX_CAPS];
	char dir[1200];
	for (int i = 0; i < r->ncap; i++) {
		const struct cap *c = &r->caps[i];
		memcpy(live[i].path, c->path, sizeof live[i].path);
		live[i].bytes = c->bytes, live[i].empty = c->empty, live[i].failed = c->failed;
		live[i].drops = c->drops;
	}
	window_dir(r, k, dir, sizeof dir, err);
	watch_drops(r);
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		char f[1200];
		struct stat st;
		struct verr ve = {0};
		cap_file(r, c, k, f, sizeof f);
		bool has = stat(f, &st) == 0 && reader_has_records(f, true, &ve) == 1;
		double down = c->down_s + (c->down ? mono() - c->down_from : 0);
		ps[i] = (struct oneshot_point_state){c->p, c->guest, !c->down, down == 0, down,
						     c->restarts, cap_drops(c)};
		c->down_s = 0;
		if (c->down)
			c->down_from = mono();
		snprintf(c->path, sizeof c->path, "%s", f);
		c->bytes = has ? (uint64_t)st.st_size : 0;
		c->empty = !has && c->guest < 0; /* a guest's own points stay listed (manifest.h) */
		c->failed = down > 0;
		c->drops = -1;
	}
	double t0 = k == 0 ? r->wall0.tv_sec + r->wall0.tv_nsec / 1e9 : win_end_ns(r, k - 1) / 1e9;
	struct verr me = {0};
	int mrc = write_manifest(r, dir, t0, win_end_ns(r, k) / 1e9, true, &me);
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		memcpy(c->path, live[i].path, sizeof live[i].path);
		c->bytes = live[i].bytes, c->empty = live[i].empty, c->failed = live[i].failed;
		c->drops = live[i].drops;
	}
	if (mrc != 0) {
		fprintf(stderr, "vocalc: watch: window %llu not kept: %s\n", (unsigned long long)k,
			me.msg);
		return;
	}
	r->w->window(r->w->ctx, dir, k, t0, win_end_ns(r, k) / 1e9, ps, r->ncap);
}

/* Until SIGINT or SIGTERM: the streams pumped, the windows closed as their
 * time and every point's stream have passed them (a point quiet past a
 * window's end plus a grace is cut by force), the failed captures
 * restarted. */
static void watch_loop(struct run *r, struct verr *err)
{
	const struct oneshot_watch *w = r->w;
	const int64_t grace = interval_ns(r) / 2 < 2000000000 ? interval_ns(r) / 2 : 2000000000;
	uint64_t closing = 0; /* the oldest window not handed on */
	double last_tick = mono();
	while (!interrupted) {
		struct pollfd pfd[MAX_SIDES];
		for (int s = 0; s < r->nside; s++)
			pfd[s] = (struct pollfd){r->side[s].c && !ssh_lost(r->side[s].c)
							 ? ssh_socket(r->side[s].c) : -1, POLLIN, 0};
		poll(pfd, (nfds_t)r->nside, 50);
		watch_pump(r);
		pump_jobs(r);
		watch_sides(r);
		restart_due(r);
		if (hangups) {
			hangups = 0;
			if (w->hangup)
				w->hangup(w->ctx);
		}
		if (w->tick && mono() - last_tick >= 1) {
			last_tick = mono();
			w->tick(w->ctx);
		}
		int64_t now = wall_ns(), end = win_end_ns(r, closing);
		if (now < end)
			continue;
		bool all_past = true;
		for (int i = 0; i < r->ncap; i++) {
			struct cap *c = &r->caps[i];
			if (c->down || cap_window(c) > closing)
				continue;
			if (now >= end + grace && !c->unarmed)
				pcapsplit_force(&c->split); /* cut_made arms the next */
			if (cap_window(c) <= closing && now >= end + 3 * grace + 5000000000LL)
				cap_down(r, c, "its stream stopped in the middle of a packet");
			if (!c->down && cap_window(c) <= closing)
				all_past = false;
		}
		if (all_past)
			window_close(r, closing++, err);
	}
}

int oneshot_watch_run(const struct oneshot_opts *o, const struct oneshot_watch *w,
		      char *dir_out, size_t cap, struct verr *err)
{
	struct analysis_opts ao; /* none of the run's own: the windows are analyzed by the caller */
	analysis_opts_default(&ao);
	struct run *r = run_new(o, &ao, w, err);
	if (r == NULL)
		return -1;
	int rc = -1;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	hangups = 0;
	if (connect_sides(r, err) != 0 || discover(r, err) != 0)
		goto out_sides;
	r->multi = true; /* every window has the manifest of several guests */
	if (prepare(r, err) != 0)
		goto out_sides;
	snprintf(dir_out, cap, "%s", r->dir);
	char mf[1200];
	snprintf(mf, sizeof mf, "%s/manifest.json", r->dir);
	unlink(mf); /* the run's manifests are its windows' */
	r->limit = 0; /* no end but the stop (the watchdogs guard a lost session) */
	snprintf(r->ring, sizeof r->ring, "%s/ring", r->dir);
	if (mkdir(r->ring, 0755) != 0) {
		verr_set(err, VERR_INPUT, "%s: %s", r->ring, strerror(errno));
		goto out_sides;
	}
	const char *names[ONESHOT_MAX_GUESTS];
	for (int g = 0; g < r->nguest; g++)
		names[g] = r->guest[g].name;
	w->guests(w->ctx, names, r->nguest);
	char d0[1200];
	if (window_dir(r, 0, d0, sizeof d0, err) != 0)
		goto out_sides;
	for (int i = 0; i < r->ncap; i++) {
		struct cap *c = &r->caps[i];
		const char *b = strrchr(c->path, '/');
		snprintf(c->base, sizeof c->base, "%s", b ? b + 1 : c->path);
		cap_file(r, c, 0, c->path, sizeof c->path);
		c->backoff = RESTART_FIRST_S;
		c->drops_base = c->drops_now = c->drops = -1;
		c->run = r;
	}
	clock_gettime(CLOCK_REALTIME, &r->wall0);
	r->end1_ns = wall_ns() + interval_ns(r);
	if (start_all(r, err) == 0) {
		rc = 0;
		for (int i = 0; i < r->ncap && rc == 0; i++) {
			r->caps[i].up_since = mono();
			r->caps[i].split.on_cut = cut_made, r->caps[i].split.cut_ctx = &r->caps[i];
			rc = set_cut(r, &r->caps[i], 0, err);
			if (rc == 0 && w->point_up)
				w->point_up(w->ctx, r->caps[i].p, r->caps[i].guest, true);
		}
		if (rc == 0) {
			fprintf(stderr, "vocalc: watch: capturing at %d points into %s, a window every "
				"%g s\n", r->ncap, r->ring, w->interval_s);
			watch_loop(r, err);
			fprintf(stderr, "vocalc: watch: stopping\n");
		}
	}
	stop_all(r, err); /* nothing left running anywhere */
	for (int i = 0; i < r->ncap; i++)
		if (!r->caps[i].down)
			r->caps[i].ops->close(&r->caps[i], err);
	free_captures_jobs(r);
out_sides:
	run_free(r);
	return rc;
}
