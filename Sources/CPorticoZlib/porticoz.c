// See CPorticoZlib.h. Each handle owns one z_stream; inflate handles keep a copy of the
// dictionary because zlib asks for it only once the peer's header has been read.
#include "CPorticoZlib.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct porticoz_stream {
    z_stream z;
    int inflating;
    uint8_t *dict;
    size_t dict_len;
};

porticoz_stream *porticoz_deflate_new(int level, const uint8_t *dict, size_t dict_len) {
    porticoz_stream *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    if (deflateInit(&s->z, level) != Z_OK) {
        free(s);
        return NULL;
    }
    if (dict != NULL && dict_len > 0 &&
        deflateSetDictionary(&s->z, dict, (uInt)dict_len) != Z_OK) {
        deflateEnd(&s->z);
        free(s);
        return NULL;
    }
    return s;
}

porticoz_stream *porticoz_inflate_new(const uint8_t *dict, size_t dict_len) {
    porticoz_stream *s = calloc(1, sizeof(*s));
    if (s == NULL) return NULL;
    if (inflateInit(&s->z) != Z_OK) {
        free(s);
        return NULL;
    }
    s->inflating = 1;
    if (dict != NULL && dict_len > 0) {
        s->dict = malloc(dict_len);
        if (s->dict == NULL) {
            inflateEnd(&s->z);
            free(s);
            return NULL;
        }
        memcpy(s->dict, dict, dict_len);
        s->dict_len = dict_len;
    }
    return s;
}

void porticoz_free(porticoz_stream *s) {
    if (s == NULL) return;
    if (s->inflating) {
        inflateEnd(&s->z);
    } else {
        deflateEnd(&s->z);
    }
    free(s->dict);
    free(s);
}

static int map_result(int rc) {
    switch (rc) {
    case Z_OK: return PORTICOZ_OK;
    case Z_STREAM_END: return PORTICOZ_STREAM_END;
    case Z_BUF_ERROR: return PORTICOZ_BUF_ERROR;
    case Z_DATA_ERROR: return PORTICOZ_DATA_ERROR;
    case Z_MEM_ERROR: return PORTICOZ_MEM_ERROR;
    default: return PORTICOZ_OTHER_ERROR;
    }
}

int porticoz_step(porticoz_stream *s,
                  const uint8_t *in, size_t in_len,
                  uint8_t *out, size_t out_cap,
                  size_t *consumed, size_t *produced) {
    // zlib counts in uInt: a larger buffer is taken in parts (the caller loops).
    if (in_len > UINT_MAX) in_len = UINT_MAX;
    if (out_cap > UINT_MAX) out_cap = UINT_MAX;
    s->z.next_in = (Bytef *)in;
    s->z.avail_in = (uInt)in_len;
    s->z.next_out = out;
    s->z.avail_out = (uInt)out_cap;
    int rc;
    if (s->inflating) {
        rc = inflate(&s->z, Z_SYNC_FLUSH);
        if (rc == Z_NEED_DICT) {
            if (s->dict == NULL ||
                inflateSetDictionary(&s->z, s->dict, (uInt)s->dict_len) != Z_OK) {
                rc = PORTICOZ_DICT_ERROR;
            } else {
                rc = inflate(&s->z, Z_SYNC_FLUSH);
            }
        }
    } else {
        rc = deflate(&s->z, Z_SYNC_FLUSH);
    }
    *consumed = in_len - s->z.avail_in;
    *produced = out_cap - s->z.avail_out;
    s->z.next_in = NULL;
    s->z.next_out = NULL;
    if (rc == PORTICOZ_DICT_ERROR) return rc;
    return map_result(rc);
}

uint32_t porticoz_adler32(const uint8_t *bytes, size_t len) {
    return (uint32_t)adler32(adler32(0L, Z_NULL, 0), bytes, (uInt)len);
}
