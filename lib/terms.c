/* terms.c: term spellings shared by the writer and the query builder.
 *
 * The scheme is described in zhs-int.h beside ZHSI_SCHEME; keeping the
 * spellings in one place guarantees that documents and queries agree.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/uchar.h>

#include "zhs-int.h"

/* A code point as character and bigram terms spell it (see the scheme):
 * a prefix-free code, so that different strings never share a term, and
 * two bytes for a CJK ideograph of the basic block instead of UTF-8's
 * three (the index is mostly these terms: 20% of it saved).  ASCII is
 * itself; U+4E00..U+9FFF is 0x80 + offset / 255, then offset % 255 + 1
 * (0x80..0xD2, then never a NUL); anything else is 0xFF and its UTF-8
 * (which never starts with 0xFF). */
static size_t term_cp(char *buf, uint32_t c)
{
    unsigned char *b = (unsigned char *)buf;

    if (c < 0x80) {
        b[0] = (unsigned char)c;
        return 1;
    }
    if (c >= 0x4E00 && c <= 0x9FFF) {
        uint32_t off = c - 0x4E00;
        b[0] = (unsigned char)(0x80 + off / 255);
        b[1] = (unsigned char)(off % 255 + 1);
        return 2;
    }
    b[0] = 0xFF;
    return 1 + zhsi_utf8_put(buf + 1, c);
}

size_t zhsi_bigram_term(char *buf, const char *prefix, uint32_t a,
                        uint32_t b)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = ZHSI_PFX_BIGRAM[0];
    k += term_cp(buf + k, a);
    k += term_cp(buf + k, b);
    return k;
}

size_t zhsi_field_term(char *buf, char prefix, const char *value,
                       size_t max)
{
    size_t len = strlen(value), keep;
    uint64_t h;

    buf[0] = prefix;
    if (len <= max) {
        memcpy(buf + 1, value, len);
        buf[len + 1] = '\0';
        return len + 1;
    }
    keep = max - 17;
    while (keep > 0 && ((unsigned char)value[keep] & 0xC0) == 0x80)
        keep--;                         /* not inside a character */
    h = zhs_fnv1a(ZHS_FNV1A_INIT, value, len);
    memcpy(buf + 1, value, keep);
    buf[keep + 1] = (char)0xFF;
    snprintf(buf + keep + 2, 17, "%016llx", (unsigned long long)h);
    return keep + 18;
}

size_t zhsi_field_term_text(const char *v, size_t len, int *cut)
{
    const char *mark = memchr(v, 0xFF, len);

    *cut = mark != NULL;
    return mark ? (size_t)(mark - v) : len;
}

size_t zhsi_unigram_term(char *buf, const char *prefix, uint32_t c)
{
    size_t k = strlen(prefix);

    memcpy(buf, prefix, k);
    buf[k++] = ZHSI_PFX_UNIGRAM[0];
    return k + term_cp(buf + k, c);
}

size_t zhsi_run_term(char *buf, const char *prefix, int joined,
                     const uint32_t *run, size_t n)
{
    size_t k = strlen(prefix), i;

    memcpy(buf, prefix, k);
    buf[k++] = joined ? ZHSI_PFX_JOINED[0] : ZHSI_PFX_RUN[0];
    for (i = 0; i < n; i++)
        buf[k++] = (char)run[i];
    return k;
}

int zhsi_is_alnum(uint32_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int digits(const char *s, size_t n, int *v)
{
    size_t i;
    *v = 0;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int zhsi_date_range(const char *s, size_t n, char lo[9], char hi[9])
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    int y, m = 0, d = 0;
    size_t end = n, i;

    for (i = 0; i < n; i++)
        if (s[i] == 'T' || s[i] == ' ') {
            end = i;                    /* a time follows */
            break;
        }
    if (end != 4 && end != 7 && end != 10)
        return -1;
    if (digits(s, 4, &y) < 0 || y < 1000)
        return -1;
    if (end >= 7 && (s[4] != '-' || digits(s + 5, 2, &m) < 0 || m < 1
                     || m > 12))
        return -1;
    if (end == 10 && (s[7] != '-' || digits(s + 8, 2, &d) < 0 || d < 1
                      || d > mdays[m - 1]
                      || (m == 2 && d == 29
                          && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))))
        return -1;
    y %= 10000;                         /* four digits, for the compiler */
    snprintf(lo, 9, "%04d%02d%02d", y, m % 100, d % 100);
    snprintf(hi, 9, "%04d%02d%02d", y, end >= 7 ? m % 100 : 99,
             end == 10 ? d % 100 : 99);
    return 0;
}

