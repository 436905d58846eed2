/* python/zhsearch.c: the Python module zhsearch, over libzhsearch.
 *
 *     import zhsearch
 *     ix = zhsearch.open("index")
 *     r = ix.search("医疗 队", limit=20, sort="newest", facets="year")
 *     for line in ix.kwic("援疆", width=10): ...
 *     zhsearch.index("index", [{"id": "a", "text": "..."}])
 *
 * Every answer is the JSON object the zhsearch command prints for the
 * same question (search --json, kwic --json, stats --format json, show
 * --json), built by the same library function and read with Python's
 * json module, so the two cannot drift apart.  Every status but ZHS_OK
 * raises zhsearch.Error (QuerySyntaxError for ZHS_EQUERY).  The GIL is
 * released while the library works; a handle is one zhs_db, which is not
 * thread-safe, so each handle has a lock and threads that want to search
 * in parallel open a handle each.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <pythread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zhsearch.h>

static PyObject *Error;             /* zhsearch.Error */
static PyObject *QuerySyntaxError;  /* zhsearch.QuerySyntaxError(Error) */
static PyObject *json_loads;        /* json.loads */

/* Raises Error (or QuerySyntaxError) for st with msg (or the status's
 * own message), frees msg, returns NULL. */
static PyObject *raise_status(zhs_status st, char *msg)
{
    const char *text = msg ? msg : zhs_strerror(st);
    PyObject *cls = st == ZHS_EQUERY ? QuerySyntaxError : Error;
    PyObject *e;

    if (st == ZHS_STATUS_COUNT_) {      /* WITH_DB's CLOSED */
        free(msg);
        PyErr_SetString(PyExc_ValueError, "the index is closed");
        return NULL;
    }
    e = PyObject_CallFunction(cls, "s", text);

    if (e != NULL) {
        PyObject *code = PyUnicode_FromString(zhs_status_name(st));
        PyObject *num = PyLong_FromLong((long)st);
        PyObject *message = PyUnicode_FromString(text);
        int ok = code && num && message
                 && PyObject_SetAttrString(e, "code", code) == 0
                 && PyObject_SetAttrString(e, "status", num) == 0
                 && PyObject_SetAttrString(e, "message", message) == 0;
        Py_XDECREF(code);
        Py_XDECREF(num);
        Py_XDECREF(message);
        if (ok && st == ZHS_EQUERY) {
            /* the library's query messages say "at position N" (1-based
             * code points) */
            const char *p = strstr(text, "position ");
            PyObject *pos = p ? PyLong_FromLong(atol(p + 9))
                              : (Py_INCREF(Py_None), Py_None);
            ok = pos && PyObject_SetAttrString(e, "position", pos) == 0;
            Py_XDECREF(pos);
        }
        if (ok)
            PyErr_SetObject(cls, e);
        Py_DECREF(e);
    }
    free(msg);
    return NULL;
}

/* json.loads of a library JSON text (freed); NULL with MemoryError when
 * the library ran out of memory building it. */
static PyObject *from_json(char *json)
{
    PyObject *r;

    if (json == NULL)
        return PyErr_NoMemory();
    r = PyObject_CallFunction(json_loads, "s", json);
    free(json);
    return r;
}

/* The answer of a library call that printed json: the dict, or the
 * exception for st. */
static PyObject *answer(zhs_status st, char *msg, char *json)
{
    if (st != ZHS_OK) {
        free(json);
        return raise_status(st, msg);
    }
    free(msg);
    return from_json(json);
}

/* ---- zhsearch.Index ------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    zhs_db *db;                     /* NULL once closed */
    PyThread_type_lock lock;        /* one library call at a time */
} Index;

static PyTypeObject IndexType;

/* The status WITH_DB leaves in st when another thread closed the handle
 * while this one waited for it (raise_status makes it a ValueError). */
#define CLOSED ZHS_STATUS_COUNT_

/* Runs the statements with the GIL released and the handle's lock held,
 * unless the handle was closed meanwhile (st = CLOSED). */
#define WITH_DB(ix, ...)                                                   \
    do {                                                                   \
        Py_BEGIN_ALLOW_THREADS                                             \
        PyThread_acquire_lock((ix)->lock, WAIT_LOCK);                      \
        if ((ix)->db == NULL)                                              \
            st = CLOSED;                                                   \
        else {                                                             \
            __VA_ARGS__;                                                   \
        }                                                                  \
        PyThread_release_lock((ix)->lock);                                 \
        Py_END_ALLOW_THREADS                                               \
    } while (0)

