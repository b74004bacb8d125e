// `portico sandbox`: enters a pod's (or node's) namespaces and execs a program there.
//
// Why C, and why a constructor: joining a network namespace (setns) and making a mount
// namespace (unshare CLONE_NEWNS) are per-thread operations that the kernel refuses or
// applies partially in a multi-threaded process, and the Swift runtime starts threads
// before `main`. An ELF constructor runs first, while the process has one thread. No
// package does this for Swift; `ip netns exec` and `nsenter` do parts of it as separate
// programs, at the cost of two more execs per container start.
//
// Usage: portico sandbox [--netns PATH] [--join PID] [--hostname NAME] [--bind SRC:DST]...
//                        [--setsid [--ctty]] [--die-with-parent] [--chdir DIR] -- PROGRAM [ARG...]
//
// It also gives the program default signal handling: the agent's threads block most
// signals and ignore SIGPIPE, and a child inherits both, so without this a container would
// not see SIGTERM and `kubectl exec -t` would not see ^C.
#define _GNU_SOURCE
#include "CPorticoSandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int portico_sandbox_linked(void) { return 1; }

int portico_pipe_cloexec(int fds[2]) { return pipe2(fds, O_CLOEXEC); }

int portico_open_pty(int *master, int *slave) {
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0) return -1;
    if (grantpt(m) < 0 || unlockpt(m) < 0) { close(m); return -1; }
    char name[128];
    if (ptsname_r(m, name, sizeof name) != 0) { close(m); return -1; }
    int s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) { close(m); return -1; }
    *master = m;
    *slave = s;
    return 0;
}

struct netns_connect {
    const char *path;
    unsigned short port;
    int fd;
    int error;
};

static void *netns_connect_thread(void *argument) {
    struct netns_connect *job = argument;
    int ns = open(job->path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) { job->error = errno; return NULL; }
    if (setns(ns, CLONE_NEWNET) < 0) { job->error = errno; close(ns); return NULL; }
    close(ns);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { job->error = errno; return NULL; }
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons(job->port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) < 0) { job->error = errno; close(fd); return NULL; }
    job->fd = fd;
    return NULL;
}

int portico_connect_in_netns(const char *netns_path, unsigned short port) {
    struct netns_connect job = { .path = netns_path, .port = port, .fd = -1, .error = 0 };
    pthread_t thread;
    int failed = pthread_create(&thread, NULL, netns_connect_thread, &job);
    if (failed) { errno = failed; return -1; }
    pthread_join(thread, NULL);
    if (job.fd < 0) errno = job.error;
    return job.fd;
}

int portico_terminal_session(int fd) {
    pid_t session = -1;
    if (ioctl(fd, TIOCGSID, &session) < 0) return -1;
    return session;
}

int portico_set_window_size(int fd, unsigned short rows, unsigned short columns) {
    struct winsize size = { .ws_row = rows, .ws_col = columns };
    return ioctl(fd, TIOCSWINSZ, &size);
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "portico sandbox: %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", strerror(errno));
    _exit(126);
}

static void usage(const char *message) {
    fprintf(stderr, "portico sandbox: %s\n"
                    "usage: portico sandbox [--netns PATH] [--join PID] [--hostname NAME] [--bind SRC:DST]... [--setsid [--ctty]] [--die-with-parent] [--chdir DIR] -- PROGRAM [ARG...]\n",
            message);
    _exit(125);
}

