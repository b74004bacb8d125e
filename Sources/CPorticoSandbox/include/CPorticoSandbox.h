#ifndef PORTICO_SANDBOX_H
#define PORTICO_SANDBOX_H

/// Returns 1: lets Swift code refer to this library so the linker keeps its constructor.
int portico_sandbox_linked(void);

#endif