char *zhsi_id_term(const char *id)
{
    size_t n = strlen(id);
    char *t = malloc(n + 2);

    if (t != NULL) {
        t[0] = ZHSI_PFX_ID[0];
        memcpy(t + 1, id, n + 1);
    }
    return t;
}

unsigned long long zhs_fnv1a(unsigned long long h, const void *data,
                             size_t len)
{
    const unsigned char *p = data;
    size_t i;

    for (i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* ---- dates ----------------------------------------------------------
 *
 * Dates as corpora write them: ISO 8601 with or without a time and zone,
 * 2025/12/19 and 2025.12.19, 20251219, Chinese forms with or without
 * spaces, with Arabic, full-width or Chinese numerals and a weekday
 * (2017 年 9 月 21 日, 1999年8月20日星期五, 2020年三月, 二〇二〇年三月五日),
 * and forms with English month names (RFC 2822, date(1) output, 20 Mar
 * 1993, 1995 October 31, October 31, 1995).  A weekday, a time of day and
 * a time zone are understood and not stored.  Anything else after a date
 * known at least to the month is ignored and reported; a form that is
 * ambiguous (03/09/2001, two-digit years) is not a date.
 */

static int is_ws(const char *s, size_t *n)
{
    if (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n') {
        *n = 1;
        return 1;
    }
    if (strncmp(s, "\xe3\x80\x80", 3) == 0 || strncmp(s, "\xc2\xa0", 2) == 0) {
        *n = s[0] == '\xc2' ? 2 : 3;    /* U+3000, U+00A0 */
        return 1;
    }
    return 0;
}

static void skip_ws(const char **s)
{
    size_t n;
    while (is_ws(*s, &n))
        *s += n;
}

/* One decimal digit, ASCII or full-width; -1 if none.  *n: its bytes. */
static int digit_at(const char *s, size_t *n)
{
    if (*s >= '0' && *s <= '9') {
        *n = 1;
        return *s - '0';
    }
    if ((unsigned char)s[0] == 0xEF && (unsigned char)s[1] == 0xBC
        && (unsigned char)s[2] >= 0x90 && (unsigned char)s[2] <= 0x99) {
        *n = 3;
        return (unsigned char)s[2] - 0x90;
    }
    return -1;
}

/* Reads a run of digits (at most 9); its value, or -1 if none.  *nd
 * receives the number of digits. */
static long read_digits(const char **s, int *nd)
{
    long v = 0;
    size_t n;
    int d;

    *nd = 0;
    while ((d = digit_at(*s, &n)) >= 0) {
        if (*nd < 9)
            v = v * 10 + d;
        (*nd)++;
        *s += n;
    }
    return *nd ? v : -1;
}

static int starts(const char *s, const char *w)
{
    return strncmp(s, w, strlen(w)) == 0;
}

/* One Chinese digit 〇 零 一 … 九 (两 for 2); -1 if none. */
static int cn_digit(const char *s, size_t *n)
{
    static const char *const d[] = {"〇", "一", "二", "三", "四", "五",
                                    "六", "七", "八", "九"};
    int i;

    for (i = 0; i < 10; i++)
        if (starts(s, d[i])) {
            *n = strlen(d[i]);
            return i;
        }
    if (starts(s, "零") || starts(s, "○") || starts(s, "Ｏ")) {
        *n = strlen("零");
        return 0;
    }
    if (starts(s, "两")) {
        *n = strlen("两");
        return 2;
    }
    return -1;
}

/* A Chinese numeral from 1 to 39 (一, 十, 十二, 二十, 二十一, 三十一);
 * -1 if none. */
static int read_cn_small(const char **s)
{
    const char *p = *s;
    size_t n;
    int a = cn_digit(p, &n), v;

    if (a > 0) {
        p += n;
        if (starts(p, "十")) {
            p += strlen("十");
            v = a * 10;
            if ((a = cn_digit(p, &n)) > 0) {
                v += a;
                p += n;
            }
        } else {
            v = a;
        }
    } else if (a < 0 && starts(p, "十")) {
        p += strlen("十");
        v = 10;
        if ((a = cn_digit(p, &n)) > 0) {
            v += a;
            p += n;
        }
    } else {
        return -1;
    }
    *s = p;
    return v;
}

/* A year written digit by digit in Chinese (二〇二〇); -1 if not four. */
static int read_cn_year(const char **s)
{
    const char *p = *s;
    size_t n;
    int i, v = 0, d;

    for (i = 0; i < 4; i++) {
        if ((d = cn_digit(p, &n)) < 0)
            return -1;
        v = v * 10 + d;
        p += n;
    }
    if (cn_digit(p, &n) >= 0)
        return -1;
    *s = p;
    return v;
}

/* A number: Arabic digits (up to 2, or exactly 4 for a year) or Chinese. */
static int read_part(const char **s, int year)
{
    const char *p = *s;
    int nd;
    long v = read_digits(&p, &nd);

    if (v >= 0) {
        if (year ? nd != 4 : nd > 2)
            return -1;
        *s = p;
        return (int)v;
    }
    return year ? read_cn_year(s) : read_cn_small(s);
}

/* An ASCII word, lower-cased into w (at most n-1 letters); its length. */
static size_t read_word(const char **s, char *w, size_t n)
{
    size_t k = 0;
    while ((**s >= 'a' && **s <= 'z') || (**s >= 'A' && **s <= 'Z')) {
        if (k + 1 < n)
            w[k++] = (char)(**s | 0x20);
        else
            k = n;                      /* too long to be one of ours */
        (*s)++;
    }
    if (k < n)
        w[k] = '\0';
    else
        w[0] = '\0';
    return k;
}

/* 1..12 for an English month name or its abbreviation, else 0. */
static int month_word(const char *w)
{
    static const char *const m[] = {"january", "february", "march",
                                    "april", "may", "june", "july",
                                    "august", "september", "october",
                                    "november", "december"};
    size_t n = strlen(w);
    int i;

    if (n < 3)
        return 0;
    if (strcmp(w, "sept") == 0)
        return 9;
    for (i = 0; i < 12; i++)
        if (strncmp(m[i], w, n) == 0 && (n == 3 || n == strlen(m[i])))
            return i + 1;
    return 0;
}

static int weekday_word(const char *w)
{
    static const char *const d[] = {"mon", "tue", "tues", "wed", "thu",
                                    "thur", "thurs", "fri", "sat", "sun",
                                    "monday", "tuesday", "wednesday",
                                    "thursday", "friday", "saturday",
                                    "sunday", NULL};
    int i;
    for (i = 0; d[i]; i++)
        if (strcmp(w, d[i]) == 0)
            return 1;
    return 0;
}

static int zone_word(const char *w)
{
    static const char *const z[] = {"z", "utc", "gmt", "ut", "cst", "cdt",
                                    "est", "edt", "pst", "pdt", "mst",
                                    "mdt", "cet", "cest", "bst", "jst",
                                    "hkt", "kst", "sgt", "ist", "eet",
                                    "eest", "am", "pm", NULL};
    int i;
    for (i = 0; z[i]; i++)
        if (strcmp(w, z[i]) == 0)
            return 1;
    return 0;
}

/* A Chinese weekday: 星期五, 星期日, 星期天, 周五, 礼拜五. */
static int skip_cn_weekday(const char **s)
{
    static const char *const pre[] = {"星期", "礼拜", "周", NULL};
    static const char *const day[] = {"一", "二", "三", "四", "五", "六",
                                      "日", "天", NULL};
    int i, k;

    for (i = 0; pre[i]; i++)
        if (starts(*s, pre[i]))
            for (k = 0; day[k]; k++)
                if (starts(*s + strlen(pre[i]), day[k])) {
                    *s += strlen(pre[i]) + strlen(day[k]);
                    return 1;
                }
    return 0;
}

/* A time of day at *s: 08:30, 8:30:15.123, 08时30分15秒, 8点; with an
 * optional zone (+08:00, -0800, Z, UTC) after it. */
static int skip_time(const char **s)
{
    const char *p = *s;
    int nd;

    if (read_digits(&p, &nd) < 0 || nd > 2)
        return 0;
    if (*p == ':') {
        while (*p == ':' || *p == '.' || *p == ',' || (*p >= '0' && *p <= '9'))
            p++;
    } else if (starts(p, "时") || starts(p, "点")) {
        p += 3;
        while (read_digits(&p, &nd) >= 0 && (starts(p, "分") || starts(p, "秒")))
            p += 3;
    } else {
        return 0;
    }
    skip_ws(&p);
    if ((*p == '+' || *p == '-') && p[1] >= '0' && p[1] <= '9') {
        p++;
        while ((*p >= '0' && *p <= '9') || *p == ':')
            p++;
    }
    *s = p;
    return 1;
}

static int days_in(int y, int m)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
                                31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return mdays[m - 1];
}

/* What may follow a date: white space, punctuation, a weekday, a time, a
 * zone.  Returns where the first thing not understood starts, or NULL if
 * everything was. */
static const char *rest_of(const char *s)
{
    const char *in = s;
    static const char *const cn[] = {"（", "）", "，", "、", "上午", "下午",
                                     "晚上", "凌晨", "中午", "早上", "北京时间",
                                     NULL};
    char w[16];
    int i;

    for (;;) {
        const char *p = s;
        skip_ws(&s);
        while (*s == '(' || *s == ')' || *s == ',' || *s == ';')
            s++;
        for (i = 0; cn[i]; i++)
            if (starts(s, cn[i]))
                s += strlen(cn[i]);
        skip_cn_weekday(&s);
        if ((*s == 'T' || *s == 't') && s[1] >= '0' && s[1] <= '9')
            s++;
        skip_time(&s);
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')) {
            const char *q = s;
            read_word(&q, w, sizeof w);
            if (zone_word(w) || weekday_word(w))
                s = q;
        }
        if (*s == '\0')
            return NULL;
        if (s == p) {
            /* keep an opening parenthesis with what it opens */
            while (s > in && (s[-1] == '(' || s[-1] == ' '))
                s--;
            if (s - in >= 3 && starts(s - 3, "（"))
                s -= 3;
            skip_ws(&s);
            return s;
        }
    }
}

