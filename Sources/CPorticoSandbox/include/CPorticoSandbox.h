#ifndef PORTICO_SANDBOX_H
#define PORTICO_SANDBOX_H

/// Returns 1: lets Swift code refer to this library so the linker keeps its constructor.
int portico_sandbox_linked(void);

/// pipe2(fds, O_CLOEXEC): a pipe no other program started meanwhile inherits. 0 or -1 (errno).
int portico_pipe_cloexec(int fds[2]);

/// A pseudo-terminal pair for `kubectl exec -t`, both ends close-on-exec (the child gets
/// the slave as its fds 0-2). 0 or -1 (errno).
int portico_open_pty(int *master, int *slave);

/// TIOCSWINSZ on a terminal (ioctl is variadic, which Swift cannot call). 0 or -1 (errno).
int portico_set_window_size(int fd, unsigned short rows, unsigned short columns);

#endif
