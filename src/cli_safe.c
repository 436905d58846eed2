/* cli_safe.c: indexed content printed on a terminal.
 *
 * Titles, ids, sources and texts come from whoever wrote the indexed
 * files.  Printed raw, an ESC sequence in a title clears the screen,
 * retitles the window or plants a link (OSC 8), a C1 control does the
 * same on terminals that take 8-bit controls, CR and backspace overwrite
 * what was printed before, and a bidi override reorders it.  Every
 * command's text output prints such content through these functions,
 * which write each of those characters in a visible form instead: \x1b
 * for C0 controls and DEL, \u009b for C1 controls, \u202e for the bidi
 * embeddings, overrides and isolates, \xNN for a byte that is not UTF-8.
 * JSON, CSV and TSV output is data for programs and keeps the text as it
 * is (their encoders escape what their formats need).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char *cli_cp_escape(unsigned cp, char buf[CLI_ESC_MAX])
{
    if (cp < 0x20 || cp == 0x7F) {
        snprintf(buf, CLI_ESC_MAX, "\\x%02x", cp);
        return buf;
    }
    if ((cp >= 0x80 && cp <= 0x9F)              /* C1 controls */
        || (cp >= 0x202A && cp <= 0x202E)       /* embeddings, overrides */
        || (cp >= 0x2066 && cp <= 0x2069)) {    /* isolates */
        snprintf(buf, CLI_ESC_MAX, "\\u%04x", cp);
        return buf;
    }
    return NULL;
}

/* One code point of UTF-8 at p: its length in bytes, or 0 if p does not
 * start a valid character (a lone byte, an overlong or cut sequence). */
static size_t utf8_next(const unsigned char *p, unsigned *cp)
{
    unsigned c = p[0], len, k;

    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    len = c >= 0xC2 && c < 0xE0 ? 2 : c >= 0xE0 && c < 0xF0 ? 3
        : c >= 0xF0 && c < 0xF5 ? 4 : 0;
    if (len == 0)
        return 0;
    c &= 0x3Fu >> (len - 1);
    for (k = 1; k < len; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (p[k] & 0x3Fu);
    }
    if ((len == 3 && (c < 0x800 || (c >= 0xD800 && c <= 0xDFFF)))
        || (len == 4 && (c < 0x10000 || c > 0x10FFFF)))
        return 0;
    *cp = c;
    return len;
}

size_t cli_safe_put_cp(FILE *f, const char *s, const char *keep,
                       size_t *width)
{
    const unsigned char *p = (const unsigned char *)s;
    char buf[CLI_ESC_MAX];
    const char *esc;
    unsigned cp;
    size_t len = utf8_next(p, &cp);
    int w;

    if (len == 0) {
        snprintf(buf, sizeof buf, "\\x%02x", p[0]);
        if (f)
            fputs(buf, f);
        if (width)
            *width += strlen(buf);
        return 1;
    }
    esc = cp < 0x80 && keep && cp != 0 && strchr(keep, (int)cp) ? NULL
        : cli_cp_escape(cp, buf);
    if (esc != NULL) {
        if (f)
            fputs(esc, f);
        if (width)
            *width += strlen(esc);
        return len;
    }
    if (f)
        fwrite(s, 1, len, f);
    if (width && (w = zhs_cp_width(cp)) > 0)
        *width += (size_t)w;
    return len;
}

void cli_safe_write(FILE *f, const char *s, const char *keep)
{
    while (*s)
        s += cli_safe_put_cp(f, s, keep, NULL);
}

void cli_safe_puts(FILE *f, const char *s)
{
    cli_safe_write(f, s, NULL);
}

size_t cli_safe_width(const char *s)
{
    size_t w = 0;

    while (*s)
        s += cli_safe_put_cp(NULL, s, NULL, &w);
    return w;
}
