/* fuzz_http.c: libFuzzer target for the HTTP API's request handling
 * (src/api.c, the program's HTTP layer), the part of `zhsearch serve` that reads what clients send.
 *
 * The input is one request as libmicrohttpd hands it over, already
 * split and percent-decoded: a method chosen by the first byte, then the
 * path up to the first '?', then parameters separated by '&', each
 * NAME[=VALUE].  Bytes are taken as they are, NUL and invalid UTF-8
 * included.  The requests run against a small index built once.  Every
 * answer must be a known status with a body; errors must be JSON objects
 * with an "error" member.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "api.h"

#define MAX_PARAMS 64

static zhs_db *db;              /* libFuzzer runs inputs on one thread */

static void build_index(void)
{
    static const char *texts[] = {
        "援疆医疗队在阿克苏开展义诊。组团式援疆提升了医院的诊疗能力。",
        "上海市第十批援疆队员圆满完成任务。PET-CT 与 5G 远程会诊。",
        "鐵門關市人民醫院托管共建，河北医科大学第三医院。",
    };
    char dir[] = "/tmp/zhs-fuzz-http-XXXXXX", id[16];
    zhs_writer *w = NULL;
    size_t i;

    if (mkdtemp(dir) == NULL || zhs_writer_open(dir, &w, NULL) != ZHS_OK)
        abort();
    for (i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        zhs_doc d = {0};
        snprintf(id, sizeof id, "doc-%zu", i);
        d.id = id;
        d.title = i == 0 ? "<script>alert(1)</script>援疆" : "医院";
        d.date = i == 1 ? "2024-06-01" : NULL;
        d.source = "新疆日报";
        d.text = texts[i];
        d.text_len = strlen(texts[i]);
        if (zhs_writer_put(w, &d, NULL, NULL) != ZHS_OK)
            abort();
    }
    if (zhs_writer_commit(w, NULL) != ZHS_OK)
        abort();
    zhs_writer_close(w);
    if (zhs_db_open(dir, &db, NULL) != ZHS_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE",
                                    "OPTIONS", "get", ""};
    struct api_param p[MAX_PARAMS];
    struct api_response r;
    const char *s = (const char *)data, *end = s + size, *q;
    size_t np = 0;
    const char *method;

    if (db == NULL)
        build_index();
    if (size == 0)
        return 0;
    method = methods[data[0] % (sizeof methods / sizeof methods[0])];
    s++;
    q = memchr(s, '?', (size_t)(end - s));
    if (q == NULL)
        q = end;
    {
        const char *a = q < end ? q + 1 : end;
        while (a < end && np < MAX_PARAMS) {
            const char *amp = memchr(a, '&', (size_t)(end - a));
            const char *stop = amp ? amp : end;
            const char *eq = memchr(a, '=', (size_t)(stop - a));
            p[np].name = a;
            p[np].name_len = (size_t)((eq ? eq : stop) - a);
            p[np].value = eq ? eq + 1 : NULL;
            p[np].value_len = eq ? (size_t)(stop - eq - 1) : 0;
            np++;
            a = amp ? amp + 1 : end;
        }
    }
    api_handle(db, NULL, method, s, (size_t)(q - s), p, np, &r);
    if (r.body == NULL || r.type == NULL)
        abort();
    switch (r.status) {
    case 200: case 400: case 404: case 405: case 503: break;
    default: abort();
    }
    if (r.status != 200) {
        cJSON *o = cJSON_ParseWithLength(r.body, r.len);
        if (o == NULL || !cJSON_IsObject(cJSON_GetObjectItem(o, "error")))
            abort();
        cJSON_Delete(o);
    }
    api_response_clear(&r);
    return 0;
}
