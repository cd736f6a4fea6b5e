/* oneshot — `vocalc HOST GUEST`: connect to both over SSH, discover the four
 * capture points, capture at all of them at once, save the run, analyze it.
 *
 * Discovery: on GUEST, the interface the route toward the host's address
 * leaves by, its MAC and addresses; on HOST, the tap whose MAC is the guest's
 * but for the first octet (libvirt, QEMU), else the bridge port the bridge's
 * FDB learned the guest MAC on; the bridge that tap is enslaved to; the NIC
 * among the bridge's other ports (a physical device first, taps never), else
 * the default route's device.  Every point can be given instead.
 *
 * Capture: tcpdump at each point (nanosecond stamps, immediate mode, snaplen,
 * the user's filter), the SSH sessions' own packets excluded by filter,
 * under `timeout` (a capture outlives vocalc by 60 s at most even if vocalc
 * is killed) and `sudo -n` when not root; each capture's pcap streams back
 * over its SSH channel into captures/<run-id>/<point>.pcap.  The clock
 * starts once every tcpdump says it is listening.  Stopping: SIGINT to each
 * remembered PID, the rest of the stream read, the kernel drop counts kept;
 * then every PID checked gone (killed if not).  With spool, each tcpdump
 * writes to /dev/shm on its machine instead, fetched (and removed there)
 * after the stop: no capture traffic on the SSH links while capturing. */
#ifndef VOCALC_ONESHOT_H
#define VOCALC_ONESHOT_H

#include <stdbool.h>
#include <stdio.h>

#include "analyze.h"
#include "ssh.h"

/* Guests one run takes at most (each logged-into one is an SSH session). */
enum { ONESHOT_MAX_GUESTS = 16 };

struct oneshot_opts {
	const char *host;          /* [user@]host[:port], or localhost/- */
	const char *guest[ONESHOT_MAX_GUESTS]; /* the guests logged into: [user@]host[:port] */
	int nguests;
	/* Guests nobody logs into (--guest-ip, --guest-mac, --domain):
	 * "ip=ADDR", "mac=MAC" or "dom=NAME", validated; found on the host by
	 * their address, MAC or libvirt domain (hostfind.h). */
	const char *nologin[ONESHOT_MAX_GUESTS];
	int nnologin;
	bool libvirt;              /* --libvirt: every running domain of the host too */
	struct ssh_opts ssh;
	const char *ifname[POINT_N]; /* --nic, --bridge, --vnet, --guest-if; NULL: discover */
	double duration_s;         /* 10 */
	int snaplen;               /* 192 */
	const char *filter;        /* pcap syntax, or NULL */
	double probe_rate;         /* pings host -> guest per second; 0: none */
	const char *workload_guest, *workload_host;
	const char *out_dir;       /* NULL: captures/<run-id> */
	const char *cmdline;       /* for the manifest */
	bool json, progress;
	bool spool;                /* capture to the remote tmpfs, fetch at the end */
};

/* The defaults: 10 s, snaplen 192, 100 probes a second, SSH connect timeout
 * 10 s, a progress line when stderr is a terminal; no point given. */
void oneshot_opts_default(struct oneshot_opts *o);

/* Where a run was saved.  A run of one logged-into guest is analyzed and
 * reported by oneshot_run; a run of several guests (or of one nobody logged
 * into) is saved with the manifest of several guests (manifest.h) and left
 * to the caller to analyze as `vocalc analyze DIR` does (multi set): one
 * reading of it, the same figures either way. */
struct oneshot_saved {
	bool saved;      /* dir holds the run and its final manifest */
	bool multi;      /* a run of several guests: not analyzed here */
	char dir[1024];
};

/* Runs it all and writes the report to out.  0, or -1 with err set; a run
 * that lost a point still analyzes what arrived and returns -1 with
 * VERR_REMOTE after writing the report (*reported set). */
int oneshot_run(const struct oneshot_opts *o, struct analysis_opts *ao, FILE *out,
		bool *reported, struct oneshot_saved *saved, struct verr *err);

/* ---- vocalc watch: the same captures kept running, cut into windows ---- */

/* A capture point's state, as each window closes. */
struct oneshot_point_state {
	enum point p;
	int guest;         /* the guest (index in the run's order) it is of; -1: shared */
	bool up;           /* capturing now */
	bool complete;     /* captured the whole window (never down in it) */
	double down_s;     /* seconds it was down in the window */
	uint64_t restarts; /* times it was restarted so far */
	long drops;        /* the kernel's drops so far, over every run of it; -1 unknown */
};

struct oneshot_watch {
	double interval_s;     /* a window every this long (>= 1) */
	double restart_max_s;  /* a failed capture is restarted after 1, 2, 4 ... s, at most this */
	void *ctx;
	/* Once, after the discovery: the guests' names in the run's order. */
	void (*guests)(void *ctx, const char *const *names, int n);
	/* Window `index` [t0, t1) (unix s) is complete in dir, with a manifest
	 * of several guests (`vocalc analyze dir` reads it); ps: every point.
	 * Called on the capturing thread: it must hand the work on, not do it. */
	void (*window)(void *ctx, const char *dir, uint64_t index, double t0, double t1,
		       const struct oneshot_point_state *ps, int n);
	/* Guest g's clock (guest - host, ns) as last estimated, to cut its
	 * stamps at the window's time; 0 when not known. */
	int64_t (*guest_offset_ns)(void *ctx, int g);
	/* A capture went down or came up again (at once, not at the window's
	 * end: the gap shows while it lasts).  May be NULL. */
	void (*point_up)(void *ctx, enum point p, int guest, bool up);
	/* A SIGHUP arrived (reopen the log, say). */
	void (*hangup)(void *ctx);
	/* Once a second, on the capturing thread (the windows' worker may be
	 * reaped, the alarms' commands): may be NULL. */
	void (*tick)(void *ctx);
};

/* Connects and discovers as oneshot_run does, then captures until SIGINT
 * or SIGTERM, every point's stream cut into windows under dir/ring/ (dir:
 * o->out_dir, else captures/<stamp>; *dir_out set), a failed capture (or
 * a lost SSH session) restarted with backoff, the kernel's drops asked of
 * every tcpdump once a window (SIGUSR1).  Stops as oneshot_run stops:
 * nothing is left running on any side.  0 once stopped by a signal, or
 * -1 with err set (nothing could start). */
int oneshot_watch_run(const struct oneshot_opts *o, const struct oneshot_watch *w,
		      char *dir_out, size_t cap, struct verr *err);

#endif