static int check_open(Index *ix)
{
    if (ix->db != NULL)
        return 0;
    PyErr_SetString(PyExc_ValueError, "the index is closed");
    return -1;
}

static void Index_dealloc(Index *ix)
{
    zhs_db_close(ix->db);
    if (ix->lock)
        PyThread_free_lock(ix->lock);
    Py_TYPE(ix)->tp_free((PyObject *)ix);
}

/* A facets argument: None, "source,year" or an iterable of names. */
static int parse_facets(PyObject *f, unsigned *out)
{
    PyObject *joined = NULL;
    const char *s;
    int bad;

    *out = 0;
    if (f == NULL || f == Py_None)
        return 0;
    if (PyUnicode_Check(f)) {
        Py_INCREF(f);
        joined = f;
    } else {
        PyObject *sep = PyUnicode_FromString(",");
        if (sep == NULL)
            return -1;
        joined = PyUnicode_Join(sep, f);
        Py_DECREF(sep);
        if (joined == NULL)
            return -1;
    }
    s = PyUnicode_AsUTF8(joined);
    bad = s == NULL ? -1 : zhs_parse_facets(s, out);
    Py_DECREF(joined);
    if (s == NULL)
        return -1;
    if (bad) {
        raise_status(ZHS_EUSAGE, strdup("facets must name source, year or "
                                        "month"));
        return -1;
    }
    return 0;
}

static PyObject *Index_search(Index *ix, PyObject *args, PyObject *kw)
{
    static char *names[] = {"query", "limit", "offset", "sort", "facets",
                            "collapse", "snippets", NULL};
    const char *query, *sort = "relevance";
    unsigned limit = 10, offset = 0, snippets = 0;
    PyObject *facets = NULL;
    int collapse = 1;
    zhs_search_opts o;
    zhs_results *res = NULL;
    char *msg = NULL, *json = NULL;
    zhs_status st;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|IIsOpI", names, &query,
                                     &limit, &offset, &sort, &facets,
                                     &collapse, &snippets)
        || check_open(ix) < 0)
        return NULL;
    memset(&o, 0, sizeof o);
    o.limit = limit;
    o.offset = offset;
    o.max_snippets = snippets;
    o.no_collapse = !collapse;
    if (zhs_parse_sort(sort, &o.sort) < 0)
        return raise_status(ZHS_EUSAGE, strdup("sort must be relevance, "
                                               "newest or oldest"));
    if (parse_facets(facets, &o.facets) < 0)
        return NULL;
    WITH_DB(ix, {
        st = zhs_search(ix->db, query, &o, &res, &msg);
        if (st == ZHS_OK)
            json = zhs_results_json(res);
    });
    zhs_results_free(res);
    return answer(st, msg, json);
}

static PyObject *Index_kwic(Index *ix, PyObject *args, PyObject *kw)
{
    static char *names[] = {"query", "width", "sort", "limit", NULL};
    const char *query, *sort = "doc";
    zhs_kwic_opts o = {ZHS_KWIC_DEFAULT_WIDTH, ZHS_KWIC_DOC, ZHS_KWIC_ALL};
    PyObject *limit = Py_None, *list = NULL, *it;
    zhs_kwic_lines *k = NULL;
    char *msg = NULL, **lines = NULL;
    size_t i, n = 0;
    zhs_status st;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|IsO", names, &query,
                                     &o.width, &sort, &limit)
        || check_open(ix) < 0)
        return NULL;
    if (zhs_parse_kwic_sort(sort, &o.sort) < 0)
        return raise_status(ZHS_EUSAGE, strdup("sort must be doc, left or "
                                               "right"));
    if (limit != Py_None) {
        Py_ssize_t l = PyLong_AsSsize_t(limit);
        if (l == -1 && PyErr_Occurred())
            return NULL;
        if (l < 0)
            return raise_status(ZHS_EUSAGE, strdup("limit must be at least "
                                                   "0"));
        o.limit = (size_t)l;
    }
    WITH_DB(ix, {
        st = zhs_kwic(ix->db, query, &o, &k, &msg);
        if (st == ZHS_OK && (lines = calloc(k->n + 1, sizeof *lines))
                                == NULL)
            st = ZHS_ENOMEM;
        for (i = 0; st == ZHS_OK && i < k->n; i++, n++)
            if ((lines[i] = zhs_kwic_line_json(&k->lines[i])) == NULL)
                st = ZHS_ENOMEM;
    });
    zhs_kwic_free(k);
    if (st == ZHS_OK && (list = PyList_New((Py_ssize_t)n)) != NULL)
        for (i = 0; i < n; i++) {
            PyObject *d = from_json(lines[i]);
            lines[i] = NULL;
            if (d == NULL) {
                Py_CLEAR(list);
                break;
            }
            PyList_SET_ITEM(list, (Py_ssize_t)i, d);
        }
    for (i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    if (st != ZHS_OK)
        return raise_status(st, msg);
    free(msg);
    if (list == NULL)
        return NULL;
    it = PyObject_GetIter(list);
    Py_DECREF(list);
    return it;
}

