/* decode.c: turning input bytes in the encodings crawlers produce into
 * UTF-8.
 *
 * Order of decisions: an encoding the user forced; a byte order mark
 * (UTF-8, UTF-16LE, UTF-16BE); valid UTF-8; else ICU's charset detector,
 * of whose guesses only GB18030 (which covers GBK and GB2312) and Big5 are
 * trusted for Chinese text.  Conversion is strict: the first byte sequence
 * that is not valid in the chosen encoding rejects the input with its byte
 * offset, rather than letting replacement characters into the index.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/ustring.h>

#include "zhs-int.h"

#define DETECT_SAMPLE (64 * 1024)

/* Converts len bytes in encoding `name` to UTF-8, stopping at the first
 * invalid sequence. */
static zhs_status convert(const char *name, const char *in, size_t len,
                          char **out, size_t *outlen, char **errmsg)
{
    UErrorCode err = U_ZERO_ERROR;
    UConverter *cnv = ucnv_open(name, &err);
    UChar *u = NULL, *target;
    const char *src = in;
    char *utf8 = NULL;
    int32_t ulen, n8 = 0;
    zhs_status st = ZHS_OK;

    if (U_FAILURE(err))
        return zhsi_fail(errmsg, ZHS_EUSAGE, "unknown encoding '%s'", name);
    if (len > (size_t)INT32_MAX / 4) {
        ucnv_close(cnv);
        return zhsi_fail(errmsg, ZHS_EIO, "input too large to convert");
    }
    ucnv_setToUCallBack(cnv, UCNV_TO_U_CALLBACK_STOP, NULL, NULL, NULL, &err);
    u = malloc((2 * len + 16) * sizeof *u);
    if (u == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    target = u;
    ucnv_toUnicode(cnv, &target, u + 2 * len + 16, &src, in + len, NULL,
                   1, &err);
    if (U_FAILURE(err)) {
        char bad[8];
        int8_t nbad = sizeof bad;
        UErrorCode e2 = U_ZERO_ERROR;
        size_t at = (size_t)(src - in);
        ucnv_getInvalidChars(cnv, bad, &nbad, &e2);
        if (U_SUCCESS(e2) && (size_t)nbad <= at)
            at -= (size_t)nbad;
        st = zhsi_fail(errmsg, ZHS_EENCODING, "%s %s at byte offset %zu",
                       err == U_TRUNCATED_CHAR_FOUND ? "truncated" : "invalid",
                       ucnv_getName(cnv, &e2), at);
        goto out;
    }
    ulen = (int32_t)(target - u);
    err = U_ZERO_ERROR;
    u_strToUTF8(NULL, 0, &n8, u, ulen, &err);
    err = U_ZERO_ERROR;
    utf8 = malloc((size_t)n8 + 1);
    if (utf8 == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    u_strToUTF8(utf8, n8 + 1, &n8, u, ulen, &err);
    if (U_FAILURE(err)) {
        free(utf8);
        utf8 = NULL;
        st = zhsi_fail(errmsg, ZHS_EENCODING, "cannot convert %s: %s", name,
                       u_errorName(err));
        goto out;
    }
    *out = utf8;
    *outlen = (size_t)n8;
out:
    free(u);
    ucnv_close(cnv);
    return st;
}

/* ICU's best guess among the encodings we trust, or NULL. */
static const char *detect(const char *in, size_t len)
{
    UErrorCode err = U_ZERO_ERROR;
    UCharsetDetector *csd = ucsdet_open(&err);
    const UCharsetMatch **m;
    const char *found = NULL;
    int32_t n = 0, i;

    if (U_FAILURE(err))
        return NULL;
    ucsdet_setText(csd, in, (int32_t)(len < DETECT_SAMPLE ? len
                                                          : DETECT_SAMPLE),
                   &err);
    m = ucsdet_detectAll(csd, &n, &err);
    for (i = 0; U_SUCCESS(err) && i < n && found == NULL; i++) {
        const char *name = ucsdet_getName(m[i], &err);
        if (U_FAILURE(err) || name == NULL)
            break;
        if (strcasecmp(name, "GB18030") == 0)
            found = "GB18030";
        else if (strcasecmp(name, "Big5") == 0)
            found = "Big5";
    }
    ucsdet_close(csd);
    return found;
}

int zhsi_looks_utf8(const char *in, size_t len)
{
    size_t bad = zhsi_utf8_invalid_at(in, len), i, count = 0;

    if (bad == (size_t)-1)
        return 1;
    /* Count the three- and four-byte sequences (all of Chinese in UTF-8)
     * before the first invalid byte.  GB18030 and Big5 byte pairs often
     * pass for two-byte UTF-8, but hardly ever for longer sequences. */
    for (i = 0; i < bad && count < 2; i++)
        if ((unsigned char)in[i] >= 0xE0)
            count++;
    return count >= 2;
}

zhs_status zhs_decode(const char *in, size_t len, const char *encoding,
                      char **out, size_t *outlen, const char **used,
                      char **errmsg)
{
    const unsigned char *b = (const unsigned char *)in;
    const char *guess;
    size_t bad;

    if (used)
        *used = "UTF-8";
    if (encoding != NULL && strcasecmp(encoding, "utf-8") != 0
        && strcasecmp(encoding, "utf8") != 0) {
        if (used)
            *used = encoding;
        return convert(encoding, in, len, out, outlen, errmsg);
    }
    if (encoding == NULL && len >= 2 && ((b[0] == 0xFF && b[1] == 0xFE)
                                         || (b[0] == 0xFE && b[1] == 0xFF))) {
        if (used)
            *used = b[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
        /* ICU's "UTF-16" reads and drops the BOM. */
        return convert("UTF-16", in, len, out, outlen, errmsg);
    }
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        in += 3;
        len -= 3;
    }
    bad = zhsi_utf8_invalid_at(in, len);
    if (bad == (size_t)-1) {
        *out = malloc(len + 1);
        if (*out == NULL)
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        memcpy(*out, in, len);
        (*out)[len] = '\0';
        *outlen = len;
        return ZHS_OK;
    }
    /* UTF-8 with a corrupt byte is not another encoding. */
    if (encoding == NULL && !zhsi_looks_utf8(in, len)
        && (guess = detect(in, len)) != NULL) {
        if (used)
            *used = guess;
        return convert(guess, in, len, out, outlen, errmsg);
    }
    if (b != (const unsigned char *)in)
        bad += 3;
    return zhsi_fail(errmsg, ZHS_EENCODING, "invalid UTF-8 at byte offset "
                     "%zu%s", bad, encoding ? "" : " (and not recognizably "
                     "GB18030, Big5 or UTF-16 with a BOM; try --encoding)");
}
