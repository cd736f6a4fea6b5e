/* localcap — see localcap.h. */
#include "localcap.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct localcap {
	pcap_t *p;
	pcap_dumper_t *d; /* a file, or NULL: the stream below */
	pthread_t th;
	atomic_int stop, failed;
	/* The stream (localcap_start_stream): a ring of octets the capture
	 * thread fills and localcap_read empties; a record that does not fit
	 * whole is dropped and counted (a reader that fell behind). */
	pthread_mutex_t mu;
	unsigned char *ring;
	size_t head, len; /* first octet, octets held */
	uint64_t ring_drops;
};

enum { RING_OCTETS = 8 << 20 };

static void ring_put(struct localcap *c, const void *b, size_t n)
{
	const unsigned char *x = b;
	size_t tail = (c->head + c->len) % RING_OCTETS;
	size_t k = RING_OCTETS - tail < n ? RING_OCTETS - tail : n;
	memcpy(c->ring + tail, x, k);
	memcpy(c->ring, x + k, n - k);
	c->len += n;
}

/* pcap_dispatch's callback in stream mode: the record as a pcap file has it
 * (its stamp's fraction in the unit the header says). */
static void to_ring(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
	struct localcap *c = (struct localcap *)user;
	uint32_t rh[4] = {(uint32_t)h->ts.tv_sec, (uint32_t)h->ts.tv_usec, h->caplen, h->len};
	pthread_mutex_lock(&c->mu);
	if (RING_OCTETS - c->len < sizeof rh + h->caplen) {
		c->ring_drops++;
	} else {
		ring_put(c, rh, sizeof rh);
		ring_put(c, data, h->caplen);
	}
	pthread_mutex_unlock(&c->mu);
}

static void *loop(void *arg)
{
	struct localcap *c = arg;
	pcap_handler fn = c->d ? pcap_dump : to_ring;
	u_char *user = c->d ? (u_char *)c->d : (u_char *)c;
	while (!atomic_load(&c->stop)) {
		int n = pcap_dispatch(c->p, -1, fn, user);
		if (n == PCAP_ERROR) {
			atomic_store(&c->failed, 1);
			break;
		}
		if (n == PCAP_ERROR_BREAK)
			break;
	}
	return NULL;
}