/* Forms with an English month name: every part anywhere, in any order
 * (RFC 2822 "Fri, 09 Mar 2001 10:00:00 +0000", date(1) "Fri Mar  9
 * 10:00:00 CST 2001", "20 Mar 1993", "1995 October 31", "October 31,
 * 1995", "March 1993", "31st October 1995", "20-Mar-1993"). */
static int named_month(const char *s, int *y, int *m, int *d,
                       const char **ignored)
{
    char w[16];
    int nd, saw_time = 0;

    *y = *m = *d = 0;
    *ignored = NULL;
    while (*s) {
        const char *p = s;
        long v;
        for (;;) {
            skip_ws(&s);
            if (*s != ',' && *s != '.' && *s != '-' && *s != '/' && *s != '('
                && *s != ')')
                break;
            s++;
        }
        if (*s == '\0')
            break;
        if (saw_time && *s == '+') {
            s++;                        /* a zone: +0800 */
            continue;
        }
        p = s;
        if (skip_time(&s)) {
            saw_time = 1;
            continue;
        }
        if ((v = read_digits(&s, &nd)) >= 0) {
            if (nd == 4 && !*y) {
                *y = (int)v;            /* date(1): also after the time */
            } else if (nd == 4 && saw_time) {
                ;                       /* a zone's offset: GMT+0800 */
            } else if (nd <= 2 && !*d && v >= 1) {
                *d = (int)v;
                read_word(&s, w, sizeof w);     /* 31st */
                if (w[0] && strcmp(w, "st") && strcmp(w, "nd")
                    && strcmp(w, "rd") && strcmp(w, "th"))
                    return -1;
            } else {
                return -1;              /* a second day, a 2-digit year */
            }
            continue;
        }
        if (read_word(&s, w, sizeof w) > 0) {
            int mw = month_word(w);
            if (mw && !*m)
                *m = mw;
            else if (mw)
                return -1;
            else if (!weekday_word(w) && !zone_word(w) && strcmp(w, "of"))
                if (*ignored == NULL)
                    *ignored = p;
            continue;
        }
        if (skip_cn_weekday(&s))
            continue;
        /* a character we do not know: everything from here is ignored */
        if (*ignored == NULL)
            *ignored = p;
        break;
    }
    return *y && *m ? 0 : -1;
}

