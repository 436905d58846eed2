/* simhash.c: print the near-duplicate SimHash of documents.
 *
 * Usage: tools/simhash FILE...
 *
 * For each .txt/.md file, and each record of a .jsonl/.ndjson file ("-":
 * standard input), prints "id<TAB>hash" where hash is the 16-hex-digit
 * SimHash the indexer stores (or "-" for a text too short to have one),
 * computed exactly as the writer does: on the normalized body.  Used to
 * measure the distances of edited copies and of different articles when
 * choosing ZHSI_DUP_MAX_BITS (see README.md); not a test.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhs-int.h"

static int print_hash(const zhs_doc *d)
{
    zhsi_text t = {0};
    uint64_t h;
    char *msg = NULL;

    if (zhsi_text_build(d->text, d->text_len, ZHSI_TEXT_DOC, &t, &msg)
        != ZHS_OK) {
        fprintf(stderr, "simhash: %s: %s\n", d->id, msg);
        free(msg);
        return -1;
    }
    if (zhsi_simhash(t.norm, t.nnorm, &h) == 0)
        printf("%s\t%016llx\n", d->id, (unsigned long long)h);
    else
        printf("%s\t-\n", d->id);
    zhsi_text_free(&t);
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int do_jsonl(const char *path)
{
    zhs_jsonl *j;
    zhs_file_doc *fd;
    char *msg = NULL;
    zhs_status st;
    int rc = 0;

    if (zhs_jsonl_open(path, NULL, &j, &msg) != ZHS_OK) {
        fprintf(stderr, "simhash: %s\n", msg);
        free(msg);
        return -1;
    }
    for (;;) {
        st = zhs_jsonl_next(j, &fd, &msg);
        if (st == ZHS_EREJECTED) {
            fprintf(stderr, "simhash: %s\n", msg);
            free(msg);
            msg = NULL;
            rc = -1;
            continue;
        }
        if (st != ZHS_OK) {
            fprintf(stderr, "simhash: %s\n", msg ? msg : zhs_strerror(st));
            free(msg);
            rc = -1;
            break;
        }
        if (fd == NULL)
            break;
        if (print_hash(&fd->doc) < 0)
            rc = -1;
        zhs_file_doc_free(fd);
    }
    zhs_jsonl_close(j);
    return rc;
}

int main(int argc, char **argv)
{
    int i, rc = 0;

    if (argc < 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc < 2 ? stderr : stdout, "Usage: tools/simhash FILE...\n");
        return argc < 2 ? 2 : 0;
    }
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0 || ends_with(argv[i], ".jsonl")
            || ends_with(argv[i], ".ndjson")) {
            if (do_jsonl(argv[i]) < 0)
                rc = 1;
        } else {
            zhs_file_doc *fd;
            char *msg = NULL;
            if (zhs_doc_read_file(argv[i], argv[i], NULL, &fd, &msg)
                != ZHS_OK) {
                fprintf(stderr, "simhash: %s\n", msg);
                free(msg);
                rc = 1;
                continue;
            }
            if (print_hash(&fd->doc) < 0)
                rc = 1;
            zhs_file_doc_free(fd);
        }
    }
    return rc;
}
