/* fuzz_jsonl.c: libFuzzer target for the JSON Lines reader.
 *
 * The input is a whole file (any encoding, any bytes), put in an
 * in-memory file that zhs_jsonl_open reads through /proc/self/fd.  Every
 * record either becomes a document with an id and a text, or is rejected
 * with a message naming the file and line; the reader then goes on.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zhs-int.h"

static int memfd = -1;          /* libFuzzer runs inputs on one thread */
static char path[64];

static void check_doc(const zhs_file_doc *fd)
{
    if (fd->doc.id == NULL || fd->doc.id[0] == '\0' || fd->doc.text == NULL
        || strlen(fd->doc.text) != fd->doc.text_len
        || zhsi_utf8_invalid_at(fd->doc.text, fd->doc.text_len)
               != (size_t)-1)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    zhs_jsonl *j = NULL;
    zhs_file_doc *fd;
    char *msg = NULL;
    unsigned long records = 0;
    zhs_status st;

    if (memfd < 0) {
        if ((memfd = memfd_create("fuzz_jsonl", 0)) < 0)
            abort();
        snprintf(path, sizeof path, "/proc/self/fd/%d", memfd);
    }
    if (ftruncate(memfd, 0) < 0
        || (size > 0 && pwrite(memfd, data, size, 0) != (ssize_t)size))
        abort();
    st = zhs_jsonl_open(path, NULL, &j, &msg);
    if (st != ZHS_OK) {
        if (msg == NULL || strstr(msg, path) == NULL)
            abort();            /* a refusal names the file */
        free(msg);
        return 0;
    }
    for (;;) {
        msg = NULL;
        st = zhs_jsonl_next(j, &fd, &msg);
        if (st == ZHS_EREJECTED) {
            if (msg == NULL || strstr(msg, path) == NULL)
                abort();
            free(msg);
            continue;
        }
        free(msg);
        if (st != ZHS_OK || fd == NULL)
            break;
        check_doc(fd);
        zhs_file_doc_free(fd);
        if (++records > size + 1)
            abort();            /* more records than lines */
    }
    zhs_jsonl_close(j);
    return 0;
}