int zhsi_parse_date(const char *in, char out[11], char *ignored,
                    size_t ignored_size)
{
    const char *s = in, *rest, *p, *ign = NULL;
    char w[16];
    int y, m = 0, d = 0, nd, has_month_word = 0;
    long v;

    if (ignored_size)
        ignored[0] = '\0';
    /* Is there an English month name anywhere? */
    for (p = in; *p;) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')) {
            if (read_word(&p, w, sizeof w) && month_word(w))
                has_month_word = 1;
        } else {
            p++;
        }
    }
    /* A month name makes it that kind of date, unless it is not one:
     * then the name may be text after a numeric date. */
    if (has_month_word && named_month(in, &y, &m, &d, &ign) == 0)
        goto check;
    ign = NULL;
    m = d = 0;

    skip_ws(&s);
    p = s;
    v = read_digits(&p, &nd);
    if (nd == 8) {                      /* 20251219 */
        y = (int)(v / 10000);
        m = (int)(v / 100 % 100);
        d = (int)(v % 100);
        s = p;
    } else if ((y = read_part(&s, 1)) < 0) {
        return -1;
    } else {
        p = s;
        skip_ws(&p);
        if (starts(p, "年")) {
            p += strlen("年");
            skip_ws(&p);
            s = p;
            if ((m = read_part(&p, 0)) >= 0) {
                if (m == 0)
                    return -1;          /* 2020年0月 */
                skip_ws(&p);
                if (!starts(p, "月"))
                    return -1;          /* 2020年3 */
                p += strlen("月");
                s = p;
                skip_ws(&p);
                if ((d = read_part(&p, 0)) >= 0) {
                    if (d == 0)
                        return -1;
                    skip_ws(&p);
                    if (starts(p, "日") || starts(p, "号"))
                        p += strlen("日");
                    else
                        return -1;      /* 2020年3月5 */
                    s = p;
                } else {
                    d = 0;
                }
            } else {
                m = 0;
            }
        } else if (*s == '-' || *s == '/' || *s == '.') {
            char sep = *s++;
            if ((m = read_part(&s, 0)) < 1)
                return -1;              /* 2025-00, 2025- */
            if (*s == sep) {
                s++;
                if ((d = read_part(&s, 0)) < 1)
                    return -1;          /* 2025-12-00 */
            }
        }
    }
    rest = rest_of(s);
    if (rest != NULL) {
        ign = rest;
        if (m == 0)
            return -1;                  /* "1993 edition": not a date */
    }
