#ifndef PORTICO_SANDBOX_H
#define PORTICO_SANDBOX_H

/// Returns 1: lets Swift code refer to this library so the linker keeps its constructor.
int portico_sandbox_linked(void);

/// pipe2(fds, O_CLOEXEC): a pipe no other program started meanwhile inherits. 0 or -1 (errno).
int portico_pipe_cloexec(int fds[2]);

/// A pseudo-terminal pair for `kubectl exec -t`, both ends close-on-exec (the child gets
/// the slave as its fds 0-2). 0 or -1 (errno).
int portico_open_pty(int *master, int *slave);

/// The session of the terminal whose master is `fd` (TIOCGSID): `kubectl exec -t`'s
/// command and everything it started, to end them together. The id, or -1 (errno).
int portico_terminal_session(int fd);

/// TIOCSWINSZ on a terminal (ioctl is variadic, which Swift cannot call). 0 or -1 (errno).
int portico_set_window_size(int fd, unsigned short rows, unsigned short columns);

/// A TCP connection to 127.0.0.1:port made inside the network namespace at `netns_path`
/// (as the kubelet's port-forward connects inside the pod), from a thread of its own that
/// joins the namespace: a socket stays in the namespace it was made in, so the caller can
/// use the returned descriptor from any thread. The descriptor (blocking, close-on-exec),
/// or -1 with errno.
int portico_connect_in_netns(const char *netns_path, unsigned short port);

#endif
