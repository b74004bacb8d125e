#ifndef PORTICO_SANDBOX_H
#define PORTICO_SANDBOX_H

/// Returns 1: lets Swift code refer to this library so the linker keeps its constructor.
int portico_sandbox_linked(void);

/// pipe2(fds, O_CLOEXEC): a pipe no other program started meanwhile inherits. 0 or -1 (errno).
int portico_pipe_cloexec(int fds[2]);

#endif
