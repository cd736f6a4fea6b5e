/* oneshot — see oneshot.h. */
#include "oneshot.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "localcap.h"
#include "manifest.h"
#include "reader.h"
#include "report.h"
#include "version.h"

enum { HOST_SIDE, GUEST_SIDE };

/* A side heard from not for this long (its watchdogs write every second) is
 * taken as stalled. */
enum { STALL_S = 5 };

struct cap {
	enum point p;
	int side;
	char ifname[64];
	struct ssh_stream *st;
	struct localcap *lc; /* a host point captured here (HOST is this machine) */
	FILE *f;
	char path[1024];
	long pid;
	uint64_t bytes;
	char spool[128]; /* --spool: the capture file on the remote tmpfs */
	bool listening, failed;
	int write_errno; /* writing the capture file failed (disk full): nothing more is kept */
	long drops;
};

struct job { /* a probe or workload left running */
	int side;
	struct ssh_stream *st;
	pid_t local; /* run here instead */
	long pid;
	const char *what;
};

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

static bool safe_ifname(const char *s)
{
	if (!*s || strlen(s) > 15)
		return false;
	for (; *s; s++)
		if (!(*s == '-' || *s == '_' || *s == '.' || *s == '@' || (*s >= '0' && *s <= '9') ||
		      (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
			return false;
	return true;
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

/* The script that finds, on the host, the tap of guest MAC $1, its bridge
 * and the NIC among the bridge's ports. */
static const char HOST_DISCOVER[] =
    "PATH=$PATH:/usr/sbin:/sbin # bridge(8) is there, off a user's PATH\n"
    "gm=$(echo \"$1\" | tr A-F a-f); tap=\n"
    "for d in /sys/class/net/*; do n=${d##*/}; [ -e \"$d/tun_flags\" ] || continue\n"
    "  a=$(cat \"$d/address\"); [ \"${a#??}\" = \"${gm#??}\" ] && tap=$n; done\n"
    "[ -n \"$tap\" ] || tap=$(bridge fdb show 2>/dev/null | awk -v m=\"$gm\" '$1 == m && $2 == \"dev\" {print $3; exit}')\n"
    "br=; [ -n \"$tap\" ] && [ -e \"/sys/class/net/$tap/master\" ] && br=$(basename \"$(readlink \"/sys/class/net/$tap/master\")\")\n"
    "nic=\n"
    "if [ -n \"$br\" ]; then\n"
    "  for p in /sys/class/net/$br/brif/*; do n=${p##*/}; [ \"$n\" = \"$tap\" ] && continue\n"
    "    [ -e \"/sys/class/net/$n/tun_flags\" ] && continue; [ -e \"/sys/class/net/$n/device\" ] && { nic=$n; break; }; done\n"
    "  [ -n \"$nic\" ] || for p in /sys/class/net/$br/brif/*; do n=${p##*/}; [ \"$n\" = \"$tap\" ] && continue\n"
    "    [ -e \"/sys/class/net/$n/tun_flags\" ] && continue; nic=$n; break; done\n"
    "fi\n"
    "[ -n \"$nic\" ] || nic=$(ip -o route show default | sed -n 's/.* dev \\([^ ]*\\).*/\\1/p' | head -n 1)\n"
    "echo \"tap $tap\"; echo \"bridge $br\"; echo \"nic $nic\"\n"
    "echo \"conn $SSH_CONNECTION\"\n"
    "echo \"uid $(id -u)\"\n";

struct side {
	struct ssh_conn *c;
	const char *spec;
	char sudo[16]; /* "" or "sudo -n " */
	char conn[256]; /* $SSH_CONNECTION: client ip, port, server ip, port */
};

static int run_script(struct side *s, const char *script, const char *arg, char *out, size_t cap,
		      struct verr *err)
{
	char qs[4096], qa[512], cmd[5000];
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

/* The clause excluding an SSH session, from its $SSH_CONNECTION. */
static void exclude_clause(const char *conn, char *buf, size_t cap)
{
	char cip[64], sip[64];
	unsigned cport, sport;
	buf[0] = '\0';
	if (sscanf(conn, "%63s %u %63s %u", cip, &cport, sip, &sport) == 4)
		snprintf(buf, cap, "(host %s and port %u and host %s and port %u)", cip, cport, sip,
			 sport);
}

/* Starts a remote command (as root when sudo is needed) under `timeout`, so
 * that it ends by itself at the latest limit_s from now; prints its PID on
 * stderr first ("vocalc-pid N").  A watchdog beside it writes a BEL to the
 * channel's stderr every second and stops the command (SIGTERM, as a
 * background job ignores SIGINT) as soon as that fails: the SSH session is
 * gone, so nobody will read or stop the capture any more. */
static struct ssh_stream *start_guarded(struct side *s, const char *cmd, int limit_s,
					struct verr *err)
{
	char script[3500], q[4000], full[4200];
	snprintf(script, sizeof script,
		 "timeout -s TERM %d %s & p=$!; echo \"vocalc-pid $p\" >&2; "
		 "(trap '' PIPE; while kill -0 $p 2>/dev/null; do sleep 1; "
		 "printf '\\a' >&2 || { kill -TERM $p; exit 0; }; done) </dev/null >/dev/null & "
		 "wait $p",
		 limit_s, cmd);
	if (!sh_quote(script, q, sizeof q)) {
		verr_set(err, VERR_INPUT, "remote command too long");
		return NULL;
	}
	snprintf(full, sizeof full, "%ssh -c %s", s->sudo, q);
	return ssh_start(s->c, full, err);
}

static long pid_of(const struct ssh_stream *st)
{
	const char *e = strstr(ssh_stream_stderr(st), "vocalc-pid ");
	return e ? strtol(e + 11, NULL, 10) : 0;
}

/* The PIDs on side s of the captures and the jobs given (learned from
 * their streams when not yet known), into out (POINT_N + 4 at most). */
static int pids_on(int s, struct cap *caps, int ncap, struct job *jobs, int njob, long *out)
{
	int n = 0;
	for (int i = 0; i < ncap; i++)
		if (caps[i].side == s && caps[i].st && (caps[i].pid || (caps[i].pid = pid_of(caps[i].st))))
			out[n++] = caps[i].pid;
	for (int j = 0; j < njob; j++)
		if (jobs[j].side == s && jobs[j].st && (jobs[j].pid || (jobs[j].pid = pid_of(jobs[j].st))))
			out[n++] = jobs[j].pid;
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
	char cmd[1024], list[512];
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
	char cmd[1024], list[512], out[512];
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

/* Appends what st has now to c's capture file: the last read's result
 * (0: nothing more for now, -1: the stream ended).  Only octets written are
 * counted; once a write fails (a full disk) the stream is still drained, so
 * that the remote side does not block, but nothing more is kept, and
 * c->write_errno says why. */
static long take(struct cap *c, struct ssh_stream *st, char *data, size_t cap)
{
	long n;
	while ((n = ssh_stream_read(st, data, cap)) > 0) {
		if (c->write_errno)
			continue;
		size_t w = fwrite(data, 1, (size_t)n, c->f);
		c->bytes += w;
		if (w != (size_t)n || fflush(c->f) != 0)
			c->write_errno = errno ? errno : EIO;
	}
	return n;
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
 * temporary file renamed over it: a failed write keeps the first one. */
static int write_manifest(const char *dir, const struct oneshot_opts *o, struct cap *caps,
			  int ncap, const char *host_name, const char *guest_name, double t_start,
			  double t_stop, bool final, struct verr *err)
{
	struct manifest m = {.schema = MANIFEST_SCHEMA,
			     .tool = "vocalc",
			     .version = vocalc_version,
			     .host = host_name,
			     .guest = guest_name,
			     .start = t_start,
			     .stop = t_stop,
			     .command_line = o->cmdline ? o->cmdline : "",
			     .snaplen = o->snaplen,
			     .filter = o->filter};
	for (int i = 0; i < ncap; i++) {
		const char *base = strrchr(caps[i].path, '/');
		m.point[m.npoints++] = (struct manifest_point){
		    .name = point_name(caps[i].p),
		    .file = base ? base + 1 : caps[i].path,
		    .interface = caps[i].ifname,
		    .host = caps[i].side == GUEST_SIDE ? guest_name : host_name,
		    .drops = caps[i].drops >= 0 ? caps[i].drops : -1,
		    .octets = caps[i].bytes,
		    .complete = final && !caps[i].failed,
		};
	}
	struct verr err_m = {0};
	if (manifest_write(dir, &m, &err_m) != 0)
		return verr_set(err, err_m.status, "%s%s", err_m.msg,
				final ? " (the one written at the start stays)" : "");
	return 0;
}

int oneshot_run(const struct oneshot_opts *o, struct analysis_opts *ao, FILE *out,
		bool *reported, struct verr *err)
{
	*reported = false;
	bool local = strcmp(o->host, "-") == 0 || strcmp(o->host, "localhost") == 0;
	struct side side[2];
	memset(side, 0, sizeof side);
	side[HOST_SIDE].spec = o->host;
	side[GUEST_SIDE].spec = o->guest;
	struct cap caps[POINT_N];
	struct job jobs[4];
	int ncap = 0, njob = 0, rc = -1;
	memset(caps, 0, sizeof caps);
	memset(jobs, 0, sizeof jobs);
	char dir[1024] = "";
	struct timespec wall0 = {0, 0}, wall1 = {0, 0};
	/* Ctrl-C, SIGTERM and SIGHUP alike: stop, fetch, report */
	struct sigaction sa, old_int, old_term, old_hup;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	signal(SIGPIPE, SIG_IGN);
	interrupted = 0;
	for (int s = 0; s < 2; s++) {
		struct ssh_target t;
		if (s == HOST_SIDE && local)
			continue;
		if (ssh_target_parse(side[s].spec, &o->ssh, &t, err) != 0)
			goto out;
		if ((side[s].c = ssh_connect(&t, &o->ssh, err)) == NULL)
			goto out;
	}
	/* discovery */
	char hout[2048], gout[2048], buf[256], tmp[256];
	/* the host address the client reached: the guest's route toward it */
	/* (here: the address the guest sees this host's session come from) */
	if (ssh_run(local ? side[GUEST_SIDE].c : side[HOST_SIDE].c,
		    "echo \"conn $SSH_CONNECTION\"; echo \"uid $(id -u)\"", hout, sizeof hout, NULL, 10,
		    err) != 0)
		goto out;
	char haddr[64] = "";
	field(hout, "conn", buf, sizeof buf);
	sscanf(buf, local ? "%63s" : "%*s %*s %63s", haddr);
	if (run_script(&side[GUEST_SIDE], GUEST_DISCOVER, haddr, gout, sizeof gout, err) != 0)
		goto out;
	char gmac[64];
	field(gout, "mac", gmac, sizeof gmac);
	field(gout, "conn", side[GUEST_SIDE].conn, sizeof side[GUEST_SIDE].conn);
	if (need_root(&side[GUEST_SIDE], field(gout, "uid", tmp, sizeof tmp) ? tmp : "", err) != 0)
		goto out;
	if (local) {
		if (local_script(HOST_DISCOVER, gmac, hout, sizeof hout, err) != 0)
			goto out;
		side[HOST_SIDE].conn[0] = '\0'; /* no session of its own to exclude */
	} else {
		if (run_script(&side[HOST_SIDE], HOST_DISCOVER, gmac, hout, sizeof hout, err) != 0)
			goto out;
		field(hout, "conn", side[HOST_SIDE].conn, sizeof side[HOST_SIDE].conn);
		if (need_root(&side[HOST_SIDE], field(hout, "uid", tmp, sizeof tmp) ? tmp : "",
			      err) != 0)
			goto out;
	}
	const char *host_name = local ? "localhost" : ssh_name(side[HOST_SIDE].c);
	static const char *const key[POINT_N] = {"nic", "bridge", "tap", "dev"};
	for (int p = 0; p < POINT_N; p++) {
		struct cap *c = &caps[ncap];
		c->p = (enum point)p;
		c->side = p == POINT_GUEST ? GUEST_SIDE : HOST_SIDE;
		c->drops = -1;
		if (o->ifname[p])
			snprintf(c->ifname, sizeof c->ifname, "%s", o->ifname[p]);
		else
			field(p == POINT_GUEST ? gout : hout, key[p], c->ifname, sizeof c->ifname);
		if (c->ifname[0] == '\0') {
			verr_set(err, VERR_REMOTE, "%s: could not find the %s capture point (guest MAC %s)%s",
				 c->side == HOST_SIDE ? host_name : ssh_name(side[c->side].c),
				 point_name(c->p), gmac[0] ? gmac : "unknown",
				 p == POINT_GUEST ? "" : "; give it with --nic, --bridge or --vnet");
			goto out;
		}
		if (!safe_ifname(c->ifname)) {
			verr_set(err, VERR_INPUT, "%s: not an interface name", c->ifname);
			goto out;
		}
		ncap++;
	}
	char gaddrs[256];
	field(gout, "addrs", gaddrs, sizeof gaddrs);
	fprintf(stderr, "vocalc: points: nic %s, bridge %s, vnet %s on %s; guest %s (%s, %s) on %s\n",
		caps[0].ifname, caps[1].ifname, caps[2].ifname, host_name,
		caps[3].ifname, gmac, gaddrs, ssh_name(side[GUEST_SIDE].c));
	/* the filter: both SSH sessions out, then the user's */
	char ex1[300], ex2[300], filt[2048], qf[2200];
	exclude_clause(side[HOST_SIDE].conn, ex1, sizeof ex1);
	exclude_clause(side[GUEST_SIDE].conn, ex2, sizeof ex2);
	snprintf(filt, sizeof filt, "not (tcp and (%s%s%s))%s%s%s", ex1[0] ? ex1 : "",
		 ex1[0] && ex2[0] ? " or " : "", ex2[0] ? ex2 : "", o->filter ? " and (" : "",
		 o->filter ? o->filter : "", o->filter ? ")" : "");
	if (!ex1[0] && !ex2[0])
		snprintf(filt, sizeof filt, "%s", o->filter ? o->filter : "");
	if (!sh_quote(filt, qf, sizeof qf)) {
		verr_set(err, VERR_INPUT, "--filter: too long");
		goto out;
	}
	if (make_run_dir(o, dir, sizeof dir, err) != 0)
		goto out;
	int limit = (int)o->duration_s + 60;
	for (int i = 0; i < ncap; i++)
		snprintf(caps[i].path, sizeof caps[i].path, "%s/%s.pcap", dir, point_name(caps[i].p));
	if (write_manifest(dir, o, caps, ncap, host_name, ssh_name(side[GUEST_SIDE].c), 0, 0, false,
			   err) != 0)
		goto out;
	for (int i = 0; i < ncap; i++) {
		struct cap *c = &caps[i];
		if (local && c->side == HOST_SIDE) {
			if ((c->lc = localcap_start(c->ifname, o->snaplen, filt, c->path, err)) == NULL)
				goto stop;
			c->listening = true;
			continue;
		}
		if ((c->f = fopen(c->path, "wx")) == NULL) {
			verr_set(err, VERR_INPUT, "%s: %s", c->path, strerror(errno));
			goto stop;
		}
		char cmd[3000], target[160] = "-";
		if (o->spool) {
			snprintf(c->spool, sizeof c->spool, "/dev/shm/vocalc-%ld-%ld-%s.pcap",
				 (long)getpid(), (long)time(NULL), point_name(c->p));
			snprintf(target, sizeof target, "%s", c->spool);
		}
		snprintf(cmd, sizeof cmd,
			 "tcpdump -i %s --time-stamp-precision=nano --immediate-mode -s %d -U -w %s %s",
			 c->ifname, o->snaplen, target, qf);
		if ((c->st = start_guarded(&side[c->side], cmd, limit, err)) == NULL)
			goto stop;
	}
	/* wait until every capture listens */
	double t_wait = mono();
	char data[65536];
	for (;;) {
		int ready = 0;
		for (int i = 0; i < ncap; i++) {
			struct cap *c = &caps[i];
			long n;
			if (c->lc) {
				ready++;
				continue;
			}
			n = take(c, c->st, data, sizeof data);
			c->pid = c->pid ? c->pid : pid_of(c->st);
			c->listening = strstr(ssh_stream_stderr(c->st), "listening on") != NULL;
			if (n < 0 && !c->listening) {
				verr_set(err, VERR_REMOTE, "%s: tcpdump on %s did not start: %.300s",
					 ssh_name(side[c->side].c), c->ifname,
					 ssh_stream_stderr(c->st));
				goto stop;
			}
			ready += c->listening;
		}
		if (ready == ncap)
			break;
		if (mono() - t_wait > 15 || interrupted) {
			verr_set(err, VERR_REMOTE, "the captures did not all start within 15 s");
			goto stop;
		}
		usleep(20000);
	}
	/* probes and workloads */
	char gip[64] = "";
	sscanf(gaddrs, "%63s", gip);
	if (o->probe_rate > 0 && gip[0]) {
		char cmd[256];
		snprintf(cmd, sizeof cmd, "ping -q -i %.3f %s", 1.0 / o->probe_rate, gip);
		if (local) {
			char lcmd[300];
			snprintf(lcmd, sizeof lcmd, "exec %s >/dev/null 2>&1", cmd);
			jobs[njob] = (struct job){HOST_SIDE, NULL, local_start(lcmd), 0, "probes"};
			if (jobs[njob++].local < 0) {
				verr_set(err, VERR_REMOTE, "this host: cannot start ping");
				goto stop;
			}
		} else {
			jobs[njob] = (struct job){HOST_SIDE, start_guarded(&side[HOST_SIDE], cmd, limit, err),
						  0, 0, "probes"};
			if (jobs[njob++].st == NULL)
				goto stop;
		}
	}
	const char *wl[2] = {o->workload_host, o->workload_guest};
	for (int s = 0; s < 2; s++) {
		if (!wl[s])
			continue;
		if (local && s == HOST_SIDE) {
			jobs[njob] = (struct job){s, NULL, local_start(wl[s]), 0, "workload"};
			if (jobs[njob++].local < 0) {
				verr_set(err, VERR_REMOTE, "this host: cannot start the workload");
				goto stop;
			}
			continue;
		}
		char q[2100], cmd[2300], full[2400];
		if (!sh_quote(wl[s], q, sizeof q)) {
			verr_set(err, VERR_INPUT, "workload command too long");
			goto stop;
		}
		snprintf(cmd, sizeof cmd, "sh -c %s", q);
		/* the workload runs as the login user, not under sudo */
		struct side plain = side[s];
		plain.sudo[0] = '\0';
		(void)full;
		jobs[njob] = (struct job){s, start_guarded(&plain, cmd, limit, err), 0, 0, "workload"};
		if (jobs[njob++].st == NULL)
			goto stop;
	}
	double t_start = mono();
	clock_gettime(CLOCK_REALTIME, &wall0);
	double last_shown = 0;
	bool lost = false;
	while (!interrupted && mono() - t_start < o->duration_s) {
		struct pollfd pfd[2] = {{side[0].c ? ssh_socket(side[0].c) : -1, POLLIN, 0},
					{ssh_socket(side[1].c), POLLIN, 0}};
		poll(pfd, 2, 50);
		for (int i = 0; i < ncap; i++) {
			struct cap *c = &caps[i];
			long n;
			if (c->lc) {
				if (localcap_failed(c->lc) && !c->failed) {
					c->failed = lost = true;
					verr_set(err, VERR_REMOTE, "this host: the %s capture (%s) failed",
						 point_name(c->p), c->ifname);
				}
				continue;
			}
			n = take(c, c->st, data, sizeof data);
			if (c->write_errno && !c->failed) {
				c->failed = lost = true;
				verr_set(err, VERR_REMOTE,
					 "%s: writing the %s capture failed: %s (what was written "
					 "before is kept)",
					 c->path, point_name(c->p), strerror(c->write_errno));
			}
			if (n < 0 && !c->failed) {
				c->failed = true;
				lost = true;
				verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) ended early: %s",
					 ssh_name(side[c->side].c), point_name(c->p), c->ifname,
					 ssh_lost(side[c->side].c) ? "connection lost"
								   : "tcpdump exited");
			}
		}
		for (int j = 0; j < njob; j++) {
			char junk[4096];
			long n;
			if (jobs[j].st == NULL || ssh_stream_eof(jobs[j].st))
				continue;
			while ((n = ssh_stream_read(jobs[j].st, junk, sizeof junk)) > 0)
				;
			jobs[j].pid = jobs[j].pid ? jobs[j].pid : pid_of(jobs[j].st);
			if (n < 0 && ssh_stream_exit(jobs[j].st) > 0) {
				/* ended by itself, and not well: say so (the run goes on) */
				const char *e = ssh_stream_stderr(jobs[j].st), *m = strchr(e, '\n');
				fprintf(stderr, "vocalc: %s: the %s exited with status %d: %.300s\n",
					ssh_name(side[jobs[j].side].c), jobs[j].what,
					ssh_stream_exit(jobs[j].st), m ? m + 1 : e);
			}
		}
		for (int s = 0; s < 2; s++)
			if (side[s].c && ssh_keepalive(side[s].c) != 0)
				lost = true;
		/* A side whose watchdogs' heartbeats stopped is stalled (stopped,
		 * frozen, or its network gone without a reset): given up, so that
		 * nothing waits on it; its captures stop by themselves. */
		for (int s = 0; s < 2 && !lost; s++)
			if (side[s].c && ssh_idle_s(side[s].c) > STALL_S) {
				ssh_give_up(side[s].c);
				lost = true;
				for (int i = 0; i < ncap; i++)
					if (caps[i].side == s && !caps[i].lc)
						caps[i].failed = true;
				verr_set(err, VERR_REMOTE,
					 "%s: nothing heard for %d s: it stalled (the %s capture is cut "
					 "here; what arrived is kept; its captures stop by themselves "
					 "once its SSH server resumes or within %d s)",
					 ssh_name(side[s].c), STALL_S,
					 s == GUEST_SIDE ? "guest" : "host points'", limit);
			}
		if (lost)
			break;
		if (o->progress && mono() - last_shown > 0.5) {
			last_shown = mono();
			fprintf(stderr, "\rvocalc: capturing, %4.0f s left; %s %.1f MB, %s %.1f MB ",
				o->duration_s - (last_shown - t_start), point_name(caps[0].p),
				caps[0].bytes / 1e6, point_name(caps[3].p), caps[3].bytes / 1e6);
		}
	}
	if (o->progress && last_shown > 0)
		fputc('\n', stderr);
	if (interrupted)
		fprintf(stderr, "vocalc: interrupted: stopping the captures, analyzing what arrived\n");
	clock_gettime(CLOCK_REALTIME, &wall1);
stop:
	/* stop the jobs, then the captures (they catch the last packets) */
	for (int j = 0; j < njob; j++)
		if (jobs[j].local > 0) {
			local_stop(jobs[j].local);
			jobs[j].local = 0;
		}
	long pids[POINT_N + 4];
	for (int s = 0; s < 2; s++)
		kill_pids(&side[s], pids, pids_on(s, caps, 0, jobs, njob, pids), "TERM");
	usleep(300000);
	for (int s = 0; s < 2; s++)
		kill_pids(&side[s], pids, pids_on(s, caps, ncap, jobs, 0, pids), "TERM");
	for (int i = 0; i < ncap; i++)
		if (caps[i].lc) {
			localcap_stop(caps[i].lc, &caps[i].drops, &caps[i].bytes);
			caps[i].lc = NULL;
		}
	double t_end = mono();
	for (bool open = true; open && mono() - t_end < 5;) {
		open = false;
		for (int i = 0; i < ncap; i++) {
			struct cap *c = &caps[i];
			if (!c->st || ssh_stream_eof(c->st))
				continue;
			if (take(c, c->st, data, sizeof data) == 0)
				open = true;
		}
		if (open)
			usleep(20000);
	}
	/* A capture that ended with an error status failed, whenever it ended:
	 * one stopped by us exits 0 (tcpdump), or by the signal (143, 137). */
	for (int i = 0; i < ncap; i++) {
		struct cap *c = &caps[i];
		int x = c->st && ssh_stream_eof(c->st) ? ssh_stream_exit(c->st) : -1;
		if (x > 0 && x != 128 + SIGTERM && x != 128 + SIGKILL && !c->failed) {
			c->failed = true;
			verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) ended early: tcpdump exited "
				 "with status %d",
				 ssh_name(side[c->side].c), point_name(c->p), c->ifname, x);
		}
	}
	for (int s = 0; s < 2; s++)
		verify_gone(&side[s], pids, pids_on(s, caps, ncap, jobs, njob, pids));
	/* --spool: fetch each capture from the remote tmpfs, then remove it there */
	for (int i = 0; i < ncap; i++) {
		struct cap *c = &caps[i];
		struct side *sd = &side[c->side];
		if (!c->spool[0] || !c->f || !sd->c || ssh_lost(sd->c)) {
			if (c->spool[0] && c->st)
				fprintf(stderr, "vocalc: %s: the %s capture stays in %s there\n",
					c->side == HOST_SIDE && local ? "localhost" : ssh_name(sd->c),
					point_name(c->p), c->spool);
			continue;
		}
		char q[200], cmd[600];
		sh_quote(c->spool, q, sizeof q);
		snprintf(cmd, sizeof cmd, "%scat %s && %srm -f %s", sd->sudo, q, sd->sudo, q);
		struct verr fe = {0};
		struct ssh_stream *fs = ssh_start(sd->c, cmd, &fe);
		while (fs && take(c, fs, data, sizeof data) == 0)
			usleep(2000);
		if (fs == NULL || ssh_stream_exit(fs) != 0 || ssh_lost(sd->c)) {
			c->failed = true;
			verr_set(err, VERR_REMOTE, "%s: could not fetch %s (the capture stays there)",
				 ssh_name(sd->c), c->spool);
		}
		ssh_stream_free(fs);
	}
	for (int i = 0; i < ncap; i++) {
		struct cap *c = &caps[i];
		if (c->st) {
			const char *d = strstr(ssh_stream_stderr(c->st), " packets dropped by kernel");
			if (d) {
				const char *b = d;
				while (b > ssh_stream_stderr(c->st) && b[-1] >= '0' && b[-1] <= '9')
					b--;
				c->drops = strtol(b, NULL, 10);
			}
		}
		if (c->f && fclose(c->f) != 0) {
			c->failed = true;
			verr_set(err, VERR_REMOTE, "%s: completing the capture file failed: %s",
				 c->path, strerror(errno));
		}
		c->f = NULL;
	}
	if (dir[0] && ncap == POINT_N && (caps[0].st || caps[0].bytes)) {
		/* what arrived is analyzed, even after a failure: each stream that
		 * is a capture (a remote tcpdump may have written anything), marked
		 * in the manifest if not */
		for (int i = 0; i < ncap; i++) {
			struct cap *c = &caps[i];
			if (c->bytes < 24)
				continue; /* nothing arrived: not a capture */
			struct verr ve = {0};
			struct reader *r = reader_open(c->path, true, &ve);
			if (r == NULL) {
				verr_set(err, VERR_REMOTE, "%s: the %s capture (%s) is no capture: %s",
					 c->side == HOST_SIDE && local ? "localhost"
								       : ssh_name(side[c->side].c),
					 point_name(c->p), c->ifname, ve.msg);
				c->failed = true;
				continue;
			}
			reader_close(r);
			ao->file[c->p] = c->path;
			ao->drops[c->p] = c->drops;
		}
		if (write_manifest(dir, o, caps, ncap, local ? "localhost" : ssh_name(side[HOST_SIDE].c),
				   ssh_name(side[GUEST_SIDE].c), wall0.tv_sec + wall0.tv_nsec / 1e9,
				   wall1.tv_sec + wall1.tv_nsec / 1e9, true, err) != 0)
			goto out;
		fprintf(stderr, "vocalc: saved %s (vocalc analyze %s re-analyzes it)\n", dir, dir);
		ao->allow_truncated = true; /* a stream cut by a lost connection ends mid-record */
		struct analysis a;
		struct verr aerr = {0};
		int npts = 0;
		for (int p = 0; p < POINT_N; p++)
			npts += ao->file[p] != NULL;
		if (npts >= 2 && analysis_run(&a, ao, &aerr) == 0) {
			struct report_opts ro = {.fmt = o->json ? REPORT_JSON : REPORT_TEXT,
						 .kind = REPORT_ANALYSIS};
			struct verr rerr = {0};
			if (report_write(out, &ro, &a, &rerr) == 0)
				*reported = true;
			else if (err->status == 0)
				*err = rerr;
		} else if (err->status == 0 && npts >= 2) {
			/* the captures were made here: what they hold is a capture failure */
			verr_set(err, VERR_REMOTE, "the run's captures could not be analyzed: %s",
				 aerr.msg);
		} else if (err->status == 0) {
			verr_set(err, VERR_REMOTE, "fewer than two points captured anything");
		}
		if (npts >= 2)
			analysis_free(&a);
		if (err->status == 0 && aerr.status == 0)
			rc = 0;
	}
out:
	for (int i = 0; i < ncap; i++) {
		if (caps[i].f)
			fclose(caps[i].f);
		ssh_stream_free(caps[i].st);
		long d;
		uint64_t b;
		localcap_stop(caps[i].lc, &d, &b);
	}
	for (int j = 0; j < njob; j++) {
		ssh_stream_free(jobs[j].st);
		local_stop(jobs[j].local);
	}
	for (int s = 0; s < 2; s++)
		ssh_close(side[s].c);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	return rc;
}
