/* status.c: the status table and the error-message helpers.
 *
 * The table is generated from ZHS_STATUS_MAP so that names, exit statuses
 * and messages can never drift apart.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

struct status_info {
    const char *name;
    int exit_code;
    const char *message;
};

#define ZHS_STATUS_ROW_(name, exit, msg) {#name, exit, msg},
static const struct status_info status_table[] = {
    ZHS_STATUS_MAP(ZHS_STATUS_ROW_)
};
#undef ZHS_STATUS_ROW_

static const struct status_info *info(zhs_status st)
{
    if ((unsigned)st >= (unsigned)ZHS_STATUS_COUNT_)
        return &status_table[ZHS_EINTERNAL];
    return &status_table[st];
}

const char *zhs_strerror(zhs_status st) { return info(st)->message; }
int zhs_status_exit_code(zhs_status st) { return info(st)->exit_code; }
const char *zhs_status_name(zhs_status st) { return info(st)->name; }

zhs_status zhsi_fail(char **errmsg, zhs_status st, const char *fmt, ...)
{
    va_list ap;
    char *msg;
    int n;

    if (errmsg == NULL)
        return st;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return st;
    msg = malloc((size_t)n + 1);
    if (msg == NULL)
        return st;
    va_start(ap, fmt);
    vsnprintf(msg, (size_t)n + 1, fmt, ap);
    va_end(ap);
    free(*errmsg);
    *errmsg = msg;
    return st;
}

void zhsi_errmsg_prefix(char **errmsg, const char *prefix)
{
    char *old, *msg;
    size_t a, b;

    if (errmsg == NULL || prefix == NULL)
        return;
    old = *errmsg;
    a = strlen(prefix);
    b = old ? strlen(old) : 0;
    /* a message that already names it (a reopen's) stays as it is */
    if (old && b > a + 1 && memcmp(old, prefix, a) == 0 && old[a] == ':')
        return;
    msg = malloc(a + b + 3);
    if (msg == NULL)
        return;
    memcpy(msg, prefix, a);
    memcpy(msg + a, ": ", 2);
    if (old)
        memcpy(msg + a + 2, old, b);
    msg[a + 2 + b] = '\0';
    free(old);
    *errmsg = msg;
}
