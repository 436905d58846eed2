/* check_dates.c: reading dates as real corpora write them.
 *
 * Each row is a date string seen in crawled news, man pages, mail
 * headers or spreadsheets, and what must become of it: the stored value
 * (with the precision it was written with), whether some of it was
 * ignored (and reported), or NULL when it is not a date (the document is
 * then indexed without one, with a warning).
 */
#include "testutil.h"

struct date_case {
    const char *in;       /* as found in a corpus */
    const char *want;     /* stored value, NULL: not a date */
    const char *ignored;  /* text reported as ignored, NULL: none */
};

static const struct date_case cases[] = {
    /* ISO 8601 and its relatives */
    {"2025-12-19", "2025-12-19", NULL},
    {"2025-12", "2025-12", NULL},
    {"2025", "2025", NULL},
    {"2024-03-05T08:30:00+08:00", "2024-03-05", NULL},
    {"2024-03-05T08:30:00Z", "2024-03-05", NULL},
    {"2024-03-05T08:30:00.123-05:00", "2024-03-05", NULL},
    {"2024-03-05 08:30:00", "2024-03-05", NULL},
    {"2024-03-05 08:30", "2024-03-05", NULL},
    {"2025/12/19", "2025-12-19", NULL},
    {"2025.12.19", "2025-12-19", NULL},
    {"1999-8-20", "1999-08-20", NULL},
    {"20251219", "2025-12-19", NULL},
    {" 2025-12-19 ", "2025-12-19", NULL},
    {"2024-02-29", "2024-02-29", NULL},
    /* Chinese forms */
    {"2025年12月19日", "2025-12-19", NULL},
    {"2017 年 9 月 21 日", "2017-09-21", NULL},
    {"1999年8月20日星期五", "1999-08-20", NULL},
    {"1999年8月20日 星期五", "1999-08-20", NULL},
    {"2025年12月19日（星期五）", "2025-12-19", NULL},
    {"2025年12月19日 周五", "2025-12-19", NULL},
    {"2025年12月19日 08:30", "2025-12-19", NULL},
    {"2025年12月19日 08时30分", "2025-12-19", NULL},
    {"2025年12月19日 北京时间 上午9:00", "2025-12-19", NULL},
    {"2024年3月", "2024-03", NULL},
    {"2020年三月", "2020-03", NULL},
    {"2020年十二月", "2020-12", NULL},
    {"2020年十一月二十一日", "2020-11-21", NULL},
    {"二〇二〇年三月五日", "2020-03-05", NULL},
    {"２０２５年１２月１９日", "2025-12-19", NULL},
    {"2025年", "2025", NULL},
    {"2025年12月19号", "2025-12-19", NULL},
    /* English month names: RFC 2822, date(1), prose */
    {"20 Mar 1993 ", "1993-03-20", NULL},
    {"Fri Mar 09 2001", "2001-03-09", NULL},
    {"Fri, 09 Mar 2001 10:00:00 +0000", "2001-03-09", NULL},
    {"Tue, 1 Dec 2026 18:22:12 -0800 (PST)", "2026-12-01", NULL},
    {"Fri Mar  9 10:00:00 CST 2001", "2001-03-09", NULL},
    {"Tue Dec  1 18:22:12 UTC 2026", "2026-12-01", NULL},
    {"Fri Mar 09 2001 10:00:00 GMT+0800 (CST)", "2001-03-09", NULL},
    {"Fri Mar 09 2001 10:00:00 GMT-0500", "2001-03-09", NULL},
    {"Mar 9, 2001 10:00 AM", "2001-03-09", NULL},
    {"1995 October 31", "1995-10-31", NULL},
    {"October 31, 1995", "1995-10-31", NULL},
    {"31 October 1995", "1995-10-31", NULL},
    {"31st October 1995", "1995-10-31", NULL},
    {"20-Mar-1993", "1993-03-20", NULL},
    {"March 1993", "1993-03", NULL},
    {"Sept 2001", "2001-09", NULL},
    {"DECEMBER 2000", "2000-12", NULL},
    /* something ignored is reported, the date kept */
    {"2017-09-21 (revised)", "2017-09-21", "(revised)"},
    {"2020年三月 下旬", "2020-03", "下旬"},
    {"March 1993, second edition", "1993-03", "second edition"},
    {"2020-03-05 (May update)", "2020-03-05", "(May update)"},
    {"1993 May 5 June", NULL, NULL},            /* two months */
    /* not dates: dropped with a warning, never guessed */
    {"", NULL, NULL},
    {"unknown", NULL, NULL},
    {"未知", NULL, NULL},
    {"03/09/2001", NULL, NULL},
    {"20 Mar 93", NULL, NULL},
    {"Mar 09", NULL, NULL},
    {"2025-13-45", NULL, NULL},
    {"2025-12-00", NULL, NULL},
    {"2023-02-29", NULL, NULL},
    {"2020年3", NULL, NULL},
    {"1993 edition", NULL, NULL},
    {"984100000", NULL, NULL},
    {"0999-01-01", NULL, NULL},
};

START_TEST(test_table)
{
    const struct date_case *c = &cases[_i];
    char out[11] = "", ign[64] = "x";
    int r = zhsi_parse_date(c->in, out, ign, sizeof ign);

    if (c->want == NULL) {
        ck_assert_msg(r < 0, "'%s' is not a date, but read as '%s'", c->in,
                      out);
        return;
    }
    ck_assert_msg(r >= 0, "'%s': not read (want %s)", c->in, c->want);
    ck_assert_msg(strcmp(out, c->want) == 0, "'%s': got %s, want %s", c->in,
                  out, c->want);
    if (c->ignored) {
        ck_assert_msg(r == 1, "'%s': nothing reported as ignored", c->in);
        ck_assert_msg(strcmp(ign, c->ignored) == 0,
                      "'%s': ignored '%s', want '%s'", c->in, ign,
                      c->ignored);
    } else {
        ck_assert_msg(r == 0, "'%s': '%s' reported as ignored", c->in, ign);
    }
}
END_TEST

/* The ignored text is cut to the buffer on a character boundary. */
START_TEST(test_ignored_bounded)
{
    char out[11], ign[8];
    int r = zhsi_parse_date("2020-03-01 说明文字很长", out, ign, sizeof ign);

    ck_assert_int_eq(r, 1);
    ck_assert_str_eq(out, "2020-03-01");
    ck_assert_str_eq(ign, "说明");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("dates");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, test_table, 0, sizeof cases / sizeof cases[0]);
    tcase_add_test(tc, test_ignored_bounded);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