check:
    if (y < 1000 || y > 9999 || m < 0 || m > 12 || d < 0
        || (m == 0 && d > 0) || (d > 0 && d > days_in(y, m)))
        return -1;
    if (d > 0)
        snprintf(out, 11, "%04d-%02d-%02d", y, m % 100, d % 100);
    else if (m > 0)
        snprintf(out, 11, "%04d-%02d", y, m % 100);
    else
        snprintf(out, 11, "%04d", y);
    if (ign != NULL) {
        const char *e = ign + strlen(ign);
        size_t n;
        while (e > ign && (e[-1] == ' ' || e[-1] == '\t'))
            e--;
        n = (size_t)(e - ign);
        if (ignored_size) {
            if (n >= ignored_size) {
                n = ignored_size - 1;
                while (n > 0 && ((unsigned char)ign[n] & 0xC0) == 0x80)
                    n--;
            }
            memcpy(ignored, ign, n);
            ignored[n] = '\0';
        }
        return n ? 1 : 0;
    }
    return 0;
}

/* ---- title keys and ranking parameters --------------------------- */

size_t zhsi_title_key(const uint32_t *cps, size_t n, uint32_t *out,
                      unsigned *units)
{
    size_t i, k = 0;
    unsigned u = 0;

    for (i = 0; i < n; i++) {
        uint32_t c = cps[i];
        if (!(zhsi_is_alnum(c) || (c >= 0x80 && u_isalnum((UChar32)c))))
            continue;
        if (!zhsi_is_alnum(c) || k == 0 || !zhsi_is_alnum(out[k - 1])
            || (i > 0 && cps[i - 1] != out[k - 1]))
            u++;
        out[k++] = c;
    }
    if (units)
        *units = u;
    return k;
}

