/* counts.c: counts of matching documents and occurrences per year, month
 * or source (zhs_count_terms), and figures on an index (zhs_index_stats_json):
 * what `zhsearch stats` prints and the Python module's stats() returns.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

static const char *const by_names[] = {"year", "month", "source"};

const char *zhs_group_name(zhs_group by)
{
    return (unsigned)by <= ZHS_BY_SOURCE ? by_names[by] : "?";
}

int zhs_parse_group(const char *s, zhs_group *out)
{
    unsigned i;

    for (i = 0; s != NULL && i < sizeof by_names / sizeof by_names[0]; i++)
        if (strcmp(s, by_names[i]) == 0) {
            *out = (zhs_group)i;
            return 0;
        }
    return -1;
}

/* The row of key (NULL: unknown), or (size_t)-1 if the index has none. */
static size_t row_of(const zhs_counts *t, const char *key)
{
    size_t lo = 0, hi = t->nbuckets;

    if (key == NULL)
        return t->nrows > t->nbuckets ? t->nbuckets : (size_t)-1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(key, t->rows[mid].key);
        if (c == 0)
            return mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return (size_t)-1;
}

struct counting {
    zhs_counts *t;
    size_t term;         /* the term being scanned */
};

static int count_doc(const zhs_match_doc *d, void *arg)
{
    struct counting *c = arg;
    zhs_counts *t = c->t;
    const char *key = t->by == ZHS_BY_YEAR ? d->year
        : t->by == ZHS_BY_MONTH ? d->month : d->source;
    size_t r = row_of(t, key);

    /* a group the index did not have when the rows were read: a writer
     * committed meanwhile; its documents are not counted */
    if (r != (size_t)-1) {
        t->cells[r * t->nterms + c->term].docs++;
        t->cells[r * t->nterms + c->term].occurrences += d->nmatches;
    }
    return 0;
}

zhs_status zhs_count_terms(zhs_db *db, zhs_group by,
                           const char *const *terms, size_t nterms,
                           zhs_counts **out, char **errmsg)
{
    struct counting c;
    zhs_counts *t;
    zhs_status st;
    size_t j;

    *out = NULL;
    if ((unsigned)by > ZHS_BY_SOURCE || nterms == 0)
        return zhsi_fail(errmsg, ZHS_EUSAGE, nterms == 0 ? "no terms to "
                         "count" : "unknown grouping %d", (int)by);
    if ((t = calloc(1, sizeof *t)) == NULL
        || (t->terms = calloc(nterms, sizeof *t->terms)) == NULL) {
        free(t);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    t->by = by;
    for (j = 0; j < nterms; j++, t->nterms++)
        if ((t->terms[j] = strdup(terms[j])) == NULL) {
            zhs_counts_free(t);
            return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        }
    st = zhs_db_groups(db, by, &t->rows, &t->nbuckets, &t->nunknown, errmsg);
    if (st != ZHS_OK) {
        zhs_counts_free(t);
        return st;
    }
    t->nrows = t->nbuckets + (t->nunknown > 0);
    if ((t->cells = calloc(t->nrows * t->nterms + 1, sizeof *t->cells))
            == NULL) {
        zhs_counts_free(t);
        return zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
    }
    c.t = t;
    for (c.term = 0; st == ZHS_OK && c.term < t->nterms; c.term++) {
        st = zhs_scan(db, t->terms[c.term], count_doc, &c, errmsg);
        if (st != ZHS_OK && errmsg && *errmsg) {
            /* name the term: there may be several */
            size_t len = strlen(*errmsg) + strlen(t->terms[c.term]) + 16;
            char *m = malloc(len);
            if (m) {
                snprintf(m, len, "term '%s': %s", t->terms[c.term], *errmsg);
                free(*errmsg);
                *errmsg = m;
            }
        }
    }
    if (st != ZHS_OK) {
        zhs_counts_free(t);
        return st;
    }
    *out = t;
    return ZHS_OK;
}

const char *zhs_counts_period(const zhs_counts *t, size_t row)
{
    return row < t->nbuckets ? t->rows[row].key : NULL;
}

void zhs_counts_free(zhs_counts *t)
{
    size_t j;

    if (t == NULL)
        return;
    for (j = 0; j < t->nterms; j++)
        free(t->terms[j]);
    free(t->terms);
    zhs_buckets_free(t->rows, t->nbuckets);
    free(t->cells);
    free(t);
}

char *zhs_counts_json(const zhs_counts *t)
{
    cJSON *o = cJSON_CreateObject(), *terms, *rows, *row, *counts, *c;
    char *out = NULL;
    size_t r, j;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "by", zhs_group_name(t->by));
    terms = cJSON_AddArrayToObject(o, "terms");
    for (j = 0; terms && j < t->nterms; j++)
        cJSON_AddItemToArray(terms, cJSON_CreateString(t->terms[j]));
    rows = cJSON_AddArrayToObject(o, "rows");
    for (r = 0; rows && r < t->nrows; r++) {
        if ((row = cJSON_CreateObject()) == NULL)
            goto out;
        cJSON_AddItemToArray(rows, row);
        if (r < t->nbuckets)
            cJSON_AddStringToObject(row, "period", t->rows[r].key);
        else
            cJSON_AddNullToObject(row, "period");
        counts = cJSON_AddArrayToObject(row, "counts");
        for (j = 0; counts && j < t->nterms; j++) {
            const zhs_count *cell = &t->cells[r * t->nterms + j];
            if ((c = cJSON_CreateObject()) == NULL)
                goto out;
            cJSON_AddItemToArray(counts, c);
            cJSON_AddStringToObject(c, "term", t->terms[j]);
            cJSON_AddNumberToObject(c, "docs", cell->docs);
            cJSON_AddNumberToObject(c, "occurrences",
                                    (double)cell->occurrences);
        }
    }
    out = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
out:
    cJSON_Delete(o);
    return out;
}

