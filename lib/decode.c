/* decode.c: turning input bytes in the encodings crawlers produce into
 * UTF-8.
 *
 * Order of decisions: an encoding the user forced; a byte order mark
 * (UTF-8, UTF-16LE, UTF-16BE); UTF-16 without a BOM, by where its NUL
 * bytes fall; valid UTF-8; else ICU's charset detector, of whose guesses
 * only GB18030 (which covers GBK and GB2312) and Big5 are trusted for
 * Chinese text.  Text holding U+0000 (a NUL byte in UTF-8) is refused: it
 * is binary data or a wrong guess, and would be cut short by C strings.  Conversion is strict: the first byte sequence
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
    /* U+0000 is no text: binary data, or a wrong guess of the encoding */
    if (memchr(utf8, '\0', (size_t)n8) != NULL) {
        size_t at = (size_t)((char *)memchr(utf8, '\0', (size_t)n8) - utf8);
        free(utf8);
        utf8 = NULL;
        st = zhsi_fail(errmsg, ZHS_EENCODING, "NUL character (U+0000) in the "
                       "text decoded from %s, at byte offset %zu of the "
                       "UTF-8 text: binary data?", ucnv_getName(cnv, &err),
                       at);
        goto out;
    }
    *out = utf8;
    *outlen = (size_t)n8;
out:
    free(u);
    ucnv_close(cnv);
    return st;
}

/* UTF-16 without a byte order mark, recognized by its NUL bytes: text in
 * the byte encodings we read (UTF-8, GB18030, Big5) never holds one, while
 * UTF-16 has one in every ASCII character (newlines, spaces, digits), at
 * odd offsets for little-endian and even ones for big-endian.  Binary data
 * has them at both alike.  Returns the encoding or NULL.  Callers
 * first rule out UTF-8 Chinese (cjk_sequences). */
const char *zhsi_detect_utf16(const char *in, size_t len)
{
    size_t i, zeros[2] = {0, 0};

    if (len < 2 || len % 2 != 0)
        return NULL;
    for (i = 0; i < len; i++)
        if (in[i] == '\0')
            zeros[i % 2]++;
    /* Two at least: one stray NUL in a text is no evidence.  A few on the
     * other side are characters such as U+4E00 (一), whose low byte is 0. */
    if (zeros[1] >= 2 && zeros[0] * 3 < zeros[1])
        return "UTF-16LE";
    if (zeros[0] >= 2 && zeros[1] * 3 < zeros[0])
        return "UTF-16BE";
    return NULL;
}

/* How many three- or four-byte UTF-8 lead bytes in[0..len) has, up to 2:
 * two make UTF-8 Chinese (see zhsi_looks_utf8), never UTF-16. */
static int cjk_sequences(const char *in, size_t len)
{
    size_t i;
    int count = 0;

    for (i = 0; i < len && count < 2; i++)
        if ((unsigned char)in[i] >= 0xE0)
            count++;
    return count;
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
    const char *guess, *nul;
    size_t bad;
    int looks;

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
    if (encoding == NULL
        && cjk_sequences(in, bad == (size_t)-1 ? len : bad) < 2
        && (guess = zhsi_detect_utf16(in, len)) != NULL) {
        /* (UTF-16 of ASCII is valid UTF-8 with NUL bytes) */
        if (used)
            *used = guess;
        return convert(guess, in, len, out, outlen, errmsg);
    }
    if (bad == (size_t)-1 && (nul = memchr(in, '\0', len)) != NULL)
        return zhsi_fail(errmsg, ZHS_EENCODING, "NUL byte at byte offset %zu "
                         "(binary data, or UTF-16 without a byte order mark? "
                         "try --encoding)", (size_t)(nul - (const char *)b));
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
    looks = zhsi_looks_utf8(in, len);
    if (encoding == NULL && !looks && (guess = detect(in, len)) != NULL) {
        if (used)
            *used = guess;
        return convert(guess, in, len, out, outlen, errmsg);
    }
    if (b != (const unsigned char *)in)
        bad += 3;
    return zhsi_fail(errmsg, ZHS_EENCODING, "invalid UTF-8 at byte offset "
                     "%zu%s", bad, encoding || looks ? "" : " (and not "
                     "recognizably GB18030, Big5 or UTF-16; try --encoding)");
}
