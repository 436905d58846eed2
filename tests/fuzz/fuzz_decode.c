/* fuzz_decode.c: libFuzzer target for encoding detection and decoding.
 *
 * The first byte chooses the encoding (detected, or one forced as with
 * --encoding); the rest is the input.  Decoding either fails with a
 * message or gives valid, NUL-terminated UTF-8; detected UTF-8 is the
 * input itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encodings[] = {
        NULL, "UTF-8", "GB18030", "Big5", "UTF-16LE", "UTF-16BE", "UTF-16",
        "GBK",
    };
    const char *enc, *used = NULL, *in;
    char *out = NULL, *msg = NULL;
    size_t outlen = 0, len;
    zhs_status st;

    if (size == 0)
        return 0;
    enc = encodings[data[0] % (sizeof encodings / sizeof encodings[0])];
    in = (const char *)data + 1;
    len = size - 1;
    st = zhs_decode(in, len, enc, &out, &outlen, &used, &msg);
    if (st != ZHS_OK) {
        if (st != ZHS_ENOMEM && (msg == NULL || msg[0] == '\0'))
            abort();
        free(msg);
        return 0;
    }
    if (out == NULL || used == NULL || out[outlen] != '\0'
        || zhsi_utf8_invalid_at(out, outlen) != (size_t)-1)
        abort();
    if (enc == NULL && strcmp(used, "UTF-8") == 0) {
        size_t skip = len >= 3 && memcmp(in, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
        if (outlen != len - skip || memcmp(out, in + skip, outlen) != 0)
            abort();
    }
    free(out);
    return 0;
}