zhs_status zhs_index_stats_get(zhs_db *db, const char *path, zhs_index_stats *out,
                        char **errmsg)
{
    zhs_status st;

    memset(out, 0, sizeof *out);
    st = zhs_db_info_get(db, &out->info, errmsg);
    if (st == ZHS_OK)
        st = zhs_db_groups(db, ZHS_BY_SOURCE, &out->sources, &out->nsources,
                           &out->no_source, errmsg);
    if (st == ZHS_OK)
        st = zhs_index_disk_size(path ? path : zhs_db_path(db),
                                 &out->size_bytes, &out->remote_shards,
                                 errmsg);
    if (st != ZHS_OK) {
        zhs_index_stats_clear(out);
        memset(out, 0, sizeof *out);
    }
    return st;
}

void zhs_index_stats_clear(zhs_index_stats *s)
{
    zhs_buckets_free(s->sources, s->nsources);
    s->sources = NULL;
    s->nsources = 0;
}

char *zhs_index_stats_json(const zhs_index_stats *s)
{
    cJSON *o = cJSON_CreateObject(), *a, *src;
    char *out;
    size_t i;

    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "documents", s->info.docs);
    cJSON_AddNumberToObject(o, "terms", (double)s->info.terms);
    cJSON_AddNumberToObject(o, "words", (double)s->info.words);
    cJSON_AddNumberToObject(o, "size_bytes", (double)s->size_bytes);
    cJSON_AddBoolToObject(o, "size_complete", s->remote_shards == 0);
    cJSON_AddNumberToObject(o, "remote_shards", s->remote_shards);
    cJSON_AddNumberToObject(o, "dated_documents", s->info.dated);
    if (s->info.date_min[0]) {
        cJSON_AddStringToObject(o, "date_min", s->info.date_min);
        cJSON_AddStringToObject(o, "date_max", s->info.date_max);
    } else {
        cJSON_AddNullToObject(o, "date_min");
        cJSON_AddNullToObject(o, "date_max");
    }
    a = cJSON_AddArrayToObject(o, "sources");
    for (i = 0; a && i < s->nsources; i++)
        if ((src = cJSON_CreateObject()) != NULL) {
            cJSON_AddStringToObject(src, "source", s->sources[i].key);
            cJSON_AddNumberToObject(src, "docs", s->sources[i].docs);
            cJSON_AddItemToArray(a, src);
        }
    cJSON_AddNumberToObject(o, "no_source", s->no_source);
    out = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    return out;
}
