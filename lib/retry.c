/* retry.c: the reopen-and-retry loop every reader of a live index needs.
 *
 * A reader sees one revision of the index.  Xapian keeps the blocks of
 * the revision before the latest, so a handle survives one commit but
 * not two: its next read then fails with DatabaseModifiedError, which the
 * shim reports as ZHS_EMODIFIED.  The remedy is to reopen (pick up the
 * latest revision, or the other database now at the path) and try again.
 * zhs_search, zhs_scan and the HTTP server's handlers all do it through
 * zhs_db_retry, so the bound and the message contract are in one place.
 */
#include <stdlib.h>

#include "zhs-int.h"

zhs_status zhs_db_retry(zhs_db *db, zhs_db_op op, void *arg, unsigned flags,
                        char **errmsg)
{
    zhs_status st;
    char *msg = NULL;                   /* this try's message */
    unsigned tries;
    int notfound_retried = 0;

    for (tries = 0;; tries++) {
        free(msg);                      /* a failed try says nothing now */
        msg = NULL;
        st = op(db, arg, errmsg ? &msg : NULL);
        if (st == ZHS_OK)
            break;
        if (tries == ZHS_MAX_RETRIES)
            break;
        if (st == ZHS_ENOTFOUND && (flags & ZHS_RETRY_NOTFOUND)
            && !notfound_retried)
            notfound_retried = 1;       /* once: a newer commit may have it */
        else if (st != ZHS_EMODIFIED)
            break;
        free(msg);
        msg = NULL;
        if ((st = zhs_db_reopen(db, errmsg ? &msg : NULL)) != ZHS_OK)
            break;                      /* the message names the path */
    }
    if (st == ZHS_OK) {
        free(msg);                      /* success leaves *errmsg alone */
    } else if (errmsg) {
        free(*errmsg);
        *errmsg = msg;
    } else {
        free(msg);
    }
    return st;
}