static PyObject *Index_stats(Index *ix, PyObject *args, PyObject *kw)
{
    static char *names[] = {"terms", "by", NULL};
    PyObject *terms = Py_None, *seq = NULL;
    const char *by_name = "year", **tv = NULL;
    zhs_group by;
    zhs_counts *c = NULL;
    zhs_index_stats is;
    char *msg = NULL, *json = NULL;
    Py_ssize_t n = 0, i;
    zhs_status st;

    if (!PyArg_ParseTupleAndKeywords(args, kw, "|Os", names, &terms,
                                     &by_name)
        || check_open(ix) < 0)
        return NULL;
    if (zhs_parse_group(by_name, &by) < 0)
        return raise_status(ZHS_EUSAGE, strdup("by must be year, month or "
                                               "source"));
    if (terms != Py_None) {
        seq = PyUnicode_Check(terms)
              ? PyTuple_Pack(1, terms)
              : PySequence_Fast(terms, "terms must be a string or a "
                                       "sequence of strings");
        if (seq == NULL)
            return NULL;
        n = PySequence_Fast_GET_SIZE(seq);
        if ((tv = calloc((size_t)n + 1, sizeof *tv)) == NULL) {
            Py_DECREF(seq);
            return PyErr_NoMemory();
        }
        for (i = 0; i < n; i++)
            if ((tv[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(seq, i)))
                    == NULL) {
                free(tv);
                Py_DECREF(seq);
                return NULL;
            }
    }
    WITH_DB(ix, {
        if (n > 0) {
            st = zhs_count_terms(ix->db, by, tv, (size_t)n, &c, &msg);
            if (st == ZHS_OK)
                json = zhs_counts_json(c);
            zhs_counts_free(c);
        } else {
            st = zhs_index_stats_get(ix->db, NULL, &is, &msg);
            if (st == ZHS_OK) {
                json = zhs_index_stats_json(&is);
                zhs_index_stats_clear(&is);
            }
        }
    });
    free(tv);
    Py_XDECREF(seq);
    return answer(st, msg, json);
}

static PyObject *Index_get(Index *ix, PyObject *args)
{
    const char *id;
    zhs_file_doc *fd = NULL;
    char *msg = NULL, *json = NULL;
    zhs_status st;

    if (!PyArg_ParseTuple(args, "s", &id) || check_open(ix) < 0)
        return NULL;
    WITH_DB(ix, {
        st = zhs_db_get(ix->db, id, &fd, &msg);
        if (st == ZHS_ENOTFOUND)    /* the index is there, the id not: */
            st = ZHS_ENODOC;        /* as `zhsearch show` says it */
        if (st == ZHS_OK)
            json = zhs_doc_json(&fd->doc);
        zhs_file_doc_free(fd);
    });
    return answer(st, msg, json);
}

static PyObject *Index_reopen(Index *ix, PyObject *unused)
{
    char *msg = NULL;
    zhs_status st;

    (void)unused;
    if (check_open(ix) < 0)
        return NULL;
    WITH_DB(ix, st = zhs_db_reopen(ix->db, &msg));
    if (st != ZHS_OK)
        return raise_status(st, msg);
    Py_RETURN_NONE;
}

