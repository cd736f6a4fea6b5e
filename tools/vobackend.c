/* vobackend — a user-space hypervisor network backend with known delay.
 *
 * Like QEMU's tap backend, it reads the frames the host's bridge hands the
 * guest's tap (vnet) and writes them to the guest's interface, and the
 * reverse.  Here the guest's interface is a tap too (eth0 in the guest's
 * network namespace), so a namespace plays the VM.  Each direction gets a
 * programmable delay:
 *
 *   const:US          every frame US microseconds
 *   uniform:LO:HI     uniform in [LO, HI] us
 *   exp:MEAN          exponential with mean MEAN us
 *   desched:HOLD/PER  "vCPU descheduled": for HOLD ms of every PER ms no frame
 *                     is delivered; those due then are released together at
 *                     the end of the hold
 *
 * joined with '+' (e.g. const:100+desched:5/20), on top of a fixed 50 us
 * pipeline every frame goes through.  Frames keep their order
 * (FIFO per direction).  Every frame is logged when released: direction,
 * receive and release time (CLOCK_REALTIME ns), length, and for IPv4/IPv6
 * TCP "tcp" with the flags, seq, ack, payload length, source and destination
 * port (else "-" for each), so tests know the delay each frame got.
 *
 * usage: vobackend --host-ns NS --host-tap IF --guest-ns NS --guest-tap IF
 *                  [--to-guest SPEC] [--from-guest SPEC] [--log FILE]
 *                  [--seed N] [--pidfile FILE]
 * Runs until SIGTERM or SIGINT. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

enum { SLOT = 2048, QLEN = 16384 };
#define SPIN_NS 300000
/* Every frame takes the same timed path, whatever the delay asked for: a
 * fixed 50 us pipeline, then the injected delay.  So a run with zero
 * injection and one with 2 ms differ by exactly 2 ms (a frame released at
 * once would skip the sleep and spin that a delayed one goes through). */
#define PIPELINE_NS 50000
enum { TO_GUEST, FROM_GUEST };

struct spec {
	double const_us, uni_lo, uni_hi, exp_mean;
	int64_t hold_ns, period_ns;
};

struct frame {
	int64_t recv, due;
	uint16_t len;
	uint8_t data[SLOT];
};

struct queue {
	struct frame *f;
	size_t head, n;
	int64_t last_due;
	uint64_t dropped;
};

