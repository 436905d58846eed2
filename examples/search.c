/* examples/search.c: the smallest program using libzhsearch.
 *
 * Opens an index, runs one query and prints each hit with its best
 * snippet, the matches in [brackets].  Build it against an installed
 * zhsearch with
 *
 *     cc search.c $(pkg-config --cflags --libs zhsearch) -o search
 *     ./search INDEX '医疗 队'
 *
 * Every function that can fail returns a zhs_status and, on failure,
 * leaves a message in errmsg that the caller frees.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zhsearch.h>

/* Prints snippet text with its highlights (code point spans) bracketed. */
static void print_snippet(const zhs_snippet *s)
{
    const unsigned char *p = (const unsigned char *)s->text;
    unsigned cp = 0;
    size_t h = 0;

    while (*p) {
        if (h < s->nhighlights && s->highlights[h].start == cp)
            putchar('[');
        do                              /* one code point's bytes */
            putchar(*p++);
        while ((*p & 0xC0) == 0x80);
        cp++;
        if (h < s->nhighlights && s->highlights[h].end == cp) {
            putchar(']');
            h++;
        }
    }
    putchar('\n');
}

int main(int argc, char **argv)
{
    zhs_search_opts opts = {0};
    zhs_results *res = NULL;
    zhs_db *db = NULL;
    char *msg = NULL;
    zhs_status st;
    size_t i;

    if (argc != 3) {
        fprintf(stderr, "usage: %s INDEX QUERY\n", argv[0]);
        return 2;
    }
    st = zhs_db_open(argv[1], &db, &msg);
    if (st == ZHS_OK) {
        opts.limit = 10;
        st = zhs_search(db, argv[2], &opts, &res, &msg);
    }
    if (st != ZHS_OK) {
        fprintf(stderr, "search: %s: %s\n", zhs_status_name(st),
                msg ? msg : zhs_strerror(st));
        free(msg);
        zhs_db_close(db);
        return zhs_status_exit_code(st);
    }
    printf("%u match%s%s\n", res->total, res->total == 1 ? "" : "es",
           res->total_exact ? "" : " (estimated)");
    for (i = 0; i < res->nhits; i++) {
        const zhs_hit *h = &res->hits[i];
        printf("%u. %s  %s\n   ", h->rank, h->id, h->title ? h->title : "");
        if (h->nsnippets > 0)
            print_snippet(&h->snippets[0]);
        else
            putchar('\n');
    }
    zhs_results_free(res);
    zhs_db_close(db);
    return 0;
}
