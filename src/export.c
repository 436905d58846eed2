/* export.c: search results as rows for pandas, jq and spreadsheets.
 *
 * `zhsearch search --format jsonl|csv|tsv` prints one row per hit with
 * every stored field, the best snippet and the full text, in the column
 * order of export_columns below.  CSV follows RFC 4180 (CRLF line ends,
 * fields with a comma, quote, CR or LF quoted, quotes doubled); TSV
 * escapes backslash, tab, CR and LF as \\ \t \r \n so that every row is
 * one line; JSON Lines is one object per line.  All are UTF-8; a missing
 * field is empty in CSV/TSV and null in JSON Lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"

/* The columns, in order (also the JSON Lines keys). */
static const char *const export_columns[] = {
    "rank", "id", "score", "title", "date", "source", "url", "author",
    "path", "origin", "duplicates", "duplicate_ids", "snippet", "text",
};
#define NCOLUMNS (sizeof export_columns / sizeof export_columns[0])

/* The duplicate ids as a JSON array (malloc'd; NULL when out of memory),
 * the one unambiguous way to put a list in one CSV or TSV field. */
static char *ids_json(const zhs_hit *h)
{
    cJSON *a = cJSON_CreateArray();
    char *s;
    size_t i;

    if (a == NULL)
        return NULL;
    for (i = 0; i < h->nduplicate_ids; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(h->duplicate_ids[i]));
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(a));
    cJSON_Delete(a);
    return s;
}

/* The string fields of a hit by column (NULL for missing ones); numbers
 * are formatted into the buffers.  rank, score and duplicates are never
 * NULL. */
static void hit_fields(const zhs_hit *h, const char *f[NCOLUMNS],
                       char rank[16], char score[32], char dups[16],
                       char *ids)
{
    snprintf(rank, 16, "%u", h->rank);
    snprintf(score, 32, "%.4f", h->score);
    snprintf(dups, 16, "%u", h->duplicates);
    f[0] = rank;
    f[1] = h->id;
    f[2] = score;
    f[3] = h->title;
    f[4] = h->date;
    f[5] = h->source;
    f[6] = h->url;
    f[7] = h->author;
    f[8] = h->path;
    f[9] = h->origin;
    f[10] = dups;
    f[11] = ids;
    f[12] = h->nsnippets > 0 ? h->snippets[0].text : NULL;
    f[13] = h->text;
}

static void put_csv_field(FILE *out, const char *s)
{
    if (s == NULL)
        return;
    if (strpbrk(s, ",\"\r\n") == NULL) {
        fputs(s, out);
        return;
    }
    putc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            putc('"', out);
        putc(*s, out);
    }
    putc('"', out);
}

static void put_tsv_field(FILE *out, const char *s)
{
    if (s == NULL)
        return;
    for (; *s; s++) {
        switch (*s) {
        case '\\': fputs("\\\\", out); break;
        case '\t': fputs("\\t", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        default: putc(*s, out);
        }
    }
}

static void put_row(FILE *out, enum export_format fmt,
                    const char *const *f)
{
    size_t i;

    for (i = 0; i < NCOLUMNS; i++) {
        if (i > 0)
            putc(fmt == EXPORT_CSV ? ',' : '\t', out);
        if (fmt == EXPORT_CSV)
            put_csv_field(out, f[i]);
        else
            put_tsv_field(out, f[i]);
    }
    fputs(fmt == EXPORT_CSV ? "\r\n" : "\n", out);
}

void export_header(FILE *out, enum export_format fmt, int bom)
{
    if (bom)
        fputs("\xEF\xBB\xBF", out);
    if (fmt == EXPORT_CSV || fmt == EXPORT_TSV)
        put_row(out, fmt, export_columns);
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

/* One hit as a JSON Lines object; 0, or -1 when out of memory. */
static int put_jsonl(FILE *out, const zhs_hit *h, const char *const *f)
{
    cJSON *o = cJSON_CreateObject(), *ids;
    char *s;
    size_t i;

    if (o == NULL)
        return -1;
    for (i = 0; i < NCOLUMNS; i++) {
        const char *k = export_columns[i];
        if (strcmp(k, "rank") == 0)
            cJSON_AddNumberToObject(o, k, h->rank);
        else if (strcmp(k, "score") == 0)
            cJSON_AddNumberToObject(o, k, strtod(f[i], NULL));
        else if (strcmp(k, "duplicates") == 0)
            cJSON_AddNumberToObject(o, k, h->duplicates);
        else if (strcmp(k, "duplicate_ids") == 0) {
            size_t j;
            ids = cJSON_AddArrayToObject(o, k);
            for (j = 0; ids && j < h->nduplicate_ids; j++)
                cJSON_AddItemToArray(ids,
                                     cJSON_CreateString(h->duplicate_ids[j]));
        } else
            cJSON_AddItemToObject(o, k, str_or_null(f[i]));
    }
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    if (s == NULL)
        return -1;
    fputs(s, out);
    putc('\n', out);
    free(s);
    return 0;
}

int export_rows(FILE *out, enum export_format fmt, const zhs_results *r)
{
    size_t i;

    for (i = 0; i < r->nhits; i++) {
        const zhs_hit *h = &r->hits[i];
        const char *f[NCOLUMNS];
        char rank[16], score[32], dups[16], *ids = ids_json(h);
        int rc = 0;

        if (ids == NULL)
            return -1;
        hit_fields(h, f, rank, score, dups, ids);
        if (fmt == EXPORT_JSONL)
            rc = put_jsonl(out, h, f);
        else
            put_row(out, fmt, f);
        free(ids);
        if (rc < 0)
            return -1;
    }
    return 0;
}