/* Opens and activates the capture, its filter set; NULL with err set. */
static struct localcap *open_capture(const char *ifname, int snaplen, const char *filter,
				     struct verr *err)
{
	char eb[PCAP_ERRBUF_SIZE] = "";
	struct localcap *c = calloc(1, sizeof *c);
	if (c == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		return NULL;
	}
	c->p = pcap_create(ifname, eb);
	if (c->p == NULL) {
		verr_set(err, VERR_REMOTE, "this host: %s: %s", ifname, eb);
		free(c);
		return NULL;
	}
	pcap_set_snaplen(c->p, snaplen);
	pcap_set_promisc(c->p, 1);
	pcap_set_immediate_mode(c->p, 1);
	pcap_set_timeout(c->p, 100);
	pcap_set_tstamp_precision(c->p, PCAP_TSTAMP_PRECISION_NANO);
	int rc = pcap_activate(c->p);
	if (rc < 0) {
		verr_set(err, VERR_REMOTE, "this host: cannot capture on %s: %s%s", ifname,
			 pcap_geterr(c->p),
			 rc == PCAP_ERROR_PERM_DENIED ? " (needs root or CAP_NET_RAW)" : "");
		goto fail;
	}
	struct bpf_program bp;
	if (filter && *filter) {
		if (pcap_compile(c->p, &bp, filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
			verr_set(err, VERR_INPUT, "filter '%s': %s", filter, pcap_geterr(c->p));
			goto fail;
		}
		rc = pcap_setfilter(c->p, &bp);
		pcap_freecode(&bp);
		if (rc != 0) {
			verr_set(err, VERR_REMOTE, "this host: %s: %s", ifname, pcap_geterr(c->p));
			goto fail;
		}
	}
	pthread_mutex_init(&c->mu, NULL);
	return c;
fail:
	pcap_close(c->p);
	free(c);
	return NULL;
}

static void close_capture(struct localcap *c)
{
	pcap_close(c->p);
	pthread_mutex_destroy(&c->mu);
	free(c->ring);
	free(c);
}

struct localcap *localcap_start(const char *ifname, int snaplen, const char *filter,
				const char *path, struct verr *err)
{
	struct localcap *c = open_capture(ifname, snaplen, filter, err);
	if (c == NULL)
		return NULL;
	/* never over a file that exists */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (f == NULL || (c->d = pcap_dump_fopen(c->p, f)) == NULL) {
		verr_set(err, VERR_INPUT, "%s: %s", path, f ? pcap_geterr(c->p) : strerror(errno));
		if (f)
			fclose(f);
		else if (fd >= 0)
			close(fd);
		goto fail;
	}
	if (pthread_create(&c->th, NULL, loop, c) != 0) {
		verr_set(err, VERR_REMOTE, "cannot start a capture thread");
		pcap_dump_close(c->d);
		goto fail;
	}
	return c;
fail:
	close_capture(c);
	return NULL;
}

struct localcap *localcap_start_stream(const char *ifname, int snaplen, const char *filter,
				       struct verr *err)
{
	struct localcap *c = open_capture(ifname, snaplen, filter, err);
	if (c == NULL)
		return NULL;
	if ((c->ring = malloc(RING_OCTETS)) == NULL) {
		verr_set(err, VERR_NOMEM, "out of memory");
		close_capture(c);
		return NULL;
	}
	/* the file header: the stamps' unit (nanoseconds where libpcap could
	 * set them), version 2.4 */
	bool nano = pcap_get_tstamp_precision(c->p) == PCAP_TSTAMP_PRECISION_NANO;
	uint32_t gh[6] = {nano ? 0xa1b23c4d : 0xa1b2c3d4, 2 | (4u << 16), 0, 0,
			  (uint32_t)pcap_snapshot(c->p),
			  (uint32_t)pcap_datalink(c->p)};
	ring_put(c, gh, sizeof gh);
	if (pthread_create(&c->th, NULL, loop, c) != 0) {
		verr_set(err, VERR_REMOTE, "cannot start a capture thread");
		close_capture(c);
		return NULL;
	}
	return c;
}

long localcap_read(struct localcap *c, char *out, size_t cap)
{
	pthread_mutex_lock(&c->mu);
	size_t n = c->len < cap ? c->len : cap;
	size_t k = RING_OCTETS - c->head < n ? RING_OCTETS - c->head : n;
	memcpy(out, c->ring + c->head, k);
	memcpy(out + k, c->ring, n - k);
	c->head = (c->head + n) % RING_OCTETS;
	c->len -= n;
	pthread_mutex_unlock(&c->mu);
	if (n == 0 && atomic_load(&c->failed))
		return -1;
	return (long)n;
}

long localcap_drops(struct localcap *c)
{
	struct pcap_stat st;
	pthread_mutex_lock(&c->mu);
	uint64_t ring = c->ring_drops;
	pthread_mutex_unlock(&c->mu);
	if (pcap_stats(c->p, &st) != 0)
		return -1;
	return (long)(st.ps_drop + ring);
}

void localcap_stop(struct localcap *c, long *drops, uint64_t *octets)
{
	*drops = -1;
	*octets = 0;
	if (c == NULL)
		return;
	atomic_store(&c->stop, 1);
	pcap_breakloop(c->p);
	pthread_join(c->th, NULL);
	struct pcap_stat st;
	if (pcap_stats(c->p, &st) == 0)
		*drops = (long)st.ps_drop;
	if (c->d) {
		pcap_dump_flush(c->d);
		long pos = pcap_dump_ftell(c->d);
		*octets = pos > 0 ? (uint64_t)pos : 0;
		pcap_dump_close(c->d);
	} else {
		*drops = *drops >= 0 ? *drops + (long)c->ring_drops : -1;
	}
	close_capture(c);
}

int localcap_failed(const struct localcap *c) { return c && atomic_load(&c->failed); }

int local_script(const char *script, const char *arg, char *out, size_t cap, struct verr *err)
{
	int fds[2];
	if (pipe(fds) != 0)
		return verr_set(err, VERR_REMOTE, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		return verr_set(err, VERR_REMOTE, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl("/bin/sh", "sh", "-c", script, "vocalc", arg, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	char buf[1024];
	while ((r = read(fds[0], buf, sizeof buf)) > 0) {
		size_t k = (size_t)r < cap - 1 - n ? (size_t)r : cap - 1 - n;
		memcpy(out + n, buf, k);
		n += k;
	}
	out[n] = '\0';
	close(fds[0]);
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		return verr_set(err, VERR_REMOTE, "this host: discovery failed");
	return 0;
}

pid_t local_start(const char *cmd)
{
	pid_t pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		int nul = open("/dev/null", O_RDWR);
		if (nul >= 0) {
			dup2(nul, 0);
			dup2(nul, 1);
		}
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (pid > 0)
		setpgid(pid, pid);
	return pid;
}

void local_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(-pid, SIGTERM);
	for (int i = 0; i < 30; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		struct timespec ts = {0, 100000000};
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	waitpid(pid, NULL, 0);
}
