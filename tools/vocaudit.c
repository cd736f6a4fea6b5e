/* vocaudit — the test suite's $VOCALC (tests/run.sh): runs vocalc with the
 * same arguments, standard input and environment, passes on everything it
 * writes, and keeps a copy for run.sh to check after each test that no
 * output of vocalc holds an impossible figure (nan, inf): whatever a test
 * looks at, every vocalc run of the suite is seen.
 *
 *   VOCALC_AUDIT  directory for the copies: <pid>.cmd (the command line),
 *                 <pid>.out and <pid>.err (stdout, stderr; one .out when both
 *                 go to the same place, so their order is kept), <pid>.csv
 *                 (the file of --csv FILE, copied once vocalc is done).
 *                 Unset: vocaudit just execs vocalc.
 *   VOCALC_REAL   the vocalc to run; default ../vocalc beside this program.
 *
 * Signals sent to vocaudit (Ctrl-C, kill -INT $pid in the e2e tests) are
 * passed to vocalc; vocaudit exits as vocalc did (its status, or its signal).
 * A reader that closes the pipe (| head) closes vocalc's too. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

static int open_copy(const char *dir, const char *ext)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/%ld.%s", dir, (long)getpid(), ext);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "vocaudit: %s: %s\n", path, strerror(errno));
	return fd;
}

static void copy_file(const char *from, int to)
{
	struct stat st;
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0 || fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (in >= 0)
			close(in);
		return;
	}
	char buf[65536];
	ssize_t k;
	while ((k = read(in, buf, sizeof buf)) > 0)
		if (write_all(to, buf, (size_t)k) != 0)
			break;
	close(in);
}

static bool same_target(int a, int b)
{
	struct stat sa, sb;
	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int main(int argc, char **argv)
{
	char real[PATH_MAX];
	const char *env = getenv("VOCALC_REAL");
	if (env && *env) {
		snprintf(real, sizeof real, "%s", env);
	} else {
		ssize_t n = readlink("/proc/self/exe", real, sizeof real - 16);
		if (n <= 0) {
			fprintf(stderr, "vocaudit: cannot find vocalc: set VOCALC_REAL\n");
			return 2;
		}
		real[n] = '\0';
		char *slash = strrchr(real, '/');
		snprintf(slash ? slash + 1 : real, 16, "../vocalc");
	}
	argv[0] = real;
	const char *dir = getenv("VOCALC_AUDIT");
	if (dir == NULL || *dir == '\0') {
		execv(real, argv);
		fprintf(stderr, "vocaudit: %s: %s\n", real, strerror(errno));
		return 127;
	}

	int cmd = open_copy(dir, "cmd");
	for (int i = 0; cmd >= 0 && i < argc; i++) {
		write_all(cmd, argv[i], strlen(argv[i]));
		write_all(cmd, i + 1 < argc ? " " : "\n", 1);
	}
	if (cmd >= 0)
		close(cmd);
	bool one = same_target(1, 2); /* 2>&1: one pipe keeps the order */
	int cp_out = open_copy(dir, "out"), cp_err = one ? -1 : open_copy(dir, "err");
	int po[2], pe[2] = {-1, -1};
	if (cp_out < 0 || (!one && cp_err < 0) || pipe2(po, O_CLOEXEC) != 0 ||
	    (!one && pipe2(pe, O_CLOEXEC) != 0)) {
		fprintf(stderr, "vocaudit: cannot set up the copies: %s\n", strerror(errno));
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	static const int passed[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
	for (size_t i = 0; i < sizeof passed / sizeof passed[0]; i++)
		sigaction(passed[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed reader is seen as EPIPE, below */

	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "vocaudit: fork: %s\n", strerror(errno));
		return 2;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL); /* vocalc gets what it would get without us */
		dup2(po[1], 1);
		dup2(one ? po[1] : pe[1], 2);
		execv(real, argv);
		fprintf(stderr, "vocaudit: %s: %s\n", real, strerror(errno));
		_exit(127);
	}
	child_pid = pid;
	close(po[1]);
	if (!one)
		close(pe[1]);

	struct pollfd pf[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
	int dest[2] = {1, 2}, copy[2] = {cp_out, cp_err};
	int open_n = one ? 1 : 2;
	while (open_n > 0) {
		if (poll(pf, one ? 1 : 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < (one ? 1 : 2); i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char buf[65536];
			ssize_t k = read(pf[i].fd, buf, sizeof buf);
			if (k < 0 && errno == EINTR)
				continue;
			if (k > 0)
				write_all(copy[i], buf, (size_t)k);
			if (k <= 0 || write_all(dest[i], buf, (size_t)k) != 0) {
				/* the end, or our reader went away: vocalc's pipe
				 * closes too, as its own stdout would have */
				close(pf[i].fd);
				pf[i].fd = -1;
				open_n--;
			}
		}
	}
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	close(cp_out);
	if (cp_err >= 0)
		close(cp_err);
	/* the CSV vocalc wrote, once it is complete */
	for (int i = 1; i < argc; i++) {
		const char *csv = NULL;
		if (strcmp(argv[i], "--csv") == 0 && i + 1 < argc)
			csv = argv[i + 1];
		else if (strncmp(argv[i], "--csv=", 6) == 0)
			csv = argv[i] + 6;
		if (csv) {
			int fd = open_copy(dir, "csv");
			if (fd >= 0) {
				copy_file(csv, fd);
				close(fd);
			}
		}
	}
	if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);
		signal(sig, SIG_DFL);
		sigset_t set;
		sigemptyset(&set);
		sigaddset(&set, sig);
		sigprocmask(SIG_UNBLOCK, &set, NULL);
		raise(sig);
		return 128 + sig;
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 2;
}