static PyObject *Index_close(Index *ix, PyObject *unused)
{
    zhs_db *db;

    (void)unused;
    Py_BEGIN_ALLOW_THREADS              /* after the call running now */
    PyThread_acquire_lock(ix->lock, WAIT_LOCK);
    db = ix->db;
    ix->db = NULL;
    PyThread_release_lock(ix->lock);
    zhs_db_close(db);
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *Index_enter(Index *ix, PyObject *unused)
{
    (void)unused;
    if (check_open(ix) < 0)
        return NULL;
    Py_INCREF(ix);
    return (PyObject *)ix;
}

static PyObject *Index_exit(Index *ix, PyObject *args)
{
    (void)args;
    return Index_close(ix, NULL);
}

static PyObject *Index_get_doc_count(Index *ix, void *closure)
{
    unsigned n = 0;
    zhs_status st = ZHS_OK;

    (void)closure;
    if (check_open(ix) < 0)
        return NULL;
    WITH_DB(ix, n = zhs_db_doc_count(ix->db));
    if (st != ZHS_OK)
        return raise_status(st, NULL);
    return PyLong_FromUnsignedLong(n);
}

static PyObject *Index_get_path(Index *ix, void *closure)
{
    char *path = NULL;
    zhs_status st = ZHS_OK;
    PyObject *r;

    (void)closure;
    if (check_open(ix) < 0)
        return NULL;
    WITH_DB(ix, path = strdup(zhs_db_path(ix->db)));
    if (st != ZHS_OK)
        return raise_status(st, NULL);
    if (path == NULL)
        return PyErr_NoMemory();
    r = PyUnicode_DecodeFSDefault(path);
    free(path);
    return r;
}

static PyMethodDef Index_methods[] = {
    {"search", (PyCFunction)(void (*)(void))Index_search,
     METH_VARARGS | METH_KEYWORDS,
     "search(query, limit=10, offset=0, sort='relevance', facets=None,\n"
     "       collapse=True, snippets=3) -> dict\n\n"
     "The object `zhsearch search --json` prints: query, total,\n"
     "total_is_estimate, offset, limit, took_ms, hits (rank, id, score,\n"
     "title, date, source, path, snippets with highlights, duplicates,\n"
     "duplicate_ids) and facets when asked for.  sort: relevance, newest\n"
     "or oldest; facets: 'source,year,month' or a list of those names;\n"
     "collapse=False shows near-duplicates as hits of their own."},
    {"kwic", (PyCFunction)(void (*)(void))Index_kwic,
     METH_VARARGS | METH_KEYWORDS,
     "kwic(query, width=30, sort='doc', limit=None) -> iterator of dict\n\n"
     "Every occurrence of the query's strings in every matching document,\n"
     "as the lines of `zhsearch kwic --json`: id, rank, line, offset,\n"
     "left, match, right.  sort: doc, left or right."},
    {"stats", (PyCFunction)(void (*)(void))Index_stats,
     METH_VARARGS | METH_KEYWORDS,
     "stats(terms=None, by='year') -> dict\n\n"
     "With terms (a query or a list of queries): documents and\n"
     "occurrences of each per year, month or source, as `zhsearch stats\n"
     "--format json TERM...`; without: figures on the index."},
    {"get", (PyCFunction)Index_get, METH_VARARGS,
     "get(id) -> dict\n\nThe stored document, as `zhsearch show --json`."},
    {"reopen", (PyCFunction)Index_reopen, METH_NOARGS,
     "reopen()\n\nPicks up what writers committed since the open."},
    {"close", (PyCFunction)Index_close, METH_NOARGS,
     "close()\n\nLets go of the index; the handle can no longer be used."},
    {"__enter__", (PyCFunction)Index_enter, METH_NOARGS, NULL},
    {"__exit__", (PyCFunction)Index_exit, METH_VARARGS, NULL},
    {NULL, NULL, 0, NULL}
};

static PyGetSetDef Index_getset[] = {
    {"doc_count", (getter)Index_get_doc_count, NULL,
     "documents in the index as of the open or last reopen", NULL},
    {"path", (getter)Index_get_path, NULL, "the path it was opened with",
     NULL},
    {NULL, NULL, NULL, NULL, NULL}
};

static PyTypeObject IndexType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "zhsearch.Index",
    .tp_basicsize = sizeof(Index),
    .tp_dealloc = (destructor)Index_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An open index (zhsearch.open).  One library call at a time\n"
              "runs on a handle; open one per thread to search in parallel.",
    .tp_methods = Index_methods,
    .tp_getset = Index_getset,
};

/* ---- module functions ----------------------------------------------- */

