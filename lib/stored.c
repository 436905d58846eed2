/* stored.c: the stored form of a document, written and read in one place.
 *
 * Each document's Xapian data is a JSON object with its fields and its
 * text: {"id", "title", "path", "date", "source", "url", "author",
 * "origin", "text"}, null for a field it does not have.  It is what
 * search results, zhs_db_get, scans, completions and zhs_rebuild read
 * back, so the text never needs the source file again.
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "zhs-int.h"

/* The stored JSON's keys, in order, and where each goes in a zhs_doc. */
#define STORED_FIELDS(d)                                                    \
    {"id", &(d)->id}, {"title", &(d)->title}, {"path", &(d)->path},         \
    {"date", &(d)->date}, {"source", &(d)->source}, {"url", &(d)->url},     \
    {"author", &(d)->author}, {"origin", &(d)->origin}

struct field {
    const char *key;
    const char **value;
};

char *zhsi_stored_encode(const zhs_doc *d)
{
    zhs_doc copy = *d;                  /* STORED_FIELDS wants pointers */
    const struct field fields[] = {STORED_FIELDS(&copy)};
    cJSON *o = cJSON_CreateObject();
    char *text = malloc(d->text_len + 1), *json = NULL;
    size_t i;

    if (o == NULL || text == NULL)
        goto out;
    /* NUL characters (white space to the normalizer) are stored as
     * spaces, so that the text survives as a C string */
    for (i = 0; i < d->text_len; i++)
        text[i] = d->text[i] ? d->text[i] : ' ';
    text[d->text_len] = '\0';
    for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const char *v = *fields[i].value;
        if (!(v ? cJSON_AddStringToObject(o, fields[i].key, v)
                : cJSON_AddNullToObject(o, fields[i].key)))
            goto out;
    }
    if (cJSON_AddStringToObject(o, "text", text))
        json = cJSON_PrintUnformatted(o);
out:
    cJSON_Delete(o);
    free(text);
    return json;
}

zhs_status zhsi_stored_decode(const char *data, size_t len,
                              zhs_file_doc **out, char **errmsg)
{
    cJSON *o = cJSON_ParseWithLength(data, len);
    zhs_file_doc *fd = NULL;
    const cJSON *text;
    zhs_status st = ZHS_OK;
    size_t i;

    *out = NULL;
    if (o == NULL || !cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return zhsi_fail(errmsg, ZHS_ECORRUPT, "stored document is not a "
                         "JSON object");
    }
    if ((fd = calloc(1, sizeof *fd)) == NULL) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    {
        const struct field fields[] = {STORED_FIELDS(&fd->doc)};
        for (i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(o,
                                                              fields[i].key);
            if (zhsi_file_doc_set(fd, fields[i].value, cJSON_IsString(v)
                                                           ? v->valuestring
                                                           : NULL) < 0) {
                st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
                goto out;
            }
        }
    }
    text = cJSON_GetObjectItemCaseSensitive(o, "text");
    if (fd->doc.id == NULL || !cJSON_IsString(text)) {
        st = zhsi_fail(errmsg, ZHS_ECORRUPT, "stored document lacks id or "
                       "text");
        goto out;
    }
    if (zhsi_file_doc_set(fd, &fd->doc.text, text->valuestring) < 0) {
        st = zhsi_fail(errmsg, ZHS_ENOMEM, "out of memory");
        goto out;
    }
    fd->doc.text_len = strlen(fd->doc.text);
    *out = fd;
    fd = NULL;
out:
    zhs_file_doc_free(fd);
    cJSON_Delete(o);
    return st;
}

char *zhsi_file_doc_take(zhs_file_doc *fd, const char **field)
{
    size_t i;
    char *s;

    for (i = 0; *field && i < sizeof fd->bufs / sizeof fd->bufs[0]; i++)
        if (fd->bufs[i] == *field) {
            s = fd->bufs[i];
            fd->bufs[i] = NULL;
            *field = NULL;
            return s;
        }
    return NULL;
}
