/* json.c: the one JSON printer for search results and errors.
 *
 * The CLI's --json and the HTTP API print through these functions, so the
 * object described in doc/DESIGN.md exists in one place.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

static double round_to(double v, double scale)
{
    return floor(v * scale + 0.5) / scale;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *snippet_json(const zhs_snippet *s)
{
    cJSON *o = cJSON_CreateObject(), *hl;
    size_t i;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "text", s->text);
    if (s->line > 0)
        cJSON_AddNumberToObject(o, "line", s->line);
    hl = cJSON_AddArrayToObject(o, "highlights");
    for (i = 0; hl && i < s->nhighlights; i++) {
        int pair[2] = {(int)s->highlights[i].start, (int)s->highlights[i].end};
        cJSON_AddItemToArray(hl, cJSON_CreateIntArray(pair, 2));
    }
    return o;
}

static cJSON *hit_json(const zhs_hit *h)
{
    cJSON *o = cJSON_CreateObject(), *sn, *ids;
    size_t i;

    if (o == NULL)
        return NULL;
    cJSON_AddNumberToObject(o, "rank", h->rank);
    cJSON_AddStringToObject(o, "id", h->id);
    cJSON_AddNumberToObject(o, "score", round_to(h->score, 1e4));
    cJSON_AddItemToObject(o, "title", str_or_null(h->title));
    cJSON_AddItemToObject(o, "date", str_or_null(h->date));
    cJSON_AddItemToObject(o, "source", str_or_null(h->source));
    cJSON_AddItemToObject(o, "path", str_or_null(h->path));
    sn = cJSON_AddArrayToObject(o, "snippets");
    for (i = 0; sn && i < h->nsnippets; i++)
        cJSON_AddItemToArray(sn, snippet_json(&h->snippets[i]));
    cJSON_AddNumberToObject(o, "duplicates", h->duplicates);
    ids = cJSON_AddArrayToObject(o, "duplicate_ids");
    for (i = 0; ids && i < h->nduplicate_ids; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateString(h->duplicate_ids[i]));
    if (h->relaxed) {
        cJSON_AddTrueToObject(o, "relaxed");
        cJSON_AddNumberToObject(o, "words_matched", h->words_matched);
    }
    return o;
}

/* "relaxed" always; "relaxation" with what was relaxed when it was. */
static void add_relaxation(cJSON *o, const zhs_results *r)
{
    cJSON *x, *w;
    size_t i;

    cJSON_AddBoolToObject(o, "relaxed", r->relaxed);
    if (!r->relaxed || (x = cJSON_AddObjectToObject(o, "relaxation")) == NULL)
        return;
    cJSON_AddNumberToObject(x, "strict_total", r->strict_total);
    cJSON_AddNumberToObject(x, "total", r->relaxed_total);
    cJSON_AddBoolToObject(x, "total_is_estimate", !r->relaxed_total_exact);
    cJSON_AddBoolToObject(x, "split", r->relaxed_split);
    w = cJSON_AddArrayToObject(x, "words");
    for (i = 0; w && i < r->nrelaxed_words; i++)
        cJSON_AddItemToArray(w, cJSON_CreateString(r->relaxed_words[i]));
    cJSON_AddNumberToObject(x, "min_words", r->relaxed_min);
    cJSON_AddItemToObject(x, "message", str_or_null(r->relaxed_message));
}

/* "facets": {"source": [{"value": ..., "count": ...}, ...], ...} */
static void add_facets(cJSON *o, const zhs_results *r)
{
    cJSON *f = cJSON_AddObjectToObject(o, "facets");
    size_t i, j;

    for (i = 0; f && i < r->nfacets; i++) {
        cJSON *a = cJSON_AddArrayToObject(f, r->facets[i].name);
        for (j = 0; a && j < r->facets[i].nvalues; j++) {
            cJSON *v = cJSON_CreateObject();
            cJSON_AddStringToObject(v, "value", r->facets[i].values[j].value);
            cJSON_AddNumberToObject(v, "count", r->facets[i].values[j].count);
            cJSON_AddItemToArray(a, v);
        }
    }
}

/* The code point of a C1 or bidi control at s (UTF-8), or 0. */
static unsigned control_at(const unsigned char *s)
{
    if (s[0] == 0xC2 && s[1] >= 0x80 && s[1] <= 0x9F)
        return s[1];
    if (s[0] == 0xE2 && s[1] == 0x80 && s[2] >= 0xAA && s[2] <= 0xAE)
        return 0x2000u + (s[2] & 0x3Fu);
    if (s[0] == 0xE2 && s[1] == 0x81 && s[2] >= 0xA6 && s[2] <= 0xA9)
        return 0x2040u + (s[2] & 0x3Fu);
    return 0;
}