static PyObject *mod_open(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "allow_partial", "timeout_ms", NULL};
    PyObject *path_obj;
    const char *path;
    zhs_open_opts oo = {0, 0};
    Index *ix;
    zhs_db *db = NULL;
    char *msg = NULL;
    zhs_status st;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&|pI", names,
                                     PyUnicode_FSConverter, &path_obj,
                                     &oo.allow_partial, &oo.timeout_ms))
        return NULL;
    path = PyBytes_AS_STRING(path_obj);
    Py_BEGIN_ALLOW_THREADS
    st = zhs_db_open_ex(path, &oo, &db, &msg);
    Py_END_ALLOW_THREADS
    Py_DECREF(path_obj);
    if (st != ZHS_OK)
        return raise_status(st, msg);
    free(msg);
    if ((ix = PyObject_New(Index, &IndexType)) == NULL) {
        zhs_db_close(db);
        return NULL;
    }
    ix->db = db;
    if ((ix->lock = PyThread_allocate_lock()) == NULL) {
        Py_DECREF(ix);
        return PyErr_NoMemory();
    }
    return (PyObject *)ix;
}

/* zhsearch.index(path, records): each record (a dict of JSON Lines
 * fields) goes through json.dumps and zhs_jsonl_record, so it is read by
 * exactly the rules of a JSON Lines file; all of them are put and then
 * committed once.  A record the reader refuses raises Error (EREJECTED,
 * .record its 0-based place) and nothing is committed. */
static PyObject *mod_index(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *names[] = {"path", "records", NULL};
    PyObject *path_obj, *records, *it = NULL, *rec, *dumps = NULL;
    PyObject *json_mod = NULL, *dkw = NULL, *result = NULL;
    const char *path;
    zhs_writer *w = NULL;
    zhs_jsonl *j = NULL;
    unsigned long counts[3] = {0, 0, 0};
    char *msg = NULL;
    zhs_status st;

    (void)self;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "O&O", names,
                                     PyUnicode_FSConverter, &path_obj,
                                     &records))
        return NULL;
    path = PyBytes_AS_STRING(path_obj);
    if ((it = PyObject_GetIter(records)) == NULL
        || (json_mod = PyImport_ImportModule("json")) == NULL
        || (dumps = PyObject_GetAttrString(json_mod, "dumps")) == NULL
        || (dkw = Py_BuildValue("{s:O}", "ensure_ascii", Py_False)) == NULL)
        goto out;
    Py_BEGIN_ALLOW_THREADS
    st = zhs_writer_open(path, &w, &msg);
    if (st == ZHS_OK)
        st = zhs_jsonl_new("records", &j, &msg);
    Py_END_ALLOW_THREADS
    if (st != ZHS_OK) {
        raise_status(st, msg);
        msg = NULL;
        goto out;
    }
    while ((rec = PyIter_Next(it)) != NULL) {
        PyObject *tuple, *line;
        const char *s;
        Py_ssize_t len;
        zhs_file_doc *fd = NULL;
        zhs_outcome outcome = ZHS_ADDED;
        const char *warning;

        if (!PyDict_Check(rec)) {
            PyErr_Format(PyExc_TypeError, "record %lu is a %s, not a dict",
                         zhs_jsonl_line(j), Py_TYPE(rec)->tp_name);
            Py_DECREF(rec);
            goto out;
        }
        tuple = PyTuple_Pack(1, rec);
        Py_DECREF(rec);
        line = tuple ? PyObject_Call(dumps, tuple, dkw) : NULL;
        Py_XDECREF(tuple);
        if (line == NULL || (s = PyUnicode_AsUTF8AndSize(line, &len)) == NULL) {
            Py_XDECREF(line);
            goto out;
        }
        Py_BEGIN_ALLOW_THREADS
        st = zhs_jsonl_record(j, s, (size_t)len, &fd, &msg);
        if (st == ZHS_OK)
            st = zhs_writer_put(w, &fd->doc, &outcome, &msg);
        zhs_file_doc_free(fd);
        Py_END_ALLOW_THREADS
        Py_DECREF(line);
        if (st != ZHS_OK) {
            unsigned long at = zhs_jsonl_line(j) - 1;
            raise_status(st, msg);
            msg = NULL;
            if (PyErr_Occurred()) {
                PyObject *t, *v, *tb, *n = PyLong_FromUnsignedLong(at);
                PyErr_Fetch(&t, &v, &tb);
                PyErr_NormalizeException(&t, &v, &tb);
                if (n && v)
                    PyObject_SetAttrString(v, "record", n);
                Py_XDECREF(n);
                PyErr_Restore(t, v, tb);
            }
            goto out;
        }
        counts[outcome]++;
        if ((warning = zhs_jsonl_warning(j)) != NULL
            && PyErr_WarnEx(PyExc_UserWarning, warning, 1) < 0)
            goto out;
    }
    if (PyErr_Occurred())
        goto out;
    Py_BEGIN_ALLOW_THREADS
    st = zhs_writer_commit(w, &msg);
    Py_END_ALLOW_THREADS
    if (st != ZHS_OK) {
        raise_status(st, msg);
        msg = NULL;
        goto out;
    }
    result = Py_BuildValue("{s:k,s:k,s:k}", "added", counts[ZHS_ADDED],
                           "updated", counts[ZHS_UPDATED], "unchanged",
                           counts[ZHS_UNCHANGED]);
