// Small wrapper over the system zlib for SPDY/3 header compression.
//
// Swift sees only an opaque handle, so zlib.h and its z_stream layout stay out of
// the Swift module, and the caller loops over `porticoz_step` with buffers it owns.
#ifndef CPORTICO_ZLIB_H
#define CPORTICO_ZLIB_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct porticoz_stream porticoz_stream;

/// Result codes, mirrored from zlib so Swift need not import zlib.h.
enum {
    PORTICOZ_OK = 0,
    PORTICOZ_STREAM_END = 1,
    PORTICOZ_BUF_ERROR = -5,
    PORTICOZ_DATA_ERROR = -3,
    PORTICOZ_MEM_ERROR = -4,
    PORTICOZ_DICT_ERROR = -100,
    PORTICOZ_OTHER_ERROR = -101
};

/// A deflate (zlib format) stream primed with `dict`; NULL when zlib cannot allocate it.
porticoz_stream *porticoz_deflate_new(int level, const uint8_t *dict, size_t dict_len);

/// An inflate (zlib format) stream that answers the peer's dictionary request with `dict`.
porticoz_stream *porticoz_inflate_new(const uint8_t *dict, size_t dict_len);

void porticoz_free(porticoz_stream *stream);

/// One zlib call with Z_SYNC_FLUSH: consumes from `in`, writes to `out`.
/// `*consumed` and `*produced` receive the byte counts. A PORTICOZ_BUF_ERROR with
/// nothing consumed or produced means "no progress possible" (done, or more room needed).
int porticoz_step(porticoz_stream *stream,
                  const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t out_cap,
                  size_t *consumed, size_t *produced);

/// Adler-32 of a buffer: the dictionary id a zlib header names.
uint32_t porticoz_adler32(const uint8_t *bytes, size_t len);

#ifdef __cplusplus
}
#endif

#endif
