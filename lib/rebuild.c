/* rebuild.c: an index of an older term scheme, rebuilt from itself.
 *
 * Every index stores each document whole (its fields and its text, as
 * JSON), so a new term scheme needs no access to the files a cron job
 * indexed months ago: the stored documents are indexed again into a new
 * index beside the old one (a parallel first build, bulk.c), whose files
 * then replace the old ones, iamglass last.  The old index's write lock is
 * held throughout, so no indexer runs meanwhile; readers see the old index
 * until the swap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

struct rebuild {
    zhs_writer *w;
    unsigned long done, rejected;
    zhs_status st;       /* an index failure: stop */
    char **errmsg;
    zhs_rebuild_fn progress;
    void *arg;
};

static int put_one(const char *data, void *arg)
{
    struct rebuild *rb = arg;
    zhs_file_doc *fd = NULL;
    char *msg = NULL;
    zhs_status st = zhsi_stored_decode(data, strlen(data), &fd, &msg);

    if (st == ZHS_OK)
        st = zhs_writer_put(rb->w, &fd->doc, NULL, &msg);
    if (st == ZHS_OK) {
        rb->done++;
    } else if (st == ZHS_EUSAGE || st == ZHS_EENCODING || st == ZHS_ECORRUPT) {
        /* a document the current rules refuse: say so, go on */
        rb->rejected++;
        if (rb->progress)
            rb->progress(fd && fd->doc.id ? fd->doc.id : "?",
                         msg ? msg : zhs_strerror(st), rb->arg);
    } else {
        rb->st = st;
        if (rb->errmsg) {
            free(*rb->errmsg);
            *rb->errmsg = msg;
            msg = NULL;
        }
    }
    free(msg);
    zhs_file_doc_free(fd);
    return rb->st != ZHS_OK;
}

zhs_status zhs_rebuild(const char *dir, zhs_rebuild_fn rejected, void *arg,
                       unsigned long *count, char **errmsg)
{
    struct rebuild rb = {0};
    zhsi_xwdb *lock = NULL;
    zhsi_xdb *old = NULL;
    char *serial = NULL, *name = NULL, *tmp;
    zhs_status st;

    if ((tmp = malloc(strlen(dir) + 16)) == NULL)
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    sprintf(tmp, "%s/.zhs-rebuild", dir);
    rb.errmsg = errmsg;
    rb.progress = rejected;
    rb.arg = arg;
    /* the old index's lock keeps other writers out until the swap */
    st = zhsi_xdb_open(dir, &old, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xwdb_open(dir, &lock, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_metadata(old, ZHSI_META_DICT, &serial, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_metadata(old, ZHSI_META_DICT_NAME, &name, errmsg);
    if (st == ZHS_OK) {
        zhsi_remove_tree(tmp);
        st = zhs_writer_open(tmp, &rb.w, errmsg);
    }
    if (st == ZHS_OK && serial[0])
        st = zhsi_writer_use_dict(rb.w, serial, name, errmsg);
    if (st == ZHS_OK)
        st = zhs_writer_parallel(rb.w, 0, NULL, errmsg);
    if (st == ZHS_OK)
        st = zhsi_xdb_each_data(old, put_one, &rb, errmsg);
    if (st == ZHS_OK)
        st = rb.st;
    if (st == ZHS_OK)
        st = zhs_writer_commit(rb.w, errmsg);
    zhs_writer_close(rb.w);
    zhsi_xdb_close(old);
    if (st == ZHS_OK)
        st = zhsi_swap_in(tmp, dir, errmsg);
    zhsi_remove_tree(tmp);
    zhsi_xwdb_close(lock);              /* nothing written through it */
    if (st != ZHS_OK)
        zhsi_errmsg_prefix(errmsg, dir);
    else if (count)
        *count = rb.done;
    free(serial);
    free(name);
    free(tmp);
    return st;
}