/* Measured with tools/rankbench on the Debian pages, seed 1, and checked
 * on seed 2 (README, Ranking): the mean MRR@10 of its four sets went
 * 0.954 -> 0.963 from k1 1, b 0.5, exact 8, cover 4, span 12, title 1 to
 * these.  The title's own BM25 terms ("S", title 1) lost to the constant
 * title features (0.954 -> 0.959 without them); b 0.3 beat 0.2, 0.5 and
 * 0.75; k1 0.8 and 1.2 changed little; cover 8 beat 2 and 4 (12: +0.0003);
 * exact 4, 8 and 16 and span 6, 12 and 24 within 0.002; coord 10, 30 and
 * 100 the same. */
static zhsi_rank_params rank_params = {
    .k1 = 1.0, .b = 0.3, .exact = 8.0, .cover = 8.0, .span = 12.0,
    .title = 0.0, .coord = 30.0, .relax = 1.0, .split = 1.0,
};
static pthread_once_t rank_once = PTHREAD_ONCE_INIT;

static void rank_from_env(void)
{
    static const struct {
        const char *name;
        size_t off;
    } names[] = {
        {"k1", offsetof(zhsi_rank_params, k1)},
        {"b", offsetof(zhsi_rank_params, b)},
        {"exact", offsetof(zhsi_rank_params, exact)},
        {"cover", offsetof(zhsi_rank_params, cover)},
        {"span", offsetof(zhsi_rank_params, span)},
        {"title", offsetof(zhsi_rank_params, title)},
        {"coord", offsetof(zhsi_rank_params, coord)},
        {"relax", offsetof(zhsi_rank_params, relax)},
        {"split", offsetof(zhsi_rank_params, split)},
    };
    const char *s = getenv("ZHSEARCH_RANK");
    size_t i;

    while (s && *s) {
        size_t n = strcspn(s, "=,");
        for (i = 0; i < sizeof names / sizeof names[0]; i++)
            if (strlen(names[i].name) == n
                && strncmp(s, names[i].name, n) == 0 && s[n] == '=') {
                *(double *)((char *)&rank_params + names[i].off)
                    = strtod(s + n + 1, NULL);
                break;
            }
        s += strcspn(s, ",");
        s += *s == ',';
    }
}

const zhsi_rank_params *zhsi_rank(void)
{
    pthread_once(&rank_once, rank_from_env);
    return &rank_params;
}