static volatile sig_atomic_t stop;
static void on_signal(int sig) { (void)sig; stop = 1; }

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "vobackend: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static void parse_spec(const char *text, struct spec *s)
{
	memset(s, 0, sizeof *s);
	char *copy = strdup(text), *save = NULL;
	for (char *t = strtok_r(copy, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		double a, b;
		char extra;
		if (sscanf(t, "const:%lf%c", &a, &extra) == 1 && a >= 0)
			s->const_us += a;
		else if (sscanf(t, "uniform:%lf:%lf%c", &a, &b, &extra) == 2 && a >= 0 && b >= a) {
			s->uni_lo = a;
			s->uni_hi = b;
		} else if (sscanf(t, "exp:%lf%c", &a, &extra) == 1 && a > 0)
			s->exp_mean = a;
		else if (sscanf(t, "desched:%lf/%lf%c", &a, &b, &extra) == 2 && a > 0 && b > a) {
			s->hold_ns = (int64_t)(a * 1e6);
			s->period_ns = (int64_t)(b * 1e6);
		} else if (strcmp(t, "none") != 0)
			die("bad delay spec '%s' (const:US, uniform:LO:HI, exp:MEAN, desched:HOLD/PERIOD)",
			    t);
	}
	free(copy);
}

static uint64_t seed = 88172645463325252ULL;
static __thread uint64_t rng_state;
static double uniform01(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return ((rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static int64_t t_start;

/* When a frame received at recv leaves: its delay, FIFO, then the holds. */
static int64_t due_of(const struct spec *s, struct queue *q, int64_t recv)
{
	double d = s->const_us;
	if (s->uni_hi > 0)
		d += s->uni_lo + (s->uni_hi - s->uni_lo) * uniform01();
	if (s->exp_mean > 0)
		d += -s->exp_mean * log(uniform01());
	int64_t due = recv + PIPELINE_NS + (int64_t)(d * 1e3);
	if (due < q->last_due)
		due = q->last_due;
	if (s->period_ns > 0) {
		int64_t ph = (due - t_start) % s->period_ns;
		if (ph < s->hold_ns)
			due += s->hold_ns - ph;
	}
	q->last_due = due;
	return due;
}

static int open_tap(const char *ns, const char *name)
{
	char path[256];
	snprintf(path, sizeof path, "/run/netns/%s", ns);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		die("cannot open network namespace %s", path);
	if (setns(nsfd, CLONE_NEWNET) != 0)
		die("cannot enter network namespace %s", ns);
	close(nsfd);
	int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("cannot open %s", "/dev/net/tun");
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(fd, TUNSETIFF, &ifr) != 0)
		die("cannot attach to tap %s (create it first: ip tuntap add mode tap)", name);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

/* TCP fields for the log, if the frame is IPv4 or IPv6 TCP. */
static void log_frame(FILE *log, int dir, const struct frame *f, int64_t released)
{
	const uint8_t *p = f->data;
	size_t n = f->len, off = 14;
	char tcp[128] = "- - - - - - -";
	if (n >= 14) {
		unsigned et = (unsigned)p[12] << 8 | p[13];
		if (et == 0x8100 && n >= 18) {
			et = (unsigned)p[16] << 8 | p[17];
			off = 18;
		}
		size_t l4 = 0, iplen = 0;
		int proto = -1;
		if (et == 0x0800 && n >= off + 20) {
			l4 = off + (size_t)(p[off] & 15) * 4;
			proto = p[off + 9];
			iplen = (size_t)(p[off + 2] << 8 | p[off + 3]) + off;
		} else if (et == 0x86dd && n >= off + 40) {
			l4 = off + 40;
			proto = p[off + 6];
			iplen = (size_t)(p[off + 4] << 8 | p[off + 5]) + off + 40;
		}
		if (proto == 6 && n >= l4 + 20 && iplen >= l4 + 20) {
			const uint8_t *t = p + l4;
			size_t hl = (size_t)(t[12] >> 4) * 4;
			uint32_t seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | t[6] << 8 | t[7];
			uint32_t ack = (uint32_t)t[8] << 24 | (uint32_t)t[9] << 16 | t[10] << 8 | t[11];
			snprintf(tcp, sizeof tcp, "tcp %u %u %u %zu %u %u", t[13], seq, ack,
				 iplen > l4 + hl ? iplen - l4 - hl : 0, t[0] << 8 | t[1], t[2] << 8 | t[3]);
		}
	}
	fprintf(log, "%s %lld %lld %u %s\n", dir == TO_GUEST ? "to_guest" : "from_guest",
		(long long)f->recv, (long long)released, f->len, tcp);
}

static struct spec spec[2];
static struct queue q[2];
static int fd[2];
static FILE *logfile;

/* One direction, on its own thread (as a hypervisor has an I/O thread per
 * queue): read frames from fd[d], release each when due into fd[1 - d]. */
static void *run(void *arg)
{
	int d = (int)(intptr_t)arg;
	struct queue *qd = &q[d];
	rng_state = seed * (uint64_t)(d + 1) | 1;
	while (!stop) {
		/* release what is due, in order, back to back */
		int64_t now = now_ns(), next = INT64_MAX;
		while (qd->n) {
			struct frame *f = &qd->f[qd->head];
			if (f->due > now) {
				next = f->due;
				break;
			}
			ssize_t w = write(fd[1 - d], f->data, f->len);
			(void)w; /* a full queue on the far side drops, as a real NIC's would */
			if (logfile)
				log_frame(logfile, d, f, now_ns());
			qd->head = (qd->head + 1) % QLEN;
			qd->n--;
			now = now_ns();
		}
		struct pollfd pfd = {fd[d], POLLIN, 0};
		/* wake early and spin the rest: a timer wakes tens of us late, and
		 * the delay must be what was asked for; look at `stop` every 100 ms */
		int64_t wait = next == INT64_MAX ? 100000000 : next - now_ns() - SPIN_NS;
		if (wait < 0)
			wait = 0;
		struct timespec ts = {wait / 1000000000, wait % 1000000000};
		if (ppoll(&pfd, 1, &ts, NULL) < 0) {
			if (errno == EINTR)
				continue;
			die("poll: %s", strerror(errno));
		}
		if (!(pfd.revents & POLLIN))
			continue;
		for (;;) { /* drain what is there */
			if (qd->n == QLEN) {
				uint8_t junk[SLOT];
				if (read(fd[d], junk, sizeof junk) <= 0)
					break;
				qd->dropped++;
				continue;
			}
			struct frame *f = &qd->f[(qd->head + qd->n) % QLEN];
			ssize_t r = read(fd[d], f->data, SLOT);
			if (r <= 0)
				break;
			f->len = (uint16_t)r;
			f->recv = now_ns();
			f->due = due_of(&spec[d], qd, f->recv);
			qd->n++;
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	const char *host_ns = NULL, *host_tap = "vnet0", *guest_ns = NULL, *guest_tap = "eth0";
	const char *spec_text[2] = {"none", "none"}, *log_path = NULL, *pidfile = NULL;
	static const struct option opts[] = {
	    {"host-ns", required_argument, NULL, 1},  {"host-tap", required_argument, NULL, 2},
	    {"guest-ns", required_argument, NULL, 3}, {"guest-tap", required_argument, NULL, 4},
	    {"to-guest", required_argument, NULL, 5}, {"from-guest", required_argument, NULL, 6},
	    {"log", required_argument, NULL, 7},      {"seed", required_argument, NULL, 8},
	    {"pidfile", required_argument, NULL, 9},  {NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 1: host_ns = optarg; break;
		case 2: host_tap = optarg; break;
		case 3: guest_ns = optarg; break;
		case 4: guest_tap = optarg; break;
		case 5: spec_text[TO_GUEST] = optarg; break;
		case 6: spec_text[FROM_GUEST] = optarg; break;
		case 7: log_path = optarg; break;
		case 8: seed = strtoull(optarg, NULL, 10) | 1; break;
		case 9: pidfile = optarg; break;
		default: die("%s", "usage: vobackend --host-ns NS --guest-ns NS [options] (see the source)");
		}
	}
	if (!host_ns || !guest_ns)
		die("%s", "--host-ns and --guest-ns are required");
	parse_spec(spec_text[TO_GUEST], &spec[TO_GUEST]);
	parse_spec(spec_text[FROM_GUEST], &spec[FROM_GUEST]);
	fd[TO_GUEST] = open_tap(host_ns, host_tap);    /* read: frames toward the guest */
	fd[FROM_GUEST] = open_tap(guest_ns, guest_tap); /* read: frames the guest sends */
	if (log_path && (logfile = fopen(log_path, "a")) == NULL) /* a restart appends */
		die("cannot write the log %s", log_path);
	if (logfile)
		setvbuf(logfile, NULL, _IOFBF, 1 << 16);
	if (pidfile) {
		FILE *pf = fopen(pidfile, "w");
		if (pf == NULL)
			die("cannot write %s", pidfile);
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);
	/* a hypervisor's I/O thread: ahead of the traffic it carries (best effort) */
	struct sched_param sp = {.sched_priority = 10};
	if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
		fprintf(stderr, "vobackend: no real-time priority (%s); delays may jitter\n",
			strerror(errno));
	for (int d = 0; d < 2; d++) {
		memset(&q[d], 0, sizeof q[d]);
		if ((q[d].f = malloc(QLEN * sizeof *q[d].f)) == NULL)
			die("%s", "out of memory");
	}
	t_start = now_ns();
	pthread_t th;
	if (pthread_create(&th, NULL, run, (void *)(intptr_t)TO_GUEST) != 0)
		die("%s", "cannot start a thread");
	run((void *)(intptr_t)FROM_GUEST);
	pthread_join(th, NULL);
	if (logfile)
		fclose(logfile);
	if (q[0].dropped || q[1].dropped)
		fprintf(stderr, "vobackend: queue full, dropped %llu to_guest, %llu from_guest\n",
			(unsigned long long)q[0].dropped, (unsigned long long)q[1].dropped);
	return 0;
}