__attribute__((constructor)) static void portico_sandbox_main(int argc, char **argv, char **envp) {
    (void)envp;
    if (argc < 2 || argv == NULL || strcmp(argv[1], "sandbox") != 0) return;

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    const int defaults[] = { SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGWINCH, SIGALRM, SIGUSR1, SIGUSR2 };
    for (size_t d = 0; d < sizeof defaults / sizeof defaults[0]; d++) signal(defaults[d], SIG_DFL);

    const char *netns = NULL, *hostname = NULL, *chdir_to = NULL, *join = NULL;
    const char *binds[64];
    int nbinds = 0, new_session = 0, controlling_terminal = 0, i = 2;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) { i++; break; }
        if (strcmp(a, "--setsid") == 0) { new_session = 1; continue; }
        if (strcmp(a, "--ctty") == 0) { controlling_terminal = 1; continue; }
        if (strcmp(a, "--die-with-parent") == 0) {
            // A helper that must not outlive its starter (portico trace's nft monitors).
            if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0) die("prctl", NULL);
            continue;
        }
        if (i + 1 >= argc) usage("missing value for an option");
        if (strcmp(a, "--join") == 0) join = argv[++i];
        else if (strcmp(a, "--netns") == 0) netns = argv[++i];
        else if (strcmp(a, "--hostname") == 0) hostname = argv[++i];
        else if (strcmp(a, "--chdir") == 0) chdir_to = argv[++i];
        else if (strcmp(a, "--bind") == 0) {
            if (nbinds == 64) usage("too many --bind options");
            binds[nbinds++] = argv[++i];
        } else usage("unknown option");
    }
    if (i >= argc) usage("no program given after --");

    // A process that already leads its group (some launchers make it so) keeps that group:
    // what matters is that the container's processes can be signalled together.
    if (new_session && setsid() < 0) {
        if (getpgrp() != getpid()) die("setsid", NULL);
        if (controlling_terminal) {
            // A terminal needs a session of its own, which a group leader cannot make: the
            // program runs in a child that can, and this process waits and exits as it does.
            pid_t child = fork();
            if (child < 0) die("fork", NULL);
            if (child > 0) {
                int status;
                while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
                _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
            }
            if (setsid() < 0) die("setsid", NULL);
        }
    }
    if (controlling_terminal && ioctl(0, TIOCSCTTY, 0) < 0) die("take the terminal", NULL);
    if (join) {
        // `kubectl exec`: the namespaces of a running container's process (its address,
        // hostname and mounts: /etc/hosts, /etc/resolv.conf).
        const char *kinds[] = { "net", "uts", "mnt" };
        const int types[] = { CLONE_NEWNET, CLONE_NEWUTS, CLONE_NEWNS };
        for (int k = 0; k < 3; k++) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%s/ns/%s", join, kinds[k]);
            int fd = open(path, O_RDONLY | O_CLOEXEC);
            if (fd < 0) die("open namespace", path);
            if (setns(fd, types[k]) < 0) die("join namespace", path);
            close(fd);
        }
    }
    if (netns) {
        int fd = open(netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0) die("open network namespace", netns);
        if (setns(fd, CLONE_NEWNET) < 0) die("join network namespace", netns);
        close(fd);
    }
    int flags = (hostname ? CLONE_NEWUTS : 0) | (nbinds ? CLONE_NEWNS : 0);
    if (flags && unshare(flags) < 0) die("unshare", NULL);
    if (hostname && sethostname(hostname, strlen(hostname)) < 0) die("sethostname", hostname);
    if (nbinds) {
        // Mounts from the host still reach us; ours stay here.
        if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) die("make / a slave mount", NULL);
        for (int b = 0; b < nbinds; b++) {
            char spec[4096];
            if (strlen(binds[b]) >= sizeof spec) usage("--bind value too long");
            strcpy(spec, binds[b]);
            char *colon = strchr(spec, ':');
            if (!colon) usage("--bind wants SRC:DST");
            *colon = 0;
            if (mount(spec, colon + 1, NULL, MS_BIND, NULL) < 0) die("bind mount", binds[b]);
        }
    }
    if (chdir_to && chdir(chdir_to) < 0) die("chdir", chdir_to);
    execvp(argv[i], &argv[i]);
    int saved = errno;
    fprintf(stderr, "portico sandbox: exec %s: %s\n", argv[i], strerror(saved));
    _exit(saved == ENOENT ? 127 : 126);
}
