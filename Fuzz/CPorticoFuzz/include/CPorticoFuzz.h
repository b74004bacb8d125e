#ifndef C_PORTICO_FUZZ_H
#define C_PORTICO_FUZZ_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt, present when linked with -sanitize=fuzzer). SwiftPM names
/// an executable's entry point after its target, so the fuzz target calls the driver from
/// there instead of relying on libFuzzer's own main.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