out:
    Py_BEGIN_ALLOW_THREADS
    zhs_writer_close(w);                /* uncommitted changes go */
    Py_END_ALLOW_THREADS
    zhs_jsonl_close(j);
    free(msg);
    Py_XDECREF(it);
    Py_XDECREF(dumps);
    Py_XDECREF(dkw);
    Py_XDECREF(json_mod);
    Py_DECREF(path_obj);
    return result;
}

static PyMethodDef mod_methods[] = {
    {"open", (PyCFunction)(void (*)(void))mod_open,
     METH_VARARGS | METH_KEYWORDS,
     "open(path, allow_partial=False, timeout_ms=0) -> Index\n\n"
     "Opens the index at path (a directory, or a stub of shards)."},
    {"index", (PyCFunction)(void (*)(void))mod_index,
     METH_VARARGS | METH_KEYWORDS,
     "index(path, records) -> dict\n\n"
     "Indexes an iterable of dicts with the fields of a JSON Lines record\n"
     "(id, title, text or content or body, date or time or pubdate,\n"
     "source, url, author) into the index at path, creating it, in one\n"
     "commit.  Returns {'added': n, 'updated': n, 'unchanged': n}.  A\n"
     "record that cannot be used raises Error (code 'EREJECTED', .record\n"
     "its place) and nothing is committed; dropped metadata warns."},
    {NULL, NULL, 0, NULL}
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "zhsearch",
    .m_doc = "Full-text search for Chinese text: the zhsearch library.\n\n"
             "Answers are the JSON objects of the zhsearch command, as dicts.\n"
             "Failures raise zhsearch.Error (.code: 'ENOINDEX', 'EQUERY', ...;\n"
             ".status: the number; .message), query syntax errors\n"
             "zhsearch.QuerySyntaxError with .position (1-based, code points).",
    .m_size = -1,
    .m_methods = mod_methods,
};

PyMODINIT_FUNC PyInit_zhsearch(void);
PyMODINIT_FUNC PyInit_zhsearch(void)
{
    PyObject *m, *json;

    if (PyType_Ready(&IndexType) < 0)
        return NULL;
    if ((m = PyModule_Create(&module)) == NULL)
        return NULL;
    if ((json = PyImport_ImportModule("json")) == NULL)
        goto fail;
    json_loads = PyObject_GetAttrString(json, "loads");
    Py_DECREF(json);
    if (json_loads == NULL)
        goto fail;
    Error = PyErr_NewExceptionWithDoc(
        "zhsearch.Error", "A zhsearch status other than OK: .code is its "
        "name ('ENOINDEX'),\n.status its number, .message the library's "
        "message.", NULL, NULL);
    QuerySyntaxError = Error ? PyErr_NewExceptionWithDoc(
        "zhsearch.QuerySyntaxError", "A malformed query (EQUERY); "
        ".position is where, in code points\nfrom 1.", Error, NULL) : NULL;
    if (QuerySyntaxError == NULL)
        goto fail;
    Py_INCREF(Error);
    Py_INCREF(QuerySyntaxError);
    Py_INCREF(&IndexType);
    if (PyModule_AddObject(m, "Error", Error) < 0
        || PyModule_AddObject(m, "QuerySyntaxError", QuerySyntaxError) < 0
        || PyModule_AddObject(m, "Index", (PyObject *)&IndexType) < 0
        || PyModule_AddStringConstant(m, "__version__", PACKAGE_VERSION) < 0)
        goto fail;
    return m;
fail:
    Py_DECREF(m);
    return NULL;
}