char *zhs_json_escape_controls(char *json)
{
    const unsigned char *p;
    size_t n = 0, extra = 0;
    char *out, *q;
    unsigned c;

    if (json == NULL)
        return NULL;
    /* Outside strings JSON is ASCII, so every such character is in one. */
    for (p = (const unsigned char *)json; *p; p++)
        if (*p >= 0xC2 && *p <= 0xE2 && (c = control_at(p)) != 0) {
            n++;
            extra += c < 0x100 ? 4 : 3;   /* 6 bytes for 2 or 3 */
        }
    if (n == 0)
        return json;
    out = malloc(strlen(json) + extra + 1);
    if (out == NULL) {
        free(json);
        return NULL;
    }
    for (p = (const unsigned char *)json, q = out; *p;) {
        if (*p >= 0xC2 && *p <= 0xE2 && (c = control_at(p)) != 0) {
            q += sprintf(q, "\\u%04x", c);
            p += c < 0x100 ? 2 : 3;
        } else {
            *q++ = (char)*p++;
        }
    }
    *q = '\0';
    free(json);
    return out;
}

char *zhs_results_json(const zhs_results *r)
{
    cJSON *o = cJSON_CreateObject(), *hits;
    char *s = NULL;
    size_t i;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "query", r->query);
    cJSON_AddNumberToObject(o, "total", r->total);
    cJSON_AddBoolToObject(o, "total_is_estimate", !r->total_exact);
    cJSON_AddNumberToObject(o, "offset", r->offset);
    cJSON_AddNumberToObject(o, "limit", r->limit);
    cJSON_AddNumberToObject(o, "took_ms", round_to(r->took_ms, 1e3));
    if (r->missing_shards) {
        cJSON *m;
        const char *p = r->missing_shards, *nl;
        cJSON_AddTrueToObject(o, "partial");
        m = cJSON_AddArrayToObject(o, "missing_shards");
        for (; m && *p; p = *nl ? nl + 1 : nl) {
            char *line;
            nl = strchr(p, '\n');
            if (nl == NULL)
                nl = p + strlen(p);
            line = strndup(p, (size_t)(nl - p));
            if (line)
                cJSON_AddItemToArray(m, cJSON_CreateString(line));
            free(line);
        }
    }
    add_relaxation(o, r);
    hits = cJSON_AddArrayToObject(o, "hits");
    for (i = 0; hits && i < r->nhits; i++)
        cJSON_AddItemToArray(hits, hit_json(&r->hits[i]));
    if (r->facets)
        add_facets(o, r);
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    return s;
}

char *zhs_error_json(zhs_status st, const char *message)
{
    cJSON *o = cJSON_CreateObject(), *e;
    char *s;

    if (o == NULL)
        return NULL;
    e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddStringToObject(e, "code", zhs_status_name(st));
    cJSON_AddStringToObject(e, "message",
                            message ? message : zhs_strerror(st));
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    return s;
}

char *zhs_doc_json(const zhs_doc *d)
{
    const char *keys[] = {"id", "title", "path", "date", "source", "url",
                          "author", "text"};
    const char *vals[] = {d->id, d->title, d->path, d->date, d->source,
                          d->url, d->author, d->text};
    cJSON *o = cJSON_CreateObject();
    char *s;
    size_t i;

    for (i = 0; o && i < sizeof keys / sizeof keys[0]; i++)
        cJSON_AddItemToObject(o, keys[i], str_or_null(vals[i]));
    s = o ? zhs_json_escape_controls(cJSON_PrintUnformatted(o)) : NULL;
    cJSON_Delete(o);
    return s;
}

char *zhs_suggestions_json(const zhs_suggestions *sg)
{
    cJSON *o = cJSON_CreateObject(), *a, *it;
    char *s;
    size_t i;

    if (o == NULL)
        return NULL;
    cJSON_AddStringToObject(o, "query", sg->query);
    a = cJSON_AddArrayToObject(o, "suggestions");
    for (i = 0; a && i < sg->n; i++) {
        const zhs_suggestion *x = &sg->items[i];
        if ((it = cJSON_CreateObject()) == NULL)
            break;
        cJSON_AddStringToObject(it, "text", x->text);
        cJSON_AddStringToObject(it, "kind", x->kind);
        if (x->id)
            cJSON_AddStringToObject(it, "id", x->id);
        else
            cJSON_AddNumberToObject(it, "docs", x->docs);
        if (x->reading)
            cJSON_AddStringToObject(it, "reading", x->reading);
        cJSON_AddItemToArray(a, it);
    }
    cJSON_AddNumberToObject(o, "took_ms", round_to(sg->took_ms, 1e3));
    s = zhs_json_escape_controls(cJSON_PrintUnformatted(o));
    cJSON_Delete(o);
    return s;
}
